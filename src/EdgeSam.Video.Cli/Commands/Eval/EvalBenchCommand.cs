using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeSam.Video.Evaluation;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Eval;

/// <summary>
/// <c>edgesam-video bench eval</c>: wall time of the full DAVIS evaluation (PNG decoding included), median of
/// several runs after one warm-up, and its ratio to the official Python toolkit's time on the same data.
/// </summary>
internal static class EvalBenchCommand
{
    /// <summary>The official toolkit's measured time for the 10 mirrored DAVIS 2016 val sequences on this machine.</summary>
    public const double OfficialToolkitSeconds = 16.0;

    public static Command Create(CliContext ctx)
    {
        var root = new Option<string>("--root") { Description = "DAVIS root (holds Annotations/480p and ImageSets).", Required = true };
        var results = new Option<string?>("--results") { Description = "Results folder (default: the ground truth itself, a gt_copy prediction)." };
        var year = EvalCommand.YearOption();
        year.DefaultValueFactory = _ => 2016;
        var runs = new Option<int>("--runs") { Description = "Timed runs (after one warm-up); the median is reported.", DefaultValueFactory = _ => 5 };
        var threads = EvalCommand.ThreadsOption();
        var baseline = new Option<double>("--baseline-seconds") { Description = "Reference time to compare with (the official toolkit).", DefaultValueFactory = _ => OfficialToolkitSeconds };
        var cmd = new Command("eval", "Time the DAVIS evaluation (median of runs, ratio to the official toolkit).");
        foreach (Option o in new Option[] { root, results, year, runs, threads, baseline }) cmd.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(new EvalBenchSettings(
            r.GetValue(root)!, r.GetValue(results), EvalCommand.ParseYear(r.GetValue(year)), r.GetValue(runs), r.GetValue(threads), r.GetValue(baseline)), ctx, ct)));
        return cmd;
    }

    internal static int Run(EvalBenchSettings s, CliContext ctx, CancellationToken ct)
    {
        if (s.Runs < 1) throw new EdgeSamException($"--runs {s.Runs} must be at least 1.");
        if (s.Threads < 1) throw new EdgeSamException($"--threads {s.Threads} must be at least 1.");
        string results = s.Results ?? Path.Combine(s.Root, "Annotations", "480p");
        var options = new DavisEvalOptions { Year = s.Year, MaxDegreeOfParallelism = s.Threads };
        var inv = CultureInfo.InvariantCulture;

        DavisEvaluation warm = DavisFolderEvaluation.Evaluate(s.Root, results, options, ct);
        int frames = warm.Objects.Sum(o => o.J.Count);
        var times = new double[s.Runs];
        for (int i = 0; i < s.Runs; i++)
        {
            ct.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            DavisFolderEvaluation.Evaluate(s.Root, results, options, ct);
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        double median = s.Runs % 2 == 1 ? times[s.Runs / 2] : (times[s.Runs / 2 - 1] + times[s.Runs / 2]) / 2;
        ctx.Console.WriteLine(string.Format(inv,
            "eval davis {0}: {1} sequences, {2} object-frames, {3} threads; runs {4}: median {5:0.000} s (min {6:0.000}, max {7:0.000}); {8:0.0} ms/frame; {9:0.0}x faster than the official toolkit ({10:0.#} s); J&F-Mean {11:0.000000}",
            (int)s.Year, warm.Sequences.Count, frames, s.Threads, s.Runs, median, times[0], times[^1],
            median * 1000 / Math.Max(1, frames), s.BaselineSeconds / median, s.BaselineSeconds, warm.Global.JFMean));
        return 0;
    }
}
