using System.CommandLine;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>
/// <c>edgesam-video segment &lt;video|frames&gt; (--mask m.png | --points "x,y,+;..." | --box x0,y0,x1,y1) --out dir</c>:
/// segments the prompted object(s) through the whole video; writes <c>&lt;out&gt;/masks/&lt;frame&gt;.png</c>
/// (DAVIS palette) and <c>&lt;out&gt;/preview.mp4</c>.
/// </summary>
internal static class SegmentCommand
{
    public static Command Create(CliContext ctx)
    {
        var input = new Argument<string>("input") { Description = "Video file or folder of frames." };
        var mask = new Option<string?>("--mask") { Description = "Mask PNG of the prompt frame: palette/grey values are object ids (8 or 16 bit, 1..254; 0/255 is one object); RGB(A): alpha, when not opaque, else non-black is the object, one object per flat colour (DAVIS palette colours keep their ids)." };
        var points = new Option<string?>("--points") { Description = "Clicks on the prompt frame: \"x,y,+;x,y,-\" (pixels; + object, - background)." };
        var box = new Option<string?>("--box") { Description = "Box around the object on the prompt frame: x0,y0,x1,y1 (pixels)." };
        var frame = new Option<int>("--frame") { Description = "Index of the prompt frame (0-based).", DefaultValueFactory = _ => 0 };
        var obj = new Option<int?>("--object") { Description = "Object id (1..254) for --points/--box/a binary mask; with a multi-object mask, the one id to segment." };
        var output = new Option<string>("--out") { Description = "Output folder (masks/ and preview.mp4 go there).", Required = true };
        var noPreview = new Option<bool>("--no-preview") { Description = "Do not write preview.mp4." };
        var prompt = new Option<string[]>("--prompt")
        {
            Description = "A prompt on any frame (repeatable): \"frame=40;object=2;points=300,200,+ 310,260,-;box=x0,y0,x1,y1;mask=m.png\" (a box and clicks together are one prompt).",
        };
        var promptsFile = new Option<string?>("--prompts") { Description = "JSON prompt file: [{\"frame\": 0, \"object\": 1, \"points\": [[x, y, 1]], \"box\": [x0, y0, x1, y1], \"mask\": \"m.png\"}] (label 1 positive, 0 negative)." };
        var add = new Option<bool>("--add") { Description = "Add the prompts to the session stored in --out and re-propagate only what they change (corrections: clicks refine the current mask)." };
        var previewPrompts = new Option<bool>("--preview-prompts") { Description = "Segment only the prompted frames: write <out>/prompt-preview/<frame>.png and an overlay PNG each, then stop." };
        var export = new Option<string[]>("--export")
        {
            Description = $"Also export the result for compositing, into <out>/export/: {string.Join(", ", Video.Export.ExportFormats.AllNames)} (repeatable).",
            AllowMultipleArgumentsPerToken = true,
        };
        export.AcceptOnlyFromAmong([.. Video.Export.ExportFormats.AllNames]);
        var pipeline = new PipelineOptions();
        var cmd = new Command("segment", "Segment objects through a video from a mask, clicks or a box on one frame.");
        cmd.Add(input);
        foreach (Option o in new Option[] { mask, points, box, frame, obj, output, noPreview, export, prompt, promptsFile, add, previewPrompts }) cmd.Add(o);
        pipeline.AddTo(cmd);
        cmd.SetAction((ParseResult r, CancellationToken ct) => RunAsync(new SegmentSettings
        {
            Input = r.GetValue(input)!,
            Mask = r.GetValue(mask),
            Points = r.GetValue(points),
            Box = r.GetValue(box),
            Frame = r.GetValue(frame),
            Object = r.GetValue(obj),
            Out = r.GetValue(output)!,
            Preview = !r.GetValue(noPreview),
            Pipeline = pipeline.Bind(r),
            Export = [.. (r.GetValue(export) ?? []).Distinct().Select(Video.Export.ExportFormats.Parse)],
            Prompts = r.GetValue(prompt) ?? [],
            PromptsFile = r.GetValue(promptsFile),
            Add = r.GetValue(add),
            PreviewPrompts = r.GetValue(previewPrompts),
        }, ctx, ct));
        return cmd;
    }

