using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Tests.Prompts;

public class PointSamplerTests
{
    private static readonly SamplingMethod[] AllMethods = [SamplingMethod.KMedoids, SamplingMethod.Random, SamplingMethod.ShiTomasi, SamplingMethod.Mixed];

    private static Mask Ellipse(int w, int h, double cx, double cy, double rx, double ry)
    {
        var m = new Mask(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (Math.Pow((x - cx) / rx, 2) + Math.Pow((y - cy) / ry, 2) <= 1) m[x, y] = true;
        return m;
    }

    /// <summary>A textured frame (smooth noise plus a few squares) so corners exist everywhere.</summary>
    internal static RgbImage Textured(int w, int h, int seed)
    {
        var img = new RgbImage(w, h);
        var rnd = new Random(seed);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int v = (int)(128 + 60 * Math.Sin(x * 0.21 + seed) * Math.Cos(y * 0.17) + rnd.Next(-20, 21));
                if ((x / 16 + y / 16) % 3 == 0) v = 255 - v;
                byte b = (byte)Math.Clamp(v, 0, 255);
                int o = (y * w + x) * 3;
                img.Pixels[o] = b; img.Pixels[o + 1] = (byte)(b / 2); img.Pixels[o + 2] = (byte)(255 - b);
            }
        return img;
    }

    [Theory]
    [InlineData(SamplingMethod.KMedoids)]
    [InlineData(SamplingMethod.Random)]
    [InlineData(SamplingMethod.ShiTomasi)]
    [InlineData(SamplingMethod.Mixed)]
    public void EmptyMaskGivesNoPositivesAndFullMaskNoNegatives(SamplingMethod method)
    {
        var img = Textured(40, 30, 1);
        var empty = new Mask(40, 30);
        Assert.Empty(PointSampler.Default.Positives(empty, 8, method, 1, img));
        var full = new Mask(40, 30, Enumerable.Repeat((byte)1, 1200).ToArray());
        Assert.Empty(PointSampler.Default.Negatives(full, 8, method, 1, img));
        Assert.Equal(8, PointSampler.Default.Negatives(empty, 8, method, 1, img).Length);
    }

    [Theory]
    [InlineData(SamplingMethod.KMedoids)]
    [InlineData(SamplingMethod.Random)]
    [InlineData(SamplingMethod.ShiTomasi)]
    [InlineData(SamplingMethod.Mixed)]
    public void OnePixelMaskGivesThatPixelOnce(SamplingMethod method)
    {
        var img = Textured(20, 10, 2);
        var m = new Mask(20, 10);
        m[0, 9] = true; // a corner pixel: touches two borders
        PromptPoint[] pts = PointSampler.Default.Positives(m, 8, method, 5, img);
        Assert.Equal([new PromptPoint(0, 9, PointLabel.Positive)], pts);
    }

    [Theory]
    [InlineData(SamplingMethod.KMedoids)]
    [InlineData(SamplingMethod.Random)]
    [InlineData(SamplingMethod.ShiTomasi)]
    [InlineData(SamplingMethod.Mixed)]
    public void FewerPixelsThanRequestedGivesEveryPixelOnce(SamplingMethod method)
    {
        var img = Textured(20, 10, 3);
        var m = new Mask(20, 10);
        m[3, 4] = m[4, 4] = m[5, 4] = m[19, 0] = m[10, 9] = true;
        var pts = PointSampler.Default.Positives(m, 8, method, 7, img).Select(p => ((int)p.X, (int)p.Y)).OrderBy(p => p).ToArray();
        Assert.Equal(new[] { (3, 4), (4, 4), (5, 4), (10, 9), (19, 0) }, pts);
    }

