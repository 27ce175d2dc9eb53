using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;
using static EdgeSam.Video.Tests.Pipeline.PipelineTestUtil;

namespace EdgeSam.Video.Tests.Pipeline;

public class VideoSessionTests
{
    private const int W = 96, H = 64;

    private static Disk Red(Func<int, bool>? hidden = null, float score = 0.9f) =>
        new(1, 220, 30, 30, t => (20 + 2f * t, 32), 8, hidden, score);

    /// <summary>Crosses the red disk around frames 9-11 at <paramref name="y"/> = 30; y = 12 keeps them apart.</summary>
    private static Disk Green(float score = 0.8f, float y = 30) => new(2, 30, 220, 30, t => (76 - 1.5f * t, y), 7, null, score);

    private sealed class Rig : IDisposable
    {
        public DiskClip Clip { get; }
        public OracleTracker Tracker { get; }
        public OracleSegmenter Segmenter { get; }
        public EvenSampler Sampler { get; } = new();
        public VideoSegmenter Model { get; }
        public VideoSession Session { get; }

        public Rig(int frames, VideoSegmenterOptions? options, params Disk[] disks)
        {
            Clip = new DiskClip(W, H, frames, disks);
            Tracker = new OracleTracker(Clip);
            Segmenter = new OracleSegmenter(Clip);
            Model = new VideoSegmenter(Segmenter, Tracker, (options ?? new VideoSegmenterOptions()) with { Sampler = Sampler.Sample });
            Session = Model.OpenSession(Clip);
        }

        public Mask Truth(int id, int t) => Clip.DiskById(id).Raster(W, H, t);

        public void Dispose()
        {
            Session.Dispose();
            Model.Dispose();
        }
    }

    [Fact]
    public async Task Forward_FollowsTheObject_IdsStable_FramesInOrder()
    {
        using var rig = new Rig(24, null, Red(), Green(y: 12));
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        rig.Session.AddMask(0, 7, rig.Truth(2, 0));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());

