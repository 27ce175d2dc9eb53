using System.Text.Json;
using EdgeSam.Video.Cli;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using Spectre.Console;
using EdgeSam.Video.Datasets;

namespace EdgeSam.Video.Tests.Evaluation;

public class DavisFolderEvaluationTests
{
    private static (int Code, string Out, string Err) RunCli(params string[] args)
    {
        var outWriter = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(outWriter),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        var err = new StringWriter();
        int code = CliApp.RunAsync(args, new CliContext(console, err)).GetAwaiter().GetResult();
        return (code, outWriter.ToString(), err.ToString());
    }

    /// <summary>A results folder holding copies of the 2016 ground truth of the given sequences (0/255 grey PNGs).</summary>
    private static string CopyGroundTruthAsResults(params string[] sequences)
    {
        string dir = TestPaths.NewTempDir("eval-res");
        foreach (string seq in sequences)
        {
            string src = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq);
            Directory.CreateDirectory(Path.Combine(dir, seq));
            foreach (string f in Directory.GetFiles(src, "*.png"))
                File.Copy(f, Path.Combine(dir, seq, Path.GetFileName(f)));
        }
        return dir;
    }

    [MirrorFact]
    public void Cli_eval_davis_2016_prints_tables_and_writes_json_and_plots()
    {
        string res = CopyGroundTruthAsResults("car-shadow", "motocross-jump");
        string json = Path.Combine(res, "scores.json"), svg = Path.Combine(res, "plot.svg"), png = Path.Combine(res, "plot.png");
        var (code, output, err) = RunCli("eval", "davis", "--root", TestPaths.Davis2016, "--results", res, "--year", "2016",
            "--sequences", "car-shadow,motocross-jump", "--json", json, "--plot", svg, "--threads", "2");
        Assert.True(code == 0, err);
        Assert.Contains("car-shadow_1", output);
        Assert.Contains("J&F-Mean", output);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement g = doc.RootElement.GetProperty("global");
        foreach (string k in new[] { "J&F-Mean", "J-Mean", "J-Recall", "F-Mean", "F-Recall" })
            Assert.Equal(1.0, g.GetProperty(k).GetDouble());
        Assert.Equal(0.0, g.GetProperty("J-Decay").GetDouble());
        JsonElement po = doc.RootElement.GetProperty("per_object");
        Assert.Equal(["car-shadow_1", "motocross-jump_1"], po.EnumerateObject().Select(p => p.Name));
        Assert.Equal(6, po.GetProperty("car-shadow_1").EnumerateObject().Count());
        JsonElement pf = doc.RootElement.GetProperty("per_frame").GetProperty("car-shadow_1");
        Assert.Equal(38, pf.GetProperty("J").GetArrayLength()); // 40 frames minus the first and the last
        Assert.Equal("00001", pf.GetProperty("frames")[0].GetString());

        string svgText = File.ReadAllText(svg);
        Assert.StartsWith("<svg", svgText);
        Assert.Contains("motocross-jump_1", svgText);

        (code, _, err) = RunCli("eval", "davis", "--root", TestPaths.Davis2016, "--results", res, "--year", "2016",
            "--sequences", "car-shadow", "--plot", png);
        Assert.True(code == 0, err);
        PngImage plot = PngCodec.Read(png);
        Assert.Equal(PngColorType.Rgb, plot.ColorType);
    }

    [MirrorFact]
    public void Missing_extra_and_resized_result_frames_are_one_line_errors_naming_sequence_and_frame()
    {
        string res = CopyGroundTruthAsResults("car-shadow");
        string[] common = ["eval", "davis", "--root", TestPaths.Davis2016, "--results", res, "--year", "2016", "--sequences", "car-shadow"];

        File.Move(Path.Combine(res, "car-shadow", "00017.png"), Path.Combine(res, "00017.png.bak"));
        var (code, _, err) = RunCli(common);
        Assert.Equal(CliApp.ExitUserError, code);
        Assert.Contains("car-shadow/00017.png", err);
        Assert.Contains("missing", err);
        Assert.Single(err.TrimEnd().Split('\n'));
        File.Move(Path.Combine(res, "00017.png.bak"), Path.Combine(res, "car-shadow", "00017.png"));

        File.Copy(Path.Combine(res, "car-shadow", "00003.png"), Path.Combine(res, "car-shadow", "00040.png"));
        (code, _, err) = RunCli(common);
        Assert.Equal(CliApp.ExitUserError, code);
        Assert.Contains("extra result frame car-shadow/00040.png", err);
        File.Delete(Path.Combine(res, "car-shadow", "00040.png"));

        PngCodec.WriteGray(Path.Combine(res, "car-shadow", "00005.png"), 427, 240, new byte[427 * 240]);
        (code, _, err) = RunCli(common);
        Assert.Equal(CliApp.ExitUserError, code);
        Assert.Contains("car-shadow/00005", err);
        Assert.Contains("427x240", err);

        (code, _, err) = RunCli(["eval", "davis", "--root", TestPaths.Davis2016, "--results", res, "--year", "2015"]);
        Assert.Equal(CliApp.ExitUserError, code);
        Assert.Contains("--year 2015", err);

        (code, _, err) = RunCli(["eval", "davis", "--root", TestPaths.Davis2016, "--results", res, "--year", "2016", "--sequences", "../car-shadow"]);
        Assert.Equal(CliApp.ExitUserError, code);
        Assert.Contains("not a valid sequence name", err);

        // The 2016 root has no 2017 ImageSet: say so, and suggest the other year.
        (code, _, err) = RunCli(["eval", "davis", "--root", TestPaths.Davis2016, "--results", res]);
        Assert.Equal(CliApp.ExitUserError, code);
        Assert.Contains("--year 2016", err);
    }

    [Fact]
    public void Davis2017_folder_scores_each_object_with_void_as_background_and_absent_objects_as_empty()
    {
        // A synthetic 2017 sequence: 7 frames of 96x64, objects 1 and 2 moving, a void band, palette PNGs.
        const int w = 96, h = 64, n = 7;
        string root = TestPaths.NewTempDir("davis17");
        string res = Path.Combine(root, "res");
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "2017"));
        File.WriteAllText(Path.Combine(root, "ImageSets", "2017", "val.txt"), "synth\n");
        string gtDir = Path.Combine(root, "Annotations", "480p", "synth");
        Directory.CreateDirectory(gtDir);
        Directory.CreateDirectory(Path.Combine(res, "synth"));
        var rng = new Random(3);
        var gts = new List<LabelMap>();
        var preds = new List<LabelMap>();
        for (int k = 0; k < n; k++)
        {
            var gt = new LabelMap(w, h);
            var pred = new LabelMap(w, h);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x;
                    if (x >= 10 + k && x < 40 + k && y >= 8 && y < 30) gt.Data[i] = 1;
                    if ((x - 60) * (x - 60) + (y - 40 + k) * (y - 40 + k) < 150) gt.Data[i] = 2;
                    if (x == 40 + k && y >= 5 && y < 35) gt.Data[i] = LabelMap.Void; // void next to object 1
                    // Prediction: object 1 shifted by 2 px; object 2 only in even frames.
                    if (x >= 12 + k && x < 42 + k && y >= 8 && y < 31) pred.Data[i] = 1;
                    if (k % 2 == 0 && (x - 61) * (x - 61) + (y - 40 + k) * (y - 40 + k) < 140) pred.Data[i] = 2;
                }
            for (int t = 0; t < 30; t++) pred.Data[rng.Next(w * h)] = 0;
            gts.Add(gt);
            preds.Add(pred);
            PngCodec.WriteLabels(Path.Combine(gtDir, $"{k:00000}.png"), gt);
            PngCodec.WriteLabels(Path.Combine(res, "synth", $"{k:00000}.png"), pred);
        }

        DavisEvaluation e = DavisFolderEvaluation.Evaluate(root, res, new DavisEvalOptions { Year = DavisYear.Davis2017 });
        Assert.Equal(["synth_1", "synth_2"], e.Objects.Select(o => o.Key));
        int r = DavisMetrics.BoundaryRadius(w, h);
        foreach (ObjectScores o in e.Objects)
        {
            var j = new double[n - 2];
            var f = new double[n - 2];
            for (int k = 1; k < n - 1; k++)
            {
                Mask g = Binary(gts[k], o.ObjectId), p = Binary(preds[k], o.ObjectId);
                j[k - 1] = DavisMetricsReference.J(g, p);
                f[k - 1] = DavisMetricsReference.F(g, p, r);
                Assert.Equal(j[k - 1], o.J[k - 1], 15);
                Assert.Equal(f[k - 1], o.F[k - 1], 15);
            }
            Assert.Equal(DavisMetrics.Statistics(j), o.JStatistics);
            Assert.Equal(DavisMetrics.Statistics(f), o.FStatistics);
        }
        Assert.Equal((e.Objects[0].JStatistics.Mean + e.Objects[1].JStatistics.Mean) / 2, e.Global.JMean, 15);

        // An id above the first frame's object count is an error naming the frame.
        LabelMap bad = preds[3];
        bad.Data[0] = 3;
        PngCodec.WriteLabels(Path.Combine(res, "synth", "00003.png"), bad);
        var ex = Assert.Throws<EdgeSamException>(() => DavisFolderEvaluation.Evaluate(root, res, new DavisEvalOptions()));
        Assert.Contains("synth/00003", ex.Message);
        Assert.Contains("object id 3", ex.Message);
    }

    [MirrorFact]
    public void Bench_eval_reports_wall_cpu_and_ratio()
    {
        var (code, output, err) = RunCli("bench", "eval", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--runs", "1", "--threads", "2");
        Assert.True(code == 0, err);
        Assert.Contains("38 object-frames", output);
        Assert.Contains("PNG decoding", output);
        Assert.Contains("J&F-Mean 1.000000", output);
        // The default reference was timed on all 10 sequences: no ratio for one of them unless a reference is given.
        Assert.Contains("no ratio", output);
        Assert.DoesNotContain("x the reference", output);

        (code, output, err) = RunCli("bench", "eval", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--runs", "1", "--baseline-seconds", "2");
        Assert.True(code == 0, err);
        Assert.Contains("x the reference's 2 s", output);

        (code, _, err) = RunCli("bench", "eval", "--root", TestPaths.Davis2016, "--sequences", "car-shadow", "--baseline-seconds", "0");
        Assert.Equal(CliApp.ExitUserError, code);
        Assert.Contains("--baseline-seconds 0 must be a positive", err);
    }

    [MirrorFact]
    public void Results_are_the_same_for_any_thread_count()
    {
        string res = Path.Combine(TestPaths.Shared, "reference", "davis-eval", "osvos-davis2017-val");
        var seqs = new[] { "libby", "dog" };
        DavisEvaluation one = DavisFolderEvaluation.Evaluate(TestPaths.Davis2016, res, new DavisEvalOptions { Year = DavisYear.Davis2016, Sequences = seqs, MaxDegreeOfParallelism = 1 });
        DavisEvaluation three = DavisFolderEvaluation.Evaluate(TestPaths.Davis2016, res, new DavisEvalOptions { Year = DavisYear.Davis2016, Sequences = seqs, MaxDegreeOfParallelism = 3 });
        Assert.Equal(one.ToJson(), three.ToJson());
        Assert.Equal(["libby", "dog"], one.Sequences);
    }

    private static Mask Binary(LabelMap m, int id)
    {
        var b = new Mask(m.Width, m.Height);
        for (int i = 0; i < m.Data.Length; i++) b.Data[i] = m.Data[i] == id ? (byte)1 : (byte)0;
        return b;
    }
}