    [Fact]
    public void PointsAreDistinctPixelsOfTheRegionForEveryMethodSizeAndSeed()
    {
        var img = Textured(96, 64, 4);
        var masks = new[]
        {
            Ellipse(96, 64, 48, 32, 30, 20),
            Ellipse(96, 64, 0, 0, 40, 30),      // touches the top-left border
            Ellipse(96, 64, 95, 32, 10, 40),    // touches right, top and bottom borders
        };
        foreach (var mask in masks)
            foreach (var method in AllMethods)
                foreach (int count in new[] { 1, 2, 3, 5, 8, 16, 72 })
                    for (int seed = 0; seed < 3; seed++)
                    {
                        foreach (byte target in new byte[] { 1, 0 })
                        {
                            var pts = PointSampler.Default.SamplePixels(mask, target, count, method, seed, img);
                            int area = target == 1 ? mask.Area() : mask.Data.Length - mask.Area();
                            Assert.Equal(Math.Min(count, area), pts.Length);
                            Assert.Equal(pts.Length, pts.Distinct().Count());
                            foreach (var (x, y) in pts)
                            {
                                Assert.Equal(MathF.Round(x), x);
                                Assert.Equal(MathF.Round(y), y);
                                Assert.Equal(target == 1, mask[(int)x, (int)y]);
                            }
                        }
                    }
    }

    [Fact]
    public void SameSeedSameOutputOtherSeedOtherOutput()
    {
        var img = Textured(96, 64, 5);
        var mask = Ellipse(96, 64, 48, 32, 30, 20);
        foreach (var method in AllMethods)
        {
            var a = PointSampler.Default.Positives(mask, 16, method, 11, img);
            var b = PointSampler.Default.Positives(mask, 16, method, 11, img);
            Assert.Equal(a, b);
        }
        // Random and the K-Medoids subsample depend on the seed (the mask has more pixels than the subsample).
        var big = Ellipse(200, 200, 100, 100, 80, 80);
        Assert.NotEqual(PointSampler.Default.Positives(big, 8, SamplingMethod.Random, 1), PointSampler.Default.Positives(big, 8, SamplingMethod.Random, 2));
        Assert.NotEqual(PointSampler.Default.Positives(big, 8, SamplingMethod.KMedoids, 1), PointSampler.Default.Positives(big, 8, SamplingMethod.KMedoids, 2));
    }

    [Fact]
    public void KMedoidsPutsOneMedoidInEachSeparatedBlob()
    {
        var m = new Mask(120, 60);
        for (int y = 10; y < 30; y++)
            for (int x = 5; x < 25; x++) { m[x, y] = true; m[x + 80, y + 20] = true; }
        var pts = PointSampler.Default.Positives(m, 2, SamplingMethod.KMedoids, 3);
        Assert.Equal(2, pts.Length);
        Assert.Single(pts, p => p.X < 60);
        Assert.Single(pts, p => p.X >= 60);
        // Medoids of a square blob sit near its centre.
        foreach (var p in pts)
        {
            float cx = p.X < 60 ? 14.5f : 94.5f, cy = p.X < 60 ? 19.5f : 39.5f;
            Assert.InRange(Math.Abs(p.X - cx), 0, 3);
            Assert.InRange(Math.Abs(p.Y - cy), 0, 3);
        }
    }

    [Fact]
    public void MixedSplitsAQuarterKMedoidsAThirdCornersRestRandom()
    {
        // With a region too small for the parts to coincide often, the total is exactly what was asked.
        var img = Textured(160, 120, 6);
        var mask = Ellipse(160, 120, 80, 60, 50, 40);
        var pts = PointSampler.Default.Negatives(mask, 72, SamplingMethod.Mixed, 9, img);
        Assert.Equal(72, pts.Length);
        Assert.All(pts, p => Assert.Equal(PointLabel.Negative, p.Label));
        // The first 72/4 = 18 points are K-Medoids points of the background: they equal a standalone K-Medoids call
        // with the same generator stream state, so check their spread instead: medoids are pairwise apart.
        var first = pts.Take(18).ToArray();
        double minD = double.MaxValue;
        for (int i = 0; i < first.Length; i++)
            for (int j = i + 1; j < first.Length; j++)
                minD = Math.Min(minD, Math.Sqrt(Math.Pow(first[i].X - first[j].X, 2) + Math.Pow(first[i].Y - first[j].Y, 2)));
        Assert.True(minD > 5, $"K-Medoids negatives should spread out, min distance {minD}");
    }

