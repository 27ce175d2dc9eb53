using System.Runtime.InteropServices;
using System.Text;

namespace EdgeSam.Video.Onnx.Native;

/// <summary>One place a native library could come from, in search order.</summary>
internal readonly record struct OrtLibraryCandidate(string PathOrName, string Origin, bool IsFile);

/// <summary>
/// Finds and loads libonnxruntime once per process, then exposes the C API table, the shared environment, the CPU
/// memory description and the default allocator. Nothing here throws while searching: a failure is recorded and
/// every later use throws the same <see cref="EdgeSamException"/> that names the places searched and
/// <c>EDGESAM_ORT_LIB</c>.
/// </summary>
internal static unsafe class OrtNative
{
    public const string LibraryEnvVar = "EDGESAM_ORT_LIB";

    public static string LibraryFileName =>
        OperatingSystem.IsWindows() ? "onnxruntime.dll" : OperatingSystem.IsMacOS() ? "libonnxruntime.dylib" : "libonnxruntime.so.1";

    private sealed record Loaded(OrtApi? Api, string? Path, string? Version, string? Error);

    private static readonly Lazy<Loaded> s_loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly object s_envLock = new();
    private static OrtEnvHandle? s_env;
    private static OrtMemoryInfoHandle? s_cpuMemoryInfo;
    private static IntPtr s_defaultAllocator;

    public static OrtApi Api => s_loaded.Value.Api ?? throw new EdgeSamException(s_loaded.Value.Error!);

    public static string LibraryPath
    {
        get { _ = Api; return s_loaded.Value.Path!; }
    }

    public static string Version
    {
        get { _ = Api; return s_loaded.Value.Version!; }
    }

    internal static OrtLoggingLevel LoggingLevel { get; private set; } = OrtLoggingLevel.Error;

    internal static bool EnvironmentCreated
    {
        get { lock (s_envLock) return s_env != null; }
    }

    internal static void SetLoggingLevel(OrtLoggingLevel level)
    {
        lock (s_envLock)
        {
            if (s_env != null && level != LoggingLevel)
                throw new InvalidOperationException("OrtRuntime.LoggingLevel must be set before the first ONNX Runtime session is created.");
            LoggingLevel = level;
        }
    }

    /// <summary>The process-wide OrtEnv (ORT allows one); created on first use and kept for the life of the process.</summary>
    public static OrtEnvHandle Env
    {
        get
        {
            lock (s_envLock)
            {
                if (s_env != null) return s_env;
                OrtApi api = Api;
                IntPtr env;
                fixed (byte* logId = "edgesam-video\0"u8)
                    OrtStatusCheck.ThrowIfError(api.CreateEnv((int)LoggingLevel, logId, &env), "creating the ONNX Runtime environment");
                s_env = new OrtEnvHandle(env);
                return s_env;
            }
        }
    }

