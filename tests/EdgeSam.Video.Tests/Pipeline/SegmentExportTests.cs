using System.Text.Json;
using EdgeSam.Video.Cli;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary><c>segment --export</c> writes the compositing exports from the finished masks.</summary>
public class SegmentExportTests
{
    [MirrorFact]
    public async Task Segment_with_export_writes_svg_frames_and_json_shapes()
    {
        const string seq = "blackswan";
        string input = SegmentCommandTests.FirstFrames(seq, 4);
        string outDir = TestPaths.NewTempDir("seg-export");
        string mask = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, "00000.png");
        var (ctx, _, stderr) = SegmentCommandTests.Context();

        int rc = await CliApp.RunAsync(["segment", input, "--mask", mask, "--out", outDir, "--segmenter", "graphcut",
            "--no-preview", "--export", "svg", "json"], ctx);

        Assert.True(rc == 0, $"exit {rc}: {stderr}");
        string export = Path.Combine(outDir, "export");
        string[] svgs = Directory.GetFiles(export, "*.svg", SearchOption.AllDirectories);
        Assert.Equal(4, svgs.Length);
        Assert.All(svgs, f => Assert.Contains("<path", File.ReadAllText(f)));
        string json = Assert.Single(Directory.GetFiles(export, "*_shapes.json"));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
    }

    [Fact]
    public async Task Unknown_export_format_is_rejected()
    {
        var (ctx, _, stderr) = SegmentCommandTests.Context();
        int rc = await CliApp.RunAsync(["segment", "x.mp4", "--points", "1,1,+", "--out", "o", "--export", "psd"], ctx);
        Assert.NotEqual(0, rc);
        Assert.Contains("psd", stderr.ToString());
    }
}
