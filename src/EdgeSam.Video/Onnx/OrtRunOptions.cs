using Ort = Microsoft.ML.OnnxRuntime;

namespace EdgeSam.Video.Onnx;

/// <summary>
/// Per-run settings (the package's <c>RunOptions</c>): a log tag, a log level, and a terminate flag another thread can
/// raise to make runs using these options stop early with an error (e.g. on Ctrl+C). Reusable across runs.
/// </summary>
public sealed class OrtRunOptions : IDisposable
{
    private readonly Ort.RunOptions _options;

    public OrtRunOptions()
    {
        _ = OrtRuntime.Env;   // the environment carries the logging every ORT object reports through
        _options = new Ort.RunOptions();
    }

    internal Ort.RunOptions Native
    {
        get
        {
            ObjectDisposedException.ThrowIf(_options.IsClosed, this);
            return _options;
        }
    }

    /// <summary>Tag shown in ORT's log lines for runs using these options.</summary>
    public string Tag
    {
        get => Native.LogId;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Native.LogId = value;
        }
    }

    /// <summary>Log severity for runs using these options.</summary>
    public void SetLogSeverityLevel(OrtLoggingLevel level) => Native.LogSeverityLevel = (Ort.OrtLoggingLevel)level;

    /// <summary>Makes current and later runs with these options fail as soon as possible (thread-safe).</summary>
    public void Terminate() => Native.Terminate = true;

    /// <summary>Clears <see cref="Terminate"/> so the options can be used again.</summary>
    public void ClearTerminate() => Native.Terminate = false;

    public void Dispose() => _options.Dispose();
}
