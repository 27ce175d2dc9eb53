using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.Lk;

namespace EdgeSam.Video.Tests.Trackers;

public class DenseFlowTests
{
    private const int W = 320, H = 240;

    // The defaults the LK tracker uses (LkOptions.DenseFlow): 6 px patches, down to half resolution.
    private static readonly DenseFlowParameters Params = new LkOptions().DenseFlow;

    private static readonly Func<float, float, (float, float)> NoMotion = (_, _) => (0, 0);

    /// <summary>Interior sample positions (away from the border by more than the largest test motion).</summary>
    private static IEnumerable<(float X, float Y)> Interior()
    {
        for (float y = 70; y <= H - 70; y += 25)
            for (float x = 70; x <= W - 70; x += 25)
                yield return (x, y);
    }

    /// <summary>A frame whose content at (x, y) is the texture at <paramref name="source"/>(x, y) (the inverse motion).</summary>
    private static RgbImage Warped(Func<double, double, (double X, double Y)> source, int seed = 0)
    {
        var img = new RgbImage(W, H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                var (sx, sy) = source(x, y);
                byte b = (byte)Math.Clamp(Math.Round(Rich(sx, sy, seed)), 0, 255);
                int o = (y * W + x) * 3;
                img.Pixels[o] = img.Pixels[o + 1] = img.Pixels[o + 2] = b;
            }
        return img;
    }

    /// <summary>
    /// A continuous texture with structure at several scales (value noise with 28, 11 and 5 px cells over the smooth
    /// sinusoids of <see cref="SyntheticScenes.Texture"/>), like natural images: the dense flow works from 1/8
    /// resolution, where the sinusoids alone are nearly a plain gradient (an aperture problem no patch can solve).
    /// </summary>
    private static double Rich(double x, double y, int seed = 0) =>
        0.5 * SyntheticScenes.Texture(x, y, seed) + 64 + 70 * (Noise(x / 28, y / 28, seed) - 0.5) + 50 * (Noise(x / 11, y / 11, seed + 17) - 0.5) + 30 * (Noise(x / 5, y / 5, seed + 31) - 0.5);

    /// <summary>Value noise in [0, 1]: hashed lattice values blended with a smoothstep (continuous, so sub-pixel shifts are exact).</summary>
    private static double Noise(double x, double y, int seed)
    {
        double fx = Math.Floor(x), fy = Math.Floor(y);
        int ix = (int)fx, iy = (int)fy;
        double ax = x - fx, ay = y - fy;
        ax = ax * ax * (3 - 2 * ax);
        ay = ay * ay * (3 - 2 * ay);
        double a = Hash(ix, iy, seed), b = Hash(ix + 1, iy, seed), c = Hash(ix, iy + 1, seed), d = Hash(ix + 1, iy + 1, seed);
        return (a * (1 - ax) + b * ax) * (1 - ay) + (c * (1 - ax) + d * ax) * ay;
    }

    private static double Hash(int x, int y, int seed)
    {
        uint h = (uint)(x * 374761393 + y * 668265263 + seed * 2147483647);
        h = (h ^ (h >> 13)) * 1274126177u;
        h ^= h >> 16;
        return (h & 0xFFFFFF) / (double)0xFFFFFF;
    }

    private static RgbImage Shifted(double dx, double dy, int seed = 0) => Warped((x, y) => (x - dx, y - dy), seed);

    private static FlowField Flow(RgbImage a, RgbImage b, Func<float, float, (float, float)>? predict = null, DenseFlowParameters? p = null, (float, float, float, float)? region = null) =>
        DenseFlow.Compute(ImagePyramid.Build(a, 4), ImagePyramid.Build(b, 4), p ?? Params, predict ?? NoMotion, region);

    [Theory]
    [InlineData(0.6, -0.4, 0)]
    [InlineData(7.3, 3.1, 1)]
    [InlineData(-23.4, 11.7, 2)]
    [InlineData(41, 28, 3)]
    public void RecoversAKnownTranslationFromNoPrediction(double dx, double dy, int seed)
    {
        var f0 = Shifted( 0, 0, seed);
        var f1 = Shifted( dx, dy, seed);
        FlowField flow = Flow(f0, f1);
        double sum = 0;
        int n = 0;
        // Where the content lands within one coarsest patch (48 px) of the border, its patches partly leave the
        // frame and the search is truncated there; such points are not held to sub-pixel precision.
        foreach (var (x, y) in Interior().Where(p => p.X + dx is >= 48 and <= W - 48 && p.Y + dy is >= 48 and <= H - 48))
        {
            var (u, v) = flow.At(x, y);
            double e = Math.Sqrt((u - dx) * (u - dx) + (v - dy) * (v - dy));
            // Half-resolution patches: sub-pixel on average, up to ~1.5 px where the texture is locally 1-D.
            Assert.True(e < 2, $"flow at ({x}, {y}) is ({u:F2}, {v:F2}), expected ({dx}, {dy})");
            sum += e;
            n++;
        }
        Assert.True(sum / n < 0.3, $"mean error {sum / n:F3} px");
    }

