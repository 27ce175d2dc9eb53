using EdgeSam.Video.Onnx.Native;

namespace EdgeSam.Video.Onnx;

/// <summary>
/// Per-run settings (ORT's OrtRunOptions): a log tag, a log level, and a terminate flag another thread can raise
/// to make runs using these options stop early with an error (e.g. on Ctrl+C). Reusable across runs.
/// </summary>
public sealed unsafe class OrtRunOptions : IDisposable
{
    private readonly OrtRunOptionsHandle _handle;

    public OrtRunOptions()
    {
        IntPtr raw;
        OrtStatusCheck.ThrowIfError(OrtNative.Api.CreateRunOptions(&raw), "creating run options");
        _handle = new OrtRunOptionsHandle(raw);
    }

    internal OrtRunOptionsHandle Handle => _handle;

    /// <summary>Tag shown in ORT's log lines for runs using these options.</summary>
    public string Tag
    {
        get
        {
            byte* tag;
            OrtStatusCheck.ThrowIfError(OrtNative.Api.RunOptionsGetRunTag(_handle.Pointer, &tag), "reading the run tag");
            return OrtApi.Utf8(tag);
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            fixed (byte* p = OrtNative.PinnedUtf8(value))
                OrtStatusCheck.ThrowIfError(OrtNative.Api.RunOptionsSetRunTag(_handle.Pointer, p), "setting the run tag");
        }
    }

    /// <summary>Log severity for runs using these options.</summary>
    public void SetLogSeverityLevel(OrtLoggingLevel level) =>
        OrtStatusCheck.ThrowIfError(OrtNative.Api.RunOptionsSetRunLogSeverityLevel(_handle.Pointer, (int)level), "setting the run log level");

    /// <summary>Makes current and later runs with these options fail as soon as possible (thread-safe).</summary>
    public void Terminate() => OrtStatusCheck.ThrowIfError(OrtNative.Api.RunOptionsSetTerminate(_handle.Pointer), "terminating a run");

    /// <summary>Clears <see cref="Terminate"/> so the options can be used again.</summary>
    public void ClearTerminate() => OrtStatusCheck.ThrowIfError(OrtNative.Api.RunOptionsUnsetTerminate(_handle.Pointer), "clearing run termination");

    public void Dispose() => _handle.Dispose();
}
