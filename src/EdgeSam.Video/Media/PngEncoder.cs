using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeSam.Video.Media;

/// <summary>How the writer picks each scanline's PNG filter.</summary>
public enum PngFilterStrategy
{
    /// <summary>
    /// <see cref="None"/> for palette and grey images, <see cref="Adaptive"/> for RGB/RGBA. Measured on DAVIS label
    /// maps (flat regions, hard edges) filter None compresses best and fastest, as the PNG specification recommends
    /// for palette images; photographic colour benefits from per-row filters.
    /// </summary>
    Auto,
    /// <summary>Per scanline, the filter whose output has the smallest sum of absolute values (as signed bytes): the
    /// heuristic the PNG specification suggests and libpng uses.</summary>
    Adaptive,
    None,
    Sub,
    Up,
    Average,
    Paeth,
}

/// <summary>Options of the PNG writers; <see cref="Default"/> is what the plain overloads use.</summary>
public sealed record PngWriteOptions
{
    public static PngWriteOptions Default { get; } = new();

    public PngFilterStrategy Filter { get; init; } = PngFilterStrategy.Auto;

    /// <summary>zlib effort; <see cref="CompressionLevel.Optimal"/> is zlib level 6.</summary>
    public CompressionLevel Compression { get; init; } = CompressionLevel.Optimal;
}

/// <summary>
/// The PNG writing worker: 8-bit samples only (palette, grey, grey+alpha, RGB, RGBA), non-interlaced, one IDAT.
/// Filtered scanlines are staged in a pooled buffer and handed to zlib in large blocks.
/// </summary>
internal static class PngEncoder
{
    private const int StagingBytes = 1 << 16;

