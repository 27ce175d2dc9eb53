using EdgeSam.Video.Onnx.Native;

namespace EdgeSam.Video.Onnx;

/// <summary>ONNX Runtime's logging severities (<c>OrtLoggingLevel</c>): messages at or above the level are printed.</summary>
public enum OrtLoggingLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

/// <summary>
/// The loaded ONNX Runtime: where it came from, its version, its execution providers, and the process-wide logging level.
/// The library is looked up once, on first use: <c>EDGESAM_ORT_LIB</c> when set (and then only there), else
/// <c>.native/onnxruntime/libonnxruntime.so.1</c> in the nearest folder above the application, else the system library
/// path. If nothing loads, every member throws an <see cref="EdgeSamException"/> naming the places tried.
/// </summary>
public static class OrtRuntime
{
    /// <summary>The environment variable that points at a specific libonnxruntime.so.1 (e.g. a GPU build).</summary>
    public const string LibraryEnvironmentVariable = OrtNative.LibraryEnvVar;

    /// <summary>The C API version this binding requests from the library.</summary>
    public static uint ApiVersion => OrtApi.ApiVersion;

    /// <summary>Full path of the loaded native library.</summary>
    public static string LibraryPath => OrtNative.LibraryPath;

    /// <summary>The library's version string, e.g. "1.30.0".</summary>
    public static string Version => OrtNative.Version;

    /// <summary>Execution providers built into the loaded library, e.g. ["CPUExecutionProvider"].</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtNative.AvailableProviders();

    /// <summary>
    /// Severity from which ORT prints its own log lines to stderr (default <see cref="OrtLoggingLevel.Error"/>, so
    /// routine warnings stay out of the CLI's output). Must be set before the first session is created.
    /// </summary>
    public static OrtLoggingLevel LoggingLevel
    {
        get => OrtNative.LoggingLevel;
        set => OrtNative.SetLoggingLevel(value);
    }
}
