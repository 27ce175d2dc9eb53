using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.XFeat;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Trackers;

public class XFeatTrackerTests(ITestOutputHelper log)
{
    private static string ModelFolder => Path.Combine(TestPaths.ModelMirror, "xfeat");

    private static RgbImage DavisFrame(string seq, int index) =>
        FrameSources.Open(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", seq)).Read(index, 1).Single();

    /// <summary>The frame content moved by (dx, dy) whole pixels (edges replicated).</summary>
    private static RgbImage Shift(RgbImage src, int dx, int dy)
    {
        var dst = new RgbImage(src.Width, src.Height);
        for (int y = 0; y < src.Height; y++)
            for (int x = 0; x < src.Width; x++)
            {
                int sx = Math.Clamp(x - dx, 0, src.Width - 1), sy = Math.Clamp(y - dy, 0, src.Height - 1);
                src.Pixels.AsSpan((sy * src.Width + sx) * 3, 3).CopyTo(dst.Pixels.AsSpan((y * src.Width + x) * 3));
            }
        return dst;
    }

    [MirrorFact]
    public void DescriptorsOfAShiftedFrameMatchAtTheShiftedPosition()
    {
        using var model = new XFeatModel(Path.Combine(ModelFolder, "xfeat_320x224.onnx"), 1);
        RgbImage a = DavisFrame("dog", 0);
        RgbImage b = Shift(a, 24, -16);
        // Describe the same frame region at native scale.
        DescriptorMap ma = model.Describe(a, 300, 150, 1);
        DescriptorMap mb = model.Describe(b, 300, 150, 1);
        Assert.Equal((40, 28), (ma.CellsX, ma.CellsY));
        var da = new float[64];
        var db = new float[64];
        var dw = new float[64];
        double good = 0, bad = 0;
        int n = 0;
        for (float y = 200; y <= 300; y += 25)
            for (float x = 380; x <= 520; x += 35)
            {
                ma.SampleAt(x, y, da);
                mb.SampleAt(x + 24, y - 16, db);
                mb.SampleAt(x + 64, y + 40, dw);
                good += Dot(da, db);
                bad += Dot(da, dw);
                n++;
            }
        log.WriteLine($"mean similarity at the true match {good / n:F3}, 60 px away {bad / n:F3}");
        Assert.True(good / n > 0.85, $"true matches should look alike: {good / n:F3}");
        Assert.True(good / n - bad / n > 0.2, $"true matches should beat wrong ones: {good / n:F3} vs {bad / n:F3}");
    }

    private static float Dot(float[] a, float[] b) { float s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }

    [MirrorFact]
    public void TracksALargeShiftToTheRightPlace()
    {
        RgbImage a = DavisFrame("dog", 0);
        RgbImage b = Shift(a, 40, -28);
        (float X, float Y)[] pts = [(400, 220), (450, 260), (500, 240), (430, 300)];
        using var xfeat = TrackerFactory.Create(TrackerKind.XFeat, new TrackerOptions { XFeatModel = ModelFolder, Threads = 1 });
        using var track = xfeat.Start(a, pts);
        var got = track.Step(b);
        for (int i = 0; i < pts.Length; i++)
        {
            log.WriteLine($"point {i}: ({got[i].X:F1}, {got[i].Y:F1}) vis {got[i].Visibility:F2}, truth ({pts[i].X + 40}, {pts[i].Y - 28})");
        }
        int right = Enumerable.Range(0, pts.Length).Count(i => got[i].Visibility >= xfeat.VisibilityThreshold
            && Math.Abs(got[i].X - (pts[i].X + 40)) < 1 && Math.Abs(got[i].Y - (pts[i].Y - 28)) < 1);
        Assert.True(right >= 3, $"{right} of {pts.Length} points found at the shifted position");
    }
}

public class XFeatTrackScoreTests
{
    [MirrorFact]
    public void KeepsBlackswanPointsOnTheSwan()
    {
        // TrackScore@8 on one easy DAVIS sequence (6 windows x 8 points): every visible point must stay on the swan.
        string seq = "blackswan";
        using var frames = FrameSources.Open(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", seq));
        var all = frames.Read(0, frames.FrameCount).ToArray();
        using var xfeat = TrackerFactory.Create(TrackerKind.XFeat, new TrackerOptions { XFeatModel = Path.Combine(TestPaths.ModelMirror, "xfeat"), Threads = 1 });
        var r = new EdgeSam.Video.Trackers.Benchmark.TrackScore(8).Run(xfeat, all.Length, i => all[i],
            i => PngCodec.ReadMask(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, frames.FrameName(i) + ".png")));
        Assert.Equal(48, r.Points);
        Assert.Equal(1.0, r.Inside);
        Assert.True(r.VisibleShare >= 0.9, $"visible {r.VisibleShare}");
    }
}
