using System.Runtime.InteropServices;

namespace EdgeSam.Video.Onnx.Builder;

/// <summary>
/// A constant tensor for a model: an initializer or the value of a tensor attribute (e.g. of a <c>Constant</c>
/// node). Stored as ONNX <c>raw_data</c>: fixed-width little-endian elements in row-major order (this library
/// only runs on little-endian machines, so the CLR layout is copied as is).
/// </summary>
public sealed class OnnxTensor
{
    private OnnxTensor(TensorElementType elementType, long[] dims, byte[] rawData)
    {
        ElementType = elementType;
        Dims = dims;
        RawData = rawData;
    }

    public TensorElementType ElementType { get; }

    /// <summary>Row-major dimensions; empty for a scalar.</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>The elements as little-endian bytes.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    public static OnnxTensor Float(ReadOnlySpan<float> values, params long[] dims) => Create(values, dims);
    public static OnnxTensor Int64(ReadOnlySpan<long> values, params long[] dims) => Create(values, dims);
    public static OnnxTensor Int32(ReadOnlySpan<int> values, params long[] dims) => Create(values, dims);
    public static OnnxTensor UInt8(ReadOnlySpan<byte> values, params long[] dims) => Create(values, dims);

    /// <summary>A tensor of any fixed-width element type; <paramref name="values"/> must hold exactly prod(dims) elements.</summary>
    public static OnnxTensor Create<T>(ReadOnlySpan<T> values, params long[] dims) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian.");
        ArgumentNullException.ThrowIfNull(dims);
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw new ArgumentException($"tensor dims must be non-negative, got [{string.Join(",", dims)}]", nameof(dims));
            count = checked(count * d);
        }
        if (count != values.Length)
            throw new ArgumentException($"tensor of shape [{string.Join(",", dims)}] needs {count} values, got {values.Length}", nameof(values));
        return new OnnxTensor(TensorElementTypes.Of<T>(), (long[])dims.Clone(), MemoryMarshal.AsBytes(values).ToArray());
    }

    // TensorProto: dims = 1 (repeated int64), data_type = 2 (int32), name = 8 (string), raw_data = 9 (bytes).
    internal ProtoWriter Encode(string? name)
    {
        var w = new ProtoWriter();
        foreach (long d in Dims) w.WriteInt64(1, d);
        w.WriteInt64(2, (int)ElementType);
        if (name != null) w.WriteString(8, name);
        w.WriteBytes(9, RawData.Span);
        return w;
    }
}
