using System.CommandLine;
using System.Globalization;
using EdgeSam.Video.Evaluation;
using Spectre.Console;
using EdgeSam.Video.Datasets;

namespace EdgeSam.Video.Cli.Commands.Eval;

/// <summary><c>edgesam-video eval davis</c>: the DAVIS semi-supervised J/F evaluation (official toolkit arithmetic).</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext ctx)
    {
        var eval = new Command("eval", "Score segmentation results against a benchmark's ground truth.");
        eval.Add(CreateDavis(ctx));
        eval.Add(EvalReviewCommand.Create(ctx));
        return eval;
    }

    internal static Option<int> YearOption() => new("--year")
    {
        Description = "DAVIS release: 2016 (one object, nonzero = object) or 2017 (palette ids, 255 void).",
        DefaultValueFactory = _ => 2017,
    };

    internal static Option<int> ThreadsOption() => new("--threads")
    {
        Description = "Worker threads (frames are scored in parallel).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    internal static DavisYear ParseYear(int year) => year switch
    {
        2016 => DavisYear.Davis2016,
        2017 => DavisYear.Davis2017,
        _ => throw new EdgeSamException($"--year {year} is not supported; use 2016 or 2017."),
    };

    private static Command CreateDavis(CliContext ctx)
    {
        var root = new Option<string>("--root") { Description = "DAVIS root (holds Annotations/480p and ImageSets).", Required = true };
        var results = new Option<string>("--results") { Description = "Results folder: <results>/<sequence>/<frame>.png (palette or grey ids).", Required = true };
        var year = YearOption();
        var sequences = new Option<string?>("--sequences") { Description = "Comma-separated sequence names (default: the year's val ImageSet)." };
        var json = new Option<string?>("--json") { Description = "Write global, per-object and per-frame scores as JSON." };
        var plot = new Option<string?>("--plot") { Description = "Write per-object J/F bars as .svg or .png." };
        var threads = ThreadsOption();
        var cmd = new Command("davis", "DAVIS 2016/2017 semi-supervised J&F (reproduces davis2017-evaluation).");
        foreach (Option o in new Option[] { root, results, year, sequences, json, plot, threads }) cmd.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            string? seqs = r.GetValue(sequences);
            var settings = new EvalDavisSettings(
                r.GetValue(root)!, r.GetValue(results)!, ParseYear(r.GetValue(year)),
                NameList.SplitOrNull(seqs),
                r.GetValue(json), r.GetValue(plot), r.GetValue(threads));
            return Task.FromResult(Run(settings, ctx, ct));
        });
        return cmd;
    }

    internal static int Run(EvalDavisSettings s, CliContext ctx, CancellationToken ct)
    {
        if (s.Threads < 1) throw new EdgeSamException($"--threads {s.Threads} must be at least 1.");
        if (s.Plot != null && !(s.Plot.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) || s.Plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase)))
            throw new EdgeSamException($"--plot {s.Plot} must end in .svg or .png.");
        var options = new DavisEvalOptions { Year = s.Year, Sequences = s.Sequences, MaxDegreeOfParallelism = s.Threads };
        DavisEvaluation e = DavisFolderEvaluation.Evaluate(s.Root, s.Results, options, ct);

        var table = new Table().Title($"DAVIS {DavisYears.Number(s.Year)} val, semi-supervised ({e.Objects.Count} objects)");
        table.AddColumn("Sequence");
        table.AddColumn(new TableColumn("J-Mean").RightAligned());
        table.AddColumn(new TableColumn("F-Mean").RightAligned());
        table.AddColumn(new TableColumn("J&F").RightAligned());
        foreach (ObjectScores o in e.Objects)
            table.AddRow(Markup.Escape(o.Key), F(o.JStatistics.Mean), F(o.FStatistics.Mean), F(o.JFMean));
        ctx.Console.Write(table);

        GlobalScores g = e.Global;
        var global = new Table().Title("Global");
        foreach (string c in new[] { "J&F-Mean", "J-Mean", "J-Recall", "J-Decay", "F-Mean", "F-Recall", "F-Decay" })
            global.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        global.AddRow(F(g.JFMean), F(g.JMean), F(g.JRecall), F(g.JDecay), F(g.FMean), F(g.FRecall), F(g.FDecay));
        ctx.Console.Write(global);

        if (s.Json != null)
        {
            e.WriteJson(s.Json);
            ctx.Console.WriteLine($"wrote {s.Json}");
        }
        if (s.Plot != null)
        {
            DavisScorePlot.Write(e, s.Plot);
            ctx.Console.WriteLine($"wrote {s.Plot}");
        }
        return 0;
    }

    private static string F(double v) => double.IsNaN(v) ? "nan" : v.ToString("0.000", CultureInfo.InvariantCulture);
}