    [Fact]
    public void OnePointMixedNegativeNeedsNoImage()
    {
        // SAM-PT's default: one "mixed" negative = 0 K-Medoids + 0 corners + 1 random point.
        var mask = Ellipse(50, 40, 25, 20, 10, 10);
        var pts = PointSampler.Default.Negatives(mask, 1, SamplingMethod.Mixed, 0);
        Assert.Single(pts);
        Assert.False(mask[(int)pts[0].X, (int)pts[0].Y]);
    }

    [Fact]
    public void CornerMethodsRequireTheImage()
    {
        var mask = Ellipse(50, 40, 25, 20, 10, 10);
        Assert.Throws<ArgumentException>(() => PointSampler.Default.Positives(mask, 4, SamplingMethod.ShiTomasi, 0));
        Assert.Throws<ArgumentException>(() => PointSampler.Default.Positives(mask, 4, SamplingMethod.ShiTomasi, 0, new RgbImage(10, 10)));
        Assert.Throws<ArgumentException>(() => PointSampler.Default.Positives(mask, 3, SamplingMethod.Mixed, 0));
    }

    [Fact]
    public void ShiTomasiFindsTheCornersOfABrightSquare()
    {
        var img = new RgbImage(64, 64);
        for (int y = 20; y < 44; y++)
            for (int x = 16; x < 40; x++)
                img.Pixels[(y * 64 + x) * 3] = img.Pixels[(y * 64 + x) * 3 + 1] = img.Pixels[(y * 64 + x) * 3 + 2] = 200;
        var all = new byte[64 * 64];
        Array.Fill(all, (byte)1);
        var corners = ShiTomasiCorners.Detect(img, all, 4, 0.01, 10);
        Assert.Equal(4, corners.Count);
        var expected = new[] { (16, 20), (39, 20), (16, 43), (39, 43) };
        foreach (var e in expected)
            Assert.Contains(corners, c => Math.Abs(c.X - e.Item1) <= 1 && Math.Abs(c.Y - e.Item2) <= 1);
    }

