using EdgeSam.Video.Trackers.Synthetic;
using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.Onnx;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Tests.Trackers;

public class OnnxTrackerAdapterTests
{
    private static RgbImage[] Frames(int count, int w, int h) =>
        [.. Enumerable.Range(0, count).Select(f => SyntheticScenes.Shifted(w, h, f, 0, seed: f))];

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public void WindowAdapterSlidesWindowsReseedsAndScalesCoordinates(int? fixedN)
    {
        string dir = TestPaths.NewTempDir("synthwin");
        // Model works at 64x48 on 128x96 frames (scale 1/2): 2 x 1 model px per frame is 4 x 2 frame px.
        string model = SyntheticTrackerModels.Window(dir, t: 6, w: 64, h: 48, dx: 2, dy: 1, fixedN: fixedN);
        using var tracker = TrackerFactory.Create(TrackerKind.OnnxWindow, new TrackerOptions { WindowModel = model, WindowOverlap = 2 });
        Assert.Equal(TrackerMode.Windowed, tracker.PreferredMode);
        Assert.Equal(6, tracker.WindowLength);
        var frames = Frames(14, 128, 96);
        QueryPoint[] q = [new(0, 10, 20), new(3, 30, 12), new(7, 50, 40), new(0, 100, 30), new(13, 60, 60)];
        TrackedPoint[][] res = tracker.TrackWindow(frames, q);
        Assert.Equal(14, res.Length);
        for (int i = 0; i < q.Length; i++)
            for (int f = 0; f < 14; f++)
            {
                TrackedPoint p = res[f][i];
                if (f < q[i].Frame)
                {
                    Assert.Equal(new TrackedPoint(q[i].X, q[i].Y, 0), p);
                    continue;
                }
                float ex = q[i].X + 4 * (f - q[i].Frame), ey = q[i].Y + 2 * (f - q[i].Frame);
                Assert.InRange(p.X - ex, -1e-3, 1e-3);
                Assert.InRange(p.Y - ey, -1e-3, 1e-3);
                // Visible while inside the frame (and off its 1% border).
                bool inside = FrameBorder.IsInside(ex, ey, 128, 96) && ex <= 127.5f;
                Assert.True(inside == p.Visibility >= tracker.VisibilityThreshold, $"point {i} frame {f} at ({ex}, {ey}) visibility {p.Visibility}");
            }
        // Point 3 starts at x = 100 and leaves the frame by x = 128 after 7 frames.
        Assert.Equal(0, res[8][3].Visibility);
    }

