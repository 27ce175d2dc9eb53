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
        var export = new Option<string[]>("--export")
        {
            Description = $"Also export the result for compositing, into <out>/export/: {string.Join(", ", Video.Export.ExportFormats.AllNames)} (repeatable).",
            AllowMultipleArgumentsPerToken = true,
        };
        export.AcceptOnlyFromAmong([.. Video.Export.ExportFormats.AllNames]);
        var pipeline = new PipelineOptions();
        var cmd = new Command("segment", "Segment objects through a video from a mask, clicks or a box on one frame.");
        cmd.Add(input);
        foreach (Option o in new Option[] { mask, points, box, frame, obj, output, noPreview, export }) cmd.Add(o);
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
        }, ctx, ct));
        return cmd;
    }

    public static async Task<int> RunAsync(SegmentSettings s, CliContext ctx, CancellationToken cancel)
    {
        int prompts = (s.Mask is null ? 0 : 1) + (s.Points is null ? 0 : 1) + (s.Box is null ? 0 : 1);
        if (prompts != 1)
            throw new EdgeSamException("segment needs exactly one prompt: --mask <png>, --points \"x,y,+;...\" or --box x0,y0,x1,y1.");
        if (s.Object is { } id && id is < 1 or > 254)
            throw new EdgeSamException($"--object {id} is out of range; object ids are 1..254.");
        if (s.Mask is not null && !File.Exists(s.Mask))
            throw new EdgeSamException($"mask not found: {s.Mask}; give a PNG of the prompt frame.");

        // Parse the prompt before anything slow or chatty happens.
        IReadOnlyList<PromptPoint>? points = s.Points is null ? null : PromptParsing.Points(s.Points);
        BoxF? box = s.Box is null ? null : PromptParsing.Box(s.Box);

        using IFrameSource frames = FrameSources.Open(s.Input, cancel: cancel);
        if (s.Frame < 0 || s.Frame >= frames.FrameCount)
            throw new EdgeSamException($"--frame {s.Frame} is outside {s.Input}, which has frames 0..{frames.FrameCount - 1}.");
        if (frames is FrameFolderSource folder && folder.IgnoredFiles.Count > 0)
            ConsoleLines.Line(ctx, $"segment: {folder.FrameCount} frames in {s.Input}; {folder.IgnoredFiles.Count} other image(s) left out, not named like the frames or of another format with a frame's name ({string.Join(", ", folder.IgnoredFiles.Take(3).Select(Path.GetFileName))}{(folder.IgnoredFiles.Count > 3 ? ", ..." : "")})");
        CheckOutputsSpareInputs(s, frames);
        OutputFolder.Ensure(s.Out, "--out");
        // One run per output folder: a second stops here naming the first; then whatever is left of earlier,
        // interrupted runs (staging folders, *.partial-* files) is theirs alone and goes.
        using RunLock claim = RunLock.AcquireFolder(s.Out, "--out");
        RunLock.CleanStale(s.Out);
        RunLock.CleanStale(Path.Combine(s.Out, "export"));

        using VideoSegmenter model = PipelineFactory.Create(s.Pipeline, ctx);
        using VideoSession session = model.OpenSession(frames);
        IReadOnlyList<int> ids = Prompt(session, s, points, box, ctx);
        int restarts = PipelineFactory.Restarts(s.Pipeline, model);
        int parallel = PipelineFactory.ParallelRuns(s.Pipeline, model, restarts);
        ConsoleLines.Line(ctx, $"segment: {s.Input}: {frames.FrameCount} frames {frames.Width}x{frames.Height}, object(s) {string.Join(",", ids)} from frame {s.Frame}; {PipelineFactory.Describe(model, restarts, parallel)}");
        using PipelineFactory.LaneModelSet lanes = PipelineFactory.CreateLaneModels(s.Pipeline, parallel);

        var job = new SegmentJob
        {
            Session = session,
            PromptFrame = s.Frame,
            MasksDir = Path.Combine(s.Out, "masks"),
            PreviewPath = s.Preview ? Path.Combine(s.Out, "preview.mp4") : null,
            Restarts = restarts,
            LaneModels = lanes.Models,
        };
        await ProgressReporter.RunAsync(ctx, "segment", job.TotalFrames, async progress =>
        {
            await job.RunAsync(progress, cancel);
            return 0;
        });
        foreach (PropagationStats st in job.Stats) ConsoleLines.Line(ctx, $"segment: {st}");
        if (job.RestartScores.Count > 0) ConsoleLines.Line(ctx, $"segment: {SegmentJob.DescribeRestarts(job)}");
        ConsoleLines.Line(ctx, $"segment: masks in {job.MasksDir}{(job.PreviewPath is null ? "" : $", preview {job.PreviewPath}")}");
        foreach (Video.Export.ExportFormat format in s.Export)
        {
            // The masks are complete on disk now; each export reads them back like `edgesam-video export` would.
            Video.Export.ExportResult result = Video.Export.RotoExporter.Export(
                new Video.Export.ExportRequest(job.MasksDir, format, Path.Combine(s.Out, "export"), Frames: s.Input), null, cancel);
            ConsoleLines.Line(ctx, $"segment: exported {Video.Export.ExportFormats.Name(format)}: {result.Files.Count} file(s) in {Path.Combine(s.Out, "export")}");
        }
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

    /// <summary>Applies the prompt to the session; returns the object ids prompted.</summary>
    private static IReadOnlyList<int> Prompt(VideoSession session, SegmentSettings s, IReadOnlyList<PromptPoint>? pts, BoxF? box, CliContext ctx)
    {
        int id = s.Object ?? 1;
        if (pts is not null)
        {
            foreach (var p in pts)
                if (p.X < 0 || p.Y < 0 || p.X > session.Width - 1 || p.Y > session.Height - 1)
                    throw new EdgeSamException($"--points: ({p.X}, {p.Y}) lies outside the {session.Width}x{session.Height} frame.");
            if (session.AddPoints(s.Frame, id, pts).IsEmpty)
                throw new EdgeSamException($"--points: the segmenter found no object at those points on frame {s.Frame}; click inside the object ('+') and on its background ('-').");
            return [id];
        }
        if (box is { } b)
        {
            if (b.X0 < 0 || b.Y0 < 0 || b.X1 > session.Width - 1 || b.Y1 > session.Height - 1)
                throw new EdgeSamException($"--box: ({b.X0}, {b.Y0})-({b.X1}, {b.Y1}) leaves the {session.Width}x{session.Height} frame.");
            Mask got = session.AddBox(s.Frame, id, b);
            if (got.IsEmpty)
                throw new EdgeSamException($"--box: the segmenter found no object in that box on frame {s.Frame}; draw the box tightly around the object.");
            if (BoxPrompts.SmallMaskNote(got, b) is { } note) ConsoleLines.Note(ctx, $"--box: {note}");
            return [id];
        }
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
