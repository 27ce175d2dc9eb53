using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Tests.Prompts.Reference;

namespace EdgeSam.Video.Tests.Prompts;

/// <summary>
/// The sampler against <see cref="ReferencePointSampler"/>, a frozen copy of it from before the speed work: the same
/// points in the same order for every mask shape, size, count, method, region (object or background), seed and
/// options tried. The pipeline's measured quality figures depend on these exact points, so "close" is not enough.
/// </summary>
public class PointSamplerEquivalenceTests
{
    private static readonly SamplingMethod[] AllMethods = [SamplingMethod.KMedoids, SamplingMethod.Random, SamplingMethod.ShiTomasi, SamplingMethod.Mixed];

    private static readonly PointSamplerOptions[] Options =
    [
        new(),
        // Small subsamples put K-Medoids on every pixel of small regions; no erosion passes, so the fallback runs.
        new() { KMedoidsSubsample = 60, CornerFillSubsample = 25, KMedoidsMaxIterations = 3, CornerQuality = 0.2, CornerErosions = [0.5, 0.3], MinErodedPixels = 50 },
        new() { CornerErosions = [], CornerQuality = 0.05 },
    ];

    private static void AssertSame(Mask mask, RgbImage image, byte target, int count, SamplingMethod method, int seed, int options, string what)
    {
        var want = new ReferencePointSampler(Options[options]).SamplePixels(mask, target, count, method, seed, image);
        var got = new PointSampler(Options[options]).SamplePixels(mask, target, count, method, seed, image);
        if (!want.AsSpan().SequenceEqual(got))
            Assert.Fail($"{what} {mask.Width}x{mask.Height} target {target} count {count} {method} seed {seed} options {options}: "
                + $"[{string.Join(' ', got)}] vs reference [{string.Join(' ', want)}]");
    }


