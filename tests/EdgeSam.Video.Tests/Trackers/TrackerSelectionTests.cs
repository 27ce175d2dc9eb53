using EdgeSam.Video.Cli;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Media;
using EdgeSam.Video.Models;
using EdgeSam.Video.Tests.Pipeline;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.Synthetic;

namespace EdgeSam.Video.Tests.Trackers;

/// <summary>
/// How <c>segment</c>/<c>run</c> find a tracker's weights: an explicit <c>--tracker-model</c>, else the user's export
/// saved in the model store under its manifest name (models/README.md promises both), and a weights-free tracker
/// refuses a model instead of ignoring it.
/// </summary>
public class TrackerSelectionTests
{
    private static ModelStore Store(string mirror) =>
        new(new ModelStoreOptions { CacheDirectory = TestPaths.NewTempDir("store-cache"), MirrorDirectory = mirror, AllowDownload = false });

    [Fact]
    public void Window_tracker_export_is_found_in_the_mirror_under_its_manifest_name()
    {
        string mirror = TestPaths.NewTempDir("store-mirror");
        var ex = Assert.Throws<EdgeSamException>(() => PipelineFactory.InstalledWindowTracker(Store(mirror)));
        Assert.Contains("cotracker_window.onnx", ex.Message);
        Assert.Contains("--tracker-model", ex.Message);

        Directory.CreateDirectory(Path.Combine(mirror, "trackers"));
        string model = SyntheticTrackerModels.Window(TestPaths.NewTempDir("window-src"), t: 4, w: 64, h: 48, dx: 1, dy: 0);
        File.Copy(model, Path.Combine(mirror, "trackers", "cotracker_window.onnx"));
        Assert.Equal(Path.Combine(mirror, "trackers", "cotracker_window.onnx"), PipelineFactory.InstalledWindowTracker(Store(mirror)));
    }

    [Fact]
    public void Tapir_pair_is_found_in_the_mirror_only_when_both_files_are_there()
    {
        string mirror = TestPaths.NewTempDir("store-mirror-tapir");
        string tapir = Path.Combine(mirror, "tapir");
        Directory.CreateDirectory(tapir);
        string pair = SyntheticTrackerModels.Tapir(TestPaths.NewTempDir("tapir-src"), r: 32, fixedN: 4, dx: 1, dy: 0);
        File.Copy(Path.Combine(pair, "tapir.onnx"), Path.Combine(tapir, "tapir.onnx"));

        var ex = Assert.Throws<EdgeSamException>(() => PipelineFactory.InstalledTapir(Store(mirror)));
        Assert.Contains("tapir_pointencoder.onnx was not found", ex.Message);

        File.Copy(Path.Combine(pair, "tapir_pointencoder.onnx"), Path.Combine(tapir, "tapir_pointencoder.onnx"));
        Assert.Equal(tapir, PipelineFactory.InstalledTapir(Store(mirror)));
    }

    [MirrorFact]
    public async Task Lk_with_a_tracker_model_is_a_one_line_error()
    {
        string input = SegmentCommandTests.FirstFrames("blackswan", 2);
        string outDir = TestPaths.NewTempDir("seg-lk-model");
        string model = SyntheticTrackerModels.Window(TestPaths.NewTempDir("lk-model"), t: 4, w: 64, h: 48, dx: 1, dy: 0);
        var (ctx, _, stderr) = SegmentCommandTests.Context();
        int rc = await CliApp.RunAsync(["segment", input, "--points", "400,240,+", "--out", outDir, "--segmenter", "graphcut",
            "--tracker", "lk", "--tracker-model", model], ctx);
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Contains("--tracker lk, which has no weights", stderr.ToString());
        Assert.Single(stderr.ToString().Trim().Split('\n'));
    }

