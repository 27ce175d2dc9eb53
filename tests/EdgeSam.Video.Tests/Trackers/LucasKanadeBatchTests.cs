using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.Lk;

namespace EdgeSam.Video.Tests.Trackers;

/// <summary>
/// The tracker hands OpenCV all points of one pyramid pair in one call. That is only right if OpenCV solves every
/// point on its own, whatever else is in the call (other points, their number, how its threads split them): the
/// batch must give what one call per point gives, bit for bit, over swept point counts, seeds, levels and windows.
/// </summary>
public class LucasKanadeBatchTests
{
    private const int W = 200, H = 150;

    /// <summary>A textured scene, then the same moved by (dx, dy) with per-pixel noise and a flat square (windows
    /// there are untrackable), so a batch mixes converged and failed points.</summary>
    private static (ImagePyramid From, ImagePyramid To) Pair(int seed, double dx, double dy, int levels, int radius)
    {
        RgbImage a = SyntheticScenes.Shifted(W, H, 0, 0, seed);
        RgbImage b = SyntheticScenes.WithOccluder(SyntheticScenes.Shifted(W, H, dx, dy, seed), 20, 90, 40);
        var rng = new Random(seed);
        for (int i = 0; i < b.Pixels.Length; i++) b.Pixels[i] = (byte)Math.Clamp(b.Pixels[i] + rng.Next(-12, 13), 0, 255);
        return (ImagePyramid.Build(a, levels, radius), ImagePyramid.Build(b, levels, radius));
    }

    /// <summary>Points anywhere in (and a few beyond) the frame, guesses near the true motion or far from it.</summary>
    private static ((float X, float Y)[] Points, (float X, float Y)[] Guesses) RandomPoints(int n, int seed, double dx, double dy)
    {
        var rng = new Random(1000 + seed);
        var points = new (float X, float Y)[n];
        var guesses = new (float X, float Y)[n];
        for (int k = 0; k < n; k++)
        {
            float x = (float)(rng.NextDouble() * (W + 20) - 10), y = (float)(rng.NextDouble() * (H + 20) - 10);
            double spread = k % 5 == 0 ? 25 : 3;
            points[k] = (x, y);
            guesses[k] = ((float)(x + dx + (rng.NextDouble() - 0.5) * spread), (float)(y + dy + (rng.NextDouble() - 0.5) * spread));
        }
        return (points, guesses);
    }

    [Theory]
    [InlineData(1, 1, 4, 14, int.MaxValue, 0)]
    [InlineData(2, 2, 4, 14, int.MaxValue, 0)]
    [InlineData(7, 3, 4, 14, 2, 0)]
    [InlineData(33, 4, 4, 7, int.MaxValue, 1)]
    [InlineData(80, 5, 4, 14, int.MaxValue, 0)]
    [InlineData(80, 6, 3, 7, 2, 0)]
    [InlineData(257, 7, 4, 14, int.MaxValue, 0)]
    [InlineData(257, 8, 4, 7, int.MaxValue, 1)]
    public void OneCallForAllPointsEqualsOneCallPerPoint(int n, int seed, int levels, int radius, int maxLevels, int finest)
    {
        double dx = 3.3 + seed, dy = -1.7 * seed;
        var (from, to) = Pair(seed, dx, dy, levels, radius);
        using (from)
        using (to)
        {
            var (points, guesses) = RandomPoints(n, seed, dx, dy);
            var lk = new LucasKanade(new LkParameters(WindowRadius: radius));
            var batch = new LkResult[n];
            lk.Track(from, to, points, guesses, batch, maxLevels, finest);
            for (int k = 0; k < n; k++)
            {
                LkResult single = lk.Track(from, to, points[k].X, points[k].Y, guesses[k].X, guesses[k].Y, maxLevels, finest);
                Assert.Equal(Bits(single), Bits(batch[k]));
            }
            if (n >= 33)
            {
                // Both outcomes occur, so the comparison covers converged and failed points alike.
                Assert.Contains(batch, r => r.Ok);
                Assert.Contains(batch, r => !r.Ok);
            }
        }
    }

    [Theory]
    [InlineData(1, 11)]
    [InlineData(9, 12)]
    [InlineData(80, 13)]
    [InlineData(200, 14)]
    public void BatchedForwardBackwardEqualsPerPointForwardBackward(int n, int seed)
    {
        double dx = -4.6, dy = 2.2 + seed % 3;
        var (from, to) = Pair(seed, dx, dy, 4, 14);
        using (from)
        using (to)
        {
            var (points, guesses) = RandomPoints(n, seed, dx, dy);
            var lk = new LucasKanade(new LkParameters(WindowRadius: 14));
            var fwd = new LkResult[n];
            var fb = new float[n];
            LkTracker.TrackFb(lk, from, to, points, guesses, fwd, fb);
            for (int k = 0; k < n; k++)
            {
                var (f1, e1) = LkTracker.TrackFb(lk, from, to, points[k].X, points[k].Y, guesses[k].X, guesses[k].Y);
                Assert.Equal(Bits(f1), Bits(fwd[k]));
                Assert.Equal(BitConverter.SingleToInt32Bits(e1), BitConverter.SingleToInt32Bits(fb[k]));
            }
            if (n >= 80) Assert.Contains(fb, float.IsFinite);
        }
    }

    [Fact]
    public void AnEmptyBatchCallsNothingAndMismatchedSpansAreRefused()
    {
        var (from, to) = Pair(1, 2, 2, 3, 7);
        using (from)
        using (to)
        {
            var lk = new LucasKanade(new LkParameters(WindowRadius: 7));
            lk.Track(from, to, [], [], []);
            Assert.Throws<ArgumentException>(() => lk.Track(from, to, [(10f, 10f)], [], new LkResult[1]));
        }
    }

    private static (int, int, bool, int, int) Bits(LkResult r) =>
        (BitConverter.SingleToInt32Bits(r.X), BitConverter.SingleToInt32Bits(r.Y), r.Ok,
         BitConverter.SingleToInt32Bits(r.Residual), BitConverter.SingleToInt32Bits(r.Correlation));
}
