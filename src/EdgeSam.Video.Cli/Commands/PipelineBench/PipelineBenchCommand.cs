using System.CommandLine;
using System.Diagnostics;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Tracking;
using Spectre.Console;

using EdgeSam.Video.Cli.Commands.Segment;

namespace EdgeSam.Video.Cli.Commands.PipelineBench;

/// <summary>
/// <c>edgesam-video bench pipeline</c>: end-to-end frames/s of the propagation pipeline against its encoder-bound
/// rate; the goal is a ratio of at least 0.9. <c>--workload cost-model</c> (default) puts busy-waiting stand-ins of
/// configurable cost in place of the networks over an in-memory clip, so it measures the scheduling alone (ratio against
/// the encoder stage's busy time in the same run). <c>--workload edgesam|graphcut</c> runs <c>segment</c>'s real
/// pipeline (ONNX models or the graph cut, lk, PNG masks, H.264 preview) against each stage alone: see
/// <see cref="ModelPipelineBench"/>.
/// </summary>
internal static class PipelineBenchCommand
{
    public static Command Create(CliContext ctx)
    {
        var workload = new Option<string>("--workload")
        {
            Description = "cost-model (busy-wait stand-ins: scheduling only), edgesam (segment with EdgeSAM-contract ONNX models: the synthetic " +
                "~40 GFLOP benchmark encoder unless --encoder/--decoder), graphcut (segment's weights-free path).",
            DefaultValueFactory = _ => "cost-model",
        };
        workload.AcceptOnlyFromAmong("cost-model", "edgesam", "graphcut");
        var frames = new Option<int>("--frames") { Description = "Frames of the generated clip.", DefaultValueFactory = _ => 60 };
        var size = new Option<string>("--size") { Description = "Frame size WxH of the generated clip.", DefaultValueFactory = _ => "854x480" };
        var objects = new Option<int>("--objects") { Description = "cost-model: objects tracked at once.", DefaultValueFactory = _ => 1 };
        var encoderMs = new Option<double>("--encoder-ms") { Description = "cost-model: busy time of one encoder run (EdgeSAM, 2 cores: ~220).", DefaultValueFactory = _ => 220 };
        var decoderMs = new Option<double>("--decoder-ms") { Description = "cost-model: busy time of one decoder call (EdgeSAM, 2 cores: ~33).", DefaultValueFactory = _ => 33 };
        var trackerMs = new Option<double>("--tracker-ms") { Description = "cost-model: busy time of one tracker step per object.", DefaultValueFactory = _ => 10 };
        var refine = new Option<int>("--refine") { Description = "cost-model: refinement passes per object and frame.", DefaultValueFactory = _ => 2 };
        var input = new Option<string?>("--input") { Description = "edgesam/graphcut: a video or frame folder instead of the generated clip (with --mask)." };
        var mask = new Option<string?>("--mask") { Description = "edgesam/graphcut: the first frame's mask of --input." };
        var encoder = new Option<string?>("--encoder") { Description = "edgesam: encoder ONNX instead of the synthetic benchmark encoder (with --decoder)." };
        var decoder = new Option<string?>("--decoder") { Description = "edgesam: decoder ONNX (with --encoder)." };
        var repeats = new Option<int>("--repeats") { Description = "edgesam/graphcut: encoder-only, sequential and overlapped runs, repeated in turn (medians reported).", DefaultValueFactory = _ => 3 };
        var noPreview = new Option<bool>("--no-preview") { Description = "edgesam/graphcut: masks only, no H.264 preview." };
        var encThreads = new Option<int?>("--encoder-threads") { Description = "edgesam: ONNX Runtime intra-op threads of the encoder (default: segment's)." };
        var encWorkers = new Option<int?>("--encoder-workers") { Description = "edgesam: frames in the encoder at once, in the job and in the encoder-only run (default: segment's)." };
        var decThreads = new Option<int?>("--decoder-threads") { Description = "edgesam: ONNX Runtime intra-op threads of the decoder (default: segment's)." };
        var spinning = new Option<bool?>("--ort-spinning") { Description = "edgesam: whether idle ONNX Runtime threads spin (default: segment's); true|false." };
        var previewPreset = new Option<string?>("--preview-preset") { Description = "edgesam/graphcut: x264 preset of the preview (default: segment's)." };
        var previewThreads = new Option<int?>("--preview-threads") { Description = "edgesam/graphcut: x264 threads of the preview, 0 = x264's default (default: segment's)." };
        var maskCompression = new Option<string?>("--mask-compression") { Description = "edgesam/graphcut: zlib effort of the mask PNGs: fastest, optimal, smallest (default: segment's)." };
        maskCompression.AcceptOnlyFromAmong("fastest", "optimal", "smallest");
        var cmd = new Command("pipeline",
            "End-to-end frames/s of the propagation pipeline against its encoder-bound rate. edgesam/graphcut: per repeat, in turn on the same frames, " +
            "sessions and threads: the encoder alone (Embed = preprocessing + model; nothing else runs), segment's job with its stages one after another " +
            "(each stage's cost alone), and segment's job as it runs (masks + preview; end-to-end = frames / its wall time). Bound = the slowest stage alone " +
            "(the encoder for EdgeSAM; the tracking + graph-cut stage for the weights-free path); ratio = end-to-end / bound, goal >= 0.9. Also CPU per frame " +
            "of the process and its ffmpeg children, and the encoder's share of it (the best ratio a CPU-bound machine allows; steadier than wall times on a busy machine).");
        foreach (Option o in new Option[] { workload, frames, size, objects, encoderMs, decoderMs, trackerMs, refine, input, mask, encoder, decoder, repeats, noPreview, encThreads, encWorkers, decThreads, spinning, previewPreset, previewThreads, maskCompression })
            cmd.Add(o);
        cmd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var (w, h) = ParseSize(r.GetValue(size)!);
            int? et = r.GetValue(encThreads), dt = r.GetValue(decThreads);
            if (et is < 0 or > 256 || dt is < 0 or > 256)
                throw new EdgeSamException("bench pipeline: --encoder-threads/--decoder-threads take 0 (all cores) .. 256.");
            int? ew = r.GetValue(encWorkers);
            if (ew is < 1 or > 16)
                throw new EdgeSamException($"bench pipeline: --encoder-workers {ew} is out of range; give 1..16 frames.");
            var settings = new PipelineBenchSettings
            {
                Workload = r.GetValue(workload) switch { "edgesam" => PipelineBenchWorkload.EdgeSam, "graphcut" => PipelineBenchWorkload.GraphCut, _ => PipelineBenchWorkload.CostModel },
                Frames = r.GetValue(frames),
                Width = w,
                Height = h,
                Objects = r.GetValue(objects),
                EncoderMs = r.GetValue(encoderMs),
                DecoderMs = r.GetValue(decoderMs),
                TrackerMs = r.GetValue(trackerMs),
                RefinementPasses = r.GetValue(refine),
                Input = r.GetValue(input),
                Mask = r.GetValue(mask),
                Encoder = r.GetValue(encoder),
                Decoder = r.GetValue(decoder),
                Repeats = r.GetValue(repeats),
                Preview = !r.GetValue(noPreview),
                EncoderThreads = et,
                EncoderWorkers = ew,
                DecoderThreads = dt,
                OrtSpinning = r.GetValue(spinning),
                PreviewOptions = r.GetValue(previewPreset) is null && r.GetValue(previewThreads) is null ? null
                    : SegmentJob.DefaultPreviewOptions with
                    {
                        H264Preset = r.GetValue(previewPreset) ?? SegmentJob.DefaultPreviewOptions.H264Preset,
                        H264Threads = r.GetValue(previewThreads) ?? SegmentJob.DefaultPreviewOptions.H264Threads,
                    },
                MaskCompression = r.GetValue(maskCompression) switch
                {
                    "fastest" => System.IO.Compression.CompressionLevel.Fastest,
                    "optimal" => System.IO.Compression.CompressionLevel.Optimal,
                    "smallest" => System.IO.Compression.CompressionLevel.SmallestSize,
                    _ => null,
                },
            };
            return await RunAsync(settings, ctx, ct);
        });
        return cmd;
    }

    internal static async Task<int> RunAsync(PipelineBenchSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.Workload != PipelineBenchWorkload.CostModel)
        {
            if (s.Input is null && s.Frames < 2) throw new EdgeSamException("bench pipeline: --frames must be >= 2.");
            return await ModelPipelineBench.RunAsync(s, ctx, cancel);
        }
        if (s.Frames < 2 || s.Objects is < 1 or > 254 || s.EncoderMs < 0 || s.DecoderMs < 0 || s.TrackerMs < 0 || s.RefinementPasses < 0)
            throw new EdgeSamException("bench pipeline: --frames must be >= 2, --objects 1..254, costs and --refine >= 0.");
        using var clip = new SyntheticClip(s.Width, s.Height, s.Frames);
        var segmenter = new CostSegmenter(clip, s.EncoderMs, s.DecoderMs);
        var tracker = new CostTracker(s.TrackerMs);
        var options = new VideoSegmenterOptions { Sampler = GridSampler, RefinementPasses = s.RefinementPasses, MinMaskScore = 0 };
        using var model = new VideoSegmenter(segmenter, tracker, options, ownsComponents: true);
        using VideoSession session = model.OpenSession(clip);
        Mask first = clip.TruthMask(0);
        for (int id = 1; id <= s.Objects; id++) session.AddMask(0, id, first);
        var stats = new PropagationStats();
        int n = 0;
        await foreach (FrameResult _ in session.Propagate(0, stats: stats, cancel: cancel)) n++;
        double encoderOnly = s.Frames * s.EncoderMs / 1000;
        ConsoleLines.Line(ctx, $"bench pipeline: {s.Width}x{s.Height}, {s.Objects} object(s), cost model encoder {s.EncoderMs} ms, decoder {s.DecoderMs} ms x (1 + {s.RefinementPasses}) per object, tracker {s.TrackerMs} ms per object; {Environment.ProcessorCount} cores");
        ConsoleLines.Line(ctx, $"bench pipeline: encoder alone {encoderOnly:F2} s for {s.Frames} frames; {stats}");
        ConsoleLines.Line(ctx, $"bench pipeline: end-to-end / encoder-bound = {stats.FramesPerSecond / stats.EncoderBoundFramesPerSecond:F3} (goal >= 0.9); " +
            $"end-to-end / nominal encoder cost = {stats.FramesPerSecond * s.EncoderMs / 1000:F3}; peak working set {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
        return n == s.Frames ? 0 : 1;
    }

    private static (int W, int H) ParseSize(string text)
    {
        if (Media.SizeText.TryParse(text) is var (w, h) && w >= 32 && h >= 32 && w <= 8192 && h <= 8192)
            return (w, h);
        throw new EdgeSamException($"--size '{text}' is not WxH (e.g. 854x480, each side 32..8192).");
    }

    /// <summary>Positives on an even grid of mask pixels, negatives on background pixels: cheap and deterministic.</summary>
    private static IReadOnlyList<PromptPoint> GridSampler(Mask mask, RgbImage frame, int positives, int negatives, int seed)
    {
        var pts = new List<PromptPoint>(positives + negatives);
        int area = mask.Area(), bg = mask.Data.Length - area;
        int step = Math.Max(1, area / Math.Max(1, positives)), bstep = Math.Max(1, bg / Math.Max(1, negatives));
        for (int i = 0, k = 0, b = 0; i < mask.Data.Length; i++)
        {
            if (mask.Data[i] != 0 && k++ % step == step / 2 && pts.Count(p => p.Label == PointLabel.Positive) < positives)
                pts.Add(new PromptPoint(i % mask.Width, i / mask.Width, PointLabel.Positive));
            else if (mask.Data[i] == 0 && b++ % bstep == bstep / 2 && pts.Count(p => p.Label == PointLabel.Negative) < negatives)
                pts.Add(new PromptPoint(i % mask.Width, i / mask.Width, PointLabel.Negative));
        }
        return pts;
    }

    private static void Busy(double ms)
    {
        if (ms <= 0) return;
        long end = Stopwatch.GetTimestamp() + (long)(ms * Stopwatch.Frequency / 1000);
        while (Stopwatch.GetTimestamp() < end) Thread.SpinWait(50);
    }

    /// <summary>Busy for the encoder's cost per frame and the decoder's per prompt; returns the clip's true mask.
    /// The bench propagates forward only, so the n-th embedding is frame n.</summary>
    private sealed class CostSegmenter(SyntheticClip clip, double encoderMs, double decoderMs) : IPromptSegmenter
    {
        private int _next;
        public string Name => "cost-model";

        public IFrameEmbedding Embed(RgbImage frame)
        {
            Busy(encoderMs);
            return new Embedding(clip, Interlocked.Increment(ref _next) - 1, decoderMs);
        }

        public void Dispose() { }

        private sealed class Embedding(SyntheticClip clip, int frame, double decoderMs) : IFrameEmbedding
        {
            public int Width => clip.Width;
            public int Height => clip.Height;

            public SegmentationResult Segment(SegmentationPrompt prompt)
            {
                Busy(decoderMs);
                return new SegmentationResult { Mask = clip.TruthMask(Math.Min(frame, clip.FrameCount - 1)), Score = 0.95f };
            }

            public IReadOnlyList<SegmentationResult> Segment(IReadOnlyList<SegmentationPrompt> prompts) => prompts.Select(Segment).ToList();

            public void Dispose() { }
        }
    }

    private sealed class CostTracker(double stepMs) : IPointTracker
    {
        public string Name => "cost-model";
        public float VisibilityThreshold => 0.5f;
        public TrackerMode PreferredMode => TrackerMode.Online;
        public int WindowLength => 1;

        public IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points) => new Track(points.ToArray(), stepMs);

        public TrackedPoint[][] TrackWindow(IReadOnlyList<RgbImage> frames, ReadOnlySpan<QueryPoint> queries) =>
            throw new NotSupportedException("The cost model runs online only.");

        public void Dispose() { }

        private sealed class Track((float X, float Y)[] points, double stepMs) : IPointTrack
        {
            public int PointCount => points.Length;

            public TrackedPoint[] Step(RgbImage frame)
            {
                Busy(stepMs);
                return points.Select(p => new TrackedPoint(p.X, p.Y, 1)).ToArray();
            }

            public void Dispose() { }
        }
    }
}
