using System.Buffers.Binary;
using System.Text;

namespace EdgeSam.Video.Onnx.Builder;

/// <summary>
/// Minimal protocol-buffers encoder: just the wire types ONNX's messages need. A field is a key
/// <c>(field_number &lt;&lt; 3) | wire_type</c> as a varint, then the payload: wire type 0 = varint (int32/int64/enum;
/// negative values are sign-extended to 64 bits, so 10 bytes), 2 = length-delimited (string, bytes, nested
/// message), 5 = 32-bit little-endian (float). Nested messages are encoded into their own writer first so their
/// length prefix is known; the models built here are small, so the extra copy does not matter.
/// </summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private byte[] _buffer = new byte[256];
    private int _length;

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>int64, int32 and enum fields (proto2 encodes negative int32 sign-extended, as int64).</summary>
    public void WriteInt64(int field, long value)
    {
        WriteKey(field, WireVarint);
        WriteVarint(unchecked((ulong)value));
    }

    public void WriteFloat(int field, float value)
    {
        WriteKey(field, WireFixed32);
        Span<byte> dest = Reserve(4);
        BinaryPrimitives.WriteSingleLittleEndian(dest, value);
    }

    public void WriteString(int field, string value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteKey(field, WireLengthDelimited);
        WriteVarint((ulong)byteCount);
        Encoding.UTF8.GetBytes(value, Reserve(byteCount));
    }

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteKey(field, WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    public void WriteMessage(int field, ProtoWriter message) => WriteBytes(field, message.WrittenSpan);

    internal void WriteKey(int field, int wireType)
    {
        if (field <= 0 || field > 0x1FFFFFFF) throw new ArgumentOutOfRangeException(nameof(field));
        WriteVarint(((ulong)field << 3) | (uint)wireType);
    }

    internal void WriteVarint(ulong value)
    {
        Span<byte> tmp = stackalloc byte[10];
        int n = 0;
        while (value >= 0x80)
        {
            tmp[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        tmp[n++] = (byte)value;
        tmp[..n].CopyTo(Reserve(n));
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            long newSize = Math.Max((long)_buffer.Length * 2, (long)_length + count);
            if (newSize > Array.MaxLength) throw new InvalidOperationException("ONNX model larger than 2 GB cannot be written as one protobuf message.");
            Array.Resize(ref _buffer, (int)newSize);
        }
        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
