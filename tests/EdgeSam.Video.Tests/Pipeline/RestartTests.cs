using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>The appearance-consistency score and the whole-video restarts chosen by it.</summary>
public class RestartTests
{
    private static RgbImage Solid(int w, int h, Func<int, int, (byte R, byte G, byte B)> colour)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var (r, g, b) = colour(x, y);
                int p = 3 * (y * w + x);
                img.Pixels[p] = r; img.Pixels[p + 1] = g; img.Pixels[p + 2] = b;
            }
        return img;
    }

    private static Mask Rect(int w, int h, int x0, int y0, int x1, int y1)
    {
        var m = new Mask(w, h);
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) m[x, y] = true;
        return m;
    }

    [Fact]
    public void Coefficient_IsOneForTheSameColours_ZeroForOthersOrEmpty_AndSqrtHalfForAnEvenMix()
    {
        const int w = 40, h = 20;
        // Left half red, right half blue.
        RgbImage frame = Solid(w, h, (x, _) => x < 20 ? ((byte)200, (byte)10, (byte)10) : ((byte)10, (byte)10, (byte)200));
        var c = new AppearanceConsistency(frame, Rect(w, h, 0, 0, 20, h));

        Assert.Equal(1.0, c.Add(frame, Rect(w, h, 2, 2, 10, 10)), 9);          // red only, other shape and size
        Assert.Equal(0.0, c.Add(frame, Rect(w, h, 25, 0, 40, h)), 9);          // blue only
        Assert.Equal(0.0, c.Add(frame, new Mask(w, h)), 9);                     // lost object
        Assert.Equal(Math.Sqrt(0.5), c.Add(frame, Rect(w, h, 10, 0, 30, h)), 9); // half red, half blue
        Assert.Equal(4, c.Frames);
        Assert.Equal((1 + 0 + 0 + Math.Sqrt(0.5)) / 4, c.Mean, 9);
    }

    [Fact]
    public void Coefficient_MatchesAScalarReference_OverRandomImagesAndMasks()
    {
        foreach (int seed in new[] { 1, 2, 3, 4, 5 })
        {
            var rng = new Random(seed);
            int w = rng.Next(5, 60), h = rng.Next(5, 40);
            RgbImage Random() { var i = new RgbImage(w, h); rng.NextBytes(i.Pixels); return i; }
            Mask RandomMask() { var m = new Mask(w, h); for (int k = 0; k < m.Data.Length; k++) m.Data[k] = (byte)(rng.Next(3) == 0 ? 1 : 0); m.Data[0] = 1; return m; }
            RgbImage f0 = Random(), f1 = Random();
            Mask m0 = RandomMask(), m1 = RandomMask();
            // Reference: histograms by counting into a dictionary of (r/32, g/32, b/32) keys.
            Dictionary<(int, int, int), double> Hist(RgbImage f, Mask m)
            {
                var d = new Dictionary<(int, int, int), double>();
                int n = 0;
                for (int k = 0; k < m.Data.Length; k++)
                {
                    if (m.Data[k] == 0) continue;
                    var key = (f.Pixels[3 * k] / 32, f.Pixels[3 * k + 1] / 32, f.Pixels[3 * k + 2] / 32);
                    d[key] = d.GetValueOrDefault(key) + 1;
                    n++;
                }
                foreach (var key in d.Keys.ToList()) d[key] /= n;
                return d;
            }
            var p = Hist(f1, m1);
            var q = Hist(f0, m0);
            double expected = p.Sum(kv => Math.Sqrt(kv.Value * q.GetValueOrDefault(kv.Key)));
            Assert.Equal(expected, new AppearanceConsistency(f0, m0).Add(f1, m1), 9);
        }
    }

    [Fact]
    public void Constructor_RejectsAnEmptyReference_AndMismatchedSizes()
    {
        RgbImage frame = Solid(10, 10, (_, _) => (1, 2, 3));
        Assert.Throws<ArgumentException>(() => new AppearanceConsistency(frame, new Mask(10, 10)));
        Assert.Throws<ArgumentException>(() => new AppearanceConsistency(frame, Rect(12, 10, 0, 0, 5, 5)));
        var c = new AppearanceConsistency(frame, Rect(10, 10, 0, 0, 5, 5));
        Assert.Throws<ArgumentException>(() => c.Add(frame, Rect(10, 11, 0, 0, 5, 5)));
        Assert.True(double.IsNaN(c.Mean));
    }

    [Fact]
    public void RunScore_AveragesObjects_FromTheirPromptedFrame_SkippingNotStarted()
    {
        const int w = 40, h = 20;
        RgbImage frame = Solid(w, h, (x, _) => x < 20 ? ((byte)200, (byte)10, (byte)10) : ((byte)10, (byte)10, (byte)200));
        Mask red = Rect(w, h, 0, 0, 20, h), blue = Rect(w, h, 20, 0, 40, h);
        FrameResult Frame(int t, params (int Id, ObjectStatus Status, Mask Mask)[] objects) => new()
        {
            FrameIndex = t,
            FrameName = t.ToString("D5"),
            Image = frame,
            Labels = new LabelMap(w, h),
            Objects = objects.Select(o => new ObjectFrameResult { ObjectId = o.Id, Status = o.Status, Mask = o.Mask, RawMask = o.Mask, Points = [] }).ToList(),
        };
        var score = new RunAppearanceConsistency();
        score.Add(Frame(0, (1, ObjectStatus.Prompted, red), (2, ObjectStatus.NotStarted, new Mask(w, h))));
        score.Add(Frame(1, (1, ObjectStatus.Segmented, red), (2, ObjectStatus.NotStarted, new Mask(w, h))));
        Assert.Equal(1.0, score.Score, 9); // object 2 has not started: it does not count yet
        score.Add(Frame(2, (1, ObjectStatus.Segmented, blue), (2, ObjectStatus.Prompted, blue)));
        score.Add(Frame(3, (1, ObjectStatus.NoVisiblePositive, new Mask(w, h)), (2, ObjectStatus.Segmented, blue)));
        // Object 1: 1, 0, 0 -> 1/3; object 2: 1 (its prompt frame is not scored).
        Assert.Equal((1.0 / 3 + 1.0) / 2, score.Score, 9);
        Assert.Equal(1.0 / 3, score.PerObject[1], 9);
    }

    /// <summary>A clip where the run of the job's base seed drifts onto another, differently coloured object at its
    /// first re-initialisation; the restart under the next seed does not.</summary>
    private sealed record DriftRig(DiskClip Clip, Disk Red, VideoSegmenter Model, VideoSession Session) : IDisposable
    {
        public void Dispose()
        {
            Session.Dispose();
            Model.Dispose();
        }
    }

    /// <returns>The clip, its red disk, and a session with the red disk prompted on frame 0.</returns>
    private static DriftRig DriftingOnSeedZero(int frames)
    {
        const int w = 96, h = 64;
        var red = new Disk(1, 220, 30, 30, t => (20 + 2f * t, 32), 9);
        var green = new Disk(2, 30, 200, 40, _ => (76, 32), 9);
        var clip = new DiskClip(w, h, frames, red, green);
        var even = new EvenSampler();
        IReadOnlyList<PromptPoint> Sample(Mask mask, RgbImage frame, int positives, int negatives, int seed)
        {
            int t = DiskClip.IndexOf(frame);
            // The pipeline's sampler seed is Seed * 1,000,003 + frame * 7,919 + object id * 104,729.
            int baseSeed = (seed - t * 7_919 - 104_729) / 1_000_003;
            IReadOnlyList<PromptPoint> pts = even.Sample(mask, frame, positives, negatives, seed);
            if (baseSeed != 0 || t == 0) return pts;
            var (gx, gy) = green.Center(t);
            return pts.Select(p => p.Label == PointLabel.Positive ? new PromptPoint(gx, gy, PointLabel.Positive) : p).ToList();
        }
        var model = new VideoSegmenter(new OracleSegmenter(clip), new OracleTracker(clip),
            new VideoSegmenterOptions { RefinementPasses = 0, ReinitHorizon = 4, Sampler = Sample });
        VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, red.Raster(clip.Width, clip.Height, 0));
        return new DriftRig(clip, red, model, session);
    }

    [Fact]
    public async Task SegmentJob_Restarts_KeepTheRunWhoseMasksKeepThePromptsColours()
    {
        const int n = 12;
        using DriftRig rig = DriftingOnSeedZero(n);
        var (clip, red, _, session) = rig;
        string outDir = TestPaths.NewTempDir("restarts");
        var replayed = new List<int>();
        var job = new SegmentJob
        {
            Session = session,
            PromptFrame = 0,
            MasksDir = Path.Combine(outDir, "masks"),
            PreviewPath = Path.Combine(outDir, "preview.mp4"),
            Restarts = 3,
            OnLabels = (index, _, labels) =>
            {
                Assert.True(labels.MaskOf(1).Data.AsSpan().SequenceEqual(red.Raster(clip.Width, clip.Height, index).Data), $"frame {index} replayed another mask");
                replayed.Add(index);
            },
        };
        int last = 0;
        await job.RunAsync(p => last = p, CancellationToken.None);

        Assert.Equal(3 * n, job.TotalFrames);
        Assert.Equal(3 * n, last);
        Assert.Equal(3, job.RestartScores.Count);
        Assert.True(job.RestartScores[0] < 0.5 && job.RestartScores[1] > 0.99 && job.RestartScores[2] > 0.99,
            $"scores {string.Join(", ", job.RestartScores)}");
        Assert.Equal(1, job.ChosenRestart); // seeds 1 and 2 tie: the lower is kept
        Assert.Equal(0, session.SamplerSeed);
        Assert.Equal(Enumerable.Range(0, n), replayed);
        for (int t = 0; t < n; t++)
        {
            Mask m = PngCodec.ReadLabels(Path.Combine(job.MasksDir, t.ToString("D5") + ".png")).MaskOf(1);
            Assert.True(m.Data.AsSpan().SequenceEqual(red.Raster(clip.Width, clip.Height, t).Data), $"kept mask of frame {t} is not the red disk");
        }
        Assert.Empty(Directory.GetDirectories(outDir, "*.partial"));
        using IFrameSource preview = FrameSources.Open(job.PreviewPath!);
        Assert.Equal(n, preview.FrameCount);
    }

    [Fact]
    public async Task SegmentJob_Restarts_PreviewShowsTheKeptRunsPoints()
    {
        const int n = 10, probe = 8;
        using DriftRig rig = DriftingOnSeedZero(n);
        var (clip, red, _, session) = rig;
        string outDir = TestPaths.NewTempDir("restarts-preview");
        // Every run's points on the probe frame, in run order (OnFrame sees every run).
        var pointsOnProbe = new List<List<OverlayMarker>>();
        var job = new SegmentJob
        {
            Session = session,
            PromptFrame = 0,
            MasksDir = Path.Combine(outDir, "masks"),
            PreviewPath = Path.Combine(outDir, "preview.mp4"),
            Restarts = 2,
            OnFrame = r =>
            {
                if (r.FrameIndex == probe)
                    pointsOnProbe.Add(r.Objects.SelectMany(o => o.Points).Select(p => new OverlayMarker(p.X, p.Y, p.Label == PointLabel.Positive, p.Visible)).ToList());
            },
        };
        await job.RunAsync(_ => { }, CancellationToken.None);
        Assert.Equal(1, job.ChosenRestart);
        Assert.Equal(2, pointsOnProbe.Count);

        LabelMap labels = PngCodec.ReadLabels(Path.Combine(job.MasksDir, probe.ToString("D5") + ".png"));
        RgbImage Expected(List<OverlayMarker> markers)
        {
            RgbImage f = clip.Render(probe);
            Overlay.DrawInPlace(f, labels, markers);
            return f;
        }
        long Distance(RgbImage a, RgbImage b)
        {
            long d = 0;
            for (int i = 0; i < a.Pixels.Length; i++) d += Math.Abs(a.Pixels[i] - b.Pixels[i]);
            return d;
        }
        using IFrameSource preview = FrameSources.Open(job.PreviewPath!);
        RgbImage got = preview.Read(probe, 1).Single();
        long kept = Distance(got, Expected(pointsOnProbe[1])), drifted = Distance(got, Expected(pointsOnProbe[0])), none = Distance(got, Expected([]));
        Assert.True(kept < drifted && kept < none, $"preview frame {probe}: distance to the kept run's markers {kept}, the other run's {drifted}, none {none}");
    }

    [Fact]
    public async Task SegmentJob_Restarts_InterruptedLeaveNoFinishedLookingFolder_AndARerunCleansUp()
    {
        const int n = 10;
        using DriftRig rig = DriftingOnSeedZero(n);
        var (clip, red, _, session) = rig;
        string outDir = TestPaths.NewTempDir("restarts-cancel");
        string masks = Path.Combine(outDir, "masks");
        using var cts = new CancellationTokenSource();
        var job = new SegmentJob { Session = session, PromptFrame = 0, MasksDir = masks, Restarts = 3 };
        // Cancel in the middle of the second run.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.RunAsync(p => { if (p == n + 4) cts.Cancel(); }, cts.Token));
        Assert.False(Directory.Exists(masks));
        Assert.Equal(0, session.SamplerSeed);

        var again = new SegmentJob { Session = session, PromptFrame = 0, MasksDir = masks, Restarts = 3 };
        await again.RunAsync(_ => { }, CancellationToken.None);
        Assert.Equal(n, Directory.GetFiles(masks, "*.png").Length);
        Assert.Empty(Directory.GetDirectories(outDir, "*.partial"));
        Assert.Equal(1, again.ChosenRestart);
    }

    [Fact]
    public void SamplerSeed_StartsAsTheModelsSeed()
    {
        var clip = new DiskClip(32, 32, 3, new Disk(1, 200, 0, 0, _ => (16, 16), 5));
        using var model = new VideoSegmenter(new OracleSegmenter(clip), new OracleTracker(clip),
            new VideoSegmenterOptions { Seed = 42, Sampler = new EvenSampler().Sample });
        using VideoSession session = model.OpenSession(clip);
        Assert.Equal(42, session.SamplerSeed);
    }

    /// <summary>A model for another lane of the rig's job: its own oracle segmenter (failing on one frame, if given) and
    /// tracker, the rig's options (sampler included).</summary>
    private static VideoSegmenter LaneModel(DriftRig rig, int failOnFrame = -1) =>
        new(new OracleSegmenter(rig.Clip) { FailOnFrame = failOnFrame }, new OracleTracker(rig.Clip), rig.Model.Options, ownsComponents: true);

    private static Dictionary<string, byte[]> Files(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [Fact]
    public async Task SegmentJob_RestartsSideBySide_GiveWhatOneAfterAnotherGives()
    {
        const int n = 12, restarts = 4;
        using DriftRig serialRig = DriftingOnSeedZero(n), rig = DriftingOnSeedZero(n);
        string outDir = TestPaths.NewTempDir("restarts-lanes");
        var serial = new SegmentJob { Session = serialRig.Session, PromptFrame = 0, MasksDir = Path.Combine(outDir, "serial"), Restarts = restarts };
        await serial.RunAsync(_ => { }, CancellationToken.None);

        using VideoSegmenter lane1 = LaneModel(rig), lane2 = LaneModel(rig);
        var ticks = new List<int>();
        int onFrame = 0;
        var job = new SegmentJob
        {
            Session = rig.Session,
            PromptFrame = 0,
            MasksDir = Path.Combine(outDir, "lanes"),
            Restarts = restarts,
            LaneModels = [lane1, lane2],
            OnFrame = _ => onFrame++,
        };
        await job.RunAsync(ticks.Add, CancellationToken.None);

        // Three lanes for four seeds, and the forks did run on their own models.
        Assert.True(((OracleSegmenter)lane1.Segmenter).Embeds > 0 && ((OracleSegmenter)lane2.Segmenter).Embeds > 0, "a lane model was never used");
        Assert.Equal(serial.RestartScores, job.RestartScores);
        Assert.True(job.RestartScores[0] < 0.5, $"scores {string.Join(", ", job.RestartScores)}");
        Assert.Equal(1, job.ChosenRestart); // seeds 1-3 tie: the lower is kept whichever lane finishes first
        Assert.Equal(Enumerable.Range(1, restarts * n), ticks);
        Assert.Equal(restarts * n, onFrame);
        Assert.Equal(restarts * 1, job.Stats.Count);
        Assert.Equal(0, rig.Session.SamplerSeed);
        var expected = Files(serial.MasksDir);
        var got = Files(job.MasksDir);
        Assert.Equal(expected.Keys.Order(), got.Keys.Order());
        foreach (var (name, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(got[name]), $"{name} differs from the serial job's");
        Assert.Empty(Directory.GetDirectories(outDir, "*.partial"));
    }

    [Fact]
    public async Task SegmentJob_RestartsSideBySide_ALaneThatFailsStopsTheJobWithItsOwnError()
    {
        const int n = 12;
        using DriftRig rig = DriftingOnSeedZero(n);
        string outDir = TestPaths.NewTempDir("restarts-lane-fails");
        using VideoSegmenter failing = LaneModel(rig, failOnFrame: 5);
        var job = new SegmentJob { Session = rig.Session, PromptFrame = 0, MasksDir = Path.Combine(outDir, "masks"), Restarts = 3, LaneModels = [failing] };
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => job.RunAsync(_ => { }, CancellationToken.None));
        Assert.Contains("embedding of frame 5 failed", e.Message);
        Assert.False(Directory.Exists(job.MasksDir));
        Assert.Empty(Directory.GetDirectories(outDir, "*.partial"));
        Assert.Equal(0, rig.Session.SamplerSeed);
    }

    [Fact]
    public async Task Fork_CopiesPromptsAndSeed_NotTheWalks_AndStaysIndependent()
    {
        const int n = 8;
        using DriftRig rig = DriftingOnSeedZero(n);
        rig.Session.SamplerSeed = 1;
        var original = new List<byte[]>();
        await foreach (FrameResult r in rig.Session.Propagate()) original.Add(r.Labels.MaskOf(1).Data.ToArray());

        using VideoSegmenter other = LaneModel(rig);
        using VideoSession fork = rig.Session.Fork(other);
        Assert.Equal(1, fork.SamplerSeed);
        Assert.Equal(rig.Session.ObjectIds, fork.ObjectIds);
        Assert.Equal(rig.Session.PromptFrames(1), fork.PromptFrames(1));
        Assert.Same(rig.Session.Frames, fork.Frames);

        // No remembered walk: propagating from frame 3 starts nothing (the object's prompt is on frame 0), where the
        // original goes on from its walk.
        await foreach (FrameResult r in fork.Propagate(3, maxFrames: 1))
            Assert.All(r.Objects, o => Assert.Equal(ObjectStatus.NotStarted, o.Status));
        await foreach (FrameResult r in rig.Session.Propagate(3, maxFrames: 1))
            Assert.Contains(r.Objects, o => o.Status != ObjectStatus.NotStarted);

        // Both walk the whole video at once, on their own models, and agree with the original's first walk.
        async Task<List<byte[]>> Walk(VideoSession s)
        {
            var masks = new List<byte[]>();
            await foreach (FrameResult r in s.Propagate()) masks.Add(r.Labels.MaskOf(1).Data.ToArray());
            return masks;
        }
        var both = await Task.WhenAll(Task.Run(() => Walk(rig.Session)), Task.Run(() => Walk(fork)));
        foreach (var masks in both)
        {
            Assert.Equal(n, masks.Count);
            for (int t = 0; t < n; t++) Assert.True(original[t].AsSpan().SequenceEqual(masks[t]), $"frame {t} differs");
        }
        Assert.True(((OracleSegmenter)other.Segmenter).Embeds >= n);

        // Prompts changed on the fork stay there.
        fork.RemoveObject(1);
        Assert.Equal([1], rig.Session.ObjectIds);
    }
}
