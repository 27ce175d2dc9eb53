namespace EdgeSam.Video.Onnx;

/// <summary>ONNX Runtime's <c>OrtErrorCode</c> values.</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
}

/// <summary>
/// An error ONNX Runtime reported through an <c>OrtStatus</c>. <see cref="Exception.Message"/> is one line: the
/// operation it happened in (model path, input name) and ORT's own message; <see cref="ErrorCode"/> and
/// <see cref="OrtMessage"/> carry ORT's code and text unchanged.
/// </summary>
public sealed class OrtException : EdgeSamException
{
    public OrtException(OrtErrorCode errorCode, string ortMessage, string? context = null)
        : base(Format(errorCode, ortMessage, context))
    {
        ErrorCode = errorCode;
        OrtMessage = ortMessage;
    }

    public OrtErrorCode ErrorCode { get; }

    /// <summary>The message exactly as ORT wrote it (may span lines).</summary>
    public string OrtMessage { get; }

    private static string Format(OrtErrorCode code, string message, string? context)
    {
        // ORT messages sometimes carry newlines or a "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT :" prefix of their own;
        // the CLI prints one line, so whitespace runs collapse to single spaces.
        string flat = string.Join(' ', message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return context == null ? $"ONNX Runtime error ({code}): {flat}" : $"{context}: {flat} (ONNX Runtime {code})";
    }
}