    public static async Task<int> RunAsync(SegmentSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.Mask is not null && (s.Points is not null || s.Box is not null))
            throw new EdgeSamException("segment: --mask cannot be combined with --points/--box; give the clicks as --prompt \"frame=N;mask=m.png;points=...\" instead.");
        if (s.Object is { } id && id is < 1 or > 254)
            throw new EdgeSamException($"--object {id} is out of range; object ids are 1..254.");
        if (s.Mask is not null && !File.Exists(s.Mask))
            throw new EdgeSamException($"mask not found: {s.Mask}; give a PNG of the prompt frame.");
        if (s.Add && s.PreviewPrompts)
            throw new EdgeSamException("segment: --add and --preview-prompts do not go together; preview the new prompts on a fresh --out first.");

        // Parse every prompt before anything slow or chatty happens.
        List<PromptSpec> specs = Specs(s);
        if (specs.Count == 0 && s.Mask is null)
            throw new EdgeSamException("segment needs a prompt: --mask <png>, --points \"x,y,+;...\", --box x0,y0,x1,y1, --prompt \"frame=N;points=x,y,+\" or --prompts FILE.");
        if (s.Add && s.Mask is not null)
            throw new EdgeSamException("segment --add: give the new mask as --prompt \"frame=N;object=ID;mask=m.png\".");

        using IFrameSource frames = FrameSources.Open(s.Input, cancel: cancel);
        if (s.Frame < 0 || s.Frame >= frames.FrameCount)
            throw new EdgeSamException($"--frame {s.Frame} is outside {s.Input}, which has frames 0..{frames.FrameCount - 1}.");
        PromptFile.Validate(specs, frames.FrameCount, frames.Width, frames.Height);
        var folder = new SessionFolder(s.Out);
        if (s.Add) folder.ReadInfo(); // a missing or damaged session stops here, before the model loads
        if (frames is FrameFolderSource frameFolder && frameFolder.IgnoredFiles.Count > 0)
            ConsoleLines.Line(ctx, $"segment: {frameFolder.FrameCount} frames in {s.Input}; {frameFolder.IgnoredFiles.Count} other image(s) left out, not named like the frames or of another format with a frame's name ({string.Join(", ", frameFolder.IgnoredFiles.Take(3).Select(Path.GetFileName))}{(frameFolder.IgnoredFiles.Count > 3 ? ", ..." : "")})");
        CheckOutputsSpareInputs(s, frames);
        OutputFolder.Ensure(s.Out, "--out");
        // One run per output folder: a second stops here naming the first; then whatever is left of earlier,
        // interrupted runs (staging folders, *.partial-* files) is theirs alone and goes.
        using RunLock claim = RunLock.AcquireFolder(s.Out, "--out");
        RunLock.CleanStale(s.Out);
        RunLock.CleanStale(Path.Combine(s.Out, "export"));

        using VideoSegmenter model = PipelineFactory.Create(s.Pipeline, ctx);
        using VideoSession session = model.OpenSession(frames);
        if (s.Add) return await AddAsync(s, ctx, session, folder, specs, cancel);

        var ids = new SortedSet<int>(s.Mask is null ? [] : Prompt(session, s));
        foreach (PromptSpec p in specs)
        {
            Mask m = SessionCorrection.Apply(session, p, null, cancel);
            if (m.IsEmpty && p.MaskFile is null)
                throw new EdgeSamException($"{p.Origin}: the segmenter found no object on frame {p.Frame} from those clicks/box; click inside the object ('+') and on its background ('-'), or draw the box tightly around it.");
            if (p.Box is { } b && p.Points.Count == 0 && BoxPrompts.SmallMaskNote(m, b) is { } note) ConsoleLines.Note(ctx, $"{p.Origin}: {note}");
            ids.Add(p.ObjectId);
        }
        if (s.PreviewPrompts) return PreviewPrompts(s, ctx, session, folder);