    [Fact]
    public void ShiTomasiPositivesAvoidTheMaskOutline()
    {
        var img = Textured(120, 100, 8);
        var mask = Ellipse(120, 100, 60, 50, 40, 35);
        var pts = PointSampler.Default.Positives(mask, 8, SamplingMethod.ShiTomasi, 1, img);
        Assert.Equal(8, pts.Length);
        // 6% of the bounding-box diagonal (~106 px) is a 6 px square: corners keep >= ~3 px from the outline.
        foreach (var p in pts)
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++)
                    Assert.True(mask[(int)p.X + dx, (int)p.Y + dy], $"corner {p} lies within 2 px of the outline");
    }

    [Fact]
    public void ErosionMatchesANaiveSquareMinimumFilter()
    {
        var rnd = new Random(3);
        foreach (int size in new[] { 1, 2, 3, 4, 7 })
            foreach (byte target in new byte[] { 0, 1 })
            {
                int w = 23, h = 17;
                var data = new byte[w * h];
                for (int i = 0; i < data.Length; i++) data[i] = (byte)(rnd.NextDouble() < 0.8 ? 1 : 0);
                var region = new SamplingRegion(data, w, h, target);
                byte[] got = region.Erode(size);
                int before = size / 2, after = size - 1 - before;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        bool keep = true;
                        for (int v = y - before; v <= y + after; v++)
                            for (int u = x - before; u <= x + after; u++)
                                if (u >= 0 && v >= 0 && u < w && v < h && data[v * w + u] != target) keep = false;
                        Assert.Equal(keep ? 1 : 0, got[y * w + x]);
                    }
            }
    }

    [Fact]
    public void KMedoidsMatchesAScalarReferenceOfTheAlternateMethod()
    {
        foreach (int n in new[] { 5, 9, 17, 40, 131 })
            foreach (int k in new[] { 1, 2, 3, 8 })
                for (int seed = 0; seed < 4; seed++)
                {
                    if (k > n) continue;
                    var rnd = new Random(seed * 1000 + n);
                    var xs = new float[n];
                    var ys = new float[n];
                    for (int i = 0; i < n; i++) { xs[i] = (float)(rnd.NextDouble() * 100); ys[i] = (float)(rnd.NextDouble() * 60); }
                    int[] got = KMedoidsClustering.Fit(xs, ys, k, 300);
                    int[] want = ReferenceKMedoids(xs, ys, k, 300);
                    Assert.Equal(want, got);
                }
    }

    /// <summary>scikit-learn-extra's KMedoids (heuristic init, alternate) over a full double distance matrix.</summary>
    private static int[] ReferenceKMedoids(float[] xs, float[] ys, int k, int maxIter)
    {
        int n = xs.Length;
        var d = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                d[i, j] = Math.Sqrt(Math.Pow((double)xs[i] - xs[j], 2) + Math.Pow((double)ys[i] - ys[j], 2));
        var sums = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Sum(j => d[i, j])).ToArray();
        int[] med = Enumerable.Range(0, n).OrderBy(i => sums[i]).ThenBy(i => i).Take(k).ToArray();
        for (int it = 0; it < maxIter; it++)
        {
            int[] labels = Enumerable.Range(0, n).Select(j => Enumerable.Range(0, k).OrderBy(c => d[med[c], j]).ThenBy(c => c).First()).ToArray();
            var old = (int[])med.Clone();
            for (int c = 0; c < k; c++)
            {
                int[] members = Enumerable.Range(0, n).Where(j => labels[j] == c).ToArray();
                if (members.Length == 0) continue;
                double[] costs = members.Select(i => members.Sum(j => d[i, j])).ToArray();
                int best = Array.IndexOf(costs, costs.Min());
                double cur = costs[Math.Max(0, Array.IndexOf(members, med[c]))];
                if (costs[best] < cur) med[c] = members[best];
            }
            if (old.SequenceEqual(med)) break;
        }
        return med;
    }

    [Fact]
    public void OtherObjectsPositivesBecomeNegatives()
    {
        var own = new[] { new PromptPoint(1, 1, PointLabel.Positive), new PromptPoint(2, 2, PointLabel.Negative) };
        var a = new[] { new PromptPoint(10, 10, PointLabel.Positive), new PromptPoint(11, 11, PointLabel.Negative) };
        var b = new[] { new PromptPoint(20, 20, PointLabel.Positive), new PromptPoint(21, 21, PointLabel.Positive) };
        var all = PointSampler.WithOtherObjectsAsNegatives(own, [a, b]);
        Assert.Equal([own[0], own[1], new PromptPoint(10, 10, PointLabel.Negative), new PromptPoint(20, 20, PointLabel.Negative), new PromptPoint(21, 21, PointLabel.Negative)], all);
        var capped = PointSampler.WithOtherObjectsAsNegatives(own, [a, b], maxOther: 2, seed: 4);
        Assert.Equal(4, capped.Length);
        Assert.Equal(2, capped.Skip(2).Distinct().Count());
        Assert.All(capped.Skip(2), p => Assert.Equal(PointLabel.Negative, p.Label));
        Assert.Equal(capped, PointSampler.WithOtherObjectsAsNegatives(own, [a, b], maxOther: 2, seed: 4));
    }

    [Fact]
    public void SampleGivesPositivesThenNegatives()
    {
        var mask = Ellipse(80, 60, 40, 30, 20, 15);
        var pts = PointSampler.Default.Sample(mask, new PointSamplingSpec(Positives: 8, Negatives: 1), 0);
        Assert.Equal(9, pts.Length);
        Assert.All(pts.Take(8), p => { Assert.Equal(PointLabel.Positive, p.Label); Assert.True(mask[(int)p.X, (int)p.Y]); });
        Assert.Equal(PointLabel.Negative, pts[8].Label);
        Assert.False(mask[(int)pts[8].X, (int)pts[8].Y]);
    }
}