    public static byte[] Encode(int width, int height, PngColorType type, ReadOnlySpan<byte> pixels,
                                ReadOnlySpan<byte> palette, PngWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int channels = PngImage.ChannelsOf(type);
        long n = (long)RgbImage.ValidateSize(width, height) * channels;
        if (pixels.Length != n)
            throw new ArgumentException($"Pixel buffer holds {pixels.Length} bytes, a {width}x{height} {type} image needs {n}.", nameof(pixels));
        if (type == PngColorType.Palette && (palette.Length == 0 || palette.Length % 3 != 0 || palette.Length > 768))
            throw new ArgumentException("A palette image needs 1 to 256 RGB entries.", nameof(palette));

        PngFilterStrategy filter = options.Filter;
        if (filter == PngFilterStrategy.Auto)
            filter = type is PngColorType.Palette or PngColorType.Gray ? PngFilterStrategy.None : PngFilterStrategy.Adaptive;
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, options.Compression, leaveOpen: true))
            WriteScanlines(zlib, width, height, channels, pixels, filter);

        var png = new MemoryStream(checked((int)compressed.Length + 1024 + palette.Length));
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8;
        ihdr[9] = (byte)type;
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        WriteChunk(png, "IHDR"u8, ihdr);
        if (type == PngColorType.Palette)
            WriteChunk(png, "PLTE"u8, palette);
        WriteChunk(png, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream s, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        s.Write(type);
        s.Write(data);
        uint crc = PngCrc32.Update(PngCrc32.Update(0xFFFFFFFFu, type), data);
        BinaryPrimitives.WriteUInt32BigEndian(word, PngCrc32.Finish(crc));
        s.Write(word);
    }

    private static void WriteScanlines(Stream zlib, int width, int height, int bpp, ReadOnlySpan<byte> pixels, PngFilterStrategy strategy)
    {
        int rowBytes = width * bpp, lineBytes = rowBytes + 1;
        byte[] zero = ArrayPool<byte>.Shared.Rent(rowBytes);
        // Candidate scanlines for filters 1..4 (Adaptive keeps all four, a fixed filter uses slot 0).
        byte[] candidates = ArrayPool<byte>.Shared.Rent(4 * lineBytes);
        byte[] staging = ArrayPool<byte>.Shared.Rent(Math.Max(StagingBytes, lineBytes));
        try
        {
            zero.AsSpan(0, rowBytes).Clear();
            int staged = 0;
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> cur = pixels.Slice(y * rowBytes, rowBytes);
                ReadOnlySpan<byte> prev = y == 0 ? zero.AsSpan(0, rowBytes) : pixels.Slice((y - 1) * rowBytes, rowBytes);
                ReadOnlySpan<byte> line = Filter(cur, prev, bpp, strategy, candidates.AsSpan(0, 4 * lineBytes), lineBytes);
                if (staged + lineBytes > staging.Length)
                {
                    zlib.Write(staging, 0, staged);
                    staged = 0;
                }
                line.CopyTo(staging.AsSpan(staged));
                staged += lineBytes;
            }
            zlib.Write(staging, 0, staged);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zero);
            ArrayPool<byte>.Shared.Return(candidates);
            ArrayPool<byte>.Shared.Return(staging);
        }
    }

    /// <summary>Returns the chosen filter byte followed by the filtered row (a slice of <paramref name="scratch"/>).</summary>
    private static ReadOnlySpan<byte> Filter(ReadOnlySpan<byte> cur, ReadOnlySpan<byte> prev, int bpp, PngFilterStrategy strategy,
                                             Span<byte> scratch, int lineBytes)
    {
        if (strategy != PngFilterStrategy.Adaptive)
        {
            Span<byte> line = scratch[..lineBytes];
            int f = strategy switch
            {
                PngFilterStrategy.None => 0,
                PngFilterStrategy.Sub => 1,
                PngFilterStrategy.Up => 2,
                PngFilterStrategy.Average => 3,
                _ => 4,
            };
            line[0] = (byte)f;
            Apply(f, cur, prev, bpp, line[1..]);
            return line;
        }

        // Filter 0 scores the raw row; the others are computed into their slots and scored.
        long best = SumAbs(cur);
        int bestFilter = 0;
        for (int f = 1; f <= 4; f++)
        {
            Span<byte> line = scratch.Slice((f - 1) * lineBytes, lineBytes);
            line[0] = (byte)f;
            Apply(f, cur, prev, bpp, line[1..]);
            long score = SumAbs(line[1..]);
            if (score < best)
            {
                best = score;
                bestFilter = f;
            }
        }
        if (bestFilter == 0)
        {
            Span<byte> line = scratch[..lineBytes];
            line[0] = 0;
            cur.CopyTo(line[1..]);
            return line;
        }
        return scratch.Slice((bestFilter - 1) * lineBytes, lineBytes);
    }

    /// <summary>Forward filter (PNG spec 9.2): dst[i] = cur[i] - predictor, bytes wrapping mod 256.</summary>
    /// <remarks>
    /// Unlike the decoder's inverse, the forward filters read only the raw rows, so every byte is independent and
    /// Average and Paeth vectorise too (Paeth in 16-bit lanes; it decides Adaptive's cost on colour images).
    /// </remarks>
    internal static void Apply(int filter, ReadOnlySpan<byte> cur, ReadOnlySpan<byte> prev, int bpp, Span<byte> dst)
    {
        int n = cur.Length, head = Math.Min(bpp, n);
        switch (filter)
        {
            case 0:
                cur.CopyTo(dst);
                return;
            case 1:
                cur[..head].CopyTo(dst);
                TensorPrimitives.Subtract(cur[head..], cur[..(n - head)], dst[head..]);
                return;
            case 2:
                TensorPrimitives.Subtract(cur, prev, dst);
                return;
            case 3:
            {
                for (int i = 0; i < head; i++) dst[i] = (byte)(cur[i] - (prev[i] >> 1));
                int v = head;
                if (Vector256.IsHardwareAccelerated)
                {
                    ref byte c0 = ref MemoryMarshal.GetReference(cur), p0 = ref MemoryMarshal.GetReference(prev), d0 = ref MemoryMarshal.GetReference(dst);
                    for (; v <= n - Vector256<byte>.Count; v += Vector256<byte>.Count)
                    {
                        Vector256<byte> a = Vector256.LoadUnsafe(ref c0, (nuint)(v - bpp)), b = Vector256.LoadUnsafe(ref p0, (nuint)v);
                        Vector256<byte> avg = (a & b) + Vector256.ShiftRightLogical(a ^ b, 1); // floor((a + b) / 2) without overflow
                        (Vector256.LoadUnsafe(ref c0, (nuint)v) - avg).StoreUnsafe(ref d0, (nuint)v);
                    }
                }
                for (int i = v; i < n; i++) dst[i] = (byte)(cur[i] - ((cur[i - bpp] + prev[i]) >> 1));
                return;
            }
            default:
            {
                for (int i = 0; i < head; i++) dst[i] = (byte)(cur[i] - prev[i]);
                int v = head;
                if (Vector256.IsHardwareAccelerated)
                {
                    ref byte c0 = ref MemoryMarshal.GetReference(cur), p0 = ref MemoryMarshal.GetReference(prev), d0 = ref MemoryMarshal.GetReference(dst);
                    for (; v <= n - Vector256<byte>.Count; v += Vector256<byte>.Count)
                    {
                        var (aLo, aHi) = Vector256.Widen(Vector256.LoadUnsafe(ref c0, (nuint)(v - bpp)));
                        var (bLo, bHi) = Vector256.Widen(Vector256.LoadUnsafe(ref p0, (nuint)v));
                        var (cLo, cHi) = Vector256.Widen(Vector256.LoadUnsafe(ref p0, (nuint)(v - bpp)));
                        Vector256<byte> pred = Vector256.Narrow(PaethLanes(aLo.AsInt16(), bLo.AsInt16(), cLo.AsInt16()),
                                                                PaethLanes(aHi.AsInt16(), bHi.AsInt16(), cHi.AsInt16())).AsByte();
                        (Vector256.LoadUnsafe(ref c0, (nuint)v) - pred).StoreUnsafe(ref d0, (nuint)v);
                    }
                }
                for (int i = v; i < n; i++) dst[i] = (byte)(cur[i] - PngDecoder.Paeth(cur[i - bpp], prev[i], prev[i - bpp]));
                return;
            }
        }
    }

    // The Paeth predictor on 16 lanes of values 0..255 (ties resolved a, then b, then c, as the scalar form).
    private static Vector256<ushort> PaethLanes(Vector256<short> a, Vector256<short> b, Vector256<short> c)
    {
        Vector256<short> pa = Vector256.Abs(b - c), pb = Vector256.Abs(a - c), pc = Vector256.Abs(a + b - c - c);
        Vector256<short> useA = Vector256.LessThanOrEqual(pa, pb) & Vector256.LessThanOrEqual(pa, pc);
        Vector256<short> useB = Vector256.LessThanOrEqual(pb, pc);
        return Vector256.ConditionalSelect(useA, a, Vector256.ConditionalSelect(useB, b, c)).AsUInt16();
    }

    /// <summary>Sum of |b| with each byte read as signed: small residuals on both sides of zero score low.</summary>
    private static long SumAbs(ReadOnlySpan<byte> row)
    {
        long s = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref byte r0 = ref MemoryMarshal.GetReference(row);
            Vector256<uint> acc = Vector256<uint>.Zero;
            for (; i <= row.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                // |-128| stays 0x80 in sbyte lanes, which read as unsigned is the right 128.
                Vector256<byte> abs = Vector256.Abs(Vector256.LoadUnsafe(ref r0, (nuint)i).AsSByte()).AsByte();
                var (lo, hi) = Vector256.Widen(abs);
                var (l0, l1) = Vector256.Widen(lo + hi); // <= 510 per lane, no overflow in 16 bits
                acc += l0 + l1;
            }
            s = Vector256.Sum(acc); // a lane gains <= 1020 per 32 bytes: no overflow below ~130 MB rows
        }
        for (; i < row.Length; i++) s += Math.Abs((int)(sbyte)row[i]); // widen first: Math.Abs((sbyte)-128) overflows
        return s;
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically: a temporary <c>name.tmp-xxxxxxxx</c>
    /// in the same folder, then a rename over the target, so an interrupted write never leaves a file that looks
    /// complete. (No fsync: the goal is interrupt safety, not durability across power loss.)
    /// </summary>
    internal static void WriteAtomic(string path, ReadOnlySpan<byte> bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string tmp = $"{full}.tmp-{Random.Shared.Next():x8}";
        try
        {
            string? dir = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                fs.Write(bytes);
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new EdgeSamException($"{path}: cannot write the PNG ({e.Message.TrimEnd('.')}); check that the folder is writable and the disk not full", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
