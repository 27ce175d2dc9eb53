using System.CommandLine;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Cli.Commands.Demo;

/// <summary>
/// <c>edgesam-video demo</c>: segments a default sample end to end and says where the result is. The sample is the
/// DAVIS 2016 sequence <c>blackswan</c> with its first-frame mask when the dataset mirror sits beside the clone
/// (<c>../shared/datasets/DAVIS2016</c>, or <c>$EDGESAM_SHARED/datasets/DAVIS2016</c>), else a clip the tool
/// generates (<see cref="SyntheticClip"/>). Either way the ground truth is known, so J (IoU), F and J&amp;F are printed.
/// </summary>
internal static class DemoCommand
{
    public const string Sequence = "blackswan";

    public static Command Create(CliContext ctx)
    {
        var output = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "demo-output" };
        var frames = new Option<int>("--frames") { Description = "Use only the first N frames (0 = all).", DefaultValueFactory = _ => 0 };
        var synthetic = new Option<bool>("--synthetic") { Description = "Use the generated clip even when the DAVIS mirror is present." };
        var pipeline = new PipelineOptions();
        var cmd = new Command("demo", "Segment a built-in sample end to end (DAVIS blackswan when the mirror is beside the clone, else a generated clip).");
        cmd.Add(output);
        cmd.Add(frames);
        cmd.Add(synthetic);
        pipeline.AddTo(cmd);
        cmd.SetAction((ParseResult r, CancellationToken ct) => RunAsync(new DemoSettings
        {
            Out = r.GetValue(output)!,
            Frames = r.GetValue(frames),
            Synthetic = r.GetValue(synthetic),
            Pipeline = pipeline.Bind(r),
        }, ctx, ct));
        return cmd;
    }

    public static async Task<int> RunAsync(DemoSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.Frames < 0 || s.Frames == 1)
            throw new EdgeSamException($"--frames {s.Frames}: give 0 (all frames) or at least 2.");
        string? davis = s.Synthetic ? null : FindDavis2016();
        IFrameSource source;
        Mask firstMask;
        Func<int, string, Mask?> truth;
        string what;
        if (davis is not null)
        {
            string seqFrames = Path.Combine(davis, "JPEGImages", "480p", Sequence);
            string annotations = Path.Combine(davis, "Annotations", "480p", Sequence);
            IFrameSource all = FrameSources.Open(seqFrames, cancel: cancel);
            source = s.Frames > 0 ? new FirstFrames(all, s.Frames) : all;
            firstMask = PngCodec.ReadMask(Path.Combine(annotations, source.FrameName(0) + ".png"));
            truth = (_, name) =>
            {
                string p = Path.Combine(annotations, name + ".png");
                return File.Exists(p) ? PngCodec.ReadMask(p) : null;
            };
            what = $"DAVIS 2016 '{Sequence}' from {davis}";
        }
        else
        {
            var clip = new SyntheticClip(frames: s.Frames > 0 ? s.Frames : 48);
            source = clip;
            firstMask = clip.TruthMask(0);
            truth = (index, _) => clip.TruthMask(index);
            what = s.Synthetic ? "a generated clip" : "a generated clip (no DAVIS mirror found beside the clone)";
        }

        using (source)
        {
            OutputFolder.Ensure(s.Out, "--out");
            using VideoSegmenter model = PipelineFactory.Create(s.Pipeline, ctx);
            using VideoSession session = model.OpenSession(source);
            session.AddMask(0, 1, firstMask);
            int restarts = PipelineFactory.Restarts(s.Pipeline, model);
            int parallel = PipelineFactory.ParallelRuns(s.Pipeline, model, restarts);
            ConsoleLines.Line(ctx, $"demo: {what}: {source.FrameCount} frames {source.Width}x{source.Height}, object 1 from its first-frame mask; {PipelineFactory.Describe(model, restarts, parallel)}");
            using PipelineFactory.LaneModelSet lanes = PipelineFactory.CreateLaneModels(s.Pipeline, parallel);

            double sumJ = 0, sumF = 0;
            int scored = 0;
            var job = new SegmentJob
            {
                Session = session,
                PromptFrame = 0,
                MasksDir = Path.Combine(s.Out, "masks"),
                PreviewPath = Path.Combine(s.Out, "preview.mp4"),
                ReportPath = Path.Combine(s.Out, SegmentCommand.ReportFileName),
                Restarts = restarts,
                LaneModels = lanes.Models,
                OnLabels = (index, name, labels) =>
                {
                    // Frame 0 is the given mask: the DAVIS protocol does not score it.
                    if (index == 0 || truth(index, name) is not { } gt) return;
                    FrameScore score = DavisMetrics.Score(gt, labels.MaskOf(1));
                    sumJ += score.J;
                    sumF += score.F;
                    scored++;
                },
            };
            await ProgressReporter.RunAsync(ctx, "demo", job.TotalFrames, async progress =>
            {
                await job.RunAsync(progress, cancel);
                return 0;
            });
            if (s.Pipeline.Verbose)
                foreach (PropagationStats st in job.Stats) ConsoleLines.Line(ctx, $"demo: {st}");
            if (job.RestartScores.Count > 0) ConsoleLines.Line(ctx, $"demo: {SegmentJob.DescribeRestarts(job)}");
            if (scored > 0)
            {
                double j = sumJ / scored, f = sumF / scored;
                ConsoleLines.Line(ctx, $"demo: against the ground truth of {scored} frames: J (IoU) {j:F3}, F {f:F3}, J&F {(j + f) / 2:F3}");
            }
            ConsoleLines.Line(ctx, $"demo: masks (DAVIS palette PNGs) in {Path.GetFullPath(job.MasksDir)}");
            ConsoleLines.Line(ctx, $"demo: preview video in {Path.GetFullPath(job.PreviewPath!)}");
            foreach (string line in SegmentCommand.ReviewSummary(job.Report, Path.GetFullPath(job.ReportPath!), preview: true)) ConsoleLines.Line(ctx, $"demo: {line}");
        }
        return 0;
    }

    /// <summary>The DAVIS 2016 mirror holding the demo sequence: <c>$EDGESAM_SHARED/datasets/DAVIS2016</c>, else
    /// <c>../shared/datasets/DAVIS2016</c> beside the clone (found by walking up to <c>EdgeSam.Video.sln</c> from the
    /// working folder and from the tool's binaries); null when none has the sequence and its first mask.</summary>
    internal static string? FindDavis2016()
    {
        var candidates = new List<string>();
        string? env = Environment.GetEnvironmentVariable("EDGESAM_SHARED");
        if (!string.IsNullOrEmpty(env)) candidates.Add(Path.Combine(env, "datasets", "DAVIS2016"));
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "EdgeSam.Video.sln")))
                {
                    candidates.Add(Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "datasets", "DAVIS2016")));
                    break;
                }
        foreach (string c in candidates)
            if (Directory.Exists(Path.Combine(c, "JPEGImages", "480p", Sequence))
                && File.Exists(Path.Combine(c, "Annotations", "480p", Sequence, "00000.png")))
                return c;
        return null;
    }

    /// <summary>The first <c>count</c> frames of a source (for short demos).</summary>
    private sealed class FirstFrames(IFrameSource inner, int count) : IFrameSource
    {
        public int Width => inner.Width;
        public int Height => inner.Height;
        public int FrameCount { get; } = Math.Min(count, inner.FrameCount);
        public double FrameRate => inner.FrameRate;
        public string FrameName(int index) => inner.FrameName(index);

        public IEnumerable<RgbImage> Read(int start, int n, CancellationToken cancel = default) =>
            inner.Read(start, Math.Max(0, Math.Min(n, FrameCount - start)), cancel);

        public void Dispose() => inner.Dispose();
    }
}
