using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeSam.Video.Media;

/// <summary>
/// The PNG reading worker behind <see cref="PngCodec"/>. Every chunk's length is checked against the bytes actually
/// present and its CRC verified before use; the sample buffer is sized from IHDR alone after the size limits are
/// checked; the zlib stream must inflate to exactly the bytes IHDR implies. Any defect becomes an
/// <see cref="EdgeSamException"/> naming the file.
/// </summary>
internal static class PngDecoder
{
    /// <summary>Largest width or height accepted.</summary>
    public const int MaxDimension = 16384;

    /// <summary>Largest decoded sample buffer accepted (bytes).</summary>
    public const long MaxSampleBytes = 512L << 20;

    private static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    private const uint IHDR = 0x49484452, PLTE = 0x504C5445, IDAT = 0x49444154, IEND = 0x49454E44, TRNS = 0x74524E53;

    // Adam7 passes: first column, first row, column step, row step.
    private static ReadOnlySpan<byte> Adam7 => [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];

    public static EdgeSamException Fail(string source, string problem) =>
        new($"{source}: invalid PNG: {problem} (re-export or re-download the file)");

    private readonly record struct Header(int Width, int Height, int BitDepth, PngColorType ColorType, bool Interlaced)
    {
        public int Channels => PngImage.ChannelsOf(ColorType);
        public int BitsPerPixel => Channels * BitDepth;
        /// <summary>Bytes one filter unit spans (the "bpp" of the filter formulas), at least 1.</summary>
        public int FilterStride => Math.Max(1, BitsPerPixel / 8);
        public long RowBytes(int width) => ((long)width * BitsPerPixel + 7) / 8;
    }

    public static PngImage Decode(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < Signature.Length)
            throw Fail(source, $"the file is {data.Length} bytes long, shorter than the PNG signature");
        if (!data[..8].SequenceEqual(Signature))
            throw Fail(source, "the file does not start with the PNG signature (it is not a PNG)");

        Header? header = null;
        byte[] palette = [];
        ushort[]? transparency = null;
        int idatCount = 0;
        var idatSegments = new List<(int Offset, int Length)>(4);
        bool idatClosed = false, sawEnd = false;
        long idatTotal = 0;

