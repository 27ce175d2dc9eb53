using System.Buffers.Binary;
using System.IO.Compression;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Png;

/// <summary>
/// A deliberately naive PNG encoder for tests: any colour type, bit depth, filter and interlace, written from raw
/// sample values so the decoder is checked against an independent formulation of packing and filtering.
/// </summary>
internal static class TestPngBuilder
{
    /// <summary>Raw sample values, pixel-major (<c>(y * w + x) * channels + c</c>), each in 0 .. 2^depth - 1.</summary>
    public static byte[] Build(int w, int h, PngColorType type, int depth, int[] samples, bool interlace = false,
                               int filter = -1, Random? rng = null, byte[]? palette = null, int idatPieces = 1,
                               IEnumerable<(string Type, byte[] Data)>? beforeIdat = null)
    {
        rng ??= new Random(1);
        int ch = type switch { PngColorType.Gray => 1, PngColorType.Rgb => 3, PngColorType.Palette => 1, PngColorType.GrayAlpha => 2, _ => 4 };
        var raw = new MemoryStream();
        (int x0, int y0, int dx, int dy)[] passes = interlace
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)];
        int bpp = Math.Max(1, ch * depth / 8);
        foreach (var (x0, y0, dx, dy) in passes)
        {
            int pw = w > x0 ? (w - x0 + dx - 1) / dx : 0, ph = h > y0 ? (h - y0 + dy - 1) / dy : 0;
            if (pw == 0 || ph == 0) continue;
            int rowBytes = (pw * ch * depth + 7) / 8;
            byte[] prev = new byte[rowBytes];
            for (int j = 0; j < ph; j++)
            {
                int y = y0 + j * dy;
                byte[] line = new byte[rowBytes];
                int bit = 0;
                for (int i = 0; i < pw; i++)
                {
                    int x = x0 + i * dx;
                    for (int c = 0; c < ch; c++)
                    {
                        int v = samples[(y * w + x) * ch + c];
                        if (depth == 16) { line[bit / 8] = (byte)(v >> 8); line[bit / 8 + 1] = (byte)v; }
                        else line[bit / 8] |= (byte)(v << (8 - depth - bit % 8));
                        bit += depth;
                    }
                }
                int f = filter >= 0 ? filter : rng.Next(5);
                raw.WriteByte((byte)f);
                for (int i = 0; i < rowBytes; i++)
                {
                    int a = i >= bpp ? line[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                    int pred = f switch
                    {
                        0 => 0,
                        1 => a,
                        2 => b,
                        3 => (a + b) / 2,
                        _ => PaethRef(a, b, c),
                    };
                    raw.WriteByte((byte)(line[i] - pred));
                }
                prev = line;
            }
        }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zs.Write(raw.ToArray());
        byte[] idat = z.ToArray();

        var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = (byte)depth; ihdr[9] = (byte)type; ihdr[12] = interlace ? (byte)1 : (byte)0;
        Chunk(png, "IHDR", ihdr);
        if (palette != null) Chunk(png, "PLTE", palette);
        foreach (var (t, d) in beforeIdat ?? []) Chunk(png, t, d);
        int pieceLen = Math.Max(1, (idat.Length + idatPieces - 1) / idatPieces);
        for (int at = 0; at < idat.Length; at += pieceLen)
            Chunk(png, "IDAT", idat.AsSpan(at, Math.Min(pieceLen, idat.Length - at)).ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    // Written from the spec's wording (nearest of a, b, c to a + b - c; ties in the order a, b, c).
    private static int PaethRef(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    public static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> u = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(u, data.Length);
        s.Write(u);
        byte[] td = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        s.Write(td);
        BinaryPrimitives.WriteUInt32BigEndian(u, PngCrc32.Compute(td));
        s.Write(u);
    }

    /// <summary>Expected <see cref="PngImage.Samples"/> for raw sample values (16-bit big-endian, else one byte each).</summary>
    public static byte[] ExpectedSamples(int[] samples, int depth)
    {
        if (depth != 16) return samples.Select(v => (byte)v).ToArray();
        var b = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++) { b[2 * i] = (byte)(samples[i] >> 8); b[2 * i + 1] = (byte)samples[i]; }
        return b;
    }

    /// <summary>Chunk list of a PNG: (offset of the length field, type, data length).</summary>
    public static List<(int Offset, string Type, int Length)> Chunks(byte[] png)
    {
        var list = new List<(int, string, int)>();
        for (int p = 8; p + 12 <= png.Length;)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(p));
            list.Add((p, System.Text.Encoding.ASCII.GetString(png, p + 4, 4), len));
            if (len < 0 || p + 12L + len > png.Length) break;
            p += 12 + len;
        }
        return list;
    }

    /// <summary>Recomputes the CRC of every complete chunk (so mutations reach the decoder's deeper checks).</summary>
    public static void FixCrcs(byte[] png)
    {
        foreach (var (off, _, len) in Chunks(png))
        {
            if (len < 0 || off + 12L + len > png.Length) break;
            BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(off + 8 + len), PngCrc32.Compute(png.AsSpan(off + 4, len + 4)));
        }
    }
}
