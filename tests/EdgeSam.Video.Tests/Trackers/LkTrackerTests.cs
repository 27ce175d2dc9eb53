using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.Lk;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Tests.Trackers;

public class LkTrackerTests
{
    private static readonly (float X, float Y)[] Grid = [(60, 50), (100, 70), (140, 90), (80, 110), (160, 60), (120, 120)];

    [Theory]
    [InlineData(0.3, -0.45)]
    [InlineData(2.6, 1.2)]
    [InlineData(-7.25, 4.5)]
    [InlineData(21.5, -13.75)]
    public void FollowsAKnownTranslationToSubPixelAccuracy(double dx, double dy)
    {
        using var tracker = TrackerFactory.Create(TrackerKind.Lk);
        var f0 = SyntheticScenes.Shifted(240, 180, 0, 0);
        var f1 = SyntheticScenes.Shifted(240, 180, dx, dy);
        using var track = tracker.Start(f0, Grid);
        var got = track.Step(f1);
        for (int i = 0; i < Grid.Length; i++)
        {
            Assert.InRange(got[i].X - (Grid[i].X + dx), -0.15, 0.15);
            Assert.InRange(got[i].Y - (Grid[i].Y + dy), -0.15, 0.15);
            Assert.True(got[i].Visibility >= tracker.VisibilityThreshold, $"point {i} visibility {got[i].Visibility}");
        }
    }

    [Fact]
    public void AccumulatesMotionOverManyFramesWithoutDrift()
    {
        using var tracker = TrackerFactory.Create(TrackerKind.Lk);
        using var track = tracker.Start(SyntheticScenes.Shifted(240, 180, 0, 0), Grid);
        TrackedPoint[] got = [];
        for (int f = 1; f <= 10; f++) got = track.Step(SyntheticScenes.Shifted(240, 180, 1.7 * f, -0.9 * f));
        for (int i = 0; i < Grid.Length; i++)
        {
            Assert.InRange(got[i].X - (Grid[i].X + 17), -0.3, 0.3);
            Assert.InRange(got[i].Y - (Grid[i].Y - 9), -0.3, 0.3);
            Assert.True(got[i].Visibility >= tracker.VisibilityThreshold);
        }
    }

    [Fact]
    public void OccludedPointIsInvisibleAndReacquiredAfterTheOccluderLeaves()
    {
        using var tracker = TrackerFactory.Create(TrackerKind.Lk);
        (float X, float Y)[] pts = [(60, 60), (170, 120)];
        var frames = Enumerable.Range(0, 6).Select(f => SyntheticScenes.Shifted(240, 180, f, 0)).ToArray();
        // Frames 2 and 3 cover the first point (which moved to x = 62, 63) with a flat square.
        frames[2] = SyntheticScenes.WithOccluder(frames[2], 45, 45, 34);
        frames[3] = SyntheticScenes.WithOccluder(frames[3], 46, 45, 34);
        using var track = tracker.Start(frames[0], pts);
        var steps = frames.Skip(1).Select(track.Step).ToArray();
        Assert.True(steps[0][0].Visibility >= tracker.VisibilityThreshold);
        Assert.True(steps[1][0].Visibility < tracker.VisibilityThreshold, $"occluded visibility {steps[1][0].Visibility}");
        Assert.True(steps[2][0].Visibility < tracker.VisibilityThreshold);
        // Frame 4: visible again, at the right place (re-acquired from frame 1).
        Assert.True(steps[3][0].Visibility >= tracker.VisibilityThreshold, $"re-acquired visibility {steps[3][0].Visibility}");
        Assert.InRange(steps[3][0].X, 63.8, 64.2);
        Assert.InRange(steps[4][0].X, 64.8, 65.2);
        // The unoccluded point is visible throughout, and the occluded one moved with it while hidden.
        Assert.All(steps, s => Assert.True(s[1].Visibility >= tracker.VisibilityThreshold));
        Assert.InRange(steps[2][0].X, 62, 64);
    }

