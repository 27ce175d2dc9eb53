using System.Buffers;
using System.Runtime.InteropServices;

namespace EdgeSam.Video.Onnx.Native;

/// <summary>
/// Base of the SafeHandles that own one ORT object each. Release runs once (SafeHandle guarantees it, also under
/// concurrent Dispose, and from the finalizer if nobody disposed); disposing twice is a no-op.
/// </summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle(IntPtr raw) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(raw);

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The raw pointer for a C call; throws ObjectDisposedException once released.</summary>
    public IntPtr Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }
}

internal sealed unsafe class OrtEnvHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseEnv(handle); return true; }
}

internal sealed unsafe class OrtSessionOptionsHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseSessionOptions(handle); return true; }
}

internal sealed unsafe class OrtSessionHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseSession(handle); return true; }
}

internal sealed unsafe class OrtRunOptionsHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseRunOptions(handle); return true; }
}

internal sealed unsafe class OrtMemoryInfoHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseMemoryInfo(handle); return true; }
}

internal sealed unsafe class OrtModelMetadataHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseModelMetadata(handle); return true; }
}

internal sealed unsafe class OrtTypeInfoHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseTypeInfo(handle); return true; }
}

internal sealed unsafe class OrtTensorTypeAndShapeInfoHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseTensorTypeAndShapeInfo(handle); return true; }
}

internal sealed unsafe class OrtCudaProviderOptionsHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseCUDAProviderOptions(handle); return true; }
}

internal sealed unsafe class OrtTensorRtProviderOptionsHandle(IntPtr raw) : OrtHandle(raw)
{
    protected override bool ReleaseHandle() { OrtNative.Api.ReleaseTensorRTProviderOptions(handle); return true; }
}

/// <summary>A string ORT allocated with an <c>OrtAllocator</c> (e.g. a session's input name); freed with that allocator.</summary>
internal sealed unsafe class OrtAllocatedStringHandle : OrtHandle
{
    private readonly IntPtr _allocator;

    public OrtAllocatedStringHandle(IntPtr allocator, IntPtr raw) : base(raw) => _allocator = allocator;

    public string Value => OrtApi.Utf8((byte*)Pointer);

    protected override bool ReleaseHandle()
    {
        // AllocatorFree returns a status; a failure to free cannot be reported from a release path, so it is dropped.
        IntPtr status = OrtNative.Api.AllocatorFree(_allocator, (void*)handle);
        if (status != IntPtr.Zero) OrtNative.Api.ReleaseStatus(status);
        return true;
    }
}

/// <summary>
/// An OrtValue. When the tensor lies over managed memory, the handle also owns the pin of that memory and drops it
/// only after ReleaseValue, so ORT never sees the buffer move or get collected while the value exists.
/// </summary>
internal sealed unsafe class OrtValueHandle : OrtHandle
{
    private static long s_live;
    private MemoryHandle _pin;

    public OrtValueHandle(IntPtr raw, MemoryHandle pin = default) : base(raw)
    {
        _pin = pin;
        Interlocked.Increment(ref s_live);
    }

    /// <summary>OrtValues created and not yet released in this process (for leak checks).</summary>
    internal static long LiveCount => Interlocked.Read(ref s_live);

    protected override bool ReleaseHandle()
    {
        OrtNative.Api.ReleaseValue(handle);
        _pin.Dispose();
        Interlocked.Decrement(ref s_live);
        return true;
    }
}
