using EdgeSam.Video.Models;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Models;

/// <summary>
/// Shows a model download as a Spectre progress bar on an interactive console, or as one line before and after
/// when output is redirected. Any command that may download a model uses it, e.g.
/// <c>string path = await ModelDownloadProgress.ResolveAsync(ctx, store, store.Manifest.Get("edge_sam_3x_encoder"), settings.Encoder, ct);</c>
/// </summary>
internal static class ModelDownloadProgress
{
    /// <summary><see cref="ModelStore.ResolveAsync(ModelEntry, string?, IProgress{DownloadProgress}?, CancellationToken)"/> with a progress display when it downloads.</summary>
    public static Task<string> ResolveAsync(CliContext ctx, ModelStore store, ModelEntry model, string? explicitPath, CancellationToken cancel)
    {
        // Only a download needs a display; a model found locally resolves without drawing anything.
        if (explicitPath != null || store.Locate(model).Source != ModelSource.Missing || model.UserSupplied)
            return store.ResolveAsync(model, explicitPath, null, cancel);
        return RunAsync(ctx, model, progress => store.ResolveAsync(model, null, progress, cancel));
    }

    /// <summary>Runs <paramref name="work"/>, which reports download progress of <paramref name="model"/>.</summary>
    public static async Task<T> RunAsync<T>(CliContext ctx, ModelEntry model, Func<IProgress<DownloadProgress>, Task<T>> work)
    {
        if (!ctx.Interactive)
        {
            bool announced = false;
            var quiet = new DirectProgress(p =>
            {
                // Announce once, when bytes actually start to flow (a verified local copy reports nothing).
                if (announced) return;
                announced = true;
                string resumed = p.Received > 0 ? $", resuming at {p.Received} bytes" : "";
                ctx.Console.Profile.Out.Writer.WriteLine($"downloading {model.Name} ({p.Total} bytes{resumed}) from {model.Url}");
            });
            return await work(quiet);
        }

        T result = default!;
        await ctx.Console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async p =>
            {
                ProgressTask task = p.AddTask(Markup.Escape(model.Name), autoStart: true, maxValue: model.Size ?? 1);
                result = await work(new DirectProgress(d =>
                {
                    task.MaxValue = d.Total;
                    task.Value = d.Received;
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Reports on the reporting thread: Progress&lt;T&gt; would post to the thread pool, out of order.</summary>
    private sealed class DirectProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
