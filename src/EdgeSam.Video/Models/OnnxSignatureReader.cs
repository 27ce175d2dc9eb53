using System.Text;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Models;

/// <summary>
/// Reads a model's graph inputs and outputs straight from the ONNX protobuf, without ONNX Runtime: enough to check
/// a file against the manifest (and to learn an exporter's auto-generated output names) at the cost of reading a
/// few kilobytes. Weights are skipped by seeking, so a large model costs no more than a small one.
/// </summary>
/// <remarks>
/// Wire format facts used (onnx.proto3): ModelProto.graph = 7; GraphProto.initializer = 5, input = 11, output = 12;
/// TensorProto.name = 8; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1; TypeProto.Tensor.elem_type = 1,
/// shape = 2; TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2. Graph inputs that are also
/// initialisers (IR version &lt; 4 exports list weights as inputs) are not part of the signature.
/// </remarks>
public static class OnnxSignatureReader
{
    public static ModelSignature Read(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
            return Read(fs, path);
        }
        catch (IOException e) when (e is not EndOfStreamException)
        {
            throw new EdgeSamException($"cannot read model {path}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new EdgeSamException($"cannot read model {path}: {e.Message}", e);
        }
    }

    public static ModelSignature Read(Stream stream, string source)
    {
        try
        {
            var r = new ProtoReader(stream, stream.Length);
            while (r.Next(out int field, out int wire))
            {
                if (field == 7 && wire == 2)
                    return ReadGraph(r, r.EndOfField(), source);
                r.Skip(wire);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or OverflowException)
        {
            throw new EdgeSamException($"{source} is not a valid ONNX model ({e.Message}); delete it and fetch it again.", e);
        }
        throw new EdgeSamException($"{source} is not an ONNX model (no graph found); delete it and fetch it again.");
    }

    private static ModelSignature ReadGraph(ProtoReader r, long end, string source)
    {
        var inputs = new List<byte[]>();
        var outputs = new List<byte[]>();
        var initializers = new HashSet<string>(StringComparer.Ordinal);
        while (r.Position < end && r.Next(out int field, out int wire))
        {
            if (wire == 2 && field is 11 or 12)
                (field == 11 ? inputs : outputs).Add(r.ReadBytes(r.ReadLength()));
            else if (wire == 2 && field == 5)
            {
                long tensorEnd = r.EndOfField();
                while (r.Position < tensorEnd && r.Next(out int tf, out int tw))
                {
                    if (tf == 8 && tw == 2) initializers.Add(Encoding.UTF8.GetString(r.ReadBytes(r.ReadLength())));
                    else r.Skip(tw);
                }
                r.Seek(tensorEnd);
            }
            else
                r.Skip(wire);
        }
        if (r.Position != end)
            throw new InvalidDataException("graph length does not match its content");
        return new ModelSignature(
            inputs.Select(b => ReadValueInfo(b)).Where(t => !initializers.Contains(t.Name)).ToArray(),
            outputs.Select(b => ReadValueInfo(b)).ToArray());
    }

    private static TensorSpec ReadValueInfo(byte[] bytes)
    {
        var r = new ProtoReader(new MemoryStream(bytes, writable: false), bytes.Length);
        string name = "";
        TensorElementType type = TensorElementType.Undefined;
        var dims = new List<string>();
        while (r.Next(out int f, out int w))
        {
            if (f == 1 && w == 2) name = Encoding.UTF8.GetString(r.ReadBytes(r.ReadLength()));
            else if (f == 2 && w == 2)
            {
                long typeEnd = r.EndOfField();
                while (r.Position < typeEnd && r.Next(out int tf, out int tw))
                {
                    if (tf != 1 || tw != 2) { r.Skip(tw); continue; } // not a dense tensor (sequence, map...): type stays undefined
                    long tensorEnd = r.EndOfField();
                    while (r.Position < tensorEnd && r.Next(out int ef, out int ew))
                    {
                        if (ef == 1 && ew == 0) type = (TensorElementType)(int)r.ReadVarint();
                        else if (ef == 2 && ew == 2)
                        {
                            long shapeEnd = r.EndOfField();
                            while (r.Position < shapeEnd && r.Next(out int sf, out int sw))
                            {
                                if (sf != 1 || sw != 2) { r.Skip(sw); continue; }
                                long dimEnd = r.EndOfField();
                                string dim = "?";
                                while (r.Position < dimEnd && r.Next(out int df, out int dw))
                                {
                                    if (df == 1 && dw == 0) dim = ((long)r.ReadVarint()).ToString(System.Globalization.CultureInfo.InvariantCulture);
                                    else if (df == 2 && dw == 2)
                                    {
                                        string p = Encoding.UTF8.GetString(r.ReadBytes(r.ReadLength()));
                                        dim = p.Length == 0 ? "?" : p;
                                    }
                                    else r.Skip(dw);
                                }
                                dims.Add(dim);
                            }
                        }
                        else r.Skip(ew);
                    }
                }
            }
            else r.Skip(w);
        }
        return new TensorSpec(name, type, dims);
    }

    /// <summary>Protobuf wire-format reader over a seekable stream, bounded by <c>length</c>.</summary>
    private sealed class ProtoReader(Stream s, long length)
    {
        public long Position => s.Position;

        public bool Next(out int field, out int wire)
        {
            field = wire = 0;
            if (s.Position >= length) return false;
            ulong key = ReadVarint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            if (field == 0) throw new InvalidDataException($"field number 0 at byte {s.Position}");
            return true;
        }

        public ulong ReadVarint()
        {
            ulong v = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                int b = s.ReadByte();
                if (b < 0) throw new EndOfStreamException("truncated file");
                v |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return v;
            }
            throw new InvalidDataException("varint longer than 10 bytes");
        }

        public long ReadLength()
        {
            ulong n = ReadVarint();
            if (n > (ulong)(length - s.Position)) throw new EndOfStreamException("truncated file (a field runs past the end)");
            return (long)n;
        }

        /// <summary>Reads a length prefix and returns where that field's content ends.</summary>
        public long EndOfField()
        {
            long n = ReadLength();
            return s.Position + n;
        }

        public byte[] ReadBytes(long n)
        {
            var b = new byte[n];
            s.ReadExactly(b);
            return b;
        }

        public void Seek(long pos)
        {
            if (pos > length) throw new EndOfStreamException("truncated file");
            s.Position = pos;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: ReadVarint(); break;
                case 1: Seek(s.Position + 8); break;
                case 2: long n = ReadLength(); Seek(s.Position + n); break;
                case 5: Seek(s.Position + 4); break;
                default: throw new InvalidDataException($"unsupported wire type {wire} at byte {s.Position}");
            }
        }
    }
}
