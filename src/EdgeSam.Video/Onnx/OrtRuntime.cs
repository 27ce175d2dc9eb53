using System.Text;
using Ort = Microsoft.ML.OnnxRuntime;

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
/// The process-wide ONNX Runtime (the <c>Microsoft.ML.OnnxRuntime</c> package; its native <c>libonnxruntime.so</c> is
/// the one in the application's <c>runtimes/linux-x64/native/</c>): version, execution providers, logging.
/// <para>
/// ORT's own log lines go through <see cref="Log"/> rather than straight to stderr: they are printed as plain lines from
/// <see cref="LoggingLevel"/> up, except inside <see cref="CaptureErrors{T}"/>, where they are kept so that a failure
/// can name its cause in the one line the user sees (e.g. the CUDA library the provider could not load).
/// </para>
/// </summary>
public static class OrtRuntime
{
    private static readonly Lock Gate = new();
    private static OrtLoggingLevel _level = OrtLoggingLevel.Error;
    private static Ort.OrtEnv? _env;
    // The delegate ORT calls back must outlive the environment (the process): a static field keeps it from collection.
    private static readonly Ort.DOrtLoggingFunction LogCallback = Log;

    [ThreadStatic] private static List<string>? _captured;

    /// <summary>The library's version string, e.g. "1.32.0".</summary>
    public static string Version => Env.GetVersionString();

    /// <summary>Execution providers built into the native library, e.g. ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"].
    /// Listed is not usable: CUDA and TensorRT load their own libraries (CUDA 13, cuDNN 9, TensorRT 10) when a session asks for them.</summary>
    public static IReadOnlyList<string> AvailableProviders => Env.GetAvailableProviders();

    /// <summary>
    /// Severity from which ORT's log lines are printed to stderr (default <see cref="OrtLoggingLevel.Error"/>, so routine
    /// warnings stay out of the CLI's output). May change at any time; applies to sessions created afterwards.
    /// </summary>
    public static OrtLoggingLevel LoggingLevel
    {
        get => _level;
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, null);
            lock (Gate)
            {
                _level = value;
                if (_env != null) _env.EnvLogLevel = (Ort.OrtLoggingLevel)value;
            }
        }
    }

    /// <summary>The environment, created on first use with this class's logging (every session needs it first).</summary>
    internal static Ort.OrtEnv Env
    {
        get
        {
            if (_env != null) return _env;
            lock (Gate)
            {
                if (_env == null)
                {
                    var options = new Ort.EnvironmentCreationOptions
                    {
                        logId = "edgesam-video",
                        logLevel = (Ort.OrtLoggingLevel)_level,
                        loggingFunction = LogCallback,
                    };
                    _env = Ort.OrtEnv.CreateInstanceWithOptions(ref options);
                }
                return _env;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> keeping the ORT log lines it causes on this thread instead of printing them; they
    /// come back with its result or with the exception, for a message that names the cause.
    /// </summary>
    internal static T CaptureErrors<T>(Func<T> action, out IReadOnlyList<string> logged)
    {
        List<string>? outer = _captured;
        var mine = new List<string>();
        _captured = mine;
        try
        {
            return action();
        }
        finally
        {
            _captured = outer;
            logged = mine;
        }
    }

    private static void Log(IntPtr param, Ort.OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        string line = OneLine(message);
        if (_captured is { } capture)
        {
            capture.Add(line);
            return;
        }
        if ((int)severity >= (int)_level)
            Console.Error.WriteLine($"onnxruntime {((OrtLoggingLevel)severity).ToString().ToLowerInvariant()}: {line}");
    }

    /// <summary>Whitespace runs (ORT messages carry newlines and colour codes' neighbours) folded to single spaces.</summary>
    internal static string OneLine(string message)
    {
        var sb = new StringBuilder(message.Length);
        foreach (string part in message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(part);
        }
        return sb.ToString();
    }
}
