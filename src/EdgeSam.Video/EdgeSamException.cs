namespace EdgeSam.Video;

/// <summary>
/// An error caused by the user's input or environment (a missing file, a malformed mask, a model that is not
/// installed). Its <see cref="Exception.Message"/> is one line that says what is wrong, where, and how to fix it;
/// the CLI prints exactly that line and exits non-zero, without a stack trace.
/// </summary>
public class EdgeSamException : Exception
{
    public EdgeSamException(string message) : base(message) { }
    public EdgeSamException(string message, Exception inner) : base(message, inner) { }
}