    /// <summary>Window length and overlap come from the options, else the model's metadata (what an exporter stores with
    /// onnx.helper.set_model_props), else T/2 for the overlap; a dynamic T with neither is a one-line error.</summary>
    [Fact]
    public void WindowAdapterReadsLengthAndOverlapFromTheModelMetadata()
    {
        string dir = TestPaths.NewTempDir("synthwin-meta");
        Directory.CreateDirectory(Path.Combine(dir, "a"));
        Directory.CreateDirectory(Path.Combine(dir, "b"));
        string bare = SyntheticTrackerModels.Window(Path.Combine(dir, "a"), t: 5, w: 64, h: 48, dx: 2, dy: 1, dynamicT: true);
        var e = Assert.Throws<EdgeSamException>(() => TrackerFactory.Create(TrackerKind.OnnxWindow, new TrackerOptions { WindowModel = bare }));
        Assert.Contains("--window-length", e.Message);

        string meta = SyntheticTrackerModels.Window(Path.Combine(dir, "b"), t: 5, w: 64, h: 48, dx: 2, dy: 1, dynamicT: true,
            metadata: new Dictionary<string, string> { ["window_length"] = "5", ["window_overlap"] = "1" });
        using (var t = (OnnxWindowTracker)TrackerFactory.Create(TrackerKind.OnnxWindow, new TrackerOptions { WindowModel = meta }))
        {
            Assert.Equal(5, t.WindowLength);
            Assert.Equal(1, t.Overlap);
            // The metadata's window runs: a block longer than one window slides with step 4 and still follows the motion.
            TrackedPoint[][] res = t.TrackWindow(Frames(11, 128, 96), [new QueryPoint(0, 10, 20)]);
            Assert.InRange(res[10][0].X - (10 + 4 * 10), -1e-3, 1e-3);
        }
        using (var t = (OnnxWindowTracker)TrackerFactory.Create(TrackerKind.OnnxWindow, new TrackerOptions { WindowModel = meta, WindowOverlap = 3 }))
            Assert.Equal(3, t.Overlap);
        using (var t = (OnnxWindowTracker)TrackerFactory.Create(TrackerKind.OnnxWindow, new TrackerOptions { WindowModel = bare, WindowLength = 5 }))
            Assert.Equal(2, t.Overlap);

        foreach (var (key, value, says) in new[] { ("window_length", "five", "not a whole number"), ("input_size", "64by48", "not WxH"), ("visibility", "odds", "neither") })
        {
            string sub = Path.Combine(dir, key);
            Directory.CreateDirectory(sub);
            string bad = SyntheticTrackerModels.Window(sub, t: 5, w: 64, h: 48, dx: 2, dy: 1, dynamicT: true,
                metadata: new Dictionary<string, string> { ["window_length"] = "5", [key] = value });
            var be = Assert.Throws<EdgeSamException>(() => TrackerFactory.Create(TrackerKind.OnnxWindow, new TrackerOptions { WindowModel = bad }));
            Assert.Contains(says, be.Message);
        }
        string fixedDir = Path.Combine(dir, "fixed");
        Directory.CreateDirectory(fixedDir);
        string contradicting = SyntheticTrackerModels.Window(fixedDir, t: 5, w: 64, h: 48, dx: 2, dy: 1,
            metadata: new Dictionary<string, string> { ["window_length"] = "8" });
        var ce = Assert.Throws<EdgeSamException>(() => TrackerFactory.Create(TrackerKind.OnnxWindow, new TrackerOptions { WindowModel = contradicting }));
        Assert.Contains("contradicts", ce.Message);
    }

    [Fact]
    public void WindowAdapterOnlineMatchesTheRule()
    {
        string dir = TestPaths.NewTempDir("synthwinonline");
        string model = SyntheticTrackerModels.Window(dir, t: 4, w: 64, h: 48, dx: -1, dy: 0.5f);
        using var tracker = TrackerFactory.Create(TrackerKind.OnnxWindow, new TrackerOptions { WindowModel = model });
        var frames = Frames(9, 128, 96);
        using IPointTrack track = tracker.Start(frames[0], [(80f, 20f), (40f, 60f)]);
        for (int f = 1; f < 9; f++)
        {
            TrackedPoint[] got = track.Step(frames[f]);
            Assert.InRange(got[0].X - (80 - 2 * f), -1e-3, 1e-3);
            Assert.InRange(got[0].Y - (20 + f), -1e-3, 1e-3);
            Assert.InRange(got[1].X - (40 - 2 * f), -1e-3, 1e-3);
            Assert.Equal(1, got[1].Visibility);
        }
    }

