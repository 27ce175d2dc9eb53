using System.Diagnostics;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>
/// Progress of a frame loop: a Spectre progress bar with ETA on an interactive terminal, otherwise one plain line
/// at most every <see cref="PlainInterval"/> (and at the end), so logs of batch jobs stay readable.
/// </summary>
internal static class ProgressReporter
{
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="work"/>, which reports finished frames through the callback it is given.</summary>
    public static async Task<T> RunAsync<T>(CliContext ctx, string label, int total, Func<Action<int>, Task<T>> work)
    {
        if (ctx.Interactive)
        {
            T result = default!;
            await ctx.Console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async pc =>
                {
                    ProgressTask task = pc.AddTask(Markup.Escape(label), maxValue: Math.Max(total, 1));
                    result = await work(done => task.Value = done);
                    task.Value = task.MaxValue;
                });
            return result;
        }

        var clock = Stopwatch.StartNew();
        TimeSpan next = PlainInterval;
        int last = 0;
        T value = await work(done =>
        {
            last = done;
            if (clock.Elapsed < next) return;
            next = clock.Elapsed + PlainInterval;
            ConsoleLines.Line(ctx, Line(label, done, total, clock.Elapsed));
        });
        ConsoleLines.Line(ctx, Line(label, last, total, clock.Elapsed));
        return value;
    }

    internal static string Line(string label, int done, int total, TimeSpan elapsed)
    {
        double rate = done / Math.Max(elapsed.TotalSeconds, 1e-9);
        string eta = done > 0 && done < total ? $", ETA {Format(TimeSpan.FromSeconds((total - done) / rate))}" : "";
        int pct = total > 0 ? (int)(100L * done / total) : 100;
        return $"{label}: {done}/{total} frames ({pct}%), {rate:F2} frames/s, {Format(elapsed)} elapsed{eta}";
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
}
