using System.Buffers;
using System.Runtime.InteropServices;
using EdgeSam.Video.Onnx.Native;

namespace EdgeSam.Video.Onnx;

/// <summary>
/// A tensor ORT can read or write: either over caller memory (no copy) or allocated by ORT as a run output.
/// <para>
/// Ownership: <see cref="CreateTensor{T}(Memory{T}, ReadOnlySpan{long})"/> pins the caller's memory and the value's
/// native handle holds that pin until the value is released (Dispose, or the finalizer as a last resort), so the buffer
/// cannot move while ORT may touch it; the caller keeps owning the buffer and must not reuse it for something else
/// while the value is alive. <see cref="CreateTensor(IntPtr, long, TensorElementType, ReadOnlySpan{long})"/> takes
/// native memory the caller keeps alive and fixed itself. Values returned by <see cref="OrtInferenceSession.Run(ReadOnlySpan{NamedOrtValue}, OrtRunOptions?)"/>
/// own ORT-allocated memory, freed on Dispose; spans from <see cref="GetTensorSpan{T}"/> are valid only until then.
/// </para>
/// </summary>
public sealed unsafe class OrtValue : IDisposable
{
    private readonly OrtValueHandle _handle;
    private readonly long[] _shape;
    private readonly void* _data;

    private OrtValue(OrtValueHandle handle, TensorElementType type, long[] shape, void* data, bool ortAllocated)
    {
        _handle = handle;
        ElementType = type;
        _shape = shape;
        _data = data;
        IsOrtAllocated = ortAllocated;
        ElementCount = ShapeElementCount(shape);
    }

    public TensorElementType ElementType { get; }

    /// <summary>The tensor's dimensions (row-major).</summary>
    public ReadOnlySpan<long> Shape => _shape;

    public long ElementCount { get; }

    /// <summary>True for run outputs ORT allocated; false for tensors over caller memory.</summary>
    public bool IsOrtAllocated { get; }

    public bool IsDisposed => _handle.IsClosed;

    internal OrtValueHandle Handle => _handle;

