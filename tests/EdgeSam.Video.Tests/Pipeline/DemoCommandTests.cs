using EdgeSam.Video.Cli;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Pipeline;

public class DemoCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Demo_GeneratedClip_WritesViewableOutput_AndFollowsTheObject()
    {
        string outDir = TestPaths.NewTempDir("demo");
        var (ctx, stdout, stderr) = SegmentCommandTests.Context();
        int rc = await CliApp.RunAsync(["demo", "--synthetic", "--frames", "16", "--out", outDir], ctx);
        output.WriteLine(stdout.ToString());
        Assert.True(rc == 0, $"exit {rc}: {stderr}");
        Assert.Contains("J (IoU)", stdout.ToString());
        Assert.Contains(Path.GetFullPath(Path.Combine(outDir, "preview.mp4")), stdout.ToString());
        Assert.True(new FileInfo(Path.Combine(outDir, "preview.mp4")).Length > 1000);
        // The masks on disk match the generated clip's exact masks.
        var clip = new SyntheticClip(frames: 16);
        for (int t = 1; t < 16; t++)
        {
            LabelMap labels = PngCodec.ReadLabels(Path.Combine(outDir, "masks", t.ToString("D5") + ".png"));
            Assert.True(DavisMetrics.Jaccard(clip.TruthMask(t), labels.MaskOf(1)) > 0.9, $"frame {t}");
        }
    }

    [Fact]
    public async Task Demo_OnAnInteractiveConsole_DrawsTheProgressBar()
    {
        var outText = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Ansi = Spectre.Console.AnsiSupport.Yes,
            Interactive = Spectre.Console.InteractionSupport.Yes,
            Out = new Spectre.Console.AnsiConsoleOutput(outText),
        });
        var err = new StringWriter();
        int rc = await CliApp.RunAsync(["demo", "--synthetic", "--frames", "4", "--out", TestPaths.NewTempDir("demo-tty")], new CliContext(console, err));
        Assert.True(rc == 0, err.ToString());
        Assert.Contains("100%", outText.ToString());
        Assert.Contains("J (IoU)", outText.ToString());
    }

    [MirrorFact]
    public void FindsTheDavisMirrorBesideTheClone() =>
        Assert.Equal(Path.GetFullPath(TestPaths.Davis2016), Cli.Commands.Demo.DemoCommand.FindDavis2016());
}