    [Theory]
    [InlineData(0.07, 1.04, 5, -3)]
    [InlineData(-0.05, 0.97, -12, 6)]
    public void FollowsARotationWithScaleAndShift(double angle, double scale, double tx, double ty)
    {
        // Frame 1 = frame 0 rotated by angle and scaled about the centre, then shifted: p1 = c + s R (p0 - c) + t.
        double c = Math.Cos(angle), s = Math.Sin(angle), cx = W / 2.0, cy = H / 2.0;
        (double X, double Y) Forward(double x, double y)
        {
            double px = x - cx, py = y - cy;
            return (cx + scale * (c * px - s * py) + tx, cy + scale * (s * px + c * py) + ty);
        }
        (double X, double Y) Inverse(double x, double y)
        {
            double px = (x - cx - tx) / scale, py = (y - cy - ty) / scale;
            return (cx + c * px + s * py, cy - s * px + c * py);
        }
        FlowField flow = Flow(Warped((x, y) => (x, y)), Warped(Inverse));
        double sum = 0;
        int n = 0;
        foreach (var (x, y) in Interior())
        {
            var (ex, ey) = Forward(x, y);
            var (u, v) = flow.At(x, y);
            double e = Math.Sqrt((x + u - ex) * (x + u - ex) + (y + v - ey) * (y + v - ey));
            // The patches are translations: a rotating, scaling field is followed piecewise.
            Assert.True(e < 2, $"flow at ({x}, {y}) lands at ({x + u:F2}, {y + v:F2}), expected ({ex:F2}, {ey:F2})");
            sum += e;
            n++;
        }
        Assert.True(sum / n < 0.6, $"mean error {sum / n:F3} px");
    }

    [Fact]
    public void FollowsAMotionBlurredJump()
    {
        // The scene jumps 30 px right and 6 px down during a long exposure: frame 1 is the mean of 9 positions spread
        // over 12 px along the motion, centred on the jump. The flow must land at the centre of the smear.
        const double dx = 30, dy = 6;
        var f0 = Shifted( 0, 0);
        var blurred = new RgbImage(W, H);
        var acc = new double[W * H];
        for (int k = -4; k <= 4; k++)
        {
            double t = k * 1.5 / 30;
            var img = Shifted( dx * (1 + t), dy * (1 + t));
            for (int i = 0; i < acc.Length; i++) acc[i] += img.Pixels[3 * i];
        }
        for (int i = 0; i < acc.Length; i++) blurred.Pixels[3 * i] = blurred.Pixels[3 * i + 1] = blurred.Pixels[3 * i + 2] = (byte)Math.Round(acc[i] / 9);
        FlowField flow = Flow(f0, blurred);
        double sum = 0;
        int n = 0;
        foreach (var (x, y) in Interior())
        {
            var (u, v) = flow.At(x, y);
            double e = Math.Sqrt((u - dx) * (u - dx) + (v - dy) * (v - dy));
            Assert.True(e < 2, $"flow at ({x}, {y}) is ({u:F2}, {v:F2}), expected ({dx}, {dy})");
            sum += e;
            n++;
        }
        // The dense flow reads the pyramid's float levels: 0.600 px measured; on OpenCV's 8-bit levels (grey and every
        // blur rounded to whole values) 0.626, so this bound also fails if the flow is fed rounded levels again.
        Assert.True(sum / n < 0.61, $"mean error {sum / n:F3} px");
    }

