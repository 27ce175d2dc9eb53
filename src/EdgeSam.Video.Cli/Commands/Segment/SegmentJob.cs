using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>
/// Segments a whole video with a prompted <see cref="VideoSession"/>: backward from the prompt frame to the start
/// (when it is not frame 0), then forward to the end; writes one palette PNG per frame and optionally an H.264
/// overlay preview. Masks go to <c>&lt;masks&gt;.partial</c> and the folder is renamed to its final name only when
/// every frame is written, so an interrupted run never leaves a folder that looks complete.
/// </summary>
internal sealed class SegmentJob
{
    public required VideoSession Session { get; init; }

    /// <summary>The prompted frame the walks start from.</summary>
    public required int PromptFrame { get; init; }

    /// <summary>Final folder of the mask PNGs (<c>&lt;frame name&gt;.png</c>).</summary>
    public required string MasksDir { get; init; }

    /// <summary>Frames before <see cref="PromptFrame"/> get empty label maps instead of a backward walk (YouTube-VOS:
    /// objects exist from their first annotated frame on).</summary>
    public bool BackgroundBeforePrompt { get; init; }

    /// <summary>Overlay preview video to write, or null for none.</summary>
    public string? PreviewPath { get; init; }

    /// <summary>Called for every frame's result (in the order produced), e.g. to score against ground truth.</summary>
    public Action<FrameResult>? OnFrame { get; init; }

    /// <summary>Statistics of each walk (backward first when there was one).</summary>
    public List<PropagationStats> Stats { get; } = new();

    public int TotalFrames => Session.FrameCount;

    /// <summary>
    /// Previews favour encoding CPU over size: every millisecond ffmpeg spends per frame is taken from the encoder on a
    /// small CPU. x264 "superfast" on one thread at CRF 23 costs about half the CPU of "veryfast" with x264's default
    /// threads (7.6 vs 16 ms per 854x480 DAVIS frame on this 2-core machine) for a ~15% larger file; "ultrafast" would
    /// save ~3 ms more but doubles the size.
    /// </summary>
    public static readonly VideoWriterOptions DefaultPreviewOptions = new(H264Crf: 23, H264Preset: "superfast", H264Threads: 1);

    /// <summary>How the preview is encoded.</summary>
    public VideoWriterOptions PreviewOptions { get; init; } = DefaultPreviewOptions;

    /// <summary>How the mask PNGs are compressed by default.</summary>
    public static readonly PngWriteOptions DefaultMaskPngOptions = PngWriteOptions.Default;

    /// <summary>How the mask PNGs are compressed.</summary>
    public PngWriteOptions MaskPngOptions { get; init; } = DefaultMaskPngOptions;

    public async Task RunAsync(Action<int> progress, CancellationToken cancel)
    {
        string partial = MasksDir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        int done = 0;
        bool promptFrameDone = false; // a backward walk yields the prompt frame too; count it once
        IFrameSource frames = Session.Frames;

        if (PromptFrame > 0 && BackgroundBeforePrompt)
        {
            var empty = new LabelMap(frames.Width, frames.Height);
            for (int k = 0; k < PromptFrame; k++)
            {
                cancel.ThrowIfCancellationRequested();
                PngCodec.WriteLabels(MaskPath(partial, frames.FrameName(k)), empty, MaskPngOptions);
                progress(++done);
            }
        }
        else if (PromptFrame > 0)
        {
            var back = new PropagationStats();
            Stats.Add(back);
            await foreach (FrameResult r in Session.Propagate(PromptFrame, PropagationDirection.Backward, stats: back, cancel: cancel))
            {
                PngCodec.WriteLabels(MaskPath(partial, r.FrameName), r.Labels, MaskPngOptions);
                OnFrame?.Invoke(r);
                progress(++done);
            }
            promptFrameDone = true;
        }

        using VideoWriter? preview = PreviewPath is null ? null
            : VideoWriter.Create(PreviewPath, frames.Width, frames.Height, frames.FrameRate, VideoCodec.H264, PreviewOptions, cancel);
        if (preview is not null && PromptFrame > 0)
        {
            // The preview runs forward: replay the frames before the prompt from the video and the masks just written.
            int k = 0;
            foreach (RgbImage image in frames.Read(0, PromptFrame, cancel))
            {
                LabelMap labels = PngCodec.ReadLabels(MaskPath(partial, frames.FrameName(k++)));
                preview.Write(DrawPreview(image, labels, null));
            }
        }

        var fwd = new PropagationStats();
        Stats.Add(fwd);
        await foreach (FrameResult r in Session.Propagate(PromptFrame, PropagationDirection.Forward, stats: fwd, cancel: cancel))
        {
            PngCodec.WriteLabels(MaskPath(partial, r.FrameName), r.Labels, MaskPngOptions);
            preview?.Write(DrawPreview(r.Image, r.Labels, Markers(r)));
            if (r.FrameIndex != PromptFrame || !promptFrameDone)
            {
                OnFrame?.Invoke(r);
                progress(++done);
            }
        }
        if (done != frames.FrameCount)
            throw new EdgeSamException($"only {done} of the {frames.FrameCount} frames the video reports could be segmented; the video may be truncated.");

        preview?.Complete();
        if (Directory.Exists(MasksDir)) Directory.Delete(MasksDir, recursive: true);
        Directory.Move(partial, MasksDir);
    }

    /// <summary>One reused canvas for the preview: the writer copies each frame into ffmpeg's pipe before the next is
    /// drawn, and the frame itself must stay untouched (the session may go on from it).</summary>
    private RgbImage? _canvas;

    private RgbImage DrawPreview(RgbImage frame, LabelMap labels, IReadOnlyList<OverlayMarker>? markers)
    {
        if (_canvas is null || _canvas.Width != frame.Width || _canvas.Height != frame.Height) _canvas = new RgbImage(frame.Width, frame.Height);
        frame.Pixels.AsSpan().CopyTo(_canvas.Pixels);
        Overlay.DrawInPlace(_canvas, labels, markers);
        return _canvas;
    }

    /// <summary>The tracked query points of every object, hollow where the tracker reports them occluded.</summary>
    private static List<OverlayMarker> Markers(FrameResult r)
    {
        var markers = new List<OverlayMarker>();
        foreach (ObjectFrameResult o in r.Objects)
            foreach (TrackedPromptPoint p in o.Points)
                markers.Add(new OverlayMarker(p.X, p.Y, p.Label == Prompts.PointLabel.Positive, p.Visible));
        return markers;
    }

    private static string MaskPath(string dir, string frameName) => Path.Combine(dir, frameName + ".png");
}
