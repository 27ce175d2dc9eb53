using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Tests.Pipeline;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.Lk;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Tests.Trackers;

[CollectionDefinition(nameof(PyramidOwnershipTests), DisableParallelization = true)]
public sealed class PyramidOwnershipCollection;

/// <summary>
/// Native pyramid levels are freed by their owner as soon as nothing refers to them, not by finalizers: counted by
/// <see cref="ImagePyramid.LiveNativeLevels"/> (process-wide, so these tests run alone, after the parallel ones, and
/// start from a state where every earlier pyramid nobody disposed has been finalized).
/// </summary>
[Collection(nameof(PyramidOwnershipTests))]
public class PyramidOwnershipTests
{
    private const int W = 240, H = 180;
    private static readonly (float X, float Y)[] Points = [(60, 60), (170, 120), (100, 70), (140, 90)];

    private static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return ImagePyramid.LiveNativeLevels;
    }

    [Fact]
    public void AllPointsVisible_OnlyTheLatestPyramidStaysAlive_AndDisposeFreesIt()
    {
        long before = Settled();
        var tracker = new LkTracker();
        int levels;
        using (ImagePyramid probe = ImagePyramid.Build(SyntheticScenes.Shifted(W, H, 0, 0), tracker.Options.PyramidLevels, tracker.Options.WindowRadius))
            levels = probe.Levels.Count;
        Assert.Equal(before, ImagePyramid.LiveNativeLevels);
        IPointTrack track = tracker.Start(SyntheticScenes.Shifted(W, H, 0, 0), Points);
        Assert.Equal(before + levels, ImagePyramid.LiveNativeLevels);
        for (int f = 1; f <= 8; f++)
        {
            TrackedPoint[] got = track.Step(SyntheticScenes.Shifted(W, H, 1.5 * f, 0.5 * f));
            Assert.All(got, p => Assert.True(p.Visibility >= tracker.VisibilityThreshold));
            // Every point re-anchored on this frame: the previous frames' pyramids are gone.
            Assert.Equal(before + levels, ImagePyramid.LiveNativeLevels);
        }
        track.Dispose();
        Assert.Equal(before, ImagePyramid.LiveNativeLevels);
        track.Dispose();
        Assert.Equal(before, ImagePyramid.LiveNativeLevels);
    }

    [Fact]
    public void AnOccludedPointKeepsItsAnchorPyramid_UntilReacquiredOrGivenUp()
    {
        long before = Settled();
        var tracker = new LkTracker(new LkOptions { MaxGap = 2 });
        var frames = Enumerable.Range(0, 9).Select(f => SyntheticScenes.Shifted(W, H, f, 0)).ToArray();
        // Frames 2-3 cover the first point (which moved to x = 62, 63); frames 5-8 cover it for longer than MaxGap.
        frames[2] = SyntheticScenes.WithOccluder(frames[2], 45, 45, 34);
        frames[3] = SyntheticScenes.WithOccluder(frames[3], 46, 45, 34);
        for (int f = 5; f <= 8; f++) frames[f] = SyntheticScenes.WithOccluder(frames[f], 45 + f, 45, 34);
        // Two points, as in LkTrackerTests: too few kept points for the group's re-acquisition to claim the hidden one.
        using IPointTrack track = tracker.Start(frames[0], [(60, 60), (170, 120)]);
        long one = ImagePyramid.LiveNativeLevels - before;
        var live = new long[frames.Length];
        var steps = new TrackedPoint[frames.Length][];
        for (int f = 1; f < frames.Length; f++)
        {
            steps[f] = track.Step(frames[f]);
            live[f] = (ImagePyramid.LiveNativeLevels - before) / one;
        }
        // Frame 1: all visible, one pyramid. Frames 2-3: the hidden point's anchor (frame 1) stays with the current one.
        Assert.Equal(1, live[1]);
        Assert.True(steps[2][0].Visibility < tracker.VisibilityThreshold);
        Assert.Equal(2, live[2]);
        Assert.Equal(2, live[3]);
        // Frame 4: re-acquired from that anchor (so it was still readable), which is then released.
        Assert.True(steps[4][0].Visibility >= tracker.VisibilityThreshold, $"re-acquired visibility {steps[4][0].Visibility}");
        Assert.InRange(steps[4][0].X, 63.8, 64.2);
        Assert.Equal(1, live[4]);
        // Frames 5-8: hidden again; after MaxGap frames the point gives its anchor up, and the pyramid goes with it.
        Assert.Equal(2, live[5]);
        Assert.Equal(2, live[6]);
        Assert.True(steps[7][0].Visibility < tracker.VisibilityThreshold);
        Assert.Equal(1, live[7]);
        Assert.Equal(1, live[8]);
        track.Dispose();
        Assert.Equal(before, ImagePyramid.LiveNativeLevels);
    }

    [Fact]
    public void DenseFlowMotionKeepsTwoPyramids_AndDisposeFreesThem()
    {
        long before = Settled();
        var motion = new DenseFlowMotion(levels: 3);
        var frames = Enumerable.Range(0, 5).Select(f => SyntheticScenes.Shifted(W, H, 2 * f, f)).ToArray();
        long perPyramid = 0;
        for (int f = 1; f < frames.Length; f++)
        {
            motion.Estimate(frames[f], frames[f - 1], (_, _) => (0, 0), (0, 0, W - 1, H - 1));
            if (f == 1) perPyramid = (ImagePyramid.LiveNativeLevels - before) / 2;
            Assert.Equal(before + 2 * perPyramid, ImagePyramid.LiveNativeLevels);
        }
        Assert.True(perPyramid > 0);
        motion.Dispose();
        Assert.Equal(before, ImagePyramid.LiveNativeLevels);
        Assert.Throws<ObjectDisposedException>(() => motion.Estimate(frames[1], frames[0], (_, _) => (0, 0), (0, 0, W - 1, H - 1)));
    }

    [Fact]
    public void AVideoSegmenterThatOwnsItsComponentsDisposesItsDenseMotion()
    {
        long before = Settled();
        var motion = new DenseFlowMotion(levels: 3);
        motion.Estimate(SyntheticScenes.Shifted(W, H, 1, 0), SyntheticScenes.Shifted(W, H, 0, 0), (_, _) => (0, 0), (0, 0, W - 1, H - 1));
        Assert.True(ImagePyramid.LiveNativeLevels > before);
        var clip = new DiskClip(W, H, 3);
        var model = new VideoSegmenter(new OracleSegmenter(clip), new OracleTracker(clip),
            new VideoSegmenterOptions { Sampler = new EvenSampler().Sample, DenseMotion = motion }, ownsComponents: true);
        model.Dispose();
        Assert.Equal(before, ImagePyramid.LiveNativeLevels);
    }

    [Fact]
    public void DenseFlowMotion_AFrameCachedFromEarlierCallsStaysIntactWhileANewOneIsBuilt()
    {
        // After the first two calls frame 0's pyramid is cached as the older of the two, its derivatives not yet made
        // (it was only ever the target). The third call reads it as the source and builds frame 3's: the pyramid to
        // push out is frame 2's, never frame 0's, whose float levels (and their buffers) the flow is about to read.
        var frames = Enumerable.Range(0, 4).Select(f => SyntheticScenes.Shifted(W, H, 3 * f, -2 * f)).ToArray();
        (float, float) Zero(float x, float y) => (0, 0);
        var all = (0, 0, W - 1, H - 1);
        using var cached = new DenseFlowMotion(levels: 3);
        cached.Estimate(frames[1], frames[0], Zero, all);
        cached.Estimate(frames[2], frames[0], Zero, all);
        DenseMotionField got = cached.Estimate(frames[0], frames[3], Zero, all);
        using var fresh = new DenseFlowMotion(levels: 3);
        DenseMotionField want = fresh.Estimate(frames[0], frames[3], Zero, all);
        Assert.Equal(want.U, got.U);
        Assert.Equal(want.V, got.V);
        Assert.Contains(want.U, u => u != 0);
    }
}
