using System.Diagnostics;
using System.IO.Compression;

namespace EdgeSam.Video.Media;

/// <summary>One measured PNG operation: mean milliseconds per file and mean output bytes (0 for reads).</summary>
/// <remarks><see cref="CpuMsPerFile"/> is process CPU time over the loop: on a shared, overloaded machine it is the
/// steadier figure; wall time is what a user waits.</remarks>
public sealed record PngBenchmarkFigure(string Operation, int Files, double MsPerFile, double CpuMsPerFile, double MeanBytes);

/// <summary>
/// Measures the mask PNG path on real annotation files (a DAVIS <c>Annotations/480p</c> folder): decode from memory,
/// <see cref="PngCodec.ReadLabels"/> from disk, and label encoding / atomic writing under each filter strategy and
/// zlib level. Single-threaded, best of three rounds; meant for a CLI bench command or a report, not for asserts.
/// </summary>
public static class PngBenchmark
{
    public static IReadOnlyList<PngBenchmarkFigure> Run(string annotationFolder, int maxFiles, string scratchFolder, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFiles, 1);
        if (!Directory.Exists(annotationFolder))
            throw new EdgeSamException($"{annotationFolder}: annotation folder not found; pass a DAVIS Annotations/480p folder");
        string[] files = Directory.EnumerateFiles(annotationFolder, "*.png", SearchOption.AllDirectories)
                                  .Order(StringComparer.Ordinal).Take(maxFiles).ToArray();
        if (files.Length == 0)
            throw new EdgeSamException($"{annotationFolder}: no .png files found; pass a DAVIS Annotations/480p folder");
        byte[][] bytes = files.Select(File.ReadAllBytes).ToArray();
        var figures = new List<PngBenchmarkFigure>();

        LabelMap[] maps = bytes.Select((b, i) => PngCodec.ToLabels(PngCodec.Decode(b, files[i]), files[i])).ToArray(); // warm-up
        figures.Add(Time("zlib inflate only (the floor)", files.Length, i => InflateOnly(bytes[i]), cancel));
        figures.Add(Time("decode (in memory)", files.Length, i => { PngCodec.Decode(bytes[i], files[i]); return 0; }, cancel));
        figures.Add(Time("ReadLabels (file)", files.Length, i => { PngCodec.ReadLabels(files[i]); return 0; }, cancel));

        Directory.CreateDirectory(scratchFolder);
        foreach (CompressionLevel level in new[] { CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.SmallestSize })
        {
            foreach (PngFilterStrategy filter in new[] { PngFilterStrategy.None, PngFilterStrategy.Sub, PngFilterStrategy.Up, PngFilterStrategy.Paeth, PngFilterStrategy.Adaptive })
            {
                var options = new PngWriteOptions { Filter = filter, Compression = level };
                PngCodec.EncodeLabels(maps[0], options);
                figures.Add(Time($"EncodeLabels {filter}/{level}", maps.Length, i => PngCodec.EncodeLabels(maps[i], options).Length, cancel));
            }
        }
        Mask[] masks = maps.Select(m => new Mask(m.Width, m.Height, (byte[])m.Data.Clone())).ToArray();
        foreach (PngFilterStrategy filter in new[] { PngFilterStrategy.None, PngFilterStrategy.Adaptive })
        {
            var options = new PngWriteOptions { Filter = filter };
            figures.Add(Time($"EncodeMask (grey 0/255) {filter}/Optimal", masks.Length, i => PngCodec.EncodeMask(masks[i], options).Length, cancel));
        }
        // A compositor-style matte: label colours, alpha = object; and photographic RGB (the first frame's JPEG is not
        // decoded here, so a smooth synthetic gradient with noise stands in).
        byte[][] rgba = maps.Select(m =>
        {
            var px = new byte[m.Data.Length * 4];
            for (int i = 0; i < m.Data.Length; i++)
            {
                var (r, g, b) = DavisPalette.Color(m.Data[i]);
                px[i * 4] = r; px[i * 4 + 1] = g; px[i * 4 + 2] = b; px[i * 4 + 3] = m.Data[i] != 0 ? (byte)255 : (byte)0;
            }
            return px;
        }).ToArray();
        var noise = new Random(1);
        byte[][] photo = maps.Select(m =>
        {
            var px = new byte[m.Data.Length * 3];
            for (int i = 0; i < px.Length; i++) px[i] = (byte)(i / 3 % m.Width / 4 + i / 3 / m.Width / 3 + (i % 3) * 40 + noise.Next(6));
            return px;
        }).ToArray();
        foreach (PngFilterStrategy filter in new[] { PngFilterStrategy.None, PngFilterStrategy.Paeth, PngFilterStrategy.Adaptive })
        {
            var options = new PngWriteOptions { Filter = filter };
            figures.Add(Time($"EncodeRgba (label matte) {filter}/Optimal", maps.Length, i => PngCodec.EncodeRgba(maps[i].Width, maps[i].Height, rgba[i], options).Length, cancel));
            figures.Add(Time($"EncodeRgb (gradient+noise) {filter}/Optimal", maps.Length, i => PngCodec.EncodeRgb(maps[i].Width, maps[i].Height, photo[i], options).Length, cancel));
        }
        string target = Path.Combine(scratchFolder, "bench.png");
        figures.Add(Time("WriteLabels (default, atomic to disk)", maps.Length, i => { PngCodec.WriteLabels(target, maps[i]); return 0; }, cancel));
        File.Delete(target);
        return figures;
    }

    private static int InflateOnly(byte[] png)
    {
        // Single-IDAT files (DAVIS annotations are): find it and inflate into a throwaway buffer.
        int at = png.AsSpan().IndexOf("IDAT"u8);
        if (at < 4) return 0;
        int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at - 4));
        using var z = new ZLibStream(new MemoryStream(png, at + 4, length), CompressionMode.Decompress);
        byte[] sink = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        int total = 0, n;
        while ((n = z.Read(sink, 0, sink.Length)) > 0) total += n;
        System.Buffers.ArrayPool<byte>.Shared.Return(sink);
        return total;
    }

    // Best of three rounds: the first absorbs tiered-JIT recompilation, the best filters out other load on the machine.
    private static PngBenchmarkFigure Time(string name, int n, Func<int, int> op, CancellationToken cancel)
    {
        PngBenchmarkFigure best = Round(name, n, op, cancel);
        for (int r = 1; r < 3; r++)
        {
            PngBenchmarkFigure f = Round(name, n, op, cancel);
            if (f.CpuMsPerFile < best.CpuMsPerFile) best = f;
        }
        return best;
    }

    private static PngBenchmarkFigure Round(string name, int n, Func<int, int> op, CancellationToken cancel)
    {
        long total = 0;
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            cancel.ThrowIfCancellationRequested();
            total += op(i);
        }
        sw.Stop();
        process.Refresh();
        double cpuMs = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
        return new PngBenchmarkFigure(name, n, sw.Elapsed.TotalMilliseconds / n, cpuMs / n, (double)total / n);
    }
}
