using System.Text.Json;
using EdgeSam.Video.Cli;
using Spectre.Console;

namespace EdgeSam.Video.Tests.Trackers;

public class TrackBenchCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args).GetAwaiter().GetResult();

    [MirrorFact]
    public void ScoresLkOnADavisSequenceAndWritesJson()
    {
        string dir = TestPaths.NewTempDir("trackbench");
        string json = Path.Combine(dir, "lk.json");
        var (code, output, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--horizon", "8", "--tracker", "lk", "--json", json);
        Assert.True(code == 0, err);
        Assert.Contains("car-shadow", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = doc.RootElement;
        Assert.Equal("lk", root.GetProperty("tracker").GetString());
        Assert.Equal(8, root.GetProperty("horizon").GetInt32());
        // car-shadow has 40 frames: windows start at 0, 8, 16, 24 (32 + 8 is past the end) -> 4 x 8 points.
        Assert.Equal(32, root.GetProperty("points").GetInt32());
        double inside = root.GetProperty("inside").GetDouble(), visible = root.GetProperty("visible").GetDouble();
        Assert.InRange(inside, 0.9, 1.0); // a slow, rigid car: LK keeps its points on it
        Assert.InRange(visible, 0.3, 1.0);
        double allInside = root.GetProperty("all_inside").GetDouble();
        Assert.InRange(allInside, 0.0, 1.0);
        // every visible point inside is also counted among all points inside
        Assert.True(allInside * 32 >= root.GetProperty("visible_inside_points").GetInt32() - 1e-9);
        Assert.True(root.GetProperty("ms_per_frame").GetDouble() > 0);
        JsonElement seq = root.GetProperty("sequences").GetProperty("car-shadow");
        Assert.Equal(inside, seq.GetProperty("inside").GetDouble());
        Assert.Equal(inside, root.GetProperty("trackers").GetProperty("lk").GetProperty("inside").GetDouble());
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));
    }

    [MirrorFact]
    public void PointsCsvHoldsOneRowPerPointConsistentWithTheJson()
    {
        string dir = TestPaths.NewTempDir("trackbench-csv");
        string json = Path.Combine(dir, "lk.json"), csv = Path.Combine(dir, "points.csv");
        var (code, output, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--tracker", "lk", "--json", json, "--points-csv", csv);
        Assert.True(code == 0, err);
        Assert.Contains("reference: a rigid translation", output);
        string[] lines = File.ReadAllLines(csv);
        string[] header = lines[0].Split(',');
        Assert.Equal(Cli.Commands.TrackBench.TrackBenchCommand.PointsCsvHeader, lines[0]);
        string[][] rows = [.. lines.Skip(1).Select(l => l.Split(','))];
        Assert.Equal(32, rows.Length);
        Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
        int Col(string name) => Array.IndexOf(header, name);
        Assert.All(rows, r => { Assert.Equal("lk", r[Col("tracker")]); Assert.Equal("car-shadow", r[Col("sequence")]); });
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = doc.RootElement;
        Assert.Equal(root.GetProperty("visible_points").GetInt32(), rows.Count(r => r[Col("visible")] == "1"));
        Assert.Equal(root.GetProperty("visible_inside_points").GetInt32(), rows.Count(r => r[Col("visible")] == "1" && r[Col("inside")] == "1"));
        Assert.Equal(root.GetProperty("all_inside").GetDouble(), rows.Count(r => r[Col("inside")] == "1") / 32.0, 5);
        // Inside points are at distance 0; outside ones at a positive distance or beyond the searched range (empty).
        Assert.All(rows, r => Assert.True(r[Col("inside")] == "1" ? r[Col("mask_distance")] == "0" : r[Col("mask_distance")] != "0"));
        Assert.Equal([0, 8, 16, 24], rows.Select(r => int.Parse(r[Col("start_frame")], System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order());
        Assert.InRange(root.GetProperty("centroid_reference_inside").GetDouble(), 0.0, 1.0);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));

        (code, _, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--points-csv", Path.Combine(dir, "missing", "p.csv"));
        Assert.Equal(2, code);
        Assert.Contains("folder for --points-csv does not exist", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [MirrorFact]
    public void LostMotionOptionsAreParsedAndCheckedInOneLine()
    {
        var (code, _, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--lost-motion", "sideways");
        Assert.Equal(2, code);
        Assert.Contains("--lost-motion 'sideways'", err);
        Assert.Single(err.Trim().Split('\n'));

        (code, _, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--dense-reacquire", "maybe");
        Assert.Equal(2, code);
        Assert.Contains("--dense-reacquire 'maybe' is not on or off", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [MirrorFact]
    public void BadInputIsOneLineAndExitTwo()
    {
        var (code, _, err) = Run("track-bench", "davis", "--root", TestPaths.NewTempDir("notdavis"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Trim().Split('\n'));

        (code, _, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--tracker", "sift");
        Assert.Equal(2, code);
        Assert.Contains("unknown tracker 'sift'", err);

        (code, _, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--sequences", "no-such-sequence");
        Assert.Equal(2, code);
        Assert.Contains("no-such-sequence", err);

        (code, _, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--horizon", "0");
        Assert.Equal(2, code);
        Assert.Contains("--horizon", err);

        // car-shadow has 40 annotated frames: a horizon of 40 leaves no (t, t+h) pair to score.
        (code, _, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--horizon", "40");
        Assert.Equal(2, code);
        Assert.Contains("--horizon 40 leaves no window to score: the longest sequence has 40 annotated frames", err);
        Assert.Single(err.Trim().Split('\n'));

        foreach (string bad in new[] { "0", "1.5", "-0.2" })
        {
            (code, _, err) = Run("track-bench", "davis", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--visibility-threshold", bad);
            Assert.Equal(2, code);
            Assert.StartsWith("error: visibility threshold", err);
            Assert.Single(err.Trim().Split('\n'));
        }
    }
}
