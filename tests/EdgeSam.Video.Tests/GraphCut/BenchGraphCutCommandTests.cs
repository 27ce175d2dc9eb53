using System.Text.Json;
using EdgeSam.Video.Cli;
using Spectre.Console;

namespace EdgeSam.Video.Tests.GraphCut;

public class BenchGraphCutCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args).GetAwaiter().GetResult();

    [MirrorFact]
    public void ScoresADavisSequenceAndWritesJson()
    {
        string dir = TestPaths.NewTempDir("gcbench");
        string json = Path.Combine(dir, "gc.json");
        var (code, output, err) = Run("bench", "graphcut", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--every", "20", "--json", json);
        Assert.True(code == 0, err);
        Assert.Contains("car-shadow", output);
        Assert.Contains("mean IoU", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("frames").GetInt32()); // 40 frames: 0 and 20
        double iou = root.GetProperty("mean_iou").GetDouble();
        Assert.InRange(iou, 0.6, 1.0);
        Assert.Equal(iou, root.GetProperty("sequences").GetProperty("car-shadow").GetProperty("mean_iou").GetDouble());
        Assert.True(root.GetProperty("ms_per_frame_wall_median").GetDouble() > 0);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));
    }

    [MirrorFact]
    public void BadInputIsOneLineAndExitTwo()
    {
        var (code, _, err) = Run("bench", "graphcut", "--root", TestPaths.NewTempDir("notdavis"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Trim().Split('\n'));

        (code, _, err) = Run("bench", "graphcut", "--root", TestPaths.Davis2016, "--every", "0");
        Assert.Equal(2, code);
        Assert.Contains("--every", err);

        (code, _, err) = Run("bench", "graphcut", "--root", TestPaths.Davis2016, "--sequences", "no-such-sequence");
        Assert.Equal(2, code);
        Assert.Contains("no-such-sequence", err);

        (code, _, err) = Run("bench-graphcut", "--root", TestPaths.Davis2016, "--json", "/no/such/dir/x.json");
        Assert.Equal(2, code);
        Assert.Contains("--json", err);
    }

    [MirrorFact]
    public void TheEarlierTopLevelNameStillRunsButIsNotListed()
    {
        // Scripts written against the top-level `bench-graphcut` keep working; help lists only `bench graphcut`.
        var (code, _, err) = Run("bench-graphcut", "--root", TestPaths.Davis2016, "--every", "0");
        Assert.Equal(2, code);
        Assert.Contains("--every", err);

        var (helpCode, help, _) = Run("--help");
        Assert.Equal(0, helpCode);
        Assert.DoesNotContain("bench-graphcut", help);
        var (benchCode, benchHelp, _) = Run("bench", "--help");
        Assert.Equal(0, benchCode);
        Assert.Contains("graphcut", benchHelp);
    }
}
