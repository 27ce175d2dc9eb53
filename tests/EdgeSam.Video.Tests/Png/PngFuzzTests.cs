using System.Buffers.Binary;
using System.Diagnostics;
using EdgeSam.Video.Media;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Png;

/// <summary>
/// Seeded mutation fuzzing: damaged PNGs must decode to an image or fail with <see cref="EdgeSamException"/>, never
/// another exception type. Half the cases get their CRCs repaired so the mutations reach IHDR validation, the
/// inflate bounds, the filters and the scatter code instead of stopping at the CRC check.
/// </summary>
public class PngFuzzTests(ITestOutputHelper output)
{
    private static List<(string Name, byte[] Png)> Seeds()
    {
        var rng = new Random(42);
        int[] Samples(int n, int max) => Enumerable.Range(0, n).Select(_ => rng.Next(max + 1)).ToArray();
        var labels = new LabelMap(40, 23);
        for (int i = 0; i < labels.Data.Length; i++) labels.Data[i] = (byte)(i % 40 > 10 && i / 40 > 5 ? 1 + i % 3 : 0);
        byte[] pal4 = new byte[48];
        rng.NextBytes(pal4);
        byte[] rgba = new byte[19 * 13 * 4];
        rng.NextBytes(rgba);
        return
        [
            ("labels", PngCodec.EncodeLabels(labels)),
            ("gray8-adam7", TestPngBuilder.Build(21, 17, PngColorType.Gray, 8, Samples(21 * 17, 255), interlace: true, rng: rng, idatPieces: 3)),
            ("pal4", TestPngBuilder.Build(13, 11, PngColorType.Palette, 4, Samples(13 * 11, 15), rng: rng, palette: pal4,
                                          beforeIdat: [("tRNS", [0, 128, 255])])),
            ("gray1-adam7", TestPngBuilder.Build(30, 9, PngColorType.Gray, 1, Samples(30 * 9, 1), interlace: true, rng: rng)),
            ("rgba16", TestPngBuilder.Build(9, 7, PngColorType.Rgba, 16, Samples(9 * 7 * 4, 65535), rng: rng, idatPieces: 2)),
            ("rgba8", PngCodec.EncodeRgba(19, 13, rgba)),
            ("davis2016", File.ReadAllBytes(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", "blackswan", "00000.png"))),
        ];
    }

    [MirrorFact]
    public void Mutated_pngs_only_ever_decode_or_throw_EdgeSamException()
    {
        const int Cases = 6000;
        var seeds = Seeds();
        var rng = new Random(20261121);
        int decoded = 0, rejected = 0;
        var reasons = new Dictionary<string, int>();
        var sw = Stopwatch.StartNew();
        for (int k = 0; k < Cases; k++)
        {
            var (name, seed) = seeds[k % seeds.Count];
            // The real DAVIS file costs ~1 ms a decode; it gets a tenth of its share of cases.
            if (name == "davis2016" && k % 10 != 0) (name, seed) = seeds[0];
            bool fixCrc = rng.Next(2) == 0;
            string mutation;
            byte[] bad = Mutate(seed, rng, out mutation);
            if (fixCrc) TestPngBuilder.FixCrcs(bad);
            try
            {
                PngImage img = PngCodec.Decode(bad, "fuzz.png");
                Assert.Equal((long)img.Width * img.Height * img.Channels * img.BytesPerSample, img.Samples.LongLength);
                _ = PngCodec.ToMask(img);
                _ = img.ToRgba("fuzz.png"); // may throw EdgeSamException for palette indices beyond the PLTE
                if (img.ColorType != PngColorType.Rgb && img.ColorType != PngColorType.Rgba) _ = PngCodec.ToLabels(img, "fuzz.png");
                decoded++;
            }
            catch (EdgeSamException e)
            {
                rejected++;
                Assert.DoesNotContain('\n', e.Message);
                string key = e.Message.Split(": invalid PNG: ").Last();
                key = new string(key.TakeWhile(c => !char.IsDigit(c)).ToArray()).Trim();
                reasons[key] = reasons.GetValueOrDefault(key) + 1;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {k} ({name}, {mutation}, crc fixed: {fixCrc}) threw {e.GetType().Name}: {e.Message}");
            }
        }
        sw.Stop();
        output.WriteLine($"PNG fuzz: {Cases} cases in {sw.Elapsed.TotalSeconds:F2} s: {decoded} decoded, {rejected} rejected with EdgeSamException");
        foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value).Take(25))
            output.WriteLine($"  {count,5}  {reason}");
        // Both outcomes must occur, or the mutations are too weak or too strong to exercise anything.
        Assert.True(decoded > Cases / 50, $"only {decoded} mutated files decoded");
        Assert.True(rejected > Cases / 2, $"only {rejected} mutated files were rejected");
        Assert.True(reasons.Count > 15, $"only {reasons.Count} distinct rejection reasons were reached");
    }

    private static byte[] Mutate(byte[] seed, Random rng, out string what)
    {
        byte[] b = (byte[])seed.Clone();
        var chunks = TestPngBuilder.Chunks(b);
        switch (rng.Next(8))
        {
            case 0:
            {
                int flips = 1 + rng.Next(4);
                for (int i = 0; i < flips; i++) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                what = $"{flips} bit flips";
                return b;
            }
            case 1:
            {
                int at = rng.Next(b.Length);
                b[at] = (byte)rng.Next(256);
                what = $"byte {at} set";
                return b;
            }
            case 2:
            {
                int len = rng.Next(b.Length);
                what = $"truncated to {len}";
                return b[..len];
            }
            case 3:
            {
                var c = chunks[rng.Next(chunks.Count)];
                int len = rng.Next(3) switch { 0 => c.Length + rng.Next(-4, 5), 1 => rng.Next(), _ => rng.Next(64) };
                BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(c.Offset), len);
                what = $"{c.Type} length {c.Length} -> {len}";
                return b;
            }
            case 4:
            {
                // IHDR fields: the header paths (size limits, depth/type combinations, interlace).
                int field = 16 + rng.Next(13);
                b[field] = rng.Next(3) == 0 ? (byte)rng.Next(256) : (byte)(b[field] + rng.Next(-2, 3));
                what = $"IHDR byte {field - 16} -> {b[field]}";
                return b;
            }
            case 5:
            {
                // Damage inside the compressed data (filter bytes, deflate blocks, Adler-32).
                var idats = chunks.Where(c => c.Type == "IDAT" && c.Length > 0).ToList();
                if (idats.Count == 0) goto case 0;
                var c = idats[rng.Next(idats.Count)];
                int at = c.Offset + 8 + rng.Next(c.Length);
                b[at] ^= (byte)(1 + rng.Next(255));
                what = $"IDAT byte {at} changed";
                return b;
            }
            case 6:
            {
                // Drop or duplicate a whole chunk (missing IHDR/PLTE/IDAT/IEND, duplicates, order).
                var c = chunks[rng.Next(chunks.Count)];
                int end = (int)Math.Min(b.Length, c.Offset + 12L + Math.Max(0, c.Length));
                byte[] chunk = b[c.Offset..end];
                bool dup = rng.Next(2) == 0;
                what = $"{(dup ? "duplicated" : "removed")} {c.Type}";
                return dup ? [.. b[..end], .. chunk, .. b[end..]] : [.. b[..c.Offset], .. b[end..]];
            }
            default:
            {
                int at = rng.Next(b.Length), n = 1 + rng.Next(16);
                byte[] junk = new byte[n];
                rng.NextBytes(junk);
                what = $"{n} bytes inserted at {at}";
                return [.. b[..at], .. junk, .. b[at..]];
            }
        }
    }
}