    /// <summary>Describes ordinary CPU memory for tensors over caller buffers (device allocator, default memory type).</summary>
    public static OrtMemoryInfoHandle CpuMemoryInfo
    {
        get
        {
            lock (s_envLock)
            {
                if (s_cpuMemoryInfo != null) return s_cpuMemoryInfo;
                IntPtr info;
                const int OrtDeviceAllocator = 0, OrtMemTypeDefault = 0;
                OrtStatusCheck.ThrowIfError(Api.CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &info), "creating CPU memory info");
                s_cpuMemoryInfo = new OrtMemoryInfoHandle(info);
                return s_cpuMemoryInfo;
            }
        }
    }

    /// <summary>ORT's default CPU allocator (owned by ORT; never freed), used for strings ORT returns.</summary>
    public static IntPtr DefaultAllocator
    {
        get
        {
            lock (s_envLock)
            {
                if (s_defaultAllocator != IntPtr.Zero) return s_defaultAllocator;
                IntPtr a;
                OrtStatusCheck.ThrowIfError(Api.GetAllocatorWithDefaultOptions(&a), "getting the default allocator");
                s_defaultAllocator = a;
                return a;
            }
        }
    }

    /// <summary>Names of the execution providers compiled into the loaded library (e.g. "CPUExecutionProvider").</summary>
    public static string[] AvailableProviders()
    {
        OrtApi api = Api;
        byte** list;
        int count;
        OrtStatusCheck.ThrowIfError(api.GetAvailableProviders(&list, &count), "listing execution providers");
        try
        {
            var names = new string[count];
            for (int i = 0; i < count; i++) names[i] = OrtApi.Utf8(list[i]);
            return names;
        }
        finally
        {
            OrtStatusCheck.ThrowIfError(api.ReleaseAvailableProviders(list, count), "releasing the provider list");
        }
    }

    /// <summary>Search order: EDGESAM_ORT_LIB alone when set; else .native/onnxruntime/ found walking up from the app, then the system.</summary>
    internal static List<OrtLibraryCandidate> Candidates(string? envValue, string baseDirectory)
    {
        var list = new List<OrtLibraryCandidate>();
        if (!string.IsNullOrWhiteSpace(envValue))
        {
            // An explicit choice is never silently replaced by another library.
            list.Add(new OrtLibraryCandidate(Path.GetFullPath(envValue), LibraryEnvVar, IsFile: true));
            return list;
        }
        for (DirectoryInfo? d = new(baseDirectory); d != null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, ".native", "onnxruntime", LibraryFileName);
            if (File.Exists(p))
            {
                list.Add(new OrtLibraryCandidate(p, ".native/onnxruntime above the application", IsFile: true));
                break;
            }
        }
        if (list.Count == 0)
            list.Add(new OrtLibraryCandidate(Path.Combine(baseDirectory, ".native", "onnxruntime", LibraryFileName),
                "nor in any folder above it", IsFile: true));
        list.Add(new OrtLibraryCandidate(LibraryFileName, "the system library path", IsFile: false));
        return list;
    }

    /// <summary>Tries each candidate in turn; returns the handle and path of the first that loads, or a one-line error.</summary>
    internal static (IntPtr Handle, string Path, string? Error) TryLoad(IReadOnlyList<OrtLibraryCandidate> candidates)
    {
        var tried = new List<string>();
        foreach (OrtLibraryCandidate c in candidates)
        {
            if (c.IsFile && !File.Exists(c.PathOrName))
            {
                tried.Add($"{c.PathOrName} ({c.Origin}): no such file");
                continue;
            }
            try
            {
                IntPtr h = NativeLibrary.Load(c.PathOrName);
                string path = c.IsFile ? c.PathOrName : (FindMappedPath(LibraryFileName) ?? $"{c.PathOrName} from {c.Origin}");
                return (h, path, null);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                tried.Add($"{c.PathOrName} ({c.Origin}): {OneLine(e.Message)}");
            }
        }
        string error = $"ONNX Runtime native library {LibraryFileName} could not be loaded; tried {string.Join("; ", tried)}. " +
                       $"Run src/bootstrap.sh to fetch it into .native/onnxruntime/, or set {LibraryEnvVar} to the path of a {LibraryFileName}.";
        return (IntPtr.Zero, "", error);
    }

    private static Loaded Load() => Load(Environment.GetEnvironmentVariable(LibraryEnvVar), AppContext.BaseDirectory);

    /// <summary>
    /// The whole lookup for a given EDGESAM_ORT_LIB value and application folder, without caching: null when a usable
    /// library is found, else the one-line error first use would throw. (Tests probe failure paths with it.)
    /// </summary>
    internal static string? ProbeLoadError(string? envValue, string baseDirectory) => Load(envValue, baseDirectory).Error;

    private static Loaded Load(string? envValue, string baseDirectory)
    {
        try
        {
            var (handle, path, error) = TryLoad(Candidates(envValue, baseDirectory));
            if (error != null) return new Loaded(null, null, null, error);
            if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out IntPtr getApiBase))
                return new Loaded(null, null, null, $"{path} is not an ONNX Runtime library (it has no OrtGetApiBase export); set {LibraryEnvVar} to a {LibraryFileName}.");
            // const OrtApiBase* OrtGetApiBase(void); OrtApiBase = { const OrtApi* (*GetApi)(uint32_t version); const char* (*GetVersionString)(void); }
            var apiBase = (IntPtr*)((delegate* unmanaged[Cdecl]<IntPtr>)getApiBase)();
            var getApi = (delegate* unmanaged[Cdecl]<uint, IntPtr>)apiBase[0];
            var getVersionString = (delegate* unmanaged[Cdecl]<byte*>)apiBase[1];
            string version = OrtApi.Utf8(getVersionString());
            IntPtr table = getApi(OrtApi.ApiVersion);
            if (table == IntPtr.Zero)
                return new Loaded(null, null, null,
                    $"ONNX Runtime {version} at {path} does not provide C API version {OrtApi.ApiVersion} (needs ONNX Runtime 1.{OrtApi.ApiVersion} or newer); set {LibraryEnvVar} to a newer {LibraryFileName}.");
            return new Loaded(new OrtApi(table), path, version, null);
        }
        catch (Exception e)
        {
            return new Loaded(null, null, null, $"ONNX Runtime could not be initialised: {OneLine(e.Message)}; set {LibraryEnvVar} to a working {LibraryFileName}.");
        }
    }

    /// <summary>The file a library loaded by bare name came from (Linux: /proc/self/maps), or null.</summary>
    private static string? FindMappedPath(string fileName)
    {
        try
        {
            if (!File.Exists("/proc/self/maps")) return null;
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.EndsWith(fileName, StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (IOException) { }
        return null;
    }

    internal static string OneLine(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Copies a string as NUL-terminated UTF-8 into a pinned array (address stable for the array's life).</summary>
    internal static byte[] PinnedUtf8(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte[] bytes = GC.AllocateArray<byte>(n + 1, pinned: true);
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
