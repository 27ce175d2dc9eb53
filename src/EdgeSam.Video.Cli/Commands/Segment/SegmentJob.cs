using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>
/// Segments a whole video with a prompted <see cref="VideoSession"/>: backward from the prompt frame to the start
/// (when it is not frame 0), then forward to the end; writes one palette PNG per frame and optionally an H.264
/// overlay preview. Masks go to <c>&lt;masks&gt;.partial</c> and the folder is renamed to its final name only when
/// every frame is written, so an interrupted run never leaves a folder that looks complete.
/// With <see cref="Restarts"/> above 1 the whole video is segmented that many times, under sampler seeds
/// <see cref="VideoSession.SamplerSeed"/>, +1, ... (each into <c>&lt;masks&gt;.restart&lt;k&gt;.partial</c>; several at once on
/// forks of the session when <see cref="LaneModels"/> are given), and the run whose
/// masks keep the prompt's colours best (<see cref="RunAppearanceConsistency"/>) becomes the result; the preview and
/// <see cref="OnLabels"/> then replay that run from its masks (and, for the preview, its tracked points, kept per
/// frame while the runs go: a few dozen points a frame).
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

    /// <summary>Overlay preview video to write, or null for none. Frames where an object is flagged for review
    /// (<see cref="FrameConfidence.Review"/>) get a red border.</summary>
    public string? PreviewPath { get; init; }

    /// <summary>Where to write the kept run's <see cref="SegmentationReport"/> (atomically, before the masks folder
    /// appears, so finished masks always have their report), or null for none.</summary>
    public string? ReportPath { get; init; }

    /// <summary>The kept run's per-frame confidence, once <see cref="RunAsync"/> has finished.</summary>
    public SegmentationReport Report { get; private set; } = new();

    /// <summary>Called with every frame result a run produces, after its mask (and preview frame) is written; with
    /// restarts, every run's, in the order produced (the kept result comes through <see cref="OnLabels"/>).</summary>
    public Action<FrameResult>? OnFrame { get; init; }

    /// <summary>Called once per frame with the labels written for it (frame index, frame name, labels), e.g. to score
    /// against ground truth; in the order produced (with restarts: in frame order, once the chosen run is known).</summary>
    public Action<int, string, LabelMap>? OnLabels { get; init; }

    /// <summary>Whole-video runs under successive sampler seeds, the most appearance-consistent kept (1 = one run).</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>
    /// Models of their own (segmenter and tracker each; see <see cref="VideoSession.Fork"/>) on which restarts run
    /// beside <see cref="Session"/>'s: up to <c>LaneModels.Count + 1</c> restarts at a time, each lane taking the next
    /// seed when it is done with one. The result is the same as one after another: each seed's run depends on the seed
    /// alone, and ties go to the lower seed. Owned by the caller. Empty: one run at a time.
    /// </summary>
    public IReadOnlyList<VideoSegmenter> LaneModels { get; init; } = [];

    /// <summary>Each restart's <see cref="RunAppearanceConsistency.Score"/>, in seed order, once <see cref="RunAsync"/>
    /// has finished with restarts (empty for a single run).</summary>
    public IReadOnlyList<double> RestartScores => _restartScores;

    /// <summary>Index of the restart whose masks were kept (0 for a single run).</summary>
    public int ChosenRestart { get; private set; }

    private readonly List<double> _restartScores = new();

    /// <summary>Statistics of each walk (backward first when there was one).</summary>
    public List<PropagationStats> Stats { get; } = new();

    /// <summary>Frames to process in all: the video's once per restart (what progress counts to).</summary>
    public int TotalFrames => Session.FrameCount * Restarts;

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
        if (Restarts < 1) throw new ArgumentOutOfRangeException(nameof(Restarts), Restarts, "Must be at least 1.");
        string final = MasksDir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        string partial = final + ".partial";
        // Left by an interrupted earlier job: never complete, never reused.
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        DeleteRestartFolders(final);
        _restartScores.Clear();
        ChosenRestart = 0;

        if (Restarts == 1)
        {
            int done = 0;
            var report = new SegmentationReport();
            await RunOnceAsync(Session, partial, PreviewPath, OnLabels, null, report, () => progress(++done), new Lock(), cancel);
            Report = report;
            WriteReport();
            MoveInto(partial, final);
            return;
        }

        int baseSeed = Session.SamplerSeed;
        var scores = new double[Restarts];
        // The best run so far (its folder is the only finished one kept on disk) and the preview's point markers of it
        // (a few dozen points per frame). Ties go to the lower seed, the one a single run would have used, whatever the
        // order the lanes finish in.
        string? bestDir = null;
        int bestK = -1;
        List<OverlayMarker>[]? bestMarkers = null;
        SegmentationReport? bestReport = null;
        var gate = new Lock();
        int next = 0, frames = 0;
        void Tick() => progress(++frames); // RunOnceAsync holds the gate

        async Task Lane(VideoSession session, CancellationToken cancel)
        {
            for (int k; (k = Interlocked.Increment(ref next) - 1) < Restarts;)
            {
                cancel.ThrowIfCancellationRequested();
                session.SamplerSeed = baseSeed + k;
                string dir = $"{final}.restart{k}.partial";
                var score = new RunAppearanceConsistency();
                List<OverlayMarker>[]? markers = PreviewPath is null ? null : new List<OverlayMarker>[Session.FrameCount];
                var report = new SegmentationReport();
                await RunOnceAsync(session, dir, null, null, score, report, Tick, gate, cancel, markers);
                double sk = score.Score;
                string? loser;
                lock (gate)
                {
                    scores[k] = sk;
                    if (bestK < 0 || sk > scores[bestK] || (sk == scores[bestK] && k < bestK))
                    {
                        loser = bestDir;
                        (bestDir, bestK, bestMarkers, bestReport) = (dir, k, markers, report);
                    }
                    else loser = dir;
                }
                if (loser is not null) Directory.Delete(loser, recursive: true);
            }
        }

        var forks = new List<VideoSession>();
        try
        {
            foreach (VideoSegmenter model in LaneModels.Take(Restarts - 1)) forks.Add(Session.Fork(model));
            // The job's own session is one lane, each fork another on the thread pool; a lane takes the next restart
            // when it is done with one. A lane that fails stops the others, and its error (not their cancellation) is
            // what the caller sees.
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            async Task Guarded(VideoSession session)
            {
                try { await Lane(session, linked.Token); }
                catch { linked.Cancel(); throw; }
            }
            var lanes = new List<Task> { Guarded(Session) };
            foreach (VideoSession fork in forks) lanes.Add(Task.Run(() => Guarded(fork)));
            try { await Task.WhenAll(lanes); }
            catch
            {
                Exception? first = lanes.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions)
                    .FirstOrDefault(e => e is not OperationCanceledException);
                if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
                throw;
            }
        }
        catch
        {
            DeleteRestartFolders(final);
            throw;
        }
        finally
        {
            foreach (VideoSession fork in forks) fork.Dispose();
            Session.SamplerSeed = baseSeed;
        }
        _restartScores.AddRange(scores);
        ChosenRestart = bestK;
        Report = bestReport!;
        if (PreviewPath is not null || OnLabels is not null) Replay(bestDir!, bestMarkers, cancel);
        WriteReport();
        MoveInto(bestDir!, final);
    }

    private void WriteReport()
    {
        if (ReportPath is not null) Report.WriteJson(ReportPath);
    }

    /// <summary>One line: each restart's seed and score, and which was kept.</summary>
    public static string DescribeRestarts(SegmentJob job)
    {
        int seed = job.Session.SamplerSeed;
        var parts = job.RestartScores.Select((s, k) => $"seed {seed + k} {s:F3}{(k == job.ChosenRestart ? " (kept)" : "")}");
        return $"appearance consistency of the {job.RestartScores.Count} runs: {string.Join(", ", parts)}";
    }

    /// <summary>Removes every run folder (<c>&lt;final&gt;.restart&lt;k&gt;.partial</c>) beside <paramref name="final"/>.</summary>
    private static void DeleteRestartFolders(string final)
    {
        string? parent = Path.GetDirectoryName(Path.GetFullPath(final));
        if (parent is null || !Directory.Exists(parent)) return;
        foreach (string dir in Directory.GetDirectories(parent, Path.GetFileName(final) + ".restart*.partial"))
            Directory.Delete(dir, recursive: true);
    }

    private static void MoveInto(string from, string final)
    {
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(from, final);
    }

    /// <summary>Writes the preview and calls <see cref="OnLabels"/> from the chosen run's masks, frame by frame.</summary>
    private void Replay(string masksDir, List<OverlayMarker>[]? markers, CancellationToken cancel)
    {
        IFrameSource frames = Session.Frames;
        using VideoWriter? preview = PreviewPath is null ? null
            : VideoWriter.Create(PreviewPath, frames.Width, frames.Height, frames.FrameRate, VideoCodec.H264, PreviewOptions, cancel);
        int k = 0;
        foreach (RgbImage image in frames.Read(0, frames.FrameCount, cancel))
        {
            string name = frames.FrameName(k);
            LabelMap labels = PngCodec.ReadLabels(MaskPath(masksDir, name));
            preview?.Write(DrawPreview(image, labels, markers?[k], Report.IsFlagged(k)));
            OnLabels?.Invoke(k, name, labels);
            k++;
        }
        if (k != frames.FrameCount)
            throw new EdgeSamException($"only {k} of the {frames.FrameCount} frames the video reports could be read again for the preview; the video may be truncated.");
        preview?.Complete();
    }

    /// <summary>One run of <paramref name="session"/> over the whole video into <paramref name="partial"/> (created here,
    /// left in place). <paramref name="tick"/> is called once per frame written; it, <see cref="OnFrame"/> and
    /// <see cref="Stats"/> are used under <paramref name="gate"/>, which runs going on side by side share.</summary>
    private async Task RunOnceAsync(VideoSession session, string partial, string? previewPath, Action<int, string, LabelMap>? onLabels,
        RunAppearanceConsistency? score, SegmentationReport report, Action tick, Lock gate, CancellationToken cancel, List<OverlayMarker>[]? markers = null)
    {
        Directory.CreateDirectory(partial);
        int done = 0;
        // Completion is counted in distinct files written, not frames processed: frames whose names collide would
        // leave fewer masks than frames behind a count that looks complete.
        var written = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        void Write(string frameName, LabelMap labels)
        {
            string path = MaskPath(partial, frameName);
            PngCodec.WriteLabels(path, labels, MaskPngOptions);
            written.Add(path);
        }
        bool promptFrameDone = false; // a backward walk yields the prompt frame too; count it once
        // A frame's result once its mask is written: to the callbacks, the score, the kept markers and the progress.
        void Emit(FrameResult r)
        {
            onLabels?.Invoke(r.FrameIndex, r.FrameName, r.Labels);
            score?.Add(r);
            report.Add(r);
            if (markers is not null) markers[r.FrameIndex] = Markers(r);
            done++;
            lock (gate)
            {
                OnFrame?.Invoke(r);
                tick();
            }
        }
        IFrameSource frames = session.Frames;

        if (PromptFrame > 0 && BackgroundBeforePrompt)
        {
            var empty = new LabelMap(frames.Width, frames.Height);
            for (int k = 0; k < PromptFrame; k++)
            {
                cancel.ThrowIfCancellationRequested();
                Write(frames.FrameName(k), empty);
                done++;
                lock (gate) tick();
            }
        }
        else if (PromptFrame > 0)
        {
            var back = new PropagationStats();
            lock (gate) Stats.Add(back);
            await foreach (FrameResult r in session.Propagate(PromptFrame, PropagationDirection.Backward, stats: back, cancel: cancel))
            {
                Write(r.FrameName, r.Labels);
                Emit(r);
            }
            promptFrameDone = true;
        }

        using VideoWriter? preview = previewPath is null ? null
            : VideoWriter.Create(previewPath, frames.Width, frames.Height, frames.FrameRate, VideoCodec.H264, PreviewOptions, cancel);
        if (preview is not null && PromptFrame > 0)
        {
            // The preview runs forward: replay the frames before the prompt from the video and the masks just written.
            int k = 0;
            foreach (RgbImage image in frames.Read(0, PromptFrame, cancel))
            {
                LabelMap labels = PngCodec.ReadLabels(MaskPath(partial, frames.FrameName(k)));
                preview.Write(DrawPreview(image, labels, null, report.IsFlagged(k)));
                k++;
            }
        }

        var fwd = new PropagationStats();
        lock (gate) Stats.Add(fwd);
        await foreach (FrameResult r in session.Propagate(PromptFrame, PropagationDirection.Forward, stats: fwd, cancel: cancel))
        {
            Write(r.FrameName, r.Labels);
            preview?.Write(DrawPreview(r.Image, r.Labels, Markers(r), r.Objects.Any(o => o.Confidence?.Review == true)));
            if (r.FrameIndex != PromptFrame || !promptFrameDone)
            {
                Emit(r);
            }
        }
        if (done != frames.FrameCount)
            throw new EdgeSamException($"only {done} of the {frames.FrameCount} frames the video reports could be segmented; the video may be truncated.");
        if (written.Count != frames.FrameCount)
            throw new EdgeSamException($"{written.Count} mask files were written for {frames.FrameCount} frames: frame names collide; give the frames distinct names.");

        preview?.Complete();
    }

    /// <summary>Border of a frame flagged for review in the preview: thick enough to see at a glance in a playing video
    /// (about 1% of a 480-line frame), pure red.</summary>
    internal const int ReviewBorder = 6;
    internal static readonly (byte R, byte G, byte B) ReviewBorderColour = (255, 0, 0);

    /// <summary>One reused canvas for the preview: the writer copies each frame into ffmpeg's pipe before the next is
    /// drawn, and the frame itself must stay untouched (the session may go on from it).</summary>
    private RgbImage? _canvas;

    private RgbImage DrawPreview(RgbImage frame, LabelMap labels, IReadOnlyList<OverlayMarker>? markers, bool review)
    {
        if (_canvas is null || _canvas.Width != frame.Width || _canvas.Height != frame.Height) _canvas = new RgbImage(frame.Width, frame.Height);
        frame.Pixels.AsSpan().CopyTo(_canvas.Pixels);
        Overlay.DrawInPlace(_canvas, labels, markers);
        if (review) Overlay.DrawFrameBorder(_canvas, ReviewBorder, ReviewBorderColour);
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
