using EdgeSam.Video.Segmentation.GraphCut;

namespace EdgeSam.Video.Tests.GraphCut;

public class ChamferDistanceTests
{
    /// <summary>Brute force: the (1, sqrt 2) chamfer length of the offset to the nearest pixel of the other label.</summary>
    private static float[] Reference(byte[] labels, int w, int h)
    {
        var d = new float[w * h];
        for (int i = 0; i < d.Length; i++)
        {
            float best = float.PositiveInfinity;
            int x = i % w, y = i / w;
            for (int j = 0; j < d.Length; j++)
            {
                if ((labels[j] != 0) == (labels[i] != 0)) continue;
                int ax = Math.Abs(j % w - x), ay = Math.Abs(j / w - y);
                best = Math.Min(best, Math.Max(ax, ay) + (MathF.Sqrt(2) - 1) * Math.Min(ax, ay));
            }
            d[i] = best;
        }
        return d;
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 1, 2)]
    [InlineData(1, 9, 3)]
    [InlineData(13, 11, 4)]
    [InlineData(31, 17, 5)]
    [InlineData(40, 40, 6)]
    public void MatchesBruteForce_OnRandomBlobs(int w, int h, int seed)
    {
        var rng = new Random(seed);
        foreach (double density in new[] { 0.02, 0.3, 0.9 })
        {
            var labels = new byte[w * h];
            // Random rectangles (objects with straight and diagonal-free borders) plus isolated pixels.
            for (int r = 0; r < 3; r++)
            {
                int x0 = rng.Next(w), y0 = rng.Next(h), x1 = Math.Min(w - 1, x0 + rng.Next(w)), y1 = Math.Min(h - 1, y0 + rng.Next(h));
                for (int y = y0; y <= y1; y++) for (int x = x0; x <= x1; x++) labels[y * w + x] = 1;
            }
            for (int i = 0; i < labels.Length; i++) if (rng.NextDouble() < density * 0.1) labels[i] ^= 1;
            var got = new float[w * h];
            ChamferDistance.ToBoundary(labels, w, h, got);
            float[] want = Reference(labels, w, h);
            for (int i = 0; i < got.Length; i++)
                Assert.True(want[i] == got[i] || MathF.Abs(want[i] - got[i]) < 1e-4f,
                    $"{w}x{h} seed {seed} density {density}: pixel ({i % w}, {i / w}) got {got[i]}, want {want[i]}");
        }
    }

    [Fact]
    public void OneLabelEverywhere_IsInfinitelyFarFromTheOther()
    {
        var got = new float[12];
        ChamferDistance.ToBoundary(new byte[12], 4, 3, got);
        Assert.All(got, v => Assert.Equal(float.PositiveInfinity, v));
    }

    [Fact]
    public void Boundary_PixelsAreOneAway_OnBothSides()
    {
        // A vertical edge at x = 5: columns 4 and 5 are 1 from the other side, columns 3 and 6 are 2.
        int w = 10, h = 4;
        var labels = new byte[w * h];
        for (int y = 0; y < h; y++) for (int x = 5; x < w; x++) labels[y * w + x] = 1;
        var got = new float[w * h];
        ChamferDistance.ToBoundary(labels, w, h, got);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Assert.Equal(x < 5 ? 5 - x : x - 4, got[y * w + x]);
    }
}
