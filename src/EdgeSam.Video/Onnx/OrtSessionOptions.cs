using System.Text;
using EdgeSam.Video.Onnx.Native;

namespace EdgeSam.Video.Onnx;

/// <summary>ORT graph optimisation levels (<c>GraphOptimizationLevel</c>; values as in the C API).</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    /// <summary>Everything, including layout transformations (e.g. blocked convolutions, ~23% faster EdgeSAM encoder on CPU).</summary>
    All = 99,
}

/// <summary>Where a session runs its nodes.</summary>
public enum ExecutionDevice
{
    /// <summary>ORT's CPU execution provider (always available).</summary>
    Cpu,
    /// <summary>NVIDIA CUDA execution provider; needs a GPU build of ONNX Runtime (see <c>EDGESAM_ORT_LIB</c>).</summary>
    Cuda,
    /// <summary>NVIDIA TensorRT execution provider, with CUDA for nodes TensorRT does not take; needs a GPU build.</summary>
    TensorRt,
}

/// <summary>
/// Settings for opening an <see cref="OrtInferenceSession"/>. A plain settings object: the native OrtSessionOptions is
/// built from it when a session is opened and released right after (ORT copies what it needs into the session).
/// </summary>
public sealed class OrtSessionOptions
{
    /// <summary>Threads used inside one node (0 = ORT's default, one per physical core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Threads used to run independent nodes in parallel (0 = ORT's default; only matters in parallel mode).</summary>
    public int InterOpThreads { get; set; }

    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.All;

    public ExecutionDevice ExecutionDevice { get; set; } = ExecutionDevice.Cpu;

    /// <summary>GPU ordinal for <see cref="ExecutionDevice.Cuda"/> and <see cref="ExecutionDevice.TensorRt"/>.</summary>
    public int DeviceId { get; set; }

    /// <summary>TensorRT only: build FP16 engines.</summary>
    public bool TensorRtFp16 { get; set; }

    /// <summary>TensorRT only: cache built engines in this folder (engine builds take minutes; strongly recommended).</summary>
    public string? TensorRtEngineCacheDirectory { get; set; }

    /// <summary>
    /// Whether idle ORT worker threads spin waiting for work (ORT's default, true). Spinning lowers latency but keeps
    /// cores busy between runs; turn it off when managed code runs between inferences on a machine with few cores.
    /// </summary>
    public bool AllowThreadSpinning { get; set; } = true;

