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
        var sequences = new Option<string?>("--sequences") { Description = "Comma-separated sequence names (default: the year's val ImageSet)." };
        var baseline = new Option<double?>("--baseline-seconds")
        {
            Description = $"Reference time to compare with (default: the official toolkit's {OfficialToolkitSeconds:0.#} s on the 10 mirrored DAVIS 2016 val sequences; with --sequences, no comparison unless given).",
        };
        var cmd = new Command("eval", "Time the DAVIS evaluation (median of runs, ratio to the official toolkit).");
        foreach (Option o in new Option[] { root, results, year, sequences, runs, threads, baseline }) cmd.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(new EvalBenchSettings(
            r.GetValue(root)!, r.GetValue(results), EvalCommand.ParseYear(r.GetValue(year)), NameList.SplitOrNull(r.GetValue(sequences)),
            r.GetValue(runs), r.GetValue(threads),
            // The default reference was timed on the whole mirrored set: a subset's time against it is no ratio at all.
            r.GetValue(baseline) ?? (r.GetValue(sequences) is null ? OfficialToolkitSeconds : null)), ctx, ct)));
        return cmd;
    }

    private static double Median(double[] v)
    {
        double[] s = (double[])v.Clone();
        Array.Sort(s);
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static double ReadLoadAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }

    internal static int Run(EvalBenchSettings s, CliContext ctx, CancellationToken ct)
    {
        if (s.Runs < 1) throw new EdgeSamException($"--runs {s.Runs} must be at least 1.");
        if (s.Threads < 1) throw new EdgeSamException($"--threads {s.Threads} must be at least 1.");
        if (s.BaselineSeconds is { } given && !(given > 0))
            throw new EdgeSamException($"--baseline-seconds {given.ToString(CultureInfo.InvariantCulture)} must be a positive number of seconds.");
        string results = s.Results ?? Path.Combine(s.Root, "Annotations", "480p");
        var options = new DavisEvalOptions { Year = s.Year, Sequences = s.Sequences, MaxDegreeOfParallelism = s.Threads };
        var inv = CultureInfo.InvariantCulture;

        DavisEvaluation warm = DavisFolderEvaluation.Evaluate(s.Root, results, options, ct);
        int frames = warm.Objects.Sum(o => o.J.Count);
        var wall = new double[s.Runs];
        var cpu = new double[s.Runs];
        int gen2 = GC.CollectionCount(2);
        using var process = Process.GetCurrentProcess();
        for (int i = 0; i < s.Runs; i++)
        {
            ct.ThrowIfCancellationRequested();
            process.Refresh();
            TimeSpan cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            DavisFolderEvaluation.Evaluate(s.Root, results, options, ct);
            wall[i] = sw.Elapsed.TotalSeconds;
            process.Refresh();
            cpu[i] = (process.TotalProcessorTime - cpu0).TotalSeconds;
        }
        gen2 = GC.CollectionCount(2) - gen2;

        // Breakdown: the same PNG reads without scoring, to show how much of the time is decoding.
        var inputs = DavisFolderEvaluation.Open(s.Root, results, options);
        var reads = inputs.SelectMany(q => Enumerable.Range(1, Math.Max(0, q.Frames.Count - 2)).Select(k => (q, k))).ToArray();
        process.Refresh();
        TimeSpan decode0 = process.TotalProcessorTime;
        Parallel.For(0, reads.Length, new ParallelOptions { MaxDegreeOfParallelism = s.Threads, CancellationToken = ct }, i =>
        {
            reads[i].q.GroundTruth(reads[i].k);
            reads[i].q.Result(reads[i].k);
        });
        process.Refresh();
        double decodeCpu = (process.TotalProcessorTime - decode0).TotalSeconds;
        double medianWall = Median(wall), medianCpu = Median(cpu);
        // CPU seconds / threads is what the run would take on idle cores; wall time also counts waiting for a busy machine.
        double idleEstimate = medianCpu / Math.Min(s.Threads, Environment.ProcessorCount);
        double load = ReadLoadAverage();
        ctx.Console.WriteLine(string.Format(inv,
            "eval davis {0}: {1} sequences, {2} object-frames (PNG decoding included), {3} thread(s), {4} runs after a warm-up",
            DavisYears.Number(s.Year), warm.Sequences.Count, frames, s.Threads, s.Runs));
        double? b = s.BaselineSeconds;
        string wallRatio = b is { } bw
            ? string.Format(inv, " = {0:0.0}x the reference's {1:0.#} s", bw / medianWall, bw)
            : string.Format(inv, "; no ratio: the official toolkit's {0:0.#} s is for all 10 mirrored sequences (--baseline-seconds gives a reference for this subset)", OfficialToolkitSeconds);
        string cpuRatio = b is { } bc ? string.Format(inv, " = {0:0.0}x the reference", bc / idleEstimate) : "";
        ctx.Console.WriteLine(string.Format(inv, "  wall: median {0:0.000} s (min {1:0.000}, max {2:0.000}){3}",
            medianWall, wall.Min(), wall.Max(), wallRatio));
        ctx.Console.WriteLine(string.Format(inv, "  cpu:  median {0:0.000} s ({1:0.00} ms per object-frame); on {2} idle core(s) ~ {3:0.000} s{4}",
            medianCpu, medianCpu * 1000 / Math.Max(1, frames), Math.Min(s.Threads, Environment.ProcessorCount), idleEstimate, cpuRatio));
        ctx.Console.WriteLine(string.Format(inv,
            "  of which PNG decoding (ground truth + result, one pass): {0:0.000} s cpu ({1:0.00} ms per frame pair)",
            decodeCpu, decodeCpu * 1000 / Math.Max(1, reads.Length)));
        ctx.Console.WriteLine(string.Format(inv,
            "  machine load average {0:0.0} on {1} cores; {2} gen2 GCs; J&F-Mean {3:0.000000}",
            load, Environment.ProcessorCount, gen2, warm.Global.JFMean));
        return 0;
    }
}