    [Fact]
    public void WindowAdapterRejectsAModelWithoutTheContract()
    {
        string dir = TestPaths.NewTempDir("synthwinbad");
        string tapirDir = SyntheticTrackerModels.Tapir(dir, 32, 4, 1, 1);
        var e = Assert.Throws<EdgeSamException>(() => TrackerFactory.Create(TrackerKind.OnnxWindow, new TrackerOptions { WindowModel = Path.Combine(tapirDir, "tapir.onnx") }));
        Assert.Contains("windowed tracker", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var missing = Assert.Throws<EdgeSamException>(() => TrackerFactory.Create(TrackerKind.OnnxWindow));
        Assert.Contains("--window-model", missing.Message);
    }

    /// <summary>Both forms of the export (input_resolution as an input, or folded by the tracer) take pixel queries.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TapirAdapterFeedsStateBackAndMapsCoordinates(bool resolutionInput)
    {
        string dir = TestPaths.NewTempDir("synthtapir");
        // R = 32 on 64x64 frames (scale 1/2): 1.5 x -1 model px per step is 3 x -2 frame px; N fixed at 4, six points -> two groups.
        string folder = SyntheticTrackerModels.Tapir(dir, r: 32, fixedN: 4, dx: 1.5f, dy: -1, resolutionInput: resolutionInput);
        using var tracker = TrackerFactory.Create(TrackerKind.Tapir, new TrackerOptions { TapirModelDirectory = folder });
        Assert.Equal(TrackerMode.Online, tracker.PreferredMode);
        (float X, float Y)[] pts = [(10, 50), (20, 40), (30, 30), (40, 20), (55, 45), (5, 60)];
        var frames = Frames(6, 64, 64);
        using IPointTrack track = tracker.Start(frames[0], pts);
        for (int k = 1; k < 6; k++)
        {
            TrackedPoint[] got = track.Step(frames[k]);
            for (int i = 0; i < pts.Length; i++)
            {
                float ex = pts[i].X + 3 * k, ey = pts[i].Y - 2 * k;
                Assert.InRange(got[i].X - ex, -1e-3, 1e-3);
                Assert.InRange(got[i].Y - ey, -1e-3, 1e-3);
                bool inside = FrameBorder.IsInside(ex, ey, 64, 64) && ex < 64 && ey < 64;
                Assert.True(inside == got[i].Visibility >= tracker.VisibilityThreshold, $"point {i} step {k} at ({ex}, {ey}): {got[i].Visibility}");
            }
        }
        // TrackWindow through the shared online base gives the same rule.
        TrackedPoint[][] res = tracker.TrackWindow(frames, [new QueryPoint(2, 20, 40)]);
        Assert.Equal(new TrackedPoint(20, 40, 0), res[1][0]);
        Assert.InRange(res[5][0].X - 29, -1e-3, 1e-3);
        Assert.InRange(res[5][0].Y - 34, -1e-3, 1e-3);
    }

    [Fact]
    public void TapirAdapterNamesMissingFiles()
    {
        string dir = TestPaths.NewTempDir("notapir");
        var e = Assert.Throws<EdgeSamException>(() => TrackerFactory.Create(TrackerKind.Tapir, new TrackerOptions { TapirModelDirectory = dir }));
        Assert.Contains(TapirTracker.EncoderFile, e.Message);
    }

    /// <summary>The synthetic exports the adapters are tested with carry the manifest's signatures (what `models verify`
    /// checks a user's export against), so the tests exercise the contract a real export has.</summary>
    [Fact]
    public void SyntheticExportsVerifyAgainstTheManifestSignatures()
    {
        string dir = TestPaths.NewTempDir("synth-verify");
        var store = new EdgeSam.Video.Models.ModelStore(new EdgeSam.Video.Models.ModelStoreOptions { CacheDirectory = TestPaths.NewTempDir("synth-verify-cache"), MirrorDirectory = dir, AllowDownload = false });
        string tapir = SyntheticTrackerModels.Tapir(dir, r: 64, fixedN: 8, dx: 1, dy: 0);
        string window = SyntheticTrackerModels.Window(dir, t: 8, w: 64, h: 48, dx: 1, dy: 0);
        foreach (var (name, path) in new[] { ("tapir_pointencoder", Path.Combine(tapir, "tapir_pointencoder.onnx")), ("tapir", Path.Combine(tapir, "tapir.onnx")), ("cotracker_window", window) })
        {
            EdgeSam.Video.Models.ModelVerification v = store.Verify(store.Manifest.Get(name), path);
            Assert.True(v.Problems.Count == 0, $"{name}: {string.Join("; ", v.Problems)}");
        }
    }
}