    /// <summary>
    /// Extra session configuration entries (keys from ORT's onnxruntime_session_options_config_keys.h, e.g.
    /// "session.disable_prepacking" = "1"), applied after the settings above.
    /// </summary>
    public IDictionary<string, string> ConfigEntries { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Extra CUDA provider options (keys of OrtCUDAProviderOptionsV2, e.g. "cudnn_conv_algo_search" = "HEURISTIC",
    /// "gpu_mem_limit"), applied after <see cref="DeviceId"/>; used for Cuda and for TensorRT's CUDA fallback.
    /// </summary>
    public IDictionary<string, string> CudaProviderOptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Extra TensorRT provider options (keys of OrtTensorRTProviderOptionsV2, e.g. "trt_max_workspace_size",
    /// "trt_profile_min_shapes"/"trt_profile_opt_shapes"/"trt_profile_max_shapes" for dynamic inputs).
    /// </summary>
    public IDictionary<string, string> TensorRtProviderOptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Per-session log severity; null uses <see cref="OrtRuntime.LoggingLevel"/>.</summary>
    public OrtLoggingLevel? LogSeverityLevel { get; set; }

    /// <summary>CPU, 1 intra-op thread, all optimisations: deterministic and cheap on a shared machine (tests, small models).</summary>
    public static OrtSessionOptions SingleThreadedCpu() => new() { IntraOpThreads = 1, InterOpThreads = 1 };

    internal const string CudaProvider = "CUDAExecutionProvider";
    internal const string TensorRtProvider = "TensorrtExecutionProvider";

    /// <summary>Builds the native options; provider failures become one-line <see cref="EdgeSamException"/>s.</summary>
    internal unsafe OrtSessionOptionsHandle CreateNative()
    {
        if (IntraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "must be >= 0 (0 = ORT default)");
        if (InterOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(InterOpThreads), InterOpThreads, "must be >= 0 (0 = ORT default)");
        if (!Enum.IsDefined(GraphOptimizationLevel)) throw new ArgumentOutOfRangeException(nameof(GraphOptimizationLevel));
        if (!Enum.IsDefined(ExecutionDevice)) throw new ArgumentOutOfRangeException(nameof(ExecutionDevice));

        OrtApi api = OrtNative.Api;
        IntPtr raw;
        OrtStatusCheck.ThrowIfError(api.CreateSessionOptions(&raw), "creating session options");
        var options = new OrtSessionOptionsHandle(raw);
        try
        {
            IntPtr p = options.Pointer;
            OrtStatusCheck.ThrowIfError(api.SetIntraOpNumThreads(p, IntraOpThreads), "setting intra-op threads");
            OrtStatusCheck.ThrowIfError(api.SetInterOpNumThreads(p, InterOpThreads), "setting inter-op threads");
            OrtStatusCheck.ThrowIfError(api.SetSessionGraphOptimizationLevel(p, (int)GraphOptimizationLevel), "setting the graph optimisation level");
            if (!AllowThreadSpinning)
            {
                AddConfigEntry(api, p, "session.intra_op.allow_spinning", "0");
                AddConfigEntry(api, p, "session.inter_op.allow_spinning", "0");
            }
            foreach (var (key, value) in ConfigEntries) AddConfigEntry(api, p, key, value);
            if (LogSeverityLevel is { } level)
                OrtStatusCheck.ThrowIfError(api.SetSessionLogSeverityLevel(p, (int)level), "setting the session log level");
            switch (ExecutionDevice)
            {
                case ExecutionDevice.Cuda:
                    AppendCuda(api, p);
                    break;
                case ExecutionDevice.TensorRt:
                    // Provider order is preference order: TensorRT first, CUDA for the nodes TensorRT leaves (then CPU).
                    AppendTensorRt(api, p);
                    AppendCuda(api, p);
                    break;
            }
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    private static unsafe void AddConfigEntry(OrtApi api, IntPtr sessionOptions, string key, string value)
    {
        fixed (byte* k = OrtNative.PinnedUtf8(key))
        fixed (byte* v = OrtNative.PinnedUtf8(value))
            OrtStatusCheck.ThrowIfError(api.AddSessionConfigEntry(sessionOptions, k, v), $"setting session option {key}={value}");
    }

    private unsafe void AppendCuda(OrtApi api, IntPtr sessionOptions)
    {
        RequireProvider(CudaProvider, ExecutionDevice.Cuda);
        IntPtr raw;
        CheckProvider(api.CreateCUDAProviderOptions(&raw), CudaProvider);
        using var cuda = new OrtCudaProviderOptionsHandle(raw);
        var keys = new List<(string, string)> { ("device_id", DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        foreach (var (key, value) in CudaProviderOptions) keys.Add((key, value));
        UpdateProviderOptions(api.UpdateCUDAProviderOptions, cuda.Pointer, keys, CudaProvider);
        CheckProvider(api.SessionOptionsAppendExecutionProvider_CUDA_V2(sessionOptions, cuda.Pointer), CudaProvider);
    }

    private unsafe void AppendTensorRt(OrtApi api, IntPtr sessionOptions)
    {
        RequireProvider(TensorRtProvider, ExecutionDevice.TensorRt);
        IntPtr raw;
        CheckProvider(api.CreateTensorRTProviderOptions(&raw), TensorRtProvider);
        using var trt = new OrtTensorRtProviderOptionsHandle(raw);
        var keys = new List<(string, string)>
        {
            ("device_id", DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("trt_fp16_enable", TensorRtFp16 ? "1" : "0"),
        };
        if (!string.IsNullOrEmpty(TensorRtEngineCacheDirectory))
        {
            Directory.CreateDirectory(TensorRtEngineCacheDirectory);
            keys.Add(("trt_engine_cache_enable", "1"));
            keys.Add(("trt_engine_cache_path", Path.GetFullPath(TensorRtEngineCacheDirectory)));
        }
        foreach (var (key, value) in TensorRtProviderOptions) keys.Add((key, value));
        UpdateProviderOptions(api.UpdateTensorRTProviderOptions, trt.Pointer, keys, TensorRtProvider);
        CheckProvider(api.SessionOptionsAppendExecutionProvider_TensorRT_V2(sessionOptions, trt.Pointer), TensorRtProvider);
    }

    /// <summary>Fails before touching provider options when the library was built without the provider.</summary>
    private static void RequireProvider(string provider, ExecutionDevice device)
    {
        string[] available = OrtNative.AvailableProviders();
        if (Array.IndexOf(available, provider) < 0)
            throw new EdgeSamException(
                $"ExecutionDevice.{device} needs {provider}, but the ONNX Runtime library {OrtNative.LibraryPath} (version {OrtNative.Version}) " +
                $"only provides {string.Join(", ", available)}; set {OrtNative.LibraryEnvVar} to a GPU build of {OrtNative.LibraryFileName} " +
                "(e.g. from the onnxruntime-gpu package, with CUDA/cuDNN/TensorRT installed) or use the CPU device.");
    }

    /// <summary>
    /// A provider listed as built in can still fail to load: ORT loads it from provider libraries beside itself
    /// (libonnxruntime_providers_shared.so, libonnxruntime_providers_cuda.so, ..._tensorrt.so) and needs CUDA/cuDNN/TensorRT.
    /// </summary>
    private void CheckProvider(IntPtr status, string provider)
    {
        if (status == IntPtr.Zero) return;
        OrtException e = OrtStatusCheck.ToException(status, null);
        throw new EdgeSamException(
            $"ExecutionDevice.{ExecutionDevice}: the ONNX Runtime library {OrtNative.LibraryPath} lists {provider} but could not enable it " +
            $"({OrtNative.OneLine(e.OrtMessage)}); put its provider libraries (libonnxruntime_providers_shared.so and the CUDA/TensorRT ones) " +
            $"beside it with CUDA/cuDNN/TensorRT installed, or set {OrtNative.LibraryEnvVar} to a GPU build of {OrtNative.LibraryFileName}.", e);
    }

    private unsafe void UpdateProviderOptions(delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr> update,
        IntPtr providerOptions, List<(string Key, string Value)> entries, string provider)
    {
        var pinned = new List<byte[]>(entries.Count * 2);
        byte** keys = stackalloc byte*[entries.Count];
        byte** values = stackalloc byte*[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            byte[] k = OrtNative.PinnedUtf8(entries[i].Key), v = OrtNative.PinnedUtf8(entries[i].Value);
            pinned.Add(k);
            pinned.Add(v);
            fixed (byte* kp = k) keys[i] = kp;   // arrays are on the pinned object heap: the address outlives `fixed`
            fixed (byte* vp = v) values[i] = vp;
        }
        CheckProvider(update(providerOptions, keys, values, (nuint)entries.Count), provider);
        GC.KeepAlive(pinned);
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(ExecutionDevice).Append(", intra-op ").Append(IntraOpThreads == 0 ? "default" : IntraOpThreads.ToString(System.Globalization.CultureInfo.InvariantCulture))
          .Append(", inter-op ").Append(InterOpThreads == 0 ? "default" : InterOpThreads.ToString(System.Globalization.CultureInfo.InvariantCulture))
          .Append(", optimisation ").Append(GraphOptimizationLevel);
        if (ExecutionDevice != ExecutionDevice.Cpu) sb.Append(", device ").Append(DeviceId);
        return sb.ToString();
    }
}