        int first = session.ObjectIds.Min(o => session.PromptFrames(o)[0]);
        int restarts = PipelineFactory.Restarts(s.Pipeline, model);
        int parallel = PipelineFactory.ParallelRuns(s.Pipeline, model, restarts);
        int promptCount = session.ObjectIds.Sum(o => session.PromptFrames(o).Count);
        ConsoleLines.Line(ctx, $"segment: {s.Input}: {frames.FrameCount} frames {frames.Width}x{frames.Height}, object(s) {string.Join(",", ids)}, {promptCount} prompt(s) from frame {first}; {PipelineFactory.Describe(model, restarts, parallel)}");
        using PipelineFactory.LaneModelSet lanes = PipelineFactory.CreateLaneModels(s.Pipeline, parallel);

        var job = new SegmentJob
        {
            Session = session,
            PromptFrame = first,
            MasksDir = folder.MasksDir,
            PreviewPath = s.Preview ? Path.Combine(s.Out, "preview.mp4") : null,
            ReportPath = Path.Combine(s.Out, ReportFileName),
            Restarts = restarts,
            LaneModels = lanes.Models,
        };
        await ProgressReporter.RunAsync(ctx, "segment", job.TotalFrames, async progress =>
        {
            await job.RunAsync(progress, cancel);
            return 0;
        });
        if (s.Pipeline.Verbose)
            foreach (PropagationStats st in job.Stats) ConsoleLines.Line(ctx, $"segment: {st}");
        if (job.RestartScores.Count > 0) ConsoleLines.Line(ctx, $"segment: {SegmentJob.DescribeRestarts(job)}");
        // Corrections go on under the seed of the run that was kept.
        session.SamplerSeed += job.ChosenRestart;
        var masks = new FolderSessionMasks(folder.MasksDir, frames);
        bool lateWalks = false;
        foreach (int late in session.ObjectIds.Where(o => session.PromptFrames(o)[0] > first).ToList())
        {
            // The walks started at the earliest prompt, so an object first prompted later has nothing before its own first
            // prompt yet: walk it back to the start (and on to its next prompt) alone.
            CorrectionResult back = await SessionCorrection.RepropagateAsync(session, late, session.PromptFrames(late)[0], masks, CorrectionBlend.Replace, cancel: cancel, report: job.Report);
            ConsoleLines.Line(ctx, $"segment: object {late} walked from its first prompt on frame {back.Frame} over frames {back.FirstFrame}-{back.LastFrame}");
            lateWalks = true;
        }
        if (lateWalks && job.ReportPath is not null) job.Report.WriteJson(job.ReportPath);
        if (lateWalks && job.PreviewPath is not null) WritePreview(frames, masks, job.PreviewPath, cancel, job.Report);
        folder.Save(session);
        ConsoleLines.Line(ctx, $"segment: masks in {job.MasksDir}{(job.PreviewPath is null ? "" : $", preview {job.PreviewPath}")}");
        foreach (Video.Export.ExportFormat format in s.Export)
        {
            // The masks are complete on disk now; each export reads them back like `edgesam-video export` would.
            Video.Export.ExportResult result = Video.Export.RotoExporter.Export(
                new Video.Export.ExportRequest(job.MasksDir, format, Path.Combine(s.Out, "export"), Frames: s.Input), null, cancel);
            ConsoleLines.Line(ctx, $"segment: exported {Video.Export.ExportFormats.Name(format)}: {result.Files.Count} file(s) in {Path.Combine(s.Out, "export")}");
        }
        foreach (string line in ReviewSummary(job.Report, job.ReportPath!, job.PreviewPath is not null)) ConsoleLines.Line(ctx, $"segment: {line}");
        return 0;
    }

    /// <summary>
    /// Refuses an <c>--out</c> whose outputs would replace an input: the masks folder (with its staging folders) being
    /// the frame folder or holding the prompt mask, the preview being the input video.
    /// </summary>
    internal static void CheckOutputsSpareInputs(SegmentSettings s, IFrameSource frames)
    {
        string masks = Path.GetFullPath(Path.Combine(s.Out, "masks"));
        bool InMasks(string path)
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "";
            return dir == masks || dir.StartsWith(masks + ".", StringComparison.Ordinal);
        }
        if (frames is FrameFolderSource folder && (folder.Folder == masks || folder.Files.Any(InMasks)))
            throw new EdgeSamException($"--out {s.Out} would write its masks into the input frame folder {s.Input}; give another --out.");
        if (s.Mask is not null && InMasks(s.Mask))
            throw new EdgeSamException($"the prompt mask {s.Mask} lies in {masks}, which this run replaces; move the mask elsewhere or give another --out.");
        if (s.Preview && File.Exists(s.Input) && Path.GetFullPath(s.Input) == Path.GetFullPath(Path.Combine(s.Out, "preview.mp4")))
            throw new EdgeSamException($"the input {s.Input} is the preview this run writes; rename it, give another --out or pass --no-preview.");
    }

    /// <summary>The report's file name in <c>--out</c>.</summary>
    public const string ReportFileName = "report.json";

    /// <summary>The closing lines about confidence: how many frames are flagged and each range to review, or that none
    /// is (with the lowest confidence seen).</summary>
    internal static IEnumerable<string> ReviewSummary(SegmentationReport report, string reportPath, bool preview)
    {
        int flagged = report.FlaggedFrames;
        if (flagged == 0)
        {
            string lowest = report.Lowest() is var (c, f, id) ? $"; lowest confidence {c:F2} (object {id}, frame {f})" : "";
            yield return $"no frame flagged for review{lowest}; per-frame confidence in {reportPath}";
            yield break;
        }
        yield return $"doubtful: {flagged} of {report.FrameCount} frames flagged for review (confidence below {ConfidenceModel.ReviewThreshold:0.##}{(preview ? "; red border in the preview" : "")}); per-frame confidence in {reportPath}";
        foreach (ReviewRange r in report.ReviewRanges()) yield return r.Text;
    }

    /// <summary>Every prompt but a legacy <c>--mask</c>: <c>--points</c>/<c>--box</c> (one prompt on <c>--frame</c>), each
    /// <c>--prompt</c>, then the <c>--prompts</c> file's entries, in that order.</summary>
    private static List<PromptSpec> Specs(SegmentSettings s)
    {
        var specs = new List<PromptSpec>();
        if (s.Points is not null || s.Box is not null)
        {
            IReadOnlyList<PromptPoint> pts = s.Points is null ? [] : PromptParsing.Points(s.Points);
            BoxF? box = s.Box is null ? null : PromptParsing.Box(s.Box);
            specs.Add(new PromptSpec(s.Frame, s.Object ?? 1, pts, box, null) { Origin = s.Points is not null ? "--points" : "--box" });
        }
        for (int i = 0; i < s.Prompts.Count; i++) specs.Add(PromptParsing.Prompt(s.Prompts[i], i + 1));
        if (s.PromptsFile is not null) specs.AddRange(PromptFile.Read(s.PromptsFile));
        return specs;
    }

    /// <summary>
    /// <c>--add</c>: reopens the session stored in <c>--out</c>, applies each new prompt as a correction (clicks refine the
    /// object's current mask on that frame) and re-walks only that object over the frames the prompt affects; only frames
    /// whose labels changed are rewritten.
    /// </summary>
    private static async Task<int> AddAsync(SegmentSettings s, CliContext ctx, VideoSession session, SessionFolder folder, List<PromptSpec> specs, CancellationToken cancel)
    {
        folder.Restore(session);
        IFrameSource frames = session.Frames;
        var masks = new FolderSessionMasks(folder.MasksDir, frames);
        ConsoleLines.Line(ctx, $"segment --add: {s.Out}: stored session with object(s) {string.Join(",", session.ObjectIds)}, {session.ObjectIds.Sum(o => session.PromptFrames(o).Count)} prompt(s); {specs.Count} new");
        var changed = new SortedSet<int>();
        string reportPath = folder.ReportFile;
        // A session written before reports existed has none: the corrected frames alone would make a misleading one.
        SegmentationReport? report = File.Exists(reportPath) ? SegmentationReport.Load(reportPath) : null;
        if (report is null) ConsoleLines.Note(ctx, $"{reportPath} is missing, so per-frame confidence is not updated; run segment without --add to write it.");
        foreach (PromptSpec p in specs)
        {
            cancel.ThrowIfCancellationRequested();
            SessionCorrection.Apply(session, p, masks, cancel);
            // With the report, a re-walked frame replaces the stored one only where it is not less sure, and the report
            // takes the entries of the frames written, so report.json keeps describing masks/.
            CorrectionResult r = await SessionCorrection.RepropagateAsync(session, p.ObjectId, p.Frame, masks,
                onChanged: (result, labels) => changed.Add(result.FrameIndex), cancel: cancel, report: report);
            ConsoleLines.Line(ctx, $"segment --add: {p.Origin}: object {p.ObjectId} on frame {p.Frame}: re-propagated over frames {r.FirstFrame}-{r.LastFrame}, {r.ChangedFrames} frame(s) changed");
            // Saved after each prompt, so an interruption keeps the prompts whose frames are already rewritten, and the
            // report says what those frames now hold.
            folder.Save(session);
            report?.WriteJson(reportPath);
        }
        string preview = Path.Combine(s.Out, "preview.mp4");
        if (s.Preview && changed.Count > 0) WritePreview(frames, masks, preview, cancel, report);
        ConsoleLines.Line(ctx, $"segment --add: {changed.Count} of {frames.FrameCount} frames changed{Ranges(changed)}; masks in {folder.MasksDir}{(s.Preview && changed.Count > 0 ? $", preview {preview}" : "")}");
        foreach (Video.Export.ExportFormat format in s.Export)
        {
            Video.Export.ExportResult result = Video.Export.RotoExporter.Export(
                new Video.Export.ExportRequest(folder.MasksDir, format, Path.Combine(s.Out, "export"), Frames: s.Input), null, cancel);
            ConsoleLines.Line(ctx, $"segment: exported {Video.Export.ExportFormats.Name(format)}: {result.Files.Count} file(s) in {Path.Combine(s.Out, "export")}");
        }
        if (report is not null)
            foreach (string line in ReviewSummary(report, reportPath, s.Preview && changed.Count > 0)) ConsoleLines.Line(ctx, $"segment --add: {line}");
        return 0;
    }

    /// <summary>" (frames 3-9, 12)" for a set of frame indices.</summary>
    private static string Ranges(SortedSet<int> frames)
    {
        if (frames.Count == 0) return "";
        var parts = new List<string>();
        int start = frames.Min, prev = start;
        foreach (int f in frames.Skip(1).Append(int.MaxValue))
        {
            if (f == prev + 1) { prev = f; continue; }
            parts.Add(start == prev ? $"{start}" : $"{start}-{prev}");
            start = prev = f;
        }
        return $" (frames {string.Join(", ", parts)})";
    }

    /// <summary><c>--preview-prompts</c>: the prompted frames' labels (each object's prompt mask; where two overlap the
    /// lower id wins) and an overlay each, in <c>&lt;out&gt;/prompt-preview/</c>; nothing is propagated.</summary>
    private static int PreviewPrompts(SegmentSettings s, CliContext ctx, VideoSession session, SessionFolder folder)
    {
        string dir = Path.Combine(folder.Root, "prompt-preview");
        Directory.CreateDirectory(dir);
        IFrameSource frames = session.Frames;
        var byFrame = session.ObjectIds.SelectMany(o => session.PromptFrames(o).Select(f => (Frame: f, Object: o))).GroupBy(x => x.Frame).OrderBy(g => g.Key);
        foreach (var group in byFrame)
        {
            var labels = new LabelMap(frames.Width, frames.Height);
            foreach (var (f, o) in group.OrderByDescending(x => x.Object))
            {
                Mask m = session.Prompt(f, o)!.Value.Mask;
                for (int i = 0; i < m.Data.Length; i++) if (m.Data[i] != 0) labels.Data[i] = (byte)o;
            }
            string name = frames.FrameName(group.Key);
            PngCodec.WriteLabels(Path.Combine(dir, name + ".png"), labels);
            RgbImage image = frames.Read(group.Key, 1).First();
            var markers = group.SelectMany(x => session.Prompt(x.Frame, x.Object)!.Value.Points ?? [])
                .Select(p => new OverlayMarker(p.X, p.Y, p.Label == PointLabel.Positive, true)).ToList();
            PngCodec.WriteRgb(Path.Combine(dir, name + "-overlay.png"), Overlay.Draw(image, labels, markers));
            ConsoleLines.Line(ctx, $"segment: frame {group.Key}: object(s) {string.Join(",", group.Select(x => x.Object))}, {labels.Data.Count(b => b != 0)} px; {Path.Combine(dir, name + "-overlay.png")}");
        }
        ConsoleLines.Line(ctx, $"segment: prompt previews in {dir}; run again without --preview-prompts to segment the whole video");
        return 0;
    }

    /// <summary>Rewrites the overlay preview from the stored masks (no tracked points: they are not kept on disk).</summary>
    private static void WritePreview(IFrameSource frames, ISessionMasks masks, string path, CancellationToken cancel, SegmentationReport? report = null)
    {
        using VideoWriter preview = VideoWriter.Create(path, frames.Width, frames.Height, frames.FrameRate, VideoCodec.H264, SegmentJob.DefaultPreviewOptions, cancel);
        int k = 0;
        foreach (RgbImage image in frames.Read(0, frames.FrameCount, cancel))
        {
            RgbImage drawn = Overlay.Draw(image, masks.Read(k));
            // Flagged frames keep their red border, as in the preview of a fresh run.
            if (report?.IsFlagged(k) == true) Overlay.DrawFrameBorder(drawn, SegmentJob.ReviewBorder, SegmentJob.ReviewBorderColour);
            preview.Write(drawn);
            k++;
        }
        preview.Complete();
    }

    /// <summary>Applies a <c>--mask</c> prompt to the session; returns the object ids prompted.</summary>
    private static IReadOnlyList<int> Prompt(VideoSession session, SegmentSettings s)
    {
        LabelMap labels = ReadPromptMask(s.Mask!, session.Width, session.Height);
        IReadOnlyList<int> present = labels.ObjectIds();
        if (present.Count == 1 && s.Object is { } only && present[0] != only)
        {
            // A single-object mask is relabelled to the id asked for.
            session.AddMask(s.Frame, only, labels.MaskOf(present[0]));
            return [only];
        }
        if (s.Object is { } pick)
        {
            if (!present.Contains(pick))
                throw new EdgeSamException($"--object {pick} does not occur in {s.Mask} (ids present: {string.Join(",", present)}).");
            session.AddMask(s.Frame, pick, labels.MaskOf(pick));
            return [pick];
        }
        return session.AddLabels(s.Frame, labels);
    }

    /// <summary>Reads a prompt mask as object ids: palette/grey values are ids; a 0/255 (or any single-value) binary
    /// mask becomes object 1. Fails when it has no object or the wrong size.</summary>
    internal static LabelMap ReadPromptMask(string path, int width, int height)
    {
        LabelMap labels = PngCodec.ReadLabels(path);
        if (labels.Width != width || labels.Height != height)
            throw new EdgeSamException($"mask {path} is {labels.Width}x{labels.Height} but the video is {width}x{height}; give the mask of one frame at the video's size.");
        if (labels.ObjectIds().Count == 0)
        {
            // DAVIS 2016 style 0/255: 255 reads as "void"; it is the object here.
            bool any = false;
            byte[] d = labels.Data;
            for (int i = 0; i < d.Length; i++)
                if (d[i] == LabelMap.Void) { d[i] = 1; any = true; }
            if (!any) throw new EdgeSamException($"mask {path} is empty (all background); mark the object with non-zero pixels.");
        }
        return labels;
    }
}