    [Fact]
    public void LightingChangeKeepsPointsVisibleThroughTheCorrelationTest()
    {
        // The scene moves 3 px and darkens by 30 grey levels (over MaxResidual) while the windows still correlate
        // (nearly) perfectly, so the points stay visible; with the correlation test off they are lost. OpenCV's LK
        // assumes constant brightness, so the offset pulls the position on smooth texture (the forward-backward test
        // then rejects it): the scene carries pixel-scale texture, as real frames do, where the pull is negligible.
        var f0 = NoisyScene(240, 180, 0, 0, 0);
        var f1 = NoisyScene(240, 180, 3, 0, 0);
        for (int i = 0; i < f1.Pixels.Length; i++) f1.Pixels[i] = (byte)Math.Max(0, f1.Pixels[i] - 30);
        var withNcc = new LkTracker();
        using (var track = withNcc.Start(f0, Grid))
        {
            var got = track.Step(f1);
            for (int i = 0; i < Grid.Length; i++)
            {
                Assert.True(got[i].Visibility >= withNcc.VisibilityThreshold, $"point {i} visibility {got[i].Visibility}");
                Assert.InRange(got[i].X - (Grid[i].X + 3), -0.2, 0.2);
            }
        }
        var residualOnly = new LkTracker(new LkOptions { MinCorrelation = 2, GroupReacquire = false, ChainReacquire = false });
        using (var track = residualOnly.Start(f0, Grid))
        {
            var got = track.Step(f1);
            Assert.All(got, p => Assert.True(p.Visibility < residualOnly.VisibilityThreshold));
        }
    }

