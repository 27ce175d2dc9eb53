using System.CommandLine;
using System.Diagnostics;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Cli.Commands.Studio;

/// <summary>
/// <c>edgesam-video studio &lt;video|frames&gt; [--out dir] [--port N] [--open] [segment options]</c>: a local browser UI
/// over the same <see cref="VideoSession"/> that <c>segment</c> drives (built by <see cref="PipelineFactory"/>): click
/// prompts, propagate, correct, export. Serves on 127.0.0.1 only, behind a random token.
/// </summary>
internal static class StudioCommand
{
    public static Command Create(CliContext ctx)
    {
        var input = new Argument<string>("input") { Description = "Video file or folder of frames." };
        var output = new Option<string?>("--out") { Description = "Session folder, the same layout as segment's --out (session.json, prompts/, masks/, report.json; plus objects.json and export/); a session stored there by segment or studio is reopened. Default: <input name>.studio in the current folder." };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0: a free one).", DefaultValueFactory = _ => 0 };
        var open = new Option<bool>("--open") { Description = "Open the page in the default browser." };
        var pipeline = new PipelineOptions();
        var cmd = new Command("studio", "A local browser UI: click objects, propagate, correct and export (serves on 127.0.0.1 behind a token).");
        cmd.Add(input);
        foreach (Option o in new Option[] { output, port, open }) cmd.Add(o);
        pipeline.AddTo(cmd);
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            string inp = r.GetValue(input)!;
            return RunAsync(new StudioSettings
            {
                Input = inp,
                Out = r.GetValue(output) ?? Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(inp)) + ".studio",
                Port = r.GetValue(port),
                Open = r.GetValue(open),
                Pipeline = pipeline.Bind(r),
            }, ctx, null, ct);
        });
        return cmd;
    }

    /// <summary>Runs the studio until <paramref name="cancel"/> (Ctrl-C). <paramref name="started"/> is told the server
    /// once it listens (tests drive it through that).</summary>
    public static async Task<int> RunAsync(StudioSettings s, CliContext ctx, Action<StudioServer>? started, CancellationToken cancel)
    {
        if (s.Port is < 0 or > 65535)
            throw new EdgeSamException($"--port {s.Port} is not a port; give 1..65535, or 0 for a free one.");
        using IFrameSource frames = FrameSources.Open(s.Input, cancel: cancel);
        OutputFolder.Ensure(s.Out, "--out");
        // The folder is segment's too: one of them at a time (segment --add waits for the studio to stop, and the other way round).
        using RunLock claim = RunLock.AcquireFolder(s.Out, "--out");
        RunLock.CleanStale(s.Out);
        using VideoSegmenter model = PipelineFactory.Create(s.Pipeline, ctx);
        if (s.Pipeline.Restarts is > 1)
            ConsoleLines.Note(ctx, $"--restarts {s.Pipeline.Restarts}: the studio walks the video once per propagation (restarts apply to segment).");
        // The same segmenter and tracker, with the clicked frame's embedding kept between clicks.
        using var cache = new CachingSegmenter(model.Segmenter);
        using var studioModel = new VideoSegmenter(cache, model.Tracker, model.Options);
        using VideoSession session = studioModel.OpenSession(frames);
        // The first studio kept its own studio.json; sessions now live in segment's layout, and that file is not read.
        if (File.Exists(Path.Combine(s.Out, "studio.json")) && !new SessionFolder(s.Out).Exists)
            ConsoleLines.Note(ctx, $"{Path.Combine(s.Out, "studio.json")} is from an earlier studio and is no longer read; its prompts must be clicked again (the masks it left in masks/ are shown until then).");
        using var project = new StudioProject(session, cache, s.Out, Path.GetFullPath(s.Input));
        ConsoleLines.Line(ctx, $"studio: {s.Input}: {frames.FrameCount} frames {frames.Width}x{frames.Height}; {PipelineFactory.Describe(studioModel)}");
        ConsoleLines.Line(ctx, project.Reopened
            ? $"studio: reopened the session in {project.Root} ({project.Objects().Length} object(s))"
            : $"studio: new session in {project.Root}");
        await using StudioServer server = await StudioServer.StartAsync(project, s.Port, s.Token ?? StudioServer.NewToken(), Path.GetFullPath(s.Input), cancel);
        ConsoleLines.Line(ctx, $"studio: open {server.PageAddress}");
        ConsoleLines.Line(ctx, "studio: Ctrl-C stops the server; everything is saved as it happens");
        if (s.Open) OpenBrowser(server.PageAddress, ctx);
        started?.Invoke(server);
        try
        {
            await server.WaitForShutdownAsync(cancel);
        }
        catch (OperationCanceledException) { }
        ConsoleLines.Line(ctx, $"studio: stopped; the session is in {project.Root} (reopen it with: studio {s.Input} --out {s.Out})");
        return 0;
    }

    private static void OpenBrowser(string url, CliContext ctx)
    {
        try
        {
            using Process? p = Process.Start(new ProcessStartInfo("xdg-open", url) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            ConsoleLines.Note(ctx, "--open: no xdg-open here to start a browser; open the address above by hand.");
        }
    }
}
