using System.Text.RegularExpressions;
using Ort = Microsoft.ML.OnnxRuntime;

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
/// An error ONNX Runtime reported. <see cref="Exception.Message"/> is one line: the operation it happened in (model
/// path, input name) and ORT's own message; <see cref="ErrorCode"/> and <see cref="OrtMessage"/> carry ORT's code and text.
/// </summary>
public sealed partial class OrtException : EdgeSamException
{
    public OrtException(OrtErrorCode errorCode, string ortMessage, string? context = null, Exception? inner = null)
        : base(Format(errorCode, ortMessage, context), inner!)
    {
        ErrorCode = errorCode;
        OrtMessage = ortMessage;
    }

    public OrtErrorCode ErrorCode { get; }

    /// <summary>The message as ORT wrote it, without the package's "[ErrorCode:...]" prefix (may span lines).</summary>
    public string OrtMessage { get; }

    /// <summary>
    /// The package's exception as one of ours. Its message reads "[ErrorCode:InvalidArgument] text"; the code is parsed
    /// from there because the package keeps the numeric code internal.
    /// </summary>
    internal static OrtException From(Ort.OnnxRuntimeException e, string? context)
    {
        Match m = CodePrefix().Match(e.Message);
        OrtErrorCode code = m.Success && Enum.TryParse(m.Groups[1].Value, out OrtErrorCode parsed) ? parsed : OrtErrorCode.Fail;
        string text = m.Success ? e.Message[m.Length..] : e.Message;
        return new OrtException(code, text, context, e);
    }

    private static string Format(OrtErrorCode code, string message, string? context)
    {
        // The CLI prints one line, so whitespace runs collapse to single spaces.
        string flat = OrtRuntime.OneLine(message);
        return context == null ? $"ONNX Runtime error ({code}): {flat}" : $"{context}: {flat} (ONNX Runtime {code})";
    }

    [GeneratedRegex(@"^\[ErrorCode:(\w+)\]\s*")]
    private static partial Regex CodePrefix();
}