    /// <summary>Smooth texture plus pixel-scale noise, moved by (dx, dy) and optionally box-blurred (motion blur).</summary>
    private static RgbImage NoisyScene(int w, int h, int dx, int dy, int blur)
    {
        var v = new double[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int sx = x - dx, sy = y - dy;
                uint hsh = (uint)(sx * 73856093) ^ (uint)(sy * 19349663);
                hsh ^= hsh >> 13; hsh *= 0x5bd1e995; hsh ^= hsh >> 15;
                v[y * w + x] = SyntheticScenes.Texture(sx, sy) + 140 * ((hsh & 1023) / 1023.0 - 0.5);
            }
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                int k = 0;
                for (int u = -blur; u <= blur; u++)
                {
                    int xx = Math.Clamp(x + u, 0, w - 1);
                    sum += v[y * w + xx];
                    k++;
                }
                byte b = (byte)Math.Clamp(Math.Round(sum / k), 0, 255);
                int o = (y * w + x) * 3;
                img.Pixels[o] = img.Pixels[o + 1] = img.Pixels[o + 2] = b;
            }
        return img;
    }

    [Fact]
    public void MotionBlurredFrameIsTrackedAtHalfResolution()
    {
        // The scene moves 6 px right and is smeared by a 9 px horizontal blur: the pixel-scale texture no longer
        // matches at full resolution, the half-resolution level still does.
        var f0 = NoisyScene(240, 180, 0, 0, 0);
        var f1 = NoisyScene(240, 180, 6, 0, 4);
        int Visible(bool coarse)
        {
            var tracker = new LkTracker(new LkOptions { CoarseRetry = coarse, GroupReacquire = false, ChainReacquire = false });
            using var track = tracker.Start(f0, Grid);
            var got = track.Step(f1);
            int visible = 0;
            for (int i = 0; i < Grid.Length; i++)
            {
                if (got[i].Visibility < tracker.VisibilityThreshold) continue;
                visible++;
                Assert.InRange(got[i].X - (Grid[i].X + 6), -1, 1);
                Assert.InRange(got[i].Y - Grid[i].Y, -1, 1);
            }
            return visible;
        }
        int plain = Visible(false), half = Visible(true);
        Assert.True(plain < Grid.Length, $"full resolution kept all {plain} points: the blur does not test the retry");
        Assert.True(half > plain, $"half resolution kept {half}, full resolution {plain}");
    }

    [Fact]
    public void PointsLeavingTheFrameOrNearTheBorderAreInvisible()
    {
        using var tracker = TrackerFactory.Create(TrackerKind.Lk);
        // 1% of 240 is 2.4 px: x = 236 -> 238.5 is inside the margin after a 2.5 px shift; x = 30 stays fine.
        (float X, float Y)[] pts = [(236, 90), (30, 90), (120, 1)];
        using var track = tracker.Start(SyntheticScenes.Shifted(240, 180, 0, 0), pts);
        var got = track.Step(SyntheticScenes.Shifted(240, 180, 2.5, 0));
        Assert.Equal(0, got[0].Visibility);
        Assert.True(got[1].Visibility >= tracker.VisibilityThreshold);
        Assert.Equal(0, got[2].Visibility);
        var later = track.Step(SyntheticScenes.Shifted(240, 180, 12, 0));
        Assert.Equal(0, later[0].Visibility);
    }

    [Fact]
    public void TrackWindowStartsEachQueryOnItsFrame()
    {
        using var tracker = TrackerFactory.Create(TrackerKind.Lk);
        var frames = Enumerable.Range(0, 5).Select(f => SyntheticScenes.Shifted(200, 150, 2 * f, f)).ToArray();
        QueryPoint[] q = [new(0, 50, 50), new(2, 104, 82), new(0, 120, 60), new(4, 30, 40)];
        var res = tracker.TrackWindow(frames, q);
        Assert.Equal(5, res.Length);
        Assert.All(res, r => Assert.Equal(4, r.Length));
        // Before its frame: the query position with visibility 0.
        Assert.Equal(new TrackedPoint(104, 82, 0), res[0][1]);
        Assert.Equal(new TrackedPoint(104, 82, 0), res[1][1]);
        Assert.Equal(new TrackedPoint(30, 40, 0), res[3][3]);
        // On its frame: the query itself, visible.
        Assert.Equal(new TrackedPoint(104, 82, 1), res[2][1]);
        Assert.Equal(new TrackedPoint(30, 40, 1), res[4][3]);
        // After: moved with the scene (2 px right, 1 px down per frame).
        Assert.InRange(res[4][1].X, 107.8, 108.2);
        Assert.InRange(res[4][1].Y, 83.8, 84.2);
        Assert.InRange(res[4][0].X, 57.8, 58.2);
        Assert.InRange(res[3][2].Y, 62.8, 63.2);
        // Same as driving the tracker online.
        using var online = tracker.Start(frames[0], [(50f, 50f), (120f, 60f)]);
        TrackedPoint[] last = [];
        for (int f = 1; f < 5; f++) last = online.Step(frames[f]);
        Assert.Equal(last[0], res[4][0]);
        Assert.Equal(last[1], res[4][2]);
    }

    [Fact]
    public void RejectsFramesOfAnotherSize()
    {
        using var tracker = TrackerFactory.Create(TrackerKind.Lk);
        using var track = tracker.Start(SyntheticScenes.Shifted(100, 80, 0, 0), [(50f, 40f)]);
        Assert.Throws<ArgumentException>(() => track.Step(new RgbImage(90, 80)));
        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.TrackWindow([new RgbImage(10, 10)], [new QueryPoint(1, 1, 1)]));
    }

    [Fact]
    public void ScharrDerivativeOfARampIsItsSlopeAndPyramidHalvesTheSize()
    {
        var img = new RgbImage(64, 48);
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++)
            {
                int o = (y * 64 + x) * 3;
                img.Pixels[o] = img.Pixels[o + 1] = img.Pixels[o + 2] = (byte)(2 * x + y);
            }
        var pyr = ImagePyramid.Build(img, 3, windowRadius: 7);
        Assert.Equal(2, pyr.Levels.Count); // 16 x 12 would be smaller than the 15-pixel window
        Assert.Equal((32, 24), (pyr.Levels[1].Width, pyr.Levels[1].Height));
        PyramidLevel l0 = pyr.Levels[0];
        Assert.Equal(2, l0.Ix[10 * 64 + 20], 3);
        Assert.Equal(1, l0.Iy[10 * 64 + 20], 3);
        // Borders replicated (as the dense flow was built on): in column 0 the left neighbour is the pixel itself, so
        // the ramp's x derivative is half its slope there (a reflected border would give 0), likewise row 0 in y.
        Assert.Equal(1, l0.Ix[10 * 64], 3);
        Assert.Equal(0.5, l0.Iy[20], 3);
        // Level 1 pixel (x, y) is level 0 pixel (2x, 2y): a linear ramp survives the binomial blur exactly.
        Assert.Equal(l0.I[20 * 64 + 30], pyr.Levels[1].I[10 * 32 + 15], 3);
    }
}