        Assert.Equal(Enumerable.Range(0, 24), results.Select(r => r.FrameIndex));
        foreach (FrameResult r in results)
        {
            Assert.Equal([1, 7], r.Objects.Select(o => o.ObjectId));
            Assert.Equal(r.FrameIndex.ToString("D5"), r.FrameName);
            Assert.True(IoU(r.Object(1)!.RawMask, rig.Truth(1, r.FrameIndex)) == 1, $"object 1 frame {r.FrameIndex}");
            Assert.True(IoU(r.Object(7)!.RawMask, rig.Truth(2, r.FrameIndex)) == 1, $"object 7 frame {r.FrameIndex}");
            // The label map and per-object resolved masks agree.
            for (int i = 0; i < r.Labels.Data.Length; i++)
            {
                int id = r.Labels.Data[i];
                Assert.Equal(id == 1, r.Object(1)!.Mask.Data[i] == 1);
                Assert.Equal(id == 7, r.Object(7)!.Mask.Data[i] == 1);
            }
        }
        Assert.Equal(ObjectStatus.Prompted, results[0].Object(1)!.Status);
        Assert.All(results.Skip(1), r => Assert.Equal(ObjectStatus.Segmented, r.Object(1)!.Status));
        // One embedding per frame shared by all objects, each disposed.
        Assert.Equal(24, rig.Segmenter.Embeds);
        Assert.Equal(24, rig.Segmenter.EmbeddingsDisposed);
        Assert.Equal(24, rig.Session.LastStats!.Frames);
    }

    [Fact]
    public async Task ContinuedWalk_KeepsThePromptsAppearanceReference()
    {
        using var rig = new Rig(12, new VideoSegmenterOptions { ReferenceAppearance = true, RefinementPasses = 0 }, Red());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        await CollectAsync(rig.Session.Propagate(0, PropagationDirection.Forward, 6));
        await CollectAsync(rig.Session.Propagate(6, PropagationDirection.Forward, 6)); // goes on from frame 5's state
        var byFrame = rig.Segmenter.Prompts.Where(p => p.Frame > 0).ToList();
        Assert.Contains(byFrame, p => p.Frame >= 6);
        AppearanceReference? first = byFrame.First().Prompt.Reference;
        Assert.NotNull(first);
        Assert.Equal(0, DiskClip.IndexOf(first!.Frame));
        Assert.All(byFrame, p => Assert.Same(first, p.Prompt.Reference));
    }

    [Fact]
    public async Task Reinit_Every8Frames_ResamplesFromThePredictedMask()
    {
        using var rig = new Rig(30, new VideoSegmenterOptions { RefinementPasses = 0 }, Red());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());

        Assert.Equal([0, 8, 16, 24], rig.Sampler.Frames);
        Assert.Equal([0, 8, 16, 24], rig.Tracker.StartFrames);
        Assert.Equal([8, 16, 24], results.Where(r => r.Object(1)!.Reinitialized).Select(r => r.FrameIndex));
    }

    [Theory]
    [InlineData(0f, new[] { 0, 8, 16 })]      // SAM-PT: only at the horizon
    [InlineData(0.5f, new[] { 0, 3, 11, 19 })] // 3 of 8 positives visible on frame 3 (< 50%): re-sample there
    [InlineData(0.3f, new[] { 0, 8, 16 })]    // 37.5% visible is not below 30%
    public async Task ReinitBelowVisibleFraction_ReinitsEarlyWhenTheTrackerLosesPoints(float fraction, int[] expected)
    {
        var clip = new DiskClip(W, H, 20, Red());
        var tracker = new DroppingTracker(new OracleTracker(clip), hide: 5, onFrames: t => t == 3);
        var sampler = new EvenSampler();
        using var model = new VideoSegmenter(new OracleSegmenter(clip), tracker,
            new VideoSegmenterOptions { RefinementPasses = 0, Sampler = sampler.Sample, ReinitBelowVisibleFraction = fraction });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, clip.DiskById(1).Raster(W, H, 0));
        List<FrameResult> results = await CollectAsync(session.Propagate());
        Assert.Equal(expected, sampler.Frames);
        Assert.All(results, r => Assert.Equal(1, IoU(r.Object(1)!.Mask, clip.DiskById(1).Raster(W, H, r.FrameIndex))));
    }

    [Theory]
    [InlineData(false, new[] { 0, 10, 18 })] // waits until the points are visible again (frame 10)
    [InlineData(true, new[] { 0, 6, 7, 8, 9, 17 })] // re-samples on every lost frame from a decode of the lost points
    public async Task RecoverLostObjects_ResamplesFromTheTrackedPositions_ButTheFrameStaysEmpty(bool recover, int[] expected)
    {
        var clip = new DiskClip(W, H, 20, Red());
        var tracker = new DroppingTracker(new OracleTracker(clip), hide: 9, onFrames: t => t is >= 6 and <= 9);
        var sampler = new EvenSampler();
        using var model = new VideoSegmenter(new OracleSegmenter(clip), tracker,
            new VideoSegmenterOptions { RefinementPasses = 0, Sampler = sampler.Sample, RecoverLostObjects = recover });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, clip.DiskById(1).Raster(W, H, 0));
        List<FrameResult> results = await CollectAsync(session.Propagate());
        Assert.Equal(expected, sampler.Frames);
        Assert.Equal(ObjectStatus.NoVisiblePositive, results[8].Object(1)!.Status);
        Assert.True(results[8].Object(1)!.Mask.IsEmpty);
        Assert.Equal(recover, results[8].Object(1)!.Reinitialized);
    }

    [Fact]
    public async Task ShowRecovered_WritesTheRecoveredMask_OnTheFrameItWasFound()
    {
        var clip = new DiskClip(W, H, 20, Red());
        var tracker = new DroppingTracker(new OracleTracker(clip), hide: 9, onFrames: t => t is >= 6 and <= 9);
        var sampler = new EvenSampler();
        using var model = new VideoSegmenter(new OracleSegmenter(clip), tracker,
            new VideoSegmenterOptions { RefinementPasses = 0, Sampler = sampler.Sample, RecoverLostObjects = true, ShowRecovered = true });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, clip.DiskById(1).Raster(W, H, 0));
        List<FrameResult> results = await CollectAsync(session.Propagate());
        Assert.Equal([0, 6, 7, 8, 9, 17], sampler.Frames);
        for (int t = 6; t <= 9; t++)
        {
            ObjectFrameResult o = results[t].Object(1)!;
            Assert.Equal(ObjectStatus.Recovered, o.Status);
            Assert.Equal(1, IoU(o.Mask, clip.DiskById(1).Raster(W, H, t)));
            Assert.DoesNotContain(o.Points, p => p.Visible && p.Label == PointLabel.Positive);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redetect_FindsALostObject_ByItsPromptColours(bool redetect)
    {
        // From frame 6 on the tracker reports every point lost (and no recovery from them is asked for).
        var clip = new DiskClip(W, H, 20, Red());
        var tracker = new DroppingTracker(new OracleTracker(clip), hide: 9, onFrames: t => t >= 6);
        var sampler = new EvenSampler();
        using var model = new VideoSegmenter(new OracleSegmenter(clip), tracker,
            new VideoSegmenterOptions { RefinementPasses = 0, Sampler = sampler.Sample, Redetect = redetect, ShowRecovered = true });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, clip.DiskById(1).Raster(W, H, 0));
        List<FrameResult> results = await CollectAsync(session.Propagate());
        for (int t = 6; t < 20; t++)
        {
            ObjectFrameResult o = results[t].Object(1)!;
            if (redetect)
            {
                Assert.Equal(ObjectStatus.Recovered, o.Status);
                Assert.True(o.Reinitialized);
                Assert.Equal(1, IoU(o.Mask, clip.DiskById(1).Raster(W, H, t)));
            }
            else
            {
                Assert.Equal(ObjectStatus.NoVisiblePositive, o.Status);
                Assert.True(o.Mask.IsEmpty);
            }
        }
    }

    [Fact]
    public async Task Redetect_DoesNotInventAnObject_ThatLeftTheFrame()
    {
        // The disk is gone from frame 6 on: nothing of its colour is left to find, so nothing is decoded.
        var clip = new DiskClip(W, H, 14, Red(hidden: t => t >= 6), Green(y: 12));
        var segmenter = new OracleSegmenter(clip);
        using var model = new VideoSegmenter(segmenter, new OracleTracker(clip),
            new VideoSegmenterOptions { RefinementPasses = 0, Sampler = new EvenSampler().Sample, Redetect = true, ShowRecovered = true });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, clip.DiskById(1).Raster(W, H, 0));
        List<FrameResult> results = await CollectAsync(session.Propagate());
        for (int t = 6; t < 14; t++) Assert.True(results[t].Object(1)!.Mask.IsEmpty, $"frame {t}");
        Assert.DoesNotContain(segmenter.Prompts, p => p.Frame >= 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redetect_ReplacesAMaskOfTheBackgroundsColours(bool redetect)
    {
        // The first decode of frame 8 jumps onto the green disk, which the prompt frame showed as background.
        var clip = new DiskClip(W, H, 12, Red(), Green(y: 12));
        var segmenter = new JumpingSegmenter(new OracleSegmenter(clip), clip.DiskById(2), frame: 8);
        // Re-inits on frames 5 and 10, not on 8 (a re-init would re-sample from the jumped mask before any search).
        using var model = new VideoSegmenter(segmenter, new OracleTracker(clip),
            new VideoSegmenterOptions { RefinementPasses = 0, ReinitHorizon = 5, Sampler = new EvenSampler().Sample, Redetect = redetect, ShowRecovered = true });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, clip.DiskById(1).Raster(W, H, 0));
        List<FrameResult> results = await CollectAsync(session.Propagate());
        ObjectFrameResult o = results[8].Object(1)!;
        Mask expected = clip.DiskById(redetect ? 1 : 2).Raster(W, H, 8);
        Assert.Equal(redetect ? ObjectStatus.Recovered : ObjectStatus.Segmented, o.Status);
        Assert.Equal(1, IoU(o.RawMask, expected));
    }

    [Fact]
    public void Redetect_OptionsAreValidated()
    {
        var clip = new DiskClip(W, H, 4, Red());
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoSegmenter(new OracleSegmenter(clip), new OracleTracker(clip), new VideoSegmenterOptions { RedetectWindow = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoSegmenter(new OracleSegmenter(clip), new OracleTracker(clip), new VideoSegmenterOptions { RedetectMinScore = float.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoSegmenter(new OracleSegmenter(clip), new OracleTracker(clip), new VideoSegmenterOptions { RedetectBelowLogOdds = float.NaN }));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.3f)]
    public async Task PriorAgreement_KeepsTheCarriedMask_WhenTheDecodeCollapses_AndDoesNotReinitFromIt(float agreement)
    {
        // The decode of frame 8 (a re-init frame) collapses onto a speck far from the disk.
        var clip = new DiskClip(W, H, 20, Red());
        var sampler = new EvenSampler();
        using var model = new VideoSegmenter(new CollapsingSegmenter(new OracleSegmenter(clip), t => t == 8), new OracleTracker(clip),
            new VideoSegmenterOptions { RefinementPasses = 0, Sampler = sampler.Sample, MinPriorAgreement = agreement });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, clip.DiskById(1).Raster(W, H, 0));
        List<FrameResult> results = await CollectAsync(session.Propagate());
        double iou8 = IoU(results[8].Object(1)!.Mask, clip.DiskById(1).Raster(W, H, 8));
        if (agreement > 0)
        {
            // The previous mask moved by the points' motion (2 px right) is the disk exactly; re-init waits a frame.
            Assert.Equal(1, iou8);
            Assert.Equal([0, 9, 17], sampler.Frames);
            Assert.False(results[8].Object(1)!.Reinitialized);
        }
        else
        {
            Assert.Equal(0, iou8);
            Assert.Equal(8, sampler.Frames[1]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReferenceAppearance_PassesThePromptedMask_ToEveryDecode(bool on)
    {
        using var rig = new Rig(12, new VideoSegmenterOptions { RefinementPasses = 1, ReferenceAppearance = on }, Red());
        Mask seed = rig.Truth(1, 0);
        rig.Session.AddMask(0, 1, seed);
        await CollectAsync(rig.Session.Propagate());
        var prompts = rig.Segmenter.Prompts.Select(p => p.Prompt).ToList();
        Assert.Equal(2 * 11, prompts.Count); // first decode + one refinement on frames 1..11
        if (!on)
        {
            Assert.All(prompts, p => Assert.Null(p.Reference));
            return;
        }
        AppearanceReference first = prompts[0].Reference!;
        Assert.All(prompts, p => Assert.Same(first, p.Reference)); // one instance: segmenters cache by reference
        Assert.Equal(0, DiskClip.IndexOf(first.Frame));
        Assert.Equal(1, IoU(first.Mask, seed));
    }

    [Fact]
    public async Task ReinitNone_TracksTheSeedPointsThroughout()
    {
        using var rig = new Rig(30, new VideoSegmenterOptions { Reinit = ReinitMode.None, RefinementPasses = 0 }, Red());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());
        Assert.Equal([0], rig.Sampler.Frames);
        Assert.All(results, r => Assert.Equal(1, IoU(r.Object(1)!.Mask, rig.Truth(1, r.FrameIndex))));
    }

    [Fact]
    public async Task NoVisiblePositive_GivesAnEmptyMask_AndReinitWaitsForAUsableMask()
    {
        // Hidden on frames 6..9: the reinit due at frame 8 finds an empty mask, keeps the old points and
        // re-samples on frame 10, the first frame with the object back.
        using var rig = new Rig(20, new VideoSegmenterOptions { RefinementPasses = 1 }, Red(hidden: t => t is >= 6 and <= 9));
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());

        for (int t = 6; t <= 9; t++)
        {
            ObjectFrameResult o = results[t].Object(1)!;
            Assert.Equal(ObjectStatus.NoVisiblePositive, o.Status);
            Assert.True(o.Mask.IsEmpty);
            Assert.DoesNotContain(o.Points, p => p.Visible && p.Label == PointLabel.Positive);
            Assert.DoesNotContain(rig.Segmenter.Prompts, p => p.Frame == t); // the decoder is not even asked
        }
        Assert.Equal([0, 10, 18], rig.Sampler.Frames);
        for (int t = 10; t < 20; t++) Assert.Equal(1, IoU(results[t].Object(1)!.Mask, rig.Truth(1, t)));
    }

    [Fact]
    public async Task Overlap_HigherScoreWins_TiesGoToTheLowerId()
    {
        // Disks that overlap around frame 9-10 (red moving right, green left).
        foreach (var (redScore, greenScore, winner) in new[] { (0.9f, 0.8f, 1), (0.7f, 0.95f, 2), (0.9f, 0.9f, 1) })
        {
            using var rig = new Rig(14, new VideoSegmenterOptions { RefinementPasses = 0, MinMaskScore = 0 }, Red(score: redScore), Green(greenScore));
            rig.Session.AddMask(0, 1, rig.Truth(1, 0));
            rig.Session.AddMask(0, 2, rig.Truth(2, 0));
            List<FrameResult> results = await CollectAsync(rig.Session.Propagate());
            int overlapping = 0;
            foreach (FrameResult r in results.Skip(1))
            {
                Mask a = rig.Truth(1, r.FrameIndex), b = rig.Truth(2, r.FrameIndex);
                for (int i = 0; i < a.Data.Length; i++)
                {
                    if (a.Data[i] == 1 && b.Data[i] == 1) { overlapping++; Assert.Equal(winner, r.Labels.Data[i]); }
                    else if (a.Data[i] == 1) Assert.Equal(1, r.Labels.Data[i]);
                    else if (b.Data[i] == 1) Assert.Equal(2, r.Labels.Data[i]);
                    else Assert.Equal(0, r.Labels.Data[i]);
                }
                // Raw masks keep the full disks.
                Assert.Equal(1, IoU(r.Object(1)!.RawMask, a));
            }
            Assert.True(overlapping > 0, "the clip must make the disks overlap");
        }
    }

    [Fact]
    public async Task OtherObjectsPositives_AreNegativesForThisObject()
    {
        using var rig = new Rig(4, new VideoSegmenterOptions { RefinementPasses = 0 }, Red(), Green());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        rig.Session.AddMask(0, 2, rig.Truth(2, 0));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());
        var prompt = rig.Segmenter.Prompts.Where(p => p.Frame == 2).Select(p => p.Prompt).ToList();
        Assert.Equal(2, prompt.Count);
        var greenPositives = results[2].Object(2)!.Points.Where(p => p.Label == PointLabel.Positive).Select(p => (p.X, p.Y)).ToHashSet();
        var redNegatives = prompt[0].Points.Where(p => p.Label == PointLabel.Negative).Select(p => (p.X, p.Y)).ToHashSet();
        Assert.Equal(8, greenPositives.Count);
        Assert.Subset(redNegatives, greenPositives);
        Assert.Equal(8 + 1 + 8, prompt[0].Points.Count); // own 8 + 1, other's 8

        using var rig2 = new Rig(4, new VideoSegmenterOptions { RefinementPasses = 0, OtherObjectsPositivesAsNegatives = false }, Red(), Green());
        rig2.Session.AddMask(0, 1, rig2.Truth(1, 0));
        rig2.Session.AddMask(0, 2, rig2.Truth(2, 0));
        await CollectAsync(rig2.Session.Propagate());
        Assert.All(rig2.Segmenter.Prompts, p => Assert.Equal(9, p.Prompt.Points.Count));
    }

    [Fact]
    public async Task Refinement_AddsTheMaskBoxAndPrior_ForTheConfiguredPasses()
    {
        using var rig = new Rig(3, new VideoSegmenterOptions { RefinementPasses = 3, PreviousMaskAsPrior = true }, Red());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        await CollectAsync(rig.Session.Propagate());
        var calls = rig.Segmenter.Prompts.Where(p => p.Frame == 1).Select(p => p.Prompt).ToList();
        Assert.Equal(4, calls.Count);
        Assert.Null(calls[0].Box);
        // The previous frame's mask moved by the points' median motion (the disk moves 2 px/frame): this frame's object.
        Assert.True(IoU(calls[0].Prior!, rig.Truth(1, 1)) > 0.95);
        var (x0, y0, x1, y1) = rig.Truth(1, 1).BoundingBox()!.Value;
        foreach (var c in calls.Skip(1))
        {
            Assert.Equal(new BoxF(x0, y0, x1, y1), c.Box);
            Assert.Equal(1, IoU(c.Prior!, rig.Truth(1, 1)));
            Assert.Equal(calls[0].Points, c.Points);
        }
        Assert.Equal(2 * 4, rig.Session.LastStats!.SegmentCalls);

        // By default the first decode has no prior (see VideoSegmenterOptions.PreviousMaskAsPrior).
        using var plain = new Rig(3, new VideoSegmenterOptions { RefinementPasses = 1 }, Red());
        plain.Session.AddMask(0, 1, plain.Truth(1, 0));
        await CollectAsync(plain.Session.Propagate());
        var first = plain.Segmenter.Prompts.Where(p => p.Frame == 1).Select(p => p.Prompt).ToList();
        Assert.Null(first[0].Prior);
        Assert.NotNull(first[1].Prior);
    }

    [Fact]
    public async Task LowScore_DropsTheMask()
    {
        using var rig = new Rig(4, new VideoSegmenterOptions { RefinementPasses = 0 }, Red(score: 0.5f));
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());
        Assert.All(results.Skip(1), r =>
        {
            Assert.Equal(ObjectStatus.LowScore, r.Object(1)!.Status);
            Assert.True(r.Object(1)!.Mask.IsEmpty);
        });
    }

    [Fact]
    public async Task Backward_FromTheLastFrame_StreamsInBlocks()
    {
        var options = new VideoSegmenterOptions { RefinementPasses = 0, BackwardBlockSize = 5 };
        using var rig = new Rig(23, options, Red());
        rig.Session.AddMask(22, 1, rig.Truth(1, 22));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate(direction: PropagationDirection.Backward));

        Assert.Equal(Enumerable.Range(0, 23).Reverse(), results.Select(r => r.FrameIndex));
        Assert.All(results, r => Assert.Equal(1, IoU(r.Object(1)!.Mask, rig.Truth(1, r.FrameIndex))));
        Assert.All(rig.Clip.Reads, r => Assert.True(r.Count <= 5));
        Assert.Equal([22, 14, 6], rig.Sampler.Frames); // re-init every 8 frames walking backwards too
        Assert.Equal(Enumerable.Range(0, 23).Reverse(), rig.Segmenter.EmbeddedFrames);
    }

    [Fact]
    public async Task Interaction_PromptOnALaterFrame_ReseedsThere_AndBackwardFromIt()
    {
        using var rig = new Rig(20, new VideoSegmenterOptions { RefinementPasses = 0, Reinit = ReinitMode.None }, Red());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        Mask clicked = rig.Session.AddPoints(12, 1, [new PromptPoint(44, 32, PointLabel.Positive)]);
        Assert.Equal(1, IoU(clicked, rig.Truth(1, 12)));
        Assert.Equal([0, 12], rig.Session.PromptFrames(1));

        List<FrameResult> fwd = await CollectAsync(rig.Session.Propagate());
        Assert.Equal(ObjectStatus.Prompted, fwd[12].Object(1)!.Status);
        Assert.Equal([0, 12], rig.Sampler.Frames);

        rig.Sampler.Frames.Clear();
        List<FrameResult> back = await CollectAsync(rig.Session.Propagate(12, PropagationDirection.Backward, maxFrames: 5));
        Assert.Equal([12, 11, 10, 9, 8], back.Select(r => r.FrameIndex));
        Assert.All(back, r => Assert.Equal(1, IoU(r.Object(1)!.Mask, rig.Truth(1, r.FrameIndex))));
        Assert.Equal([12], rig.Sampler.Frames);
    }

    [Fact]
    public async Task TrackClicks_TheClicksStayQueryPointsThroughEveryReinit()
    {
        // Re-initialisations every 3 frames (11, 14, 17) re-sample the points from the mask; with TrackClicks the two
        // clicks of frame 8 ride along: the positive moves with the disk (2 px a frame), the negative on the still
        // background stays put. Without it they are gone after the first re-initialisation.
        PromptPoint pos = new(38, 30, PointLabel.Positive), neg = new(70, 12, PointLabel.Negative);
        async Task<List<FrameResult>> Walk(bool track)
        {
            using var rig = new Rig(20, new VideoSegmenterOptions { RefinementPasses = 0, Reinit = ReinitMode.Every, ReinitHorizon = 3, TrackClicks = track }, Red());
            rig.Session.AddMask(0, 1, rig.Truth(1, 0));
            rig.Session.AddPoints(8, 1, [pos, neg]);
            return await CollectAsync(rig.Session.Propagate(8));
        }
        List<FrameResult> on = await Walk(true), off = await Walk(false);
        Assert.Equal(Enumerable.Range(8, 12), on.Select(r => r.FrameIndex));
        for (int k = 1; k < on.Count; k++)
        {
            TrackedPromptPoint[] with = [.. on[k].Object(1)!.Points], without = [.. off[k].Object(1)!.Points];
            float dx = 2f * (on[k].FrameIndex - 8);
            Assert.Equal(without.Length + 2, with.Length);
            Assert.Equal(without, with[..without.Length]);
            Assert.Equal(new TrackedPromptPoint(pos.X + dx, pos.Y, PointLabel.Positive, 1, true), with[^2]);
            Assert.Equal(new TrackedPromptPoint(neg.X, neg.Y, PointLabel.Negative, 1, true), with[^1]);
        }
        Assert.True(on.Count(r => r.Object(1)!.Reinitialized) >= 3);
    }

    [Fact]
    public async Task TrackClicks_ALostClickIsNotCarriedPastTheNextReinit()
    {
        // The tracker loses the last point of every track (the negative click) from frame 10 on: the re-initialisation
        // at frame 11 keeps the positive click only.
        using var rig = new Rig(16, new VideoSegmenterOptions { RefinementPasses = 0, Reinit = ReinitMode.Every, ReinitHorizon = 3 }, Red());
        using var dropping = new DroppingTracker(rig.Tracker, 1, t => t >= 10, fromEnd: true);
        using var model = new VideoSegmenter(rig.Segmenter, dropping, new VideoSegmenterOptions { RefinementPasses = 0, Reinit = ReinitMode.Every, ReinitHorizon = 3, Sampler = rig.Sampler.Sample });
        using VideoSession session = model.OpenSession(rig.Clip);
        session.AddMask(0, 1, rig.Truth(1, 0));
        session.AddPoints(8, 1, [new PromptPoint(38, 30, PointLabel.Positive), new PromptPoint(70, 12, PointLabel.Negative)]);
        List<FrameResult> fwd = await CollectAsync(session.Propagate(8));
        FrameResult at10 = fwd.Single(r => r.FrameIndex == 10), at12 = fwd.Single(r => r.FrameIndex == 12);
        Assert.Contains(at10.Object(1)!.Points, p => p.Label == PointLabel.Negative && p.X == 70 && p.Y == 12);
        Assert.DoesNotContain(at12.Object(1)!.Points, p => p.Label == PointLabel.Negative && p.X == 70 && p.Y == 12);
        Assert.Contains(at12.Object(1)!.Points, p => p.Label == PointLabel.Positive && p.X == 38 + 2 * 4 && p.Y == 30);
    }

    [Fact]
    public async Task AddBox_SegmentsThatFrame()
    {
        using var rig = new Rig(6, null, Red());
        var (x0, y0, x1, y1) = rig.Truth(1, 3).BoundingBox()!.Value;
        Mask m = rig.Session.AddBox(3, 1, new BoxF(x0, y0, x1, y1));
        Assert.Equal(1, IoU(m, rig.Truth(1, 3)));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());
        Assert.Equal([3, 4, 5], results.Select(r => r.FrameIndex));
    }

    [Fact]
    public async Task ObjectsAppearingLater_StartAtTheirFirstPrompt()
    {
        using var rig = new Rig(12, new VideoSegmenterOptions { RefinementPasses = 0 }, Red(), Green());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        rig.Session.AddMask(5, 2, rig.Truth(2, 5));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());
        for (int t = 0; t < 5; t++)
        {
            Assert.Equal(ObjectStatus.NotStarted, results[t].Object(2)!.Status);
            Assert.DoesNotContain((byte)2, results[t].Labels.Data);
        }
        for (int t = 5; t < 12; t++) Assert.Equal(1, IoU(results[t].Object(2)!.RawMask, rig.Truth(2, t)));
    }

    [Fact]
    public async Task RemoveObject_DropsItFromResults_OtherIdsUnchanged()
    {
        using var rig = new Rig(5, new VideoSegmenterOptions { RefinementPasses = 0 }, Red(), Green());
        rig.Session.AddMask(0, 3, rig.Truth(1, 0));
        rig.Session.AddMask(0, 9, rig.Truth(2, 0));
        Assert.True(rig.Session.RemoveObject(3));
        Assert.False(rig.Session.RemoveObject(3));
        Assert.Equal([9], rig.Session.ObjectIds);
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());
        Assert.All(results, r =>
        {
            Assert.Equal([9], r.Objects.Select(o => o.ObjectId));
            Assert.Equal(1, IoU(r.Object(9)!.Mask, rig.Truth(2, r.FrameIndex)));
        });
        rig.Session.Reset();
        Assert.Empty(rig.Session.ObjectIds);
        await Assert.ThrowsAsync<InvalidOperationException>(() => CollectAsync(rig.Session.Propagate()));
    }

    [Fact]
    public async Task Continuation_GoesOnFromWhereTheLastPropagationStopped()
    {
        using var rig = new Rig(20, new VideoSegmenterOptions { RefinementPasses = 0 }, Red());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        List<FrameResult> a = await CollectAsync(rig.Session.Propagate(0, maxFrames: 10));
        List<FrameResult> b = await CollectAsync(rig.Session.Propagate(10));
        Assert.Equal(Enumerable.Range(10, 10), b.Select(r => r.FrameIndex));
        Assert.All(b, r => Assert.Equal(1, IoU(r.Object(1)!.Mask, rig.Truth(1, r.FrameIndex))));
        // Any walked frame can be a starting point: from 15 the object goes on from its state on 14.
        List<FrameResult> c = await CollectAsync(rig.Session.Propagate(15));
        Assert.Equal(Enumerable.Range(15, 5), c.Select(r => r.FrameIndex));
        Assert.All(c, r => Assert.Equal(ObjectStatus.Segmented, r.Object(1)!.Status));
        Assert.All(c, r => Assert.Equal(1, IoU(r.Object(1)!.Mask, rig.Truth(1, r.FrameIndex))));
    }

    [Fact]
    public async Task Continuation_NeedsAWalkedFrameBeforeTheStart()
    {
        using var rig = new Rig(20, new VideoSegmenterOptions { RefinementPasses = 0 }, Red());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        await CollectAsync(rig.Session.Propagate(0, maxFrames: 5));
        // Frame 9 was never walked: nothing to go on from, and no prompt on or after 10.
        List<FrameResult> jump = await CollectAsync(rig.Session.Propagate(10));
        Assert.All(jump, r => Assert.Equal(ObjectStatus.NotStarted, r.Object(1)!.Status));
        // Reset forgets the walked frames too.
        await CollectAsync(rig.Session.Propagate());
        rig.Session.Reset();
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        List<FrameResult> after = await CollectAsync(rig.Session.Propagate(10));
        Assert.All(after, r => Assert.Equal(ObjectStatus.NotStarted, r.Object(1)!.Status));
    }

    /// <summary>
    /// SAM 2's correction loop with two objects: propagate, correct object 1 on frame 10, propagate again from 10.
    /// Object 1 is re-seeded from the correction; object 2, untouched, goes on from where the first propagation left it
    /// on frame 9 instead of dropping out; both directions.
    /// </summary>
    [Fact]
    public async Task Correction_ReseedsOnlyTheCorrectedObject_OthersGoOn()
    {
        using var rig = new Rig(20, new VideoSegmenterOptions { RefinementPasses = 0 }, Red(), Green(y: 12));
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        rig.Session.AddMask(0, 2, rig.Truth(2, 0));
        await CollectAsync(rig.Session.Propagate());

        Mask corrected = rig.Session.AddPoints(10, 1, [new PromptPoint(44, 32, PointLabel.Positive)]);
        List<FrameResult> fwd = await CollectAsync(rig.Session.Propagate(10));
        Assert.Equal(Enumerable.Range(10, 10), fwd.Select(r => r.FrameIndex));
        Assert.Equal(ObjectStatus.Prompted, fwd[0].Object(1)!.Status);
        Assert.Equal(corrected.Data, fwd[0].Object(1)!.RawMask.Data);
        Assert.All(fwd, r => Assert.Equal(1, IoU(r.Object(2)!.Mask, rig.Truth(2, r.FrameIndex))));
        Assert.All(fwd.Skip(1), r => Assert.Equal(ObjectStatus.Segmented, r.Object(2)!.Status));

        // Backward from the corrected frame: object 2 goes on from frame 11 (written by the walk just done).
        List<FrameResult> back = await CollectAsync(rig.Session.Propagate(10, PropagationDirection.Backward, maxFrames: 4));
        Assert.Equal([10, 9, 8, 7], back.Select(r => r.FrameIndex));
        Assert.All(back, r => Assert.Equal(1, IoU(r.Object(2)!.Mask, rig.Truth(2, r.FrameIndex))));
        Assert.All(back, r => Assert.Equal(1, IoU(r.Object(1)!.Mask, rig.Truth(1, r.FrameIndex))));

        // The correction forgot object 1's old states: a walk from 15 (after frame 14 was re-walked from the
        // correction) goes on with the new ones; removing object 2 drops it from later walks.
        rig.Session.RemoveObject(2);
        List<FrameResult> late = await CollectAsync(rig.Session.Propagate(15));
        Assert.All(late, r => Assert.Null(r.Object(2)));
        Assert.All(late, r => Assert.Equal(1, IoU(r.Object(1)!.Mask, rig.Truth(1, r.FrameIndex))));
    }

    [Fact]
    public async Task SimilarMaskArea_ReinitsWhereTheAreaMatchesTheSeed_AndEmitsEachFrameOnce()
    {
        // Radius 8 on the seed frame and on frame 5, 10 elsewhere: the first window (0..7, candidates 3..7) re-seeds
        // at 5. From there the seed area (r 8) never recurs, all candidates tie and the earliest wins: windows
        // 5..12 -> 8, 8..15 -> 11, 11..18 -> 14.
        var disk = new Disk(1, 220, 30, 30, t => (30 + t, 32), 8, RadiusOf: t => t is 0 or 5 ? 8 : 10);
        using var rig = new Rig(20, new VideoSegmenterOptions { RefinementPasses = 0, Reinit = ReinitMode.OnSimilarMaskArea }, disk);
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        List<FrameResult> results = await CollectAsync(rig.Session.Propagate());
        Assert.Equal(Enumerable.Range(0, 20), results.Select(r => r.FrameIndex));
        Assert.All(results, r => Assert.Equal(1, IoU(r.Object(1)!.Mask, rig.Truth(1, r.FrameIndex))));
        Assert.Equal([0, 5, 8, 11, 14], rig.Sampler.Frames);
        Assert.Equal([5, 8, 11, 14], results.Where(r => r.Object(1)!.Reinitialized).Select(r => r.FrameIndex));
        Assert.Equal(20, rig.Segmenter.Embeds); // re-segmenting reuses kept embeddings, never re-encodes
        Assert.Equal(20, rig.Segmenter.EmbeddingsDisposed);
        // Frames 6 and 7 were segmented twice (old points, then re-tracked from 5).
        Assert.Equal(2, rig.Segmenter.Prompts.Count(p => p.Frame == 6));
    }

    [Fact]
    public async Task BreakingOut_StopsThePipeline_AndDisposesEveryEmbedding()
    {
        using var rig = new Rig(40, new VideoSegmenterOptions { RefinementPasses = 0 }, Red());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        int n = 0;
        await foreach (FrameResult r in rig.Session.Propagate())
            if (++n == 3) break;
        Assert.True(rig.Segmenter.Embeds < 40);
        Assert.Equal(rig.Segmenter.Embeds, rig.Segmenter.EmbeddingsDisposed);
        // The session is usable again.
        Assert.Equal(40, (await CollectAsync(rig.Session.Propagate())).Count);
    }

    [Fact]
    public async Task SourceFailure_SurfacesAsTheOriginalException()
    {
        using var rig = new Rig(20, new VideoSegmenterOptions { RefinementPasses = 0 }, Red());
        rig.Clip.FailAt = 7;
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        var seen = new List<int>();
        var e = await Assert.ThrowsAsync<EdgeSamException>(async () =>
        {
            await foreach (FrameResult r in rig.Session.Propagate()) seen.Add(r.FrameIndex);
        });
        Assert.Contains("frame 7 is corrupt", e.Message);
        Assert.Equal(Enumerable.Range(0, seen.Count), seen);
        Assert.True(seen.Count <= 7);
        Assert.Equal(rig.Segmenter.Embeds, rig.Segmenter.EmbeddingsDisposed);
    }

    [Fact]
    public async Task Cancellation_ThrowsOperationCanceled()
    {
        using var rig = new Rig(40, new VideoSegmenterOptions { RefinementPasses = 0 }, Red());
        rig.Session.AddMask(0, 1, rig.Truth(1, 0));
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (FrameResult r in rig.Session.Propagate(cancel: cts.Token))
                if (r.FrameIndex == 2) cts.Cancel();
        });
        Assert.Equal(rig.Segmenter.Embeds, rig.Segmenter.EmbeddingsDisposed);
    }

    [Fact]
    public void BadInput_IsRejectedWithClearMessages()
    {
        using var rig = new Rig(5, null, Red());
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.Session.AddMask(5, 1, rig.Truth(1, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.Session.AddMask(0, 255, rig.Truth(1, 0)));
        Assert.Throws<ArgumentException>(() => rig.Session.AddMask(0, 1, new Mask(10, 10)));
        Assert.Throws<ArgumentException>(() => rig.Session.AddPoints(0, 1, [new PromptPoint(200, 5, PointLabel.Positive)]));
        Assert.Throws<ArgumentException>(() => rig.Session.AddPoints(0, 1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoSegmenter(rig.Segmenter, rig.Tracker, new VideoSegmenterOptions { ReinitHorizon = 1 }));
    }
}