    /// <summary>A tensor over <paramref name="data"/> (pinned until this value is disposed). data.Length must equal prod(shape).</summary>
    public static OrtValue CreateTensor<T>(T[] data, params long[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        return CreateTensor(data.AsMemory(), shape);
    }

    /// <summary>A tensor over <paramref name="data"/> (pinned until this value is disposed). data.Length must equal prod(shape).</summary>
    public static OrtValue CreateTensor<T>(Memory<T> data, ReadOnlySpan<long> shape) where T : unmanaged
    {
        TensorElementType type = TensorElementTypes.Of<T>();
        long count = CheckShape(shape);
        if (count != data.Length)
            throw new ArgumentException($"a {OrtTensorInfo.Describe(type, shape)} tensor needs {count} elements, the buffer has {data.Length}", nameof(data));
        MemoryHandle pin = data.Pin();
        try
        {
            return Create((IntPtr)pin.Pointer, (long)data.Length * sizeof(T), type, shape, pin);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A tensor over native or already-pinned memory the caller keeps alive, fixed and unchanged in size until this value
    /// is disposed. <paramref name="byteLength"/> must equal prod(shape) * element size.
    /// </summary>
    public static OrtValue CreateTensor(IntPtr data, long byteLength, TensorElementType type, ReadOnlySpan<long> shape)
    {
        int size = TensorElementTypes.SizeOf(type);
        if (size == 0) throw new ArgumentOutOfRangeException(nameof(type), type, "only fixed-width element types can lie over caller memory");
        long count = CheckShape(shape);
        if (count * size != byteLength)
            throw new ArgumentException($"a {OrtTensorInfo.Describe(type, shape)} tensor needs {count * size} bytes, got {byteLength}", nameof(byteLength));
        if (data == IntPtr.Zero && byteLength > 0) throw new ArgumentNullException(nameof(data));
        return Create(data, byteLength, type, shape, default);
    }

    private static OrtValue Create(IntPtr data, long byteLength, TensorElementType type, ReadOnlySpan<long> shape, MemoryHandle pin)
    {
        OrtApi api = OrtNative.Api;
        IntPtr memInfo = OrtNative.CpuMemoryInfo.Pointer;
        IntPtr raw;
        fixed (long* s = shape)
            OrtStatusCheck.ThrowIfError(
                api.CreateTensorWithDataAsOrtValue(memInfo, (void*)data, (nuint)byteLength, s, (nuint)shape.Length, (int)type, &raw),
                $"creating a {OrtTensorInfo.Describe(type, shape)} tensor");
        return new OrtValue(new OrtValueHandle(raw, pin), type, shape.ToArray(), (void*)data, ortAllocated: false);
    }

    /// <summary>Wraps a value ORT allocated (takes ownership: released on Dispose, also when this throws).</summary>
    internal static OrtValue FromOrtOutput(IntPtr raw)
    {
        var handle = new OrtValueHandle(raw);
        try
        {
            OrtApi api = OrtNative.Api;
            int isTensor;
            OrtStatusCheck.ThrowIfError(api.IsTensor(raw, &isTensor), "inspecting a run output");
            if (isTensor == 0) throw new NotSupportedException("the model returned a non-tensor output (sequence or map), which this binding does not read.");
            IntPtr info;
            OrtStatusCheck.ThrowIfError(api.GetTensorTypeAndShape(raw, &info), "reading a run output's shape");
            (TensorElementType type, long[] shape, _) = ReadInfo(info);
            void* data;
            OrtStatusCheck.ThrowIfError(api.GetTensorMutableData(raw, &data), "reading a run output's data");
            return new OrtValue(handle, type, shape, data, ortAllocated: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        static (TensorElementType, long[], string?[]) ReadInfo(IntPtr info)
        {
            using var h = new OrtTensorTypeAndShapeInfoHandle(info);
            return OrtTensorInfo.ReadTypeAndShape(h.Pointer, symbols: false);
        }
    }

    /// <summary>The elements, writable, over the tensor's memory (caller buffer or ORT's); valid until Dispose.</summary>
    public Span<T> GetTensorSpan<T>() where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        TensorElementType requested = TensorElementTypes.Of<T>();
        if (requested != ElementType)
            throw new InvalidOperationException($"tensor holds {TensorElementTypes.Name(ElementType)} elements, not {TensorElementTypes.Name(requested)}");
        if (ElementCount > int.MaxValue) throw new NotSupportedException("tensor too large for a span");
        return new Span<T>(_data, (int)ElementCount);
    }

    /// <summary>The elements, read-only; valid until Dispose.</summary>
    public ReadOnlySpan<T> GetTensorData<T>() where T : unmanaged => GetTensorSpan<T>();

    /// <summary>A managed copy of the elements.</summary>
    public T[] ToArray<T>() where T : unmanaged => GetTensorSpan<T>().ToArray();

    /// <summary>Releases the native value, then (for caller memory) the pin.</summary>
    public void Dispose() => _handle.Dispose();

    public override string ToString() => OrtTensorInfo.Describe(ElementType, _shape) + (IsOrtAllocated ? " (ORT memory)" : " (caller memory)");

    private static long CheckShape(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor dimensions must be >= 0, got [{string.Join(",", shape.ToArray())}]", nameof(shape));
            count = checked(count * d);
        }
        return count;
    }

    private static long ShapeElementCount(long[] shape)
    {
        long count = 1;
        foreach (long d in shape) count *= d;
        return count;
    }
}

/// <summary>A value bound to a model input or output name for <see cref="OrtInferenceSession"/>.Run.</summary>
public readonly record struct NamedOrtValue(string Name, OrtValue Value)
{
    public static implicit operator NamedOrtValue((string Name, OrtValue Value) pair) => new(pair.Name, pair.Value);
}
