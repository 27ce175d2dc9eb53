using System.CommandLine;
using System.Diagnostics;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Datasets;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Cli.Commands.Run;

/// <summary>
/// <c>edgesam-video run davis|ytvos</c>: segments every sequence of a benchmark from its given masks and writes the
/// results in the benchmark's layout. Resumable: a sequence's folder appears (by rename) only once all its frames
/// are written, so a rerun skips finished sequences and redoes partial ones. Shardable: <c>--shard i/n</c> takes
/// every n-th sequence of the sorted list starting at i, the same split on every machine.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliContext ctx)
    {
        var run = new Command("run", "Segment a whole benchmark (DAVIS, YouTube-VOS) from its first-frame masks; resumable and shardable.");
        run.Add(CreateBenchmark(ctx, RunBenchmark.Davis));
        run.Add(CreateBenchmark(ctx, RunBenchmark.YouTubeVos));
        return run;
    }

    private static Command CreateBenchmark(CliContext ctx, RunBenchmark benchmark)
    {
        bool davis = benchmark == RunBenchmark.Davis;
        var root = new Option<string>("--root")
        {
            Description = davis ? "DAVIS root (holds JPEGImages/, Annotations/ and ImageSets/)." : "YouTube-VOS root (holds valid/), or the split folder itself.",
            Required = true,
        };
        var output = new Option<string>("--out")
        {
            Description = davis ? "Results folder: <out>/<sequence>/<frame>.png (what 'eval davis --results' reads)."
                : "Output folder: <out>/Annotations/<video>/<frame>.png, and <out>/submission.zip once every video is done.",
            Required = true,
        };
        var year = new Option<int>("--year") { Description = "DAVIS year: 2016 (one object) or 2017.", DefaultValueFactory = _ => 2017 };
        year.AcceptOnlyFromAmong("2016", "2017");
        var sequences = new Option<string?>("--sequences") { Description = "Comma-separated names to run (default: the whole split)." };
        var shard = new Option<string>("--shard")
        {
            Description = "i/n: run every n-th sequence of the sorted list starting at i (e.g. --shard $JOB_COMPLETION_INDEX/8).",
            DefaultValueFactory = _ => "0/1",
        };
        var overwrite = new Option<bool>("--overwrite") { Description = "Redo sequences that already have results." };
        var prompt = new Option<string>("--prompt")
        {
            Description = "What prompts each sequence: mask (the first-frame ground truth), box (its tight bounding box per object) or box-margin (that box grown by 5% of its size on each side).",
            DefaultValueFactory = _ => "mask",
        };
        prompt.AcceptOnlyFromAmong("mask", "box", "box-margin");
        var pipeline = new PipelineOptions();
        var cmd = new Command(davis ? "davis" : "ytvos", davis
            ? "Segment DAVIS 2016/2017 val from the first-frame ground truth (then: eval davis)."
            : "Segment YouTube-VOS valid (objects start at their first annotated frame) and write the submission.");
        cmd.Add(root);
        cmd.Add(output);
        if (davis) { cmd.Add(year); cmd.Add(prompt); }
        foreach (Option o in new Option[] { sequences, shard, overwrite }) cmd.Add(o);
        pipeline.AddTo(cmd);
        cmd.SetAction((ParseResult r, CancellationToken ct) => RunAsync(new RunSettings
        {
            Benchmark = benchmark,
            Root = r.GetValue(root)!,
            Out = r.GetValue(output)!,
            Year = davis ? r.GetValue(year) : 0,
            Sequences = NameList.SplitOrNull(r.GetValue(sequences)),
            Shard = PromptParsing.Shard(r.GetValue(shard)!),
            Overwrite = r.GetValue(overwrite),
            Prompt = !davis ? RunPrompt.Mask : r.GetValue(prompt) switch { "box" => RunPrompt.Box, "box-margin" => RunPrompt.BoxMargin, _ => RunPrompt.Mask },
            Pipeline = pipeline.Bind(r),
        }, ctx, ct));
        return cmd;
    }

    public static async Task<int> RunAsync(RunSettings s, CliContext ctx, CancellationToken cancel)
    {
        string tag = s.Benchmark == RunBenchmark.Davis ? "run davis" : "run ytvos";
        DavisDataset? davis = null;
        YouTubeVosDataset? ytvos = null;
        IReadOnlyList<string> all;
        if (s.Benchmark == RunBenchmark.Davis)
        {
            davis = new DavisDataset(s.Root, s.Year == 2016 ? DavisYear.Davis2016 : DavisYear.Davis2017);
            all = davis.SequenceNames;
        }
        else
        {
            ytvos = new YouTubeVosDataset(s.Root);
            all = ytvos.Videos.Select(v => v.Name).ToList();
        }
        if (s.Sequences is { } wanted)
        {
            foreach (string n in wanted)
                if (!all.Contains(n))
                    throw new EdgeSamException($"--sequences: '{n}' is not in the split under {s.Root} ({all.Count} names, e.g. {string.Join(", ", all.Take(3))}).");
            all = wanted.Distinct().ToList();
        }
        IReadOnlyList<string> mine = PromptParsing.TakeShard(all, s.Shard.Index, s.Shard.Count);
        string resultsRoot = s.Benchmark == RunBenchmark.Davis ? s.Out : Path.Combine(s.Out, "Annotations");
        OutputFolder.Ensure(s.Out, "--out");
        OutputFolder.Ensure(resultsRoot, "--out");

        using VideoSegmenter model = PipelineFactory.Create(s.Pipeline, ctx);
        int restarts = PipelineFactory.Restarts(s.Pipeline, model);
        int parallel = PipelineFactory.ParallelRuns(s.Pipeline, model, restarts);
        ConsoleLines.Line(ctx, $"{tag}: {mine.Count} of {all.Count} sequence(s) in shard {s.Shard.Index}/{s.Shard.Count}; {PipelineFactory.Describe(model, restarts, parallel)}");
        using PipelineFactory.LaneModelSet lanes = PipelineFactory.CreateLaneModels(s.Pipeline, parallel);
        int ran = 0, skipped = 0, busy = 0, k = 0;
        foreach (string name in mine)
        {
            k++;
            string dir = Path.Combine(resultsRoot, name);
            string label = $"{tag}: [{k}/{mine.Count}] {name}";
            // One run per sequence, whoever started it (another shard pointed at the same names, a rerun): the staging
            // folder of a sequence whose lock we hold is ours, so what an interrupted run left there goes.
            using RunLock? claim = RunLock.TryAcquire(Path.Combine(resultsRoot, $".{name}.lock"), out string holder);
            if (claim is null)
            {
                busy++;
                ConsoleLines.Line(ctx, $"{label}: another run is on it ({holder}); left to it");
                continue;
            }
            RunLock.CleanStale(resultsRoot, name + ".partial", name + ".restart*.partial");
            IReadOnlyList<string> names = davis is not null ? davis.Sequence(name).FrameNames : ytvos!.Video(name).FrameNames;
            int have = FramesPresent(dir, names);
            if (have == names.Count && !s.Overwrite)
            {
                skipped++;
                ConsoleLines.Line(ctx, $"{label}: done already (delete {dir} or pass --overwrite to redo)");
                continue;
            }
            if (Directory.Exists(dir) && !s.Overwrite)
                ConsoleLines.Line(ctx, $"{label}: {dir} holds {have} of the {names.Count} frames' results; redoing it");
            var clock = Stopwatch.StartNew();
            // Reports sit beside the results, never inside a folder an evaluator or the submission reads.
            string report = ReportPath(s.Out, name);
            int frames = davis is not null
                ? await RunDavisSequence(model, restarts, lanes.Models, davis.Sequence(name), dir, report, s.Prompt, ctx, label, cancel)
                : await RunYouTubeVosVideo(model, restarts, lanes.Models, ytvos!.Video(name), dir, report, ctx, label, cancel);
            ran++;
            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            ConsoleLines.Line(ctx, restarts > 1
                ? $"{label}: {frames} frames x {restarts} runs in {clock.Elapsed.TotalSeconds:F1} s ({frames * restarts / seconds:F2} frames/s processed, {frames / seconds:F2} frames/s of video)"
                : $"{label}: {frames} frames in {clock.Elapsed.TotalSeconds:F1} s ({frames / seconds:F2} frames/s)");
        }
        if (busy > 0) ConsoleLines.Line(ctx, $"{tag}: {busy} sequence(s) left to the runs already on them");
        ConsoleLines.Line(ctx, $"{tag}: {ran} sequence(s) segmented, {skipped} already done; results in {Path.GetFullPath(resultsRoot)}, per-frame confidence in {Path.GetFullPath(Path.Combine(s.Out, "reports"))}");

        if (davis is not null)
        {
            int done = all.Count(n => FramesPresent(Path.Combine(resultsRoot, n), davis.Sequence(n).FrameNames) == davis.Sequence(n).FrameNames.Count);
            ConsoleLines.Line(ctx, done == all.Count
                ? $"{tag}: all {all.Count} sequences have results; score them with: edgesam-video eval davis --root {s.Root} --results {s.Out} --year {s.Year}"
                : $"{tag}: {done} of {all.Count} sequences have results so far (other shards may still be running).");
        }
        else
        {
            WriteSubmissionIfComplete(ytvos!, resultsRoot, s.Out, ctx, tag);
        }
        return 0;
    }

    /// <summary>A sequence's confidence report: <c>&lt;out&gt;/reports/&lt;sequence&gt;.json</c> (the schema of
    /// <see cref="SegmentationReport"/>, keyed by frame name and object id).</summary>
    internal static string ReportPath(string outDir, string sequence) => Path.Combine(outDir, "reports", sequence + ".json");

    /// <summary>One line about a sequence's review flags (nothing when none is flagged).</summary>
    private static void ReviewLine(CliContext ctx, string label, SegmentJob job)
    {
        int flagged = job.Report.FlaggedFrames;
        if (flagged > 0)
            ConsoleLines.Line(ctx, $"{label}: {flagged} of {job.Report.FrameCount} frames flagged for review: {string.Join("; ", job.Report.ReviewRanges().Select(r => r.Text))}");
    }

    /// <summary>How many of <paramref name="names"/> have their <c>&lt;name&gt;.png</c> in <paramref name="dir"/>.</summary>
    internal static int FramesPresent(string dir, IReadOnlyList<string> names)
    {
        if (!Directory.Exists(dir)) return 0;
        var present = new HashSet<string>(Directory.EnumerateFiles(dir, "*.png").Select(Path.GetFileNameWithoutExtension)!, StringComparer.Ordinal);
        return names.Count(present.Contains);
    }

    private static async Task<int> RunDavisSequence(VideoSegmenter model, int restarts, IReadOnlyList<VideoSegmenter> lanes, DavisSequence seq, string dir,
        string report, RunPrompt prompt, CliContext ctx, string label, CancellationToken cancel)
    {
        using IFrameSource frames = FrameSources.Open(seq.FramesFolder, cancel: cancel);
        CheckFrameNames(frames, seq.FrameNames, seq.Name);
        using VideoSession session = model.OpenSession(frames);
        LabelMap first = seq.ReadFirstFrameAnnotation();
        if (first.ObjectIds().Count == 0)
            throw new EdgeSamException($"{seq.AnnotationPath(0)}: the first-frame annotation of '{seq.Name}' has no object; check the DAVIS download.");
        if (prompt == RunPrompt.Mask)
            session.AddLabels(0, first);
        else
        {
            // The ground truth's bounding box per object, as a user would draw it (optionally with a margin); the
            // first-frame IoU of the box's mask against the ground truth is what the box prompt alone achieves.
            var parts = new List<string>();
            foreach (int id in first.ObjectIds())
            {
                Mask truth = first.MaskOf(id);
                BoxF box = BoxPrompts.FromMask(truth, prompt == RunPrompt.BoxMargin ? RunSettings.BoxMargin : 0);
                Mask got = session.AddBox(0, id, box, cancel);
                parts.Add($"object {id} IoU {Video.Segmentation.GraphCut.GraphCutBenchmark.IoU(got, truth):F3}");
                if (BoxPrompts.SmallMaskNote(got, box) is { } note) ConsoleLines.Note(ctx, $"{label}: object {id}: {note}");
            }
            ConsoleLines.Line(ctx, $"{label}: first frame from the {(prompt == RunPrompt.Box ? "tight" : "5%-margin")} box: {string.Join(", ", parts)}");
        }
        var job = new SegmentJob { Session = session, PromptFrame = 0, MasksDir = dir, ReportPath = report, Restarts = restarts, LaneModels = lanes };
        await ProgressReporter.RunAsync(ctx, label, job.TotalFrames, async progress =>
        {
            await job.RunAsync(progress, cancel);
            return 0;
        });
        if (job.RestartScores.Count > 0) ConsoleLines.Line(ctx, $"{label}: {SegmentJob.DescribeRestarts(job)}");
        ReviewLine(ctx, label, job);
        return frames.FrameCount;
    }

    private static async Task<int> RunYouTubeVosVideo(VideoSegmenter model, int restarts, IReadOnlyList<VideoSegmenter> lanes, YouTubeVosVideo video, string dir, string report, CliContext ctx, string label, CancellationToken cancel)
    {
        using IFrameSource frames = FrameSources.Open(video.FramesFolder, cancel: cancel);
        CheckFrameNames(frames, video.FrameNames, video.Name);
        using VideoSession session = model.OpenSession(frames);
        int firstPrompt = int.MaxValue;
        foreach (YouTubeVosObject obj in video.Objects)
        {
            int at = video.IndexOf(obj.FirstFrame);
            if (at < 0)
                throw new EdgeSamException($"{video.FramesFolder}: frame {obj.FirstFrame}, where object {obj.Id} of '{video.Name}' first appears, is missing; check the download.");
            // Objects appearing later start at their own first annotated frame (the propagation seeds them there).
            session.AddMask(at, obj.Id, video.ReadFirstMask(obj));
            firstPrompt = Math.Min(firstPrompt, at);
        }
        if (firstPrompt == int.MaxValue)
            throw new EdgeSamException($"video '{video.Name}' has no objects in meta.json; nothing to segment.");
        var job = new SegmentJob { Session = session, PromptFrame = firstPrompt, MasksDir = dir, ReportPath = report, BackgroundBeforePrompt = true, Restarts = restarts, LaneModels = lanes };
        await ProgressReporter.RunAsync(ctx, label, job.TotalFrames, async progress =>
        {
            await job.RunAsync(progress, cancel);
            return 0;
        });
        if (job.RestartScores.Count > 0) ConsoleLines.Line(ctx, $"{label}: {SegmentJob.DescribeRestarts(job)}");
        ReviewLine(ctx, label, job);
        return frames.FrameCount;
    }

    /// <summary>Results are named after the source's frames; they must be the dataset's frame names.</summary>
    private static void CheckFrameNames(IFrameSource frames, IReadOnlyList<string> expected, string name)
    {
        if (frames.FrameCount != expected.Count)
            throw new EdgeSamException($"sequence '{name}' has {frames.FrameCount} images but the dataset lists {expected.Count} frames; check the download.");
        for (int i = 0; i < expected.Count; i++)
            if (frames.FrameName(i) != expected[i])
                throw new EdgeSamException($"sequence '{name}': image {i} is '{frames.FrameName(i)}' but the dataset lists '{expected[i]}'; check the download.");
    }

    /// <summary>Once every video of the split has its folder (this shard's or others' on shared storage), zips them
    /// into the CodaLab submission.</summary>
    private static void WriteSubmissionIfComplete(YouTubeVosDataset dataset, string annotations, string outDir, CliContext ctx, string tag)
    {
        var missing = dataset.Videos.Where(v => FramesPresent(Path.Combine(annotations, v.Name), v.FrameNames) != v.FrameNames.Count).Select(v => v.Name).ToList();
        if (missing.Count > 0)
        {
            ConsoleLines.Line(ctx, $"{tag}: {dataset.Videos.Count - missing.Count} of {dataset.Videos.Count} videos have results; submission.zip is written once all have (rerun after the other shards finish).");
            return;
        }
        string zip = Path.Combine(outDir, "submission.zip");
        // Shards finishing together would each write it: one does, under a lock that also makes the temporary files
        // killed writers left behind safe to remove.
        using RunLock? claim = RunLock.TryAcquire(Path.Combine(outDir, ".submission.lock"), out string holder);
        if (claim is null)
        {
            ConsoleLines.Line(ctx, $"{tag}: another run is writing submission.zip ({holder})");
            return;
        }
        RunLock.CleanStale(outDir);
        using var writer = new YouTubeVosSubmissionWriter(zip, dataset);
        foreach (YouTubeVosVideo v in dataset.Videos)
            foreach (string frame in v.RequiredFrames)
            {
                string png = Path.Combine(annotations, v.Name, frame + ".png");
                if (!File.Exists(png))
                    throw new EdgeSamException($"{png} is missing from a finished video; delete {Path.Combine(annotations, v.Name)} and rerun to redo it.");
                writer.Write(v.Name, frame, PngCodec.ReadLabels(png));
            }
        writer.Complete();
        ConsoleLines.Line(ctx, $"{tag}: submission written to {Path.GetFullPath(zip)} (upload it to the YouTube-VOS CodaLab server)");
    }
}
