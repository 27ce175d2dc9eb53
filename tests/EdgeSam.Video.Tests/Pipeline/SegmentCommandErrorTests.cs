using EdgeSam.Video.Cli;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>Bad input to <c>segment</c> ends with one clear line and exit code 2, and leaves no output that looks complete.</summary>
public class SegmentCommandErrorTests
{
    internal static string Frames(int n)
    {
        string dir = TestPaths.NewTempDir("segframes");
        var clip = new SyntheticClip(96, 64, n);
        for (int t = 0; t < n; t++) PngCodec.WriteRgb(Path.Combine(dir, $"{t:D5}.png"), clip.Render(t));
        return dir;
    }

    internal static async Task<(int Rc, string Err)> Run(params string[] args)
    {
        var (ctx, _, err) = SegmentCommandTests.Context();
        int rc = await CliApp.RunAsync(args, ctx);
        return (rc, err.ToString());
    }

    [Fact]
    public async Task BadPrompts_AreOneLineErrors()
    {
        string input = Frames(3), outDir = TestPaths.NewTempDir("segerr");
        string smallMask = Path.Combine(outDir, "small.png");
        PngCodec.WriteMask(smallMask, new SyntheticClip(32, 32, 1).TruthMask(0));
        string emptyMask = Path.Combine(outDir, "empty.png");
        PngCodec.WriteMask(emptyMask, new Mask(96, 64));
        string badJson = Path.Combine(outDir, "bad.json");
        File.WriteAllText(badJson, "[\n  {\"frame\": 0, \"points\": [[10, 10, 1]]}\n  {\"frame\": 1}\n]\n");

        var cases = new (string[] Args, string Expected)[]
        {
            (["segment", input, "--out", outDir], "segment needs a prompt"),
            (["segment", input, "--out", outDir, "--mask", smallMask, "--points", "10,10,+"], "--mask cannot be combined"),
            (["segment", input, "--out", outDir, "--prompt", "frame=7;points=10,10,+"], "--prompt 1: frame 7 is outside the video, which has frames 0..2"),
            (["segment", input, "--out", outDir, "--prompt", "frame=0;colour=red"], "is not understood"),
            (["segment", input, "--out", outDir, "--prompt", "frame=0;points=10,10,*"], "is not 'x,y,+' or 'x,y,-'"),
            (["segment", input, "--out", outDir, "--prompts", badJson], "malformed JSON at line 3, column"),
            (["segment", input, "--out", outDir, "--prompts", Path.Combine(outDir, "none.json")], "prompt file not found"),
            (["segment", input, "--out", outDir, "--add", "--prompt", "frame=1;points=10,10,+"], "holds no stored session"),
            (["segment", input, "--out", outDir, "--points", "10,10"], "is not 'x,y,+'"),
            (["segment", input, "--out", outDir, "--points", "10,10,-"], "no positive point"),
            (["segment", input, "--out", outDir, "--points", "500,10,+", "--segmenter", "graphcut"], "lies outside the 96x64 frame"),
            (["segment", input, "--out", outDir, "--box", "5,5,2,9"], "is empty"),
            (["segment", input, "--out", outDir, "--mask", smallMask, "--segmenter", "graphcut"], "is 32x32 but the video is 96x64"),
            (["segment", input, "--out", outDir, "--mask", emptyMask, "--segmenter", "graphcut"], "is empty"),
            (["segment", input, "--out", outDir, "--mask", Path.Combine(outDir, "none.png")], "mask not found"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--frame", "3", "--segmenter", "graphcut"], "--frame 3 is outside"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--object", "255"], "--object 255 is out of range"),
            (["segment", Path.Combine(outDir, "missing"), "--out", outDir, "--points", "48,32,+"], "input not found"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--lost-motion", "sideways"], "unknown --lost-motion 'sideways'"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--dense-reacquire", "maybe"], "--dense-reacquire 'maybe' is not on or off"),
            (["segment", input, "--out", smallMask, "--points", "48,32,+", "--segmenter", "graphcut"], "is a file; give a folder"),
            (["segment", input, "--out", Path.Combine(smallMask, "sub"), "--points", "48,32,+", "--segmenter", "graphcut"], "the folder cannot be created"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--encoder-threads", "0"], "--encoder-threads 0 is out of range"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--decoder-threads", "300"], "--decoder-threads 300 is out of range"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--encoder-workers", "0"], "--encoder-workers 0 is out of range"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--restarts", "0"], "--restarts 0 is out of range"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--restarts", "65"], "--restarts 65 is out of range"),
            (["segment", input, "--out", outDir, "--points", "48,32,+", "--parallel-runs", "0"], "--parallel-runs 0 is out of range"),
        };
        foreach (var (args, expected) in cases)
        {
            var (rc, err) = await Run(args);
            Assert.True(rc == CliApp.ExitUserError, $"{string.Join(' ', args)} -> {rc}: {err}");
            Assert.Contains(expected, err);
            Assert.StartsWith("error: ", err);
            Assert.Single(err.TrimEnd().Split('\n'));
        }
        Assert.False(Directory.Exists(Path.Combine(outDir, "masks")));
    }

}

/// <summary>Changes process environment variables, so it runs alone.</summary>
[CollectionDefinition(nameof(EdgeSamMissingTests), DisableParallelization = true)]
public sealed class EdgeSamMissingCollection;

[Collection(nameof(EdgeSamMissingTests))]
public class EdgeSamMissingTests
{
    [Fact]
    public async Task SegmenterEdgeSam_WithoutModels_FailsWithTheDownloadHint()
    {
        string input = SegmentCommandErrorTests.Frames(2);
        string outDir = TestPaths.NewTempDir("segedge");
        string cache = TestPaths.NewTempDir("empty-cache");
        string? oldCache = Environment.GetEnvironmentVariable("EDGESAM_MODEL_CACHE"), oldMirror = Environment.GetEnvironmentVariable("EDGESAM_MODEL_MIRROR");
        Environment.SetEnvironmentVariable("EDGESAM_MODEL_CACHE", cache);
        Environment.SetEnvironmentVariable("EDGESAM_MODEL_MIRROR", null);
        try
        {
            var (rc, err) = await SegmentCommandErrorTests.Run("segment", input, "--out", outDir, "--points", "48,32,+", "--segmenter", "edgesam");
            Assert.Equal(CliApp.ExitUserError, rc);
            Assert.Contains("EdgeSAM is not available", err);
            Assert.Contains("models fetch", err);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDGESAM_MODEL_CACHE", oldCache);
            Environment.SetEnvironmentVariable("EDGESAM_MODEL_MIRROR", oldMirror);
        }
    }
}