        int pos = 8, index = 0;
        while (pos < data.Length)
        {
            if (data.Length - pos < 12)
                throw Fail(source, $"truncated chunk at byte {pos} ({data.Length - pos} bytes left, a chunk needs at least 12)");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            ReadOnlySpan<byte> typeBytes = data.Slice(pos + 4, 4);
            string name = ChunkName(typeBytes);
            foreach (byte c in typeBytes)
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                    throw Fail(source, $"chunk at byte {pos} has an invalid type code {name}");
            if (length > int.MaxValue)
                throw Fail(source, $"chunk {name} at byte {pos} declares {length} bytes, more than PNG allows");
            if (length > data.Length - pos - 12L)
                throw Fail(source, $"chunk {name} at byte {pos} declares {length} bytes but only {Math.Max(0, data.Length - pos - 12)} follow (file truncated)");
            int len = (int)length;
            ReadOnlySpan<byte> body = data.Slice(pos + 8, len);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + len)..]);
            uint computed = PngCrc32.Compute(data.Slice(pos + 4, len + 4));
            if (stored != computed)
                throw Fail(source, $"CRC mismatch in chunk {name} at byte {pos} (file damaged)");

            uint type = BinaryPrimitives.ReadUInt32BigEndian(typeBytes);
            if (index == 0 && type != IHDR)
                throw Fail(source, $"the first chunk is {name}, IHDR must come first");
            if (type != IDAT && idatCount > 0)
                idatClosed = true;

            switch (type)
            {
                case IHDR:
                    if (header != null) throw Fail(source, "more than one IHDR chunk");
                    header = ParseHeader(body, source);
                    break;
                case PLTE:
                    if (palette.Length > 0) throw Fail(source, "more than one PLTE chunk");
                    if (idatCount > 0) throw Fail(source, "PLTE after the image data");
                    if (len == 0 || len % 3 != 0 || len > 768)
                        throw Fail(source, $"PLTE of {len} bytes (it must hold 1 to 256 RGB entries)");
                    if (header!.Value.ColorType is PngColorType.Gray or PngColorType.GrayAlpha)
                        throw Fail(source, "PLTE in a greyscale image");
                    if (header.Value.ColorType == PngColorType.Palette && len / 3 > 1 << header.Value.BitDepth)
                        throw Fail(source, $"PLTE has {len / 3} entries, more than a {header.Value.BitDepth}-bit image can index");
                    palette = body.ToArray();
                    break;
                case TRNS:
                    if (idatCount > 0) throw Fail(source, "tRNS after the image data");
                    transparency = ParseTransparency(body, header!.Value, palette.Length / 3, source);
                    break;
                case IDAT:
                    if (idatClosed) throw Fail(source, "IDAT chunks are not consecutive");
                    idatCount++;
                    idatTotal += len;
                    if (len > 0) idatSegments.Add((pos + 8, len));
                    break;
                case IEND:
                    sawEnd = true;
                    break;
                default:
                    // Bit 5 of the first type byte clear = critical: a decoder must not guess at its meaning.
                    if ((typeBytes[0] & 0x20) == 0)
                        throw Fail(source, $"unknown critical chunk {name}");
                    break;
            }
            pos += 12 + len;
            index++;
            if (sawEnd) break; // bytes after IEND are ignored, as libpng does
        }

        if (header is not { } h) throw Fail(source, "no IHDR chunk");
        if (idatCount == 0) throw Fail(source, "no IDAT chunk (no image data)");
        if (!sawEnd) throw Fail(source, "no IEND chunk (file truncated)");
        if (h.ColorType == PngColorType.Palette && palette.Length == 0) throw Fail(source, "palette image without a PLTE chunk");

        // Deflate cannot expand more than 1032:1 (a 258-byte match in 2 bits), so a header that claims more scanline
        // data than that is refused before the sample buffer is allocated: a tiny file cannot make us allocate 512 MB.
        long rawBytes = RawBytes(h);
        if (rawBytes > idatTotal * 1032L + 1024)
            throw Fail(source, $"{idatTotal} bytes of image data cannot hold a {h.Width}x{h.Height} image (too little decompressed data)");

        // idatTotal <= data.Length: every segment was checked against the bytes present.
        byte[] compressed = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, idatTotal));
        try
        {
            int at = 0;
            foreach (var (offset, length) in idatSegments)
            {
                data.Slice(offset, length).CopyTo(compressed.AsSpan(at));
                at += length;
            }
            byte[] samples = DecodePixels(compressed, at, h, source);
            return new PngImage(h.Width, h.Height, h.ColorType, h.BitDepth, h.Interlaced, samples, palette, transparency);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    /// <summary>Bytes of filtered scanlines (filter bytes included) the zlib stream must inflate to.</summary>
    private static long RawBytes(Header h)
    {
        if (!h.Interlaced) return (h.RowBytes(h.Width) + 1) * h.Height;
        long total = 0;
        for (int p = 0; p < 7; p++)
        {
            int x0 = Adam7[p * 4], y0 = Adam7[p * 4 + 1], dx = Adam7[p * 4 + 2], dy = Adam7[p * 4 + 3];
            long pw = (h.Width - x0 + dx - 1) / dx, ph = (h.Height - y0 + dy - 1) / dy;
            if (pw > 0 && ph > 0) total += (h.RowBytes((int)pw) + 1) * ph;
        }
        return total;
    }

    private static string ChunkName(ReadOnlySpan<byte> t)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++) c[i] = t[i] is >= 32 and < 127 ? (char)t[i] : '?';
        return new string(c);
    }

    private static Header ParseHeader(ReadOnlySpan<byte> b, string source)
    {
        if (b.Length != 13) throw Fail(source, $"IHDR is {b.Length} bytes, it must be 13");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(b), hgt = BinaryPrimitives.ReadUInt32BigEndian(b[4..]);
        int depth = b[8], color = b[9];
        if (w == 0 || hgt == 0 || w > int.MaxValue || hgt > int.MaxValue)
            throw Fail(source, $"image size {w}x{hgt} in IHDR");
        bool depthOk = color switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => throw Fail(source, $"unknown colour type {color} in IHDR"),
        };
        if (!depthOk) throw Fail(source, $"bit depth {depth} is not allowed with colour type {color}");
        if (b[10] != 0) throw Fail(source, $"unknown compression method {b[10]}");
        if (b[11] != 0) throw Fail(source, $"unknown filter method {b[11]}");
        if (b[12] > 1) throw Fail(source, $"unknown interlace method {b[12]}");
        var h = new Header((int)Math.Min(w, int.MaxValue), (int)Math.Min(hgt, int.MaxValue), depth, (PngColorType)color, b[12] == 1);
        long sampleBytes = (long)h.Width * h.Height * h.Channels * (depth == 16 ? 2 : 1);
        if (w > MaxDimension || hgt > MaxDimension || sampleBytes > MaxSampleBytes)
            throw new EdgeSamException(
                $"{source}: PNG of {w}x{hgt} ({sampleBytes >> 20} MB decoded) exceeds the limits of {MaxDimension}x{MaxDimension} and {MaxSampleBytes >> 20} MB; scale it down first");
        return h;
    }

    private static ushort[] ParseTransparency(ReadOnlySpan<byte> b, Header h, int paletteEntries, string source)
    {
        switch (h.ColorType)
        {
            case PngColorType.Palette:
                if (paletteEntries == 0) throw Fail(source, "tRNS before PLTE");
                if (b.Length > paletteEntries) throw Fail(source, $"tRNS has {b.Length} entries, the PLTE only {paletteEntries}");
                var a = new ushort[b.Length];
                for (int i = 0; i < b.Length; i++) a[i] = b[i];
                return a;
            case PngColorType.Gray:
                if (b.Length != 2) throw Fail(source, $"tRNS of {b.Length} bytes in a greyscale image (must be 2)");
                return [BinaryPrimitives.ReadUInt16BigEndian(b)];
            case PngColorType.Rgb:
                if (b.Length != 6) throw Fail(source, $"tRNS of {b.Length} bytes in an RGB image (must be 6)");
                return [BinaryPrimitives.ReadUInt16BigEndian(b), BinaryPrimitives.ReadUInt16BigEndian(b[2..]), BinaryPrimitives.ReadUInt16BigEndian(b[4..])];
            default:
                throw Fail(source, "tRNS in an image that already has an alpha channel");
        }
    }

    private static byte[] DecodePixels(byte[] compressed, int length, Header h, string source)
    {
        int pixelBytes = h.Channels * (h.BitDepth == 16 ? 2 : 1); // per unpacked pixel
        byte[] samples = GC.AllocateUninitializedArray<byte>(h.Width * h.Height * pixelBytes);
        using var input = new MemoryStream(compressed, 0, length, writable: false);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        var reader = new InflateReader(zlib, source);
        try
        {
            if (!h.Interlaced && h.BitDepth >= 8)
                DecodeRasterInPlace(reader, samples, h, source);
            else
                DecodeRows(reader, samples, h, source);
            reader.ExpectEnd();
        }
        finally
        {
            reader.Dispose();
        }
        return samples;
    }

    /// <summary>Non-interlaced, 8/16-bit: scanlines inflate straight into the sample buffer and unfilter there.</summary>
    private static void DecodeRasterInPlace(InflateReader reader, byte[] samples, Header h, string source)
    {
        int rowBytes = (int)h.RowBytes(h.Width), stride = h.FilterStride;
        byte[] zero = ArrayPool<byte>.Shared.Rent(rowBytes);
        try
        {
            Span<byte> zeroRow = zero.AsSpan(0, rowBytes);
            zeroRow.Clear();
            Span<byte> filter = stackalloc byte[1];
            for (int y = 0; y < h.Height; y++)
            {
                reader.Read(filter, y);
                Span<byte> cur = samples.AsSpan(y * rowBytes, rowBytes);
                reader.Read(cur, y);
                ReadOnlySpan<byte> prev = y == 0 ? zeroRow : samples.AsSpan((y - 1) * rowBytes, rowBytes);
                Unfilter(filter[0], cur, prev, stride, source, y);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zero);
        }
    }

    /// <summary>General path: sub-byte depths and Adam7; scanlines go through two row buffers and are then scattered.</summary>
    private static void DecodeRows(InflateReader reader, byte[] samples, Header h, string source)
    {
        int maxRow = (int)h.RowBytes(h.Width) + 1;
        byte[] a = ArrayPool<byte>.Shared.Rent(maxRow), b = ArrayPool<byte>.Shared.Rent(maxRow);
        try
        {
            int passes = h.Interlaced ? 7 : 1;
            for (int p = 0; p < passes; p++)
            {
                int x0 = 0, y0 = 0, dx = 1, dy = 1;
                if (h.Interlaced)
                {
                    x0 = Adam7[p * 4]; y0 = Adam7[p * 4 + 1]; dx = Adam7[p * 4 + 2]; dy = Adam7[p * 4 + 3];
                }
                int pw = (h.Width - x0 + dx - 1) / dx, ph = (h.Height - y0 + dy - 1) / dy;
                if (pw <= 0 || ph <= 0) continue; // an empty pass has no scanlines at all, not even filter bytes
                int rowBytes = (int)h.RowBytes(pw);
                Span<byte> prev = a.AsSpan(0, rowBytes + 1), cur = b.AsSpan(0, rowBytes + 1);
                prev.Clear();
                for (int j = 0; j < ph; j++)
                {
                    int y = y0 + j * dy;
                    reader.Read(cur, y);
                    Unfilter(cur[0], cur[1..], prev[1..], h.FilterStride, source, y);
                    Scatter(cur[1..], samples, h, y, x0, dx, pw);
                    Span<byte> t = prev; prev = cur; cur = t;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(a);
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    /// <summary>Writes one unfiltered scanline of <paramref name="count"/> pixels to columns x0, x0+dx, ... of row y.</summary>
    private static void Scatter(ReadOnlySpan<byte> row, byte[] samples, Header h, int y, int x0, int dx, int count)
    {
        int d = h.BitDepth;
        if (d >= 8)
        {
            int pb = h.Channels * (d / 8);
            Span<byte> dst = samples.AsSpan(y * h.Width * pb);
            if (dx == 1) { row[..(count * pb)].CopyTo(dst); return; }
            for (int i = 0, x = x0; i < count; i++, x += dx)
                row.Slice(i * pb, pb).CopyTo(dst.Slice(x * pb, pb));
            return;
        }
        // Sub-byte samples (grey or palette, one channel), most significant bits first.
        int perByte = 8 / d, mask = (1 << d) - 1;
        Span<byte> line = samples.AsSpan(y * h.Width, h.Width);
        for (int i = 0, x = x0; i < count; i++, x += dx)
        {
            int shift = 8 - d * (i % perByte + 1);
            line[x] = (byte)((row[i / perByte] >> shift) & mask);
        }
    }

    /// <summary>
    /// Reverses one scanline's filter in place (PNG spec 9.2). <paramref name="prev"/> is the previous unfiltered
    /// scanline of the same pass (zeros for the first); <paramref name="stride"/> the bytes per complete pixel (>= 1).
    /// </summary>
    /// <remarks>
    /// Sub, Average and Paeth are serial along the row. With one byte per pixel (labels, grey masks: the hot case) the
    /// left neighbour is carried in a register rather than re-read from the byte just stored, which would put a
    /// store-to-load forwarding delay on every byte of the dependency chain. Indexing uses refs: the lengths are
    /// checked once here.
    /// </remarks>
    internal static void Unfilter(byte filter, Span<byte> cur, ReadOnlySpan<byte> prev, int stride, string source, int y)
    {
        int n = cur.Length;
        if (prev.Length < n || stride < 1) throw new ArgumentException("previous row shorter than the current row");
        ref byte c0 = ref MemoryMarshal.GetReference(cur);
        ref byte p0 = ref MemoryMarshal.GetReference(prev);
        switch (filter)
        {
            case 0:
                return;
            case 1: // Sub
                if (stride == 1)
                {
                    byte left = 0;
                    for (int i = 0; i < n; i++)
                        Unsafe.Add(ref c0, i) = left = (byte)(Unsafe.Add(ref c0, i) + left);
                }
                else
                {
                    for (int i = stride; i < n; i++)
                        Unsafe.Add(ref c0, i) += Unsafe.Add(ref c0, i - stride);
                }
                return;
            case 2: // Up: independent per byte, so it vectorises
                TensorPrimitives.Add(cur, prev[..n], cur);
                return;
            case 3: // Average, floor((left + up) / 2) in 9-bit arithmetic
            {
                int head = Math.Min(stride, n);
                for (int i = 0; i < head; i++)
                    Unsafe.Add(ref c0, i) += (byte)(Unsafe.Add(ref p0, i) >> 1);
                if (stride == 1)
                {
                    int left = head > 0 ? c0 : 0;
                    for (int i = 1; i < n; i++)
                        Unsafe.Add(ref c0, i) = (byte)(left = (byte)(Unsafe.Add(ref c0, i) + ((left + Unsafe.Add(ref p0, i)) >> 1)));
                }
                else
                {
                    for (int i = stride; i < n; i++)
                        Unsafe.Add(ref c0, i) += (byte)((Unsafe.Add(ref c0, i - stride) + Unsafe.Add(ref p0, i)) >> 1);
                }
                return;
            }
            case 4: // Paeth; with no left pixel a = c = 0 and the predictor is b
            {
                int head = Math.Min(stride, n);
                for (int i = 0; i < head; i++)
                    Unsafe.Add(ref c0, i) += Unsafe.Add(ref p0, i);
                if (stride == 1)
                {
                    int a = head > 0 ? c0 : 0, c = head > 0 ? p0 : 0;
                    for (int i = 1; i < n; i++)
                    {
                        int b = Unsafe.Add(ref p0, i);
                        a = (byte)(Unsafe.Add(ref c0, i) + Paeth(a, b, c));
                        Unsafe.Add(ref c0, i) = (byte)a;
                        c = b;
                    }
                }
                else
                {
                    for (int i = stride; i < n; i++)
                        Unsafe.Add(ref c0, i) += Paeth(Unsafe.Add(ref c0, i - stride), Unsafe.Add(ref p0, i), Unsafe.Add(ref p0, i - stride));
                }
                return;
            }
            default:
                throw Fail(source, $"scanline {y} has unknown filter type {filter}");
        }
    }

    internal static byte Paeth(int a, int b, int c)
    {
        int pa = Math.Abs(b - c), pb = Math.Abs(a - c), pc = Math.Abs(a + b - 2 * c);
        return pa <= pb && pa <= pc ? (byte)a : pb <= pc ? (byte)b : (byte)c;
    }

    /// <summary>
    /// Pulls inflated bytes through a pooled 64 KB staging buffer so each zlib call covers many scanlines (one call per
    /// row costs more than the unfiltering). Memory stays bounded whatever the stream holds: a surplus left in the
    /// buffer, or still in the stream after the last scanline, is reported by <see cref="ExpectEnd"/>.
    /// </summary>
    private sealed class InflateReader(ZLibStream zlib, string source) : IDisposable
    {
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        private int _start, _end;

        public void Read(Span<byte> dest, int y)
        {
            while (dest.Length > 0)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = Fill(_buffer!, y);
                    if (_end == 0)
                        throw Fail(source, $"the image data ends at scanline {y} (too little decompressed data)");
                }
                int n = Math.Min(dest.Length, _end - _start);
                _buffer.AsSpan(_start, n).CopyTo(dest);
                _start += n;
                dest = dest[n..];
            }
        }

        private int Fill(byte[] buffer, int y)
        {
            try
            {
                return zlib.Read(buffer, 0, buffer.Length);
            }
            catch (InvalidDataException e)
            {
                throw Fail(source, $"corrupt compressed image data near scanline {y} ({e.Message.TrimEnd('.')})");
            }
        }

        public void ExpectEnd()
        {
            bool surplus = _start != _end;
            if (!surplus)
            {
                try
                {
                    surplus = zlib.Read(_buffer!, 0, 1) != 0;
                }
                catch (InvalidDataException e)
                {
                    throw Fail(source, $"corrupt compressed image data after the last scanline ({e.Message.TrimEnd('.')})");
                }
            }
            if (surplus)
                throw Fail(source, "more image data than the IHDR size needs (too much decompressed data)");
        }

        public void Dispose()
        {
            if (_buffer != null) ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