    /// <summary>Random masks: blobs (ellipses and boxes, some cut out again, some over the border), speckle, lines.</summary>
    private static IEnumerable<(string Name, Mask Mask)> Masks(int w, int h, int seed)
    {
        var rnd = new Random(seed * 7919 + w * 31 + h);
        yield return ("empty", new Mask(w, h));
        yield return ("full", new Mask(w, h, Enumerable.Repeat((byte)1, w * h).ToArray()));
        var one = new Mask(w, h);
        one[rnd.Next(w), rnd.Next(h)] = true;
        yield return ("one pixel", one);
        var corner = new Mask(w, h);
        corner[w - 1, h - 1] = true;
        yield return ("corner pixel", corner);
        for (int b = 0; b < 3; b++)
        {
            var m = new Mask(w, h);
            int blobs = 1 + rnd.Next(4);
            for (int i = 0; i < blobs; i++)
            {
                double cx = rnd.NextDouble() * w, cy = rnd.NextDouble() * h;
                double rx = 1 + rnd.NextDouble() * w / 3, ry = 1 + rnd.NextDouble() * h / 3;
                bool box = rnd.Next(3) == 0, cut = i > 0 && rnd.Next(3) == 0;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        bool inside = box ? Math.Abs(x - cx) <= rx && Math.Abs(y - cy) <= ry
                            : Math.Pow((x - cx) / rx, 2) + Math.Pow((y - cy) / ry, 2) <= 1;
                        if (inside) m[x, y] = !cut;
                    }
            }
            yield return ($"blobs {b}", m);
        }
        var edge = new Mask(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < Math.Max(1, w / 5); x++) edge[x, y] = true;
        yield return ("left band", edge);
        var speckle = new Mask(w, h);
        for (int i = 0; i < speckle.Data.Length; i++) speckle.Data[i] = (byte)(rnd.Next(5) == 0 ? 1 : 0);
        yield return ("speckle", speckle);
        var line = new Mask(w, h);
        for (int x = 0; x < w; x++) line[x, Math.Min(h - 1, x * h / w)] = true;
        yield return ("diagonal line", line);
    }

    [Fact]
    public void SmallAndMidSizes_EveryMaskCountMethodSeedAndOption()
    {
        int cases = 0;
        foreach (var (w, h) in new[] { (1, 1), (2, 3), (7, 5), (20, 10), (33, 17), (96, 64), (160, 120) })
            for (int imageSeed = 0; imageSeed < 2; imageSeed++)
            {
                // A flat frame has no corners at all: the corner methods fall back to K-Medoids.
                RgbImage img = imageSeed == 0 ? PointSamplerTests.Textured(w, h, w + h) : new RgbImage(w, h);
                foreach (var (name, mask) in Masks(w, h, imageSeed))
                    foreach (SamplingMethod method in AllMethods)
                        foreach (int count in new[] { 0, 1, 2, 3, 4, 5, 8, 13, 72 })
                            foreach (byte target in new byte[] { 1, 0 })
                                for (int seed = 0; seed < 3; seed++)
                                {
                                    int options = (seed + count) % Options.Length;
                                    AssertSame(mask, img, target, count, method, seed * 1000 - 7, options, name);
                                    cases++;
                                }
            }
        Assert.Equal(7 * 2 * 10 * 4 * 9 * 2 * 3, cases);
    }

    [Fact]
    public void FullDavisSize_SyntheticMasks()
    {
        const int w = 854, h = 480;
        RgbImage img = PointSamplerTests.Textured(w, h, 3);
        foreach (var (name, mask) in Masks(w, h, 5))
            foreach (SamplingMethod method in AllMethods)
                foreach (var (count, target) in new[] { (8, (byte)1), (72, (byte)0), (16, (byte)1), (3, (byte)0) })
                    for (int seed = 0; seed < 2; seed++)
                        AssertSame(mask, img, target, count, method, seed, 0, name);
    }

    [MirrorFact]
    public void DavisFrames_TheProbeAndEveryMethod()
    {
        string annotations = Path.Combine(TestPaths.Davis2016, "Annotations", "480p");
        string[] sequences = [.. Directory.GetDirectories(annotations).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        Assert.NotEmpty(sequences);
        foreach (string seq in sequences)
            foreach (string frame in new[] { "00000", "00024" })
            {
                Mask mask = PngCodec.ReadMask(Path.Combine(annotations, seq, frame + ".png"));
                RgbImage img = ImageFile.ReadRgb(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", seq, frame + ".jpg"));
                // track-bench's probe: 8 K-Medoids positives and 72 mixed negatives.
                for (int seed = 0; seed < 3; seed++)
                {
                    AssertSame(mask, img, 1, 8, SamplingMethod.KMedoids, seed * 8, 0, seq);
                    AssertSame(mask, img, 0, 72, SamplingMethod.Mixed, seed * 8, 0, seq);
                }
                foreach (SamplingMethod method in AllMethods)
                    foreach (byte target in new byte[] { 1, 0 })
                        AssertSame(mask, img, target, 16, method, 5, 1, seq);
                AssertSame(mask, img, 1, 72, SamplingMethod.Mixed, 2, 0, seq);
                AssertSame(mask, img, 0, 8, SamplingMethod.ShiTomasi, 2, 0, seq);
            }
    }

    [Fact]
    public void KMedoidsSumDistances_EqualsTheReferenceAndStopsOnlyAtTheBound()
    {
        // Sizes around the vector length (8 or 16 lanes, paired on 512-bit hardware) and past the 256-vector flush.
        foreach (int n in new[] { 1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 100, 2047, 2048, 2049, 4095, 4096, 4100, 5000 })
            for (int seed = 0; seed < 2; seed++)
            {
                var rnd = new Random(n * 10 + seed);
                var xs = new float[n];
                var ys = new float[n];
                // Seed 0: pixel coordinates (many equal distances); seed 1: arbitrary floats.
                for (int i = 0; i < n; i++)
                    (xs[i], ys[i]) = seed == 0 ? (rnd.Next(854), rnd.Next(480)) : ((float)(rnd.NextDouble() * 1000 - 300), (float)(rnd.NextDouble() * 70));
                for (int i = 0; i < n; i += Math.Max(1, n / 50))
                {
                    double want = ReferenceKMedoidsClustering.SumDistances(xs[i], ys[i], xs, ys);
                    double got = KMedoidsClustering.SumDistances(xs[i], ys[i], xs, ys);
                    if (BitConverter.DoubleToInt64Bits(want) != BitConverter.DoubleToInt64Bits(got))
                        Assert.Fail($"n {n} seed {seed} row {i}: {got:R} vs reference {want:R}");
                    // With a bound: the exact sum below it, else some value at least the bound.
                    foreach (double bound in new[] { want * 0.3, want * 0.999, want, Math.BitIncrement(want), want * 2 })
                    {
                        double early = KMedoidsClustering.SumDistances(xs[i], ys[i], xs, ys, bound);
                        if (want < bound) Assert.Equal(want, early);
                        else Assert.True(early >= bound, $"n {n} row {i}: stopped at {early:R} below the bound {bound:R}");
                    }
                }
            }
    }

    [Fact]
    public void KMedoidsFit_EqualsTheReference()
    {
        foreach (int n in new[] { 1, 3, 8, 9, 17, 64, 200, 1800, 2600 })
            foreach (int k in new[] { 1, 2, 5, 8, 18, 40, 100 })
                for (int seed = 0; seed < 3; seed++)
                {
                    if (k > n || (n > 1000 && seed > 0)) continue;
                    var rnd = new Random(n * 100 + k * 7 + seed);
                    var xs = new float[n];
                    var ys = new float[n];
                    // Seed 2: a small grid, so many points tie on summed distance.
                    for (int i = 0; i < n; i++)
                        (xs[i], ys[i]) = seed switch
                        {
                            0 => (rnd.Next(854), rnd.Next(480)),
                            1 => ((float)(rnd.NextDouble() * 90), (float)(rnd.NextDouble() * 40)),
                            _ => (rnd.Next(6), rnd.Next(5)),
                        };
                    foreach (int maxIterations in new[] { 1, 2, 300 })
                        Assert.Equal(ReferenceKMedoidsClustering.Fit(xs, ys, k, maxIterations), KMedoidsClustering.Fit(xs, ys, k, maxIterations));
                }
    }

    [Fact]
    public void Erosion_EqualsTheReferenceForEverySizeShapeAndRegion()
    {
        foreach (var (w, h) in new[] { (1, 1), (5, 3), (23, 17), (40, 33), (97, 64), (854, 480) })
            foreach (var (name, mask) in Masks(w, h, 2))
                foreach (int size in new[] { -1, 0, 1, 2, 3, 4, 5, 8, 31, 58, 64, 200, 1000 })
                {
                    if (w == 854 && size is not (3 or 58 or 200)) continue;
                    foreach (byte target in new byte[] { 1, 0 })
                    {
                        byte[] want = new ReferenceSamplingRegion(mask.Data, w, h, target).Erode(size);
                        byte[] got = new SamplingRegion(mask.Data, w, h, target).Erode(size);
                        if (!want.AsSpan().SequenceEqual(got)) Assert.Fail($"{name} {w}x{h} size {size} target {target}");
                    }
                }
    }

    [Fact]
    public void DistinctRanks_EqualTheReferenceOnBothPaths()
    {
        // Small n next to k marks draws in a bit set, large n in a hash set.
        foreach (int n in new[] { 1, 2, 63, 64, 65, 1000, 5000, 409_920 })
            foreach (int k in new[] { 0, 1, 2, 30, 72, 1800, 2000 })
                for (int seed = 0; seed < 3; seed++)
                {
                    if (k > n) continue;
                    var a = SplitMix64.FromSeed(seed, 3);
                    var b = ReferenceSplitMix64.FromSeed(seed, 3);
                    Assert.Equal(ReferenceSamplingRegion.DistinctRanks(n, k, ref b), SamplingRegion.DistinctRanks(n, k, ref a));
                    Assert.Equal(b.NextUInt64(), a.NextUInt64());
                }
    }

    [Fact]
    public void SampleAndOtherObjectsAsNegatives_FollowTheSamePixels()
    {
        var mask = Masks(96, 64, 9).First(m => m.Name == "blobs 1").Mask;
        RgbImage img = PointSamplerTests.Textured(96, 64, 9);
        var spec = new PointSamplingSpec(Positives: 8, Negatives: 72);
        PromptPoint[] got = PointSampler.Default.Sample(mask, spec, 4, img);
        var pos = ReferencePointSampler.Default.SamplePixels(mask, 1, 8, SamplingMethod.KMedoids, 4, img);
        var neg = ReferencePointSampler.Default.SamplePixels(mask, 0, 72, SamplingMethod.Mixed, unchecked(4 * 31 + 17), img);
        PromptPoint[] want = [.. pos.Select(p => new PromptPoint(p.X, p.Y, PointLabel.Positive)), .. neg.Select(p => new PromptPoint(p.X, p.Y, PointLabel.Negative))];
        Assert.Equal(want, got);
    }
}
