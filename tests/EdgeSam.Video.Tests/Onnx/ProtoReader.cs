using System.Buffers.Binary;
using System.Text;

namespace EdgeSam.Video.Tests.Onnx;

/// <summary>
/// Test-side protobuf decoder, independent of the builder's encoder: splits a message into (field, wire type,
/// payload) so tests can check the ONNX structure the builder wrote field by field.
/// </summary>
internal sealed class ProtoMessage
{
    public readonly List<(int Field, int Wire, ulong Varint, byte[] Bytes)> Fields = [];

    public static ProtoMessage Parse(ReadOnlySpan<byte> data)
    {
        var m = new ProtoMessage();
        int pos = 0;
        while (pos < data.Length)
        {
            ulong key = ReadVarint(data, ref pos);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: m.Fields.Add((field, wire, ReadVarint(data, ref pos), [])); break;
                case 2:
                    int len = checked((int)ReadVarint(data, ref pos));
                    m.Fields.Add((field, wire, 0, data.Slice(pos, len).ToArray()));
                    pos += len;
                    break;
                case 5: m.Fields.Add((field, wire, BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]), [])); pos += 4; break;
                case 1: m.Fields.Add((field, wire, BinaryPrimitives.ReadUInt64LittleEndian(data[pos..]), [])); pos += 8; break;
                default: throw new InvalidDataException($"wire type {wire} at {pos}");
            }
        }
        return m;
    }

    public static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
    }

    public IEnumerable<ProtoMessage> Messages(int field) => Fields.Where(f => f.Field == field && f.Wire == 2).Select(f => Parse(f.Bytes));
    public ProtoMessage Message(int field) => Messages(field).Single();
    public IEnumerable<string> Strings(int field) => Fields.Where(f => f.Field == field && f.Wire == 2).Select(f => Encoding.UTF8.GetString(f.Bytes));
    public string String(int field) => Strings(field).Single();
    public IEnumerable<long> Varints(int field) => Fields.Where(f => f.Field == field && f.Wire == 0).Select(f => unchecked((long)f.Varint));
    public long Varint(int field) => Varints(field).Single();
    public float Float(int field) => BitConverter.UInt32BitsToSingle((uint)Fields.Single(f => f.Field == field && f.Wire == 5).Varint);
    public byte[] Bytes(int field) => Fields.Single(f => f.Field == field && f.Wire == 2).Bytes;
    public bool Has(int field) => Fields.Any(f => f.Field == field);
}
