using EdgeSam.Video.Cli;
using Spectre.Console;

namespace EdgeSam.Video.Tests.Media;

public class BenchCommandTests
{
    private static async Task<(int Rc, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No,
        });
        int rc = await CliApp.RunAsync(args, new CliContext(console, error));
        return (rc, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Bench_decode_reports_rate_and_peak_rss()
    {
        var (rc, output, err) = await Run("bench", "decode", "--frames", "12", "--size", "64x48", "--start", "5");
        Assert.True(rc == 0, err);
        Assert.Contains("decoded    7 frames from frame 5", output);
        Assert.Contains("peak RSS", output);
    }

    [Fact]
    public async Task Bench_encode_times_each_codec()
    {
        var (rc, output, err) = await Run("bench", "encode", "--frames", "3", "--size", "32x16", "--codec", "H264", "ProRes4444");
        Assert.True(rc == 0, err);
        Assert.Contains("H264", output);
        Assert.Contains("ProRes4444", output);
        Assert.DoesNotContain("Vp9Alpha", output);
    }

    [Fact]
    public async Task Bench_decode_of_a_missing_input_is_one_error_line()
    {
        var (rc, _, err) = await Run("bench", "decode", "--input", "no/such/clip.mp4");
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.StartsWith("error: input not found: no/such/clip.mp4", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
