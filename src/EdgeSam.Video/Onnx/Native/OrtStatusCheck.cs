namespace EdgeSam.Video.Onnx.Native;

/// <summary>
/// The one place every <c>OrtStatus*</c> returned by the C API is checked: null means success; otherwise the code and
/// message are read, the status is released (it is owned by the caller), and an <see cref="OrtException"/> is thrown.
/// </summary>
internal static unsafe class OrtStatusCheck
{
    /// <param name="status">The OrtStatus* a C API call returned.</param>
    /// <param name="context">What was being done, prefixed to ORT's message (e.g. "running model 'x.onnx'").</param>
    public static void ThrowIfError(IntPtr status, string? context = null)
    {
        if (status == IntPtr.Zero) return;
        throw ToException(status, context);
    }

    /// <summary>Converts and releases a non-null status (for callers that must clean up before throwing).</summary>
    public static OrtException ToException(IntPtr status, string? context)
    {
        OrtApi api = OrtNative.Api;
        try
        {
            var code = (OrtErrorCode)api.GetErrorCode(status);
            string message = OrtApi.Utf8(api.GetErrorMessage(status));
            return new OrtException(code, message, context);
        }
        finally
        {
            api.ReleaseStatus(status);
        }
    }
}