    [Fact]
    public void SeparatesAnObjectMovingAgainstItsBackground()
    {
        // Background moves (+10, 0); an 80 x 80 object of another texture, centred at (160, 120) on frame 0, moves
        // (-6, +4). Away from the object's edges each side gets its own motion, not a blend.
        const double bx = 10, by = 0, ox = -6, oy = 4;
        static bool OnObject(double x, double y) => Math.Abs(x - 160) < 40 && Math.Abs(y - 120) < 40;
        RgbImage Frame(double bdx, double bdy, double odx, double ody)
        {
            var img = new RgbImage(W, H);
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    double v = OnObject(x - odx, y - ody) ? Rich(x - odx, y - ody, 7) : Rich(x - bdx, y - bdy, 0);
                    int o = (y * W + x) * 3;
                    img.Pixels[o] = img.Pixels[o + 1] = img.Pixels[o + 2] = (byte)Math.Clamp(Math.Round(v), 0, 255);
                }
            return img;
        }
        FlowField flow = Flow(Frame(0, 0, 0, 0), Frame(bx, by, ox, oy));
        foreach (var (x, y) in new (float, float)[] { (160, 120), (145, 105), (175, 135) })
        {
            var (u, v) = flow.At(x, y);
            Assert.True(Math.Abs(u - ox) < 1 && Math.Abs(v - oy) < 1, $"object point ({x}, {y}) flow ({u:F2}, {v:F2})");
        }
        foreach (var (x, y) in new (float, float)[] { (50, 50), (270, 190), (60, 200) })
        {
            var (u, v) = flow.At(x, y);
            Assert.True(Math.Abs(u - bx) < 1 && Math.Abs(v - by) < 1, $"background point ({x}, {y}) flow ({u:F2}, {v:F2})");
        }
    }

    [Fact]
    public void ARegionIsSolvedAsTheWholeFrameAndTheRestKeepsThePrediction()
    {
        var f0 = Shifted( 0, 0, 4);
        var f1 = Shifted( 5.5, -2.25, 4);
        Func<float, float, (float, float)> predict = (_, _) => (3, -1);
        FlowField whole = Flow(f0, f1, predict);
        FlowField part = Flow(f0, f1, predict, region: (100, 80, 180, 140));
        foreach (var (x, y) in new (float, float)[] { (110, 90), (140, 110), (170, 130) })
        {
            var (u, v) = part.At(x, y);
            var (wu, wv) = whole.At(x, y);
            Assert.InRange(u - 5.5, -0.5, 0.5);
            Assert.InRange(v + 2.25, -0.5, 0.5);
            Assert.InRange(u - wu, -0.3, 0.3);
            Assert.InRange(v - wv, -0.3, 0.3);
        }
        // Far outside the region no patch was solved: the field there is the prediction.
        var (fu, fv) = part.At(20, 20);
        Assert.Equal(3f, fu, 3);
        Assert.Equal(-1f, fv, 3);
    }

    [Fact]
    public void BlockSearchPrefersThePredictionOnAFlatTarget()
    {
        // Frame 1 is flat grey: nothing matches, so no patch may jump to a chance look-alike; the field stays at the
        // prediction everywhere.
        var f0 = Shifted( 0, 0, 2);
        var flat = new RgbImage(W, H);
        Array.Fill(flat.Pixels, (byte)128);
        FlowField flow = Flow(f0, flat, (_, _) => (4, 2));
        foreach (var (x, y) in Interior())
        {
            var (u, v) = flow.At(x, y);
            Assert.True(Math.Abs(u - 4) <= 0.5 && Math.Abs(v - 2) <= 0.5, $"flow at ({x}, {y}) is ({u:F2}, {v:F2}), expected the prediction (4, 2)");
        }
    }

    [Fact]
    public void InvalidDenseOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LkTracker(new LkOptions { DenseFlowPatchSize = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LkTracker(new LkOptions { DenseFlowFinestLevel = 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LkTracker(new LkOptions { DenseFlowSearchRadius = 0 }));
        var e = Assert.Throws<EdgeSamException>(() => TrackerFactory.Create(TrackerKind.Lk, new TrackerOptions { Lk = new LkOptions { PyramidLevels = 2, DenseFlowFinestLevel = 3 } }));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("DenseFlowFinestLevel", e.Message);
    }

    [Fact]
    public void LkTrackerWithDenseReacquisitionTracksATranslation()
    {
        // Both carry modes and the dense re-acquisition leave a trackable scene tracked as before.
        (float X, float Y)[] pts = [(60, 50), (100, 70), (140, 90), (80, 110)];
        foreach (var lk in new[] { new LkOptions { LostPointMotion = LostPointMotion.Group }, new LkOptions { DenseReacquire = false }, new LkOptions() })
        {
            using var tracker = new LkTracker(lk);
            using var track = tracker.Start(SyntheticScenes.Shifted(240, 180, 0, 0), pts);
            var got = track.Step(SyntheticScenes.Shifted(240, 180, 6.5, -3.25));
            for (int i = 0; i < pts.Length; i++)
            {
                Assert.InRange(got[i].X - (pts[i].X + 6.5), -0.15, 0.15);
                Assert.InRange(got[i].Y - (pts[i].Y - 3.25), -0.15, 0.15);
                Assert.True(got[i].Visibility >= tracker.VisibilityThreshold);
            }
        }
    }
}
