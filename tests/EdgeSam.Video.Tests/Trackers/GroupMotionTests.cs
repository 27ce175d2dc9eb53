using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers.Lk;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Tests.Trackers;

public class GroupMotionTests
{
    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 5)]
    [InlineData(3, 8)]
    [InlineData(4, 20)]
    public void FitRecoversAKnownSimilarityAndIgnoresAnOutlier(int seed, int count)
    {
        var rng = new Random(seed);
        double angle = (rng.NextDouble() - 0.5) * 0.4, scale = 0.9 + 0.2 * rng.NextDouble();
        float a = (float)(scale * Math.Cos(angle)), b = (float)(scale * Math.Sin(angle));
        float tx = (float)(rng.NextDouble() * 80 - 40), ty = (float)(rng.NextDouble() * 80 - 40);
        var truth = new GroupMotion(a, b, tx, ty, count);
        var fx = new float[count + 1];
        var fy = new float[count + 1];
        var gx = new float[count + 1];
        var gy = new float[count + 1];
        for (int i = 0; i <= count; i++)
        {
            fx[i] = (float)(rng.NextDouble() * 400);
            fy[i] = (float)(rng.NextDouble() * 300);
            (gx[i], gy[i]) = truth.Apply(fx[i], fy[i]);
        }
        // The last point went elsewhere (a bad track); with five or more good points the trimmed refit drops it
        // (a least-squares start cannot be trusted to expose one outlier among three or four points).
        gx[count] += 60;
        gy[count] -= 45;
        bool[] useAll = [.. Enumerable.Repeat(true, count + 1)];
        bool[] useGood = [.. Enumerable.Range(0, count + 1).Select(i => i < count)];
        GroupMotion exact = GroupMotion.Fit(fx, fy, gx, gy, useGood);
        Assert.Equal(count, exact.Support);
        AssertSame(truth, exact, count == 2 ? 2e-3f : 1e-3f);
        if (count >= 5)
        {
            GroupMotion robust = GroupMotion.Fit(fx, fy, gx, gy, useAll);
            Assert.InRange(robust.Support, count - 2, count);
            AssertSame(truth, robust, 1e-3f);
        }
    }

    [Fact]
    public void OnePointIsATranslationNoneIsIdentityAndScaleIsClamped()
    {
        GroupMotion one = GroupMotion.Fit([10f, 50f], [20f, 60f], [13f, 0f], [15f, 0f], [true, false]);
        Assert.Equal((1f, 0f, 3f, -5f, 1), (one.A, one.B, one.Tx, one.Ty, one.Support));
        GroupMotion none = GroupMotion.Fit([10f], [20f], [13f], [15f], [false]);
        Assert.Equal(GroupMotion.Identity, none);
        // Two points 10 px apart that end 30 px apart: scale 3 is clamped to 1.25 about their centroid.
        GroupMotion wide = GroupMotion.Fit([0f, 10f], [0f, 0f], [-10f, 20f], [0f, 0f], [true, true], maxScale: 1.25f);
        Assert.Equal(1.25f, MathF.Sqrt(wide.A * wide.A + wide.B * wide.B), 4);
        Assert.Equal(5f, wide.Apply(5, 0).X, 3);
    }

    private static void AssertSame(GroupMotion expected, GroupMotion got, float tol)
    {
        foreach (var (x, y) in new[] { (0f, 0f), (400f, 0f), (0f, 300f), (400f, 300f) })
        {
            var e = expected.Apply(x, y);
            var g = got.Apply(x, y);
            Assert.InRange(g.X - e.X, -tol * 400, tol * 400);
            Assert.InRange(g.Y - e.Y, -tol * 400, tol * 400);
        }
    }

    /// <summary>
    /// Left half smooth texture (trackable through the pyramid), right half pixel-scale noise: the pyramid's blur wipes
    /// it out, so LK gets no coarse guidance there and an 18 px jump is out of its reach at full resolution.
    /// </summary>
    private static RgbImage MixedScene(int w, int h, int dx, int dy)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int sx = x - dx, sy = y - dy;
                double v;
                if (sx < w / 2) v = SyntheticScenes.Texture(sx, sy);
                else
                {
                    uint hsh = (uint)(sx * 73856093) ^ (uint)(sy * 19349663);
                    hsh ^= hsh >> 13; hsh *= 0x5bd1e995; hsh ^= hsh >> 15;
                    v = 128 + 90 * ((hsh & 1023) / 1023.0 - 0.5) * 2;
                }
                byte b = (byte)Math.Clamp(Math.Round(v), 0, 255);
                int o = (y * w + x) * 3;
                img.Pixels[o] = img.Pixels[o + 1] = img.Pixels[o + 2] = b;
            }
        return img;
    }

    [Fact]
    public void GroupMotionReacquiresLargeMotionThatPlainLkMisses()
    {
        const int w = 320, h = 200, dx = 18, dy = -8;
        (float X, float Y)[] pts = [(40, 60), (80, 120), (120, 80), (60, 150), (200, 70), (240, 130), (280, 100)];
        var f0 = MixedScene(w, h, 0, 0);
        var f1 = MixedScene(w, h, dx, dy);
        // Dense re-acquisition off: it would rescue the noise points too, and this test isolates the group's.
        var basic = new LkOptions { PyramidLevels = 3, WindowRadius = 6, ChainReacquire = false, DenseReacquire = false };
        int Hits(LkOptions o, out TrackedPoint[] got)
        {
            var tracker = new LkTracker(o);
            using var track = tracker.Start(f0, pts);
            got = track.Step(f1);
            int hits = 0;
            for (int i = 4; i < pts.Length; i++)
                if (got[i].Visibility >= tracker.VisibilityThreshold && MathF.Abs(got[i].X - (pts[i].X + dx)) < 0.3f && MathF.Abs(got[i].Y - (pts[i].Y + dy)) < 0.3f) hits++;
            return hits;
        }
        int plain = Hits(basic with { GroupReacquire = false }, out var p);
        int group = Hits(basic, out var g);
        // The smooth-texture points are tracked either way.
        for (int i = 0; i < 4; i++)
        {
            Assert.InRange(g[i].X - (pts[i].X + dx), -0.3, 0.3);
            Assert.InRange(p[i].X - (pts[i].X + dx), -0.3, 0.3);
        }
        Assert.True(plain < 3, $"plain LK found {plain} of the 3 noise points: the scene does not test the prediction");
        Assert.Equal(3, group);
    }
}