    /// <summary>segment end to end with each ONNX tracker adapter (synthetic models of the contracts, translating every
    /// point by a constant step): the run completes and writes a mask per frame.</summary>
    [MirrorTheory]
    [InlineData("onnx-window")]
    [InlineData("tapir")]
    public async Task Segment_runs_with_the_onnx_tracker_adapters(string tracker)
    {
        const int frames = 5;
        string input = SegmentCommandTests.FirstFrames("blackswan", frames);
        string dir = TestPaths.NewTempDir("seg-onnx-tracker");
        string model = tracker == "tapir"
            ? SyntheticTrackerModels.Tapir(dir, r: 64, fixedN: 16, dx: 0, dy: 0)
            : SyntheticTrackerModels.Window(dir, t: 4, w: 64, h: 48, dx: 0, dy: 0);
        string outDir = TestPaths.NewTempDir("seg-onnx-tracker-out");
        string mask = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", "blackswan", "00000.png");
        var (ctx, _, stderr) = SegmentCommandTests.Context();
        int rc = await CliApp.RunAsync(["segment", input, "--mask", mask, "--out", outDir, "--segmenter", "graphcut",
            "--tracker", tracker, "--tracker-model", model, "--no-preview"], ctx);
        Assert.True(rc == 0, $"exit {rc}: {stderr}");
        for (int t = 0; t < frames; t++)
        {
            var m = PngCodec.ReadMask(Path.Combine(outDir, "masks", $"{t:D5}.png"));
            // Static synthetic tracks on a slow scene: the swan stays found (a third of its first-frame area at least).
            Assert.True(m.Area() > 0.33 * SegmentCommandTests.Truth("blackswan", "00000").Area(), $"{tracker} frame {t}: area {m.Area()}");
        }
    }

    /// <summary>--device reaches the ONNX trackers: without CUDA's libraries, asking for CUDA fails in one line naming
    /// the device and the missing library (before, the trackers silently ran on the CPU).</summary>
    [NoCudaTheory(NeedsMirror = true)]
    [InlineData(TrackerKind.XFeat)]
    [InlineData(TrackerKind.OnnxWindow)]
    [InlineData(TrackerKind.Tapir)]
    public void Onnx_trackers_open_their_sessions_on_the_asked_device(TrackerKind kind)
    {
        string dir = TestPaths.NewTempDir("tracker-device");
        var options = kind switch
        {
            TrackerKind.XFeat => new TrackerOptions { XFeatModel = Path.Combine(TestPaths.ModelMirror, "xfeat", "xfeat_320x224.onnx") },
            TrackerKind.OnnxWindow => new TrackerOptions { WindowModel = SyntheticTrackerModels.Window(dir, t: 4, w: 64, h: 48, dx: 1, dy: 0) },
            _ => new TrackerOptions { TapirModelDirectory = SyntheticTrackerModels.Tapir(dir, r: 32, fixedN: 4, dx: 1, dy: 0) },
        };
        using (TrackerFactory.Create(kind, options)) { }
        var e = Assert.ThrowsAny<EdgeSamException>(() => TrackerFactory.Create(kind, options with { Device = EdgeSam.Video.Onnx.ExecutionDevice.Cuda }).Dispose());
        Assert.StartsWith("ExecutionDevice.Cuda is unavailable: ", e.Message);
        Assert.Contains("libcublasLt.so.13", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [NoCudaFact(NeedsMirror = true)]
    public async Task Segment_device_applies_to_the_xfeat_tracker()
    {
        string input = SegmentCommandTests.FirstFrames("blackswan", 2);
        var (ctx, _, stderr) = SegmentCommandTests.Context();
        int rc = await CliApp.RunAsync(["segment", input, "--points", "400,240,+", "--out", TestPaths.NewTempDir("seg-xfeat-cuda"),
            "--segmenter", "graphcut", "--tracker", "xfeat", "--tracker-model", Path.Combine(TestPaths.ModelMirror, "xfeat", "xfeat_320x224.onnx"),
            "--device", "cuda"], ctx);
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Contains("ExecutionDevice.Cuda is unavailable: ", stderr.ToString());
        Assert.Contains("libcublasLt.so.13", stderr.ToString());
        Assert.Single(stderr.ToString().Trim().Split('\n'));
    }

    [MirrorTheory]
    [InlineData("lk", "--window-length", "8", "apply to --tracker onnx-window only")]
    [InlineData("onnx-window", "--window-size", "512by384", "--window-size '512by384' is not WxH")]
    public async Task Window_flags_are_checked(string tracker, string flag, string value, string says)
    {
        string input = SegmentCommandTests.FirstFrames("blackswan", 2);
        string model = SyntheticTrackerModels.Window(TestPaths.NewTempDir("win-flags"), t: 4, w: 64, h: 48, dx: 0, dy: 0);
        var (ctx, _, stderr) = SegmentCommandTests.Context();
        var args = new List<string> { "segment", input, "--points", "400,240,+", "--out", TestPaths.NewTempDir("seg-win-flags"),
            "--segmenter", "graphcut", "--tracker", tracker, flag, value };
        if (tracker == "onnx-window") args.AddRange(["--tracker-model", model]);
        int rc = await CliApp.RunAsync([.. args], ctx);
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Contains(says, stderr.ToString());
        Assert.Single(stderr.ToString().Trim().Split('\n'));
    }
}
