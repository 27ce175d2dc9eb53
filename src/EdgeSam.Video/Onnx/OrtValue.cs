using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ort = Microsoft.ML.OnnxRuntime;

namespace EdgeSam.Video.Onnx;

/// <summary>
/// A tensor ORT can read or write: either over caller memory (no copy) or allocated by ORT as a run output. A thin
/// layer over the package's <c>OrtValue</c> that keeps the type and shape (read once, not per access) and checks
/// buffer against shape when created.
/// <para>
/// Ownership: <see cref="CreateTensor{T}(Memory{T}, ReadOnlySpan{long})"/> pins the caller's memory and holds that pin
/// until the value is disposed, so the buffer cannot move while ORT may touch it; the caller keeps owning the buffer and
/// must not reuse it for something else while the value is alive. <see cref="CreateTensor(IntPtr, long, TensorElementType, ReadOnlySpan{long})"/>
/// takes native memory the caller keeps alive and fixed itself. Values returned by
/// <see cref="OrtInferenceSession.Run(ReadOnlySpan{NamedOrtValue}, OrtRunOptions?)"/> own ORT-allocated memory, freed
/// on Dispose; spans from <see cref="GetTensorSpan{T}"/> are valid only until then.
/// </para>
/// </summary>
public sealed unsafe class OrtValue : IDisposable
{
    private static long _live;

    private readonly Ort.OrtValue _value;
    private readonly long[] _shape;
    private readonly void* _data;
    private MemoryHandle _pin;
    private int _disposed;

    private OrtValue(Ort.OrtValue value, TensorElementType type, long[] shape, void* data, bool ortAllocated, MemoryHandle pin)
    {
        _value = value;
        ElementType = type;
        _shape = shape;
        _data = data;
        _pin = pin;
        IsOrtAllocated = ortAllocated;
        ElementCount = ShapeElementCount(shape);
        Interlocked.Increment(ref _live);
    }

    /// <summary>Values created and not yet disposed, process-wide (a leak check for tests and benchmarks).</summary>
    internal static long LiveCount => Interlocked.Read(ref _live);

    public TensorElementType ElementType { get; }

    /// <summary>The tensor's dimensions (row-major).</summary>
    public ReadOnlySpan<long> Shape => _shape;

    public long ElementCount { get; }

    /// <summary>True for run outputs ORT allocated; false for tensors over caller memory.</summary>
    public bool IsOrtAllocated { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The package's value, for <see cref="OrtInferenceSession"/>'s runs.</summary>
    internal Ort.OrtValue Native
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return _value;
        }
    }

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
        long[] dims = shape.ToArray();
        Ort.OrtValue value;
        try
        {
            // CPU memory described by the package's default memory info: ORT reads and writes it in place, no copy.
            value = Ort.OrtValue.CreateTensorValueWithData(Ort.OrtMemoryInfo.DefaultInstance, (Ort.Tensors.TensorElementType)(int)type, dims, data, byteLength);
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw OrtException.From(e, $"creating a {OrtTensorInfo.Describe(type, shape)} tensor");
        }
        return new OrtValue(value, type, dims, (void*)data, ortAllocated: false, pin);
    }

    /// <summary>Wraps a value ORT allocated as a run output (takes ownership: disposed with this, also when this throws).</summary>
    internal static OrtValue FromOrtOutput(Ort.OrtValue value)
    {
        try
        {
            if (!value.IsTensor) throw new NotSupportedException("the model returned a non-tensor output (sequence or map), which this layer does not read.");
            Ort.OrtTensorTypeAndShapeInfo info = value.GetTensorTypeAndShape();
            var type = (TensorElementType)(int)info.ElementDataType;
            if (TensorElementTypes.SizeOf(type) == 0) throw new NotSupportedException($"the model returned a {TensorElementTypes.Name(type)} tensor, which this layer does not read.");
            void* data = Unsafe.AsPointer(ref MemoryMarshal.GetReference(value.GetTensorMutableRawData()));
            return new OrtValue(value, type, info.Shape, data, ortAllocated: true, default);
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    /// <summary>The elements, writable, over the tensor's memory (caller buffer or ORT's); valid until Dispose.</summary>
    public Span<T> GetTensorSpan<T>() where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
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

    /// <summary>Releases the native value, then (for caller memory) the pin. Safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _value.Dispose();
        _pin.Dispose();
        Interlocked.Decrement(ref _live);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A value nobody disposed: its pin would hold the caller's array in place forever. Unreachable, it can be in no run,
    /// so the pin is released here; the package's value has its own finalizer for the native side.
    /// </summary>
    ~OrtValue()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _pin.Dispose();
        Interlocked.Decrement(ref _live);
    }

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
