using System.CommandLine;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>Which prompt segmenter to run.</summary>
internal enum SegmenterChoice
{
    /// <summary>EdgeSAM when its models are installed, else the graph cut (saying so).</summary>
    Auto,
    EdgeSam,
    GraphCut,
}

/// <summary>Compute device for the ONNX parts.</summary>
internal enum DeviceChoice
{
    Cpu,
    Cuda,
    TensorRt,
}

/// <summary>Which EdgeSAM weights (models/manifest.json families).</summary>
internal enum EdgeSamVariant
{
    /// <summary><c>edge_sam_3x</c>: the authors' recommended, 3x-distilled weights.</summary>
    EdgeSam3x,
    /// <summary><c>edge_sam</c>: the original weights.</summary>
    EdgeSam,
}

/// <summary>The pipeline settings shared by <c>segment</c>, <c>run davis|ytvos</c> and <c>demo</c>.</summary>
internal sealed record PipelineSettings
{
    /// <summary>Tracker name as on the command line (lk, xfeat, onnx-window, tapir).</summary>
    public string Tracker { get; init; } = "lk";
    public string? TrackerModel { get; init; }
    public SegmenterChoice Segmenter { get; init; } = SegmenterChoice.Auto;
    public DeviceChoice Device { get; init; } = DeviceChoice.Cpu;
    /// <summary>Diagnostics for developers (per-stage busy time and thread CPU) besides the user's lines.</summary>
    public bool Verbose { get; init; }
    public EdgeSamVariant EdgeSamVariant { get; init; } = EdgeSamVariant.EdgeSam3x;
    /// <summary>Explicit EdgeSAM encoder / decoder files (else the model store).</summary>
    public string? EncoderPath { get; init; }
    public string? DecoderPath { get; init; }
    public Segmentation.MaskSelection MaskSelection { get; init; } = Segmentation.MaskSelection.Single;
    /// <summary>Refinement passes; null = the pipeline default for the chosen segmenter.</summary>
    public int? RefinementPasses { get; init; }
    public ReinitMode Reinit { get; init; } = ReinitMode.Every;
    /// <summary>Frames between re-initialisations; null = the pipeline default for the chosen segmenter.</summary>
    public int? ReinitHorizon { get; init; }
    /// <summary>Seed of the query-point sampler (<see cref="VideoSegmenterOptions.Seed"/>): the K-Medoids subsample and
    /// the random share of mixed sampling. Runs with one seed are reproducible; other seeds show the run-to-run spread.</summary>
    public int Seed { get; init; }
    /// <summary>Whole-video runs under seeds Seed, Seed + 1, ..., the most appearance-consistent kept; null = the
    /// pipeline default for the chosen segmenter (see <see cref="PipelineFactory.Restarts"/>).</summary>
    public int? Restarts { get; init; }
    /// <summary>Restarts run at a time, each on a model of its own; null = the pipeline default (see
    /// <see cref="PipelineFactory.ParallelRuns"/>).</summary>
    public int? ParallelRuns { get; init; }
    /// <summary>Early re-initialisation below this visible fraction of positives (0 = off, SAM-PT). Off: with the
    /// previous-mask prior (graphcut + lk, 10 DAVIS 2016 val sequences, full length) J&amp;F 0.455 with 0.5, 0.472 off
    /// (an earlier measurement without the prior, first 30 frames only, had favoured 0.5).</summary>
    public float ReinitBelowVisible { get; init; }
    /// <summary>Try to pick up objects whose points were all lost (see VideoSegmenterOptions.RecoverLostObjects). On:
    /// graphcut + lk on the 10 DAVIS 2016 val sequences, J&amp;F 0.358 off, 0.369 on. null = per segmenter (graph cut on,
    /// EdgeSAM off as SAM-PT until measured with the real model).</summary>
    public bool? RecoverLost { get; init; }
    /// <summary>Negative query points per object; null = the pipeline default for the chosen segmenter.</summary>
    public int? NegativePoints { get; init; }
    /// <summary>Where negatives are drawn; null = the pipeline default for the chosen segmenter.</summary>
    public NegativeRegion? NegativeRegion { get; init; }
    /// <summary>Previous mask (moved by the points' median motion) as the segmenter's prior; null = per segmenter.</summary>
    public bool? PreviousMaskPrior { get; init; }
    /// <summary>Positive inset (fraction of sqrt(mask area)); null = per segmenter.</summary>
    public float? PositiveInset { get; init; }
    /// <summary>Negative inset (fraction of sqrt(mask area)); null = per segmenter.</summary>
    public float? NegativeInset { get; init; }
    /// <summary>ONNX Runtime intra-op threads of the EdgeSAM encoder; null = <see cref="PipelineFactory"/>'s default.</summary>
    public int? EncoderThreads { get; init; }
    /// <summary>Frames the EdgeSAM encoder embeds at once; null = <see cref="PipelineFactory"/>'s default.</summary>
    public int? EncoderWorkers { get; init; }
    /// <summary>ONNX Runtime intra-op threads of the EdgeSAM decoder; null = <see cref="PipelineFactory"/>'s default.</summary>
    public int? DecoderThreads { get; init; }
    /// <summary>Whether idle ONNX Runtime threads spin; null = <see cref="PipelineFactory"/>'s default.</summary>
    public bool? OrtSpinning { get; init; }
    /// <summary>How lk/xfeat carry the points LK lost; null = the pipeline's default.</summary>
    public Trackers.Lk.LostPointMotion? LostMotion { get; init; }
    /// <summary>Dense re-acquisition of lost points (lk/xfeat); null = the pipeline's default.</summary>
    public bool? DenseReacquire { get; init; }
    /// <summary>onnx-window: window length T, overlap and model input size; null = from the model (dimensions, metadata).</summary>
    public int? WindowLength { get; init; }
    public int? WindowOverlap { get; init; }
    public (int Width, int Height)? WindowSize { get; init; }
    /// <summary>How the previous mask is carried onto the next frame; null = per segmenter.</summary>
    public PriorMotion? PriorMotion { get; init; }
    /// <summary>Point gate (fraction of sqrt(mask area), 0 = off); null = per segmenter.</summary>
    public float? PointGate { get; init; }
    /// <summary>Least IoU with the carried mask (0 = off); null = per segmenter.</summary>
    public float? PriorAgreement { get; init; }
    /// <summary>Show a recovered object's mask on the frame it was found; null = per segmenter.</summary>
    public bool? ShowRecovered { get; init; }
    /// <summary>With --prior-motion dense: intersect the backward warp with a forward splat.</summary>
    public bool DenseSplat { get; init; }
    /// <summary>Give the segmenter the prompt frame's mask as an appearance reference; null = per segmenter.</summary>
    public bool? ReferenceAppearance { get; init; }
    /// <summary>Give the segmenter the object's motion as evidence; null = per segmenter.</summary>
    public bool? MotionEvidence { get; init; }
    /// <summary>Search for lost objects by their prompt's colours (VideoSegmenterOptions.Redetect); null = per segmenter
    /// (graph cut on, EdgeSAM off as SAM-PT until measured with the real model).</summary>
    public bool? Redetect { get; init; }
    /// <summary>Track the prompts' clicks as query points through their walks (VideoSegmenterOptions.TrackClicks).</summary>
    public bool TrackClicks { get; init; } = true;
}

/// <summary>The command-line options behind <see cref="PipelineSettings"/>.</summary>
internal sealed class PipelineOptions
{
    public static readonly string[] TrackerNames = Trackers.TrackerKinds.All.Select(k => Trackers.TrackerKinds.CliName(k)).ToArray();

    private readonly Option<string> _tracker = new("--tracker")
    {
        Description = "Point tracker: lk (pyramidal Lucas-Kanade, no weights), xfeat, onnx-window, tapir.",
        DefaultValueFactory = _ => "lk",
    };
    private readonly Option<string?> _trackerModel = new("--tracker-model") { Description = "ONNX file of the tracker (xfeat, onnx-window, tapir)." };
    private readonly Option<string?> _lostMotion = new("--lost-motion")
    {
        Description = "lk/xfeat: how points LK lost are carried: group (the kept points' similarity motion; the pipeline's default, measured best for J&F) or dense-flow (coarse dense optical flow at the point).",
    };
    private readonly Option<string?> _denseReacquire = new("--dense-reacquire")
    {
        Description = "lk/xfeat: on|off: declare a lost point visible again where the dense flow round-trips and moves with the group (with --lost-motion dense-flow only). Default: the tracker's own (lk on, xfeat off).",
    };
    private readonly Option<int?> _windowLength = new("--window-length") { Description = "onnx-window: frames per window T, for a model whose T is dynamic (default: its metadata window_length)." };
    private readonly Option<int?> _windowOverlap = new("--window-overlap") { Description = "onnx-window: frames shared by consecutive windows (default: its metadata window_overlap, else T/2)." };
    private readonly Option<string?> _windowSize = new("--window-size") { Description = "onnx-window: model input WxH, for a model whose H and W are dynamic (default: its metadata input_size, else the frame size)." };
    private readonly Option<string> _segmenter = new("--segmenter")
    {
        Description = "Prompt segmenter: edgesam or graphcut (weights-free). Default: EdgeSAM when installed, else graphcut.",
        DefaultValueFactory = _ => "auto",
    };
    private readonly Option<string> _device = new("--device") { Description = "cpu, cuda or tensorrt: where the ONNX models (EdgeSAM, xfeat/onnx-window/tapir trackers) run; the GPU needs CUDA 13 + cuDNN 9 (TensorRT 10 for tensorrt).", DefaultValueFactory = _ => "cpu" };
    private readonly Option<bool> _verbose = new("--verbose") { Description = "Also print diagnostics: per-stage busy time and thread CPU of each pass." };
    private readonly Option<string> _edgesamModel = new("--edgesam-model") { Description = "EdgeSAM weights: edge_sam_3x (default) or edge_sam.", DefaultValueFactory = _ => "edge_sam_3x" };
    private readonly Option<string?> _encoder = new("--encoder") { Description = "EdgeSAM encoder ONNX file (instead of the model store)." };
    private readonly Option<string?> _decoder = new("--decoder") { Description = "EdgeSAM decoder ONNX file (instead of the model store)." };
    private readonly Option<string> _maskSelection = new("--mask-output") { Description = "EdgeSAM mask: single (SAM's single-mask output, default) or best (best of 3 by stability score).", DefaultValueFactory = _ => "single" };
    private readonly Option<int?> _refine = new("--refine") { Description = "Refinement passes per object and frame (box + points), default per segmenter." };
    private readonly Option<string> _reinit = new("--reinit")
    {
        Description = "Point re-initialisation: every (SAM-PT-reinit, default), similar-area, none.",
        DefaultValueFactory = _ => "every",
    };
    private readonly Option<int?> _horizon = new("--reinit-horizon") { Description = "Frames between re-initialisations (default 8 as SAM-PT; 5 with graphcut and --reinit every)." };
    private readonly Option<int> _seed = new("--seed") { Description = "Seed of the query-point sampling (K-Medoids subsample, random points): a run is reproducible for one seed; scores over several seeds show the spread.", DefaultValueFactory = _ => 0 };
    private readonly Option<int?> _restarts = new("--restarts")
    {
        Description = "Segment the whole video this many times, under seeds --seed, --seed+1, ..., and keep the run whose masks keep the prompt's colours best (no ground truth needed); costs that many times the time. Default per segmenter: " + PipelineFactory.DefaultRestartsGraphCutText + " for graphcut, 1 for EdgeSAM.",
    };
    private readonly Option<int?> _parallelRuns = new("--parallel-runs")
    {
        Description = "With --restarts above 1: how many runs go on at once, each with its own segmenter and tracker (same result as one after another). Default: the processor count, at most the restarts, for graphcut (one run keeps about one core busy); 1 for EdgeSAM, whose encoder already uses every core.",
    };
    private readonly Option<bool?> _recover = new("--recover-lost")
    {
        Description = "With --reinit every: on a frame where the object is lost (no visible positive point; the frame stays empty), decode from the tracked positions anyway and re-sample the points if that finds an object of about its size. Default per segmenter: on for graphcut, off (SAM-PT) for EdgeSAM; --recover-lost true|false.",
    };
    private readonly Option<float> _reinitVisible = new("--reinit-below-visible")
    {
        Description = "With --reinit every: also re-initialise on a frame where fewer than this fraction of positive points are visible (0 = off, as SAM-PT).",
        DefaultValueFactory = _ => 0f,
    };

    private readonly Option<int?> _negatives = new("--negatives") { Description = "Negative query points per object (default per segmenter: EdgeSAM 1 as SAM-PT, graphcut 8)." };
    private readonly Option<string> _negativeRegion = new("--negative-region")
    {
        Description = "Where negatives are drawn: background (anywhere, SAM-PT), near-object (a band around the mask), auto (per segmenter: EdgeSAM background, graphcut near-object).",
        DefaultValueFactory = _ => "auto",
    };

    private readonly Option<string> _prior = new("--prior")
    {
        Description = "Give the segmenter the object's previous mask, moved by the tracked points' median motion, as a prior: on, off, auto (per segmenter).",
        DefaultValueFactory = _ => "auto",
    };

    private readonly Option<float?> _inset = new("--positive-inset")
    {
        Description = "Draw positives from the mask eroded by this fraction of sqrt(mask area), away from a leaky border (default per segmenter; 0 = whole mask as SAM-PT).",
    };

    private readonly Option<float?> _negInset = new("--negative-inset")
    {
        Description = "With near-object negatives: keep them this fraction of sqrt(mask area) away from the mask (default per segmenter: graphcut 0.15, so a negative does not land on a part the mask missed; 0 = band starts at the mask).",
    };

    private readonly Option<int?> _encoderThreads = new("--encoder-threads")
    {
        Description = "EdgeSAM encoder's ONNX Runtime threads (default: all cores; on a machine other programs keep busy, fewer can be faster).",
    };

    private readonly Option<int?> _encoderWorkers = new("--encoder-workers")
    {
        Description = "Frames the EdgeSAM encoder works on at once, each with --encoder-threads threads (default on a CPU: 2 frames with half the cores each, so the encoder never waits for a thread the tracker or mask writer holds; 1 on a GPU).",
    };

    private readonly Option<int?> _decoderThreads = new("--decoder-threads")
    {
        Description = "EdgeSAM decoder's ONNX Runtime threads (default: 1 on up to 4 cores, where it runs beside the encoder; else all cores).",
    };

    private readonly Option<string> _priorMotion = new("--prior-motion")
    {
        Description = "How the previous mask is carried onto the next frame (for --prior and --point-gate): points (median motion of the tracked points), appearance (the translation and scale that best match the object's pixels, searched around it), dense (pixel by pixel along a dense optical flow searched around the appearance motion), auto (per segmenter: EdgeSAM points, graphcut appearance).",
        DefaultValueFactory = _ => "auto",
    };

    private readonly Option<float?> _pointGate = new("--point-gate")
    {
        Description = "Leave out of the decode the positives lying more than this fraction of sqrt(mask area) outside the carried previous mask, and the negatives that deep inside it (default per segmenter: EdgeSAM 0 = off as SAM-PT, graphcut 0.1).",
    };

    private readonly Option<float?> _priorAgreement = new("--prior-agreement")
    {
        Description = "A decoded mask with IoU below this against the carried previous mask is taken for a segmenter failure: the carried mask is kept instead and no re-init samples from it (default per segmenter: EdgeSAM 0 = off as SAM-PT, graphcut 0.3).",
    };

    private readonly Option<bool> _denseSplat = new("--dense-splat")
    {
        Description = "With --prior-motion dense: keep only the carried mask's pixels some object pixel of the previous frame moves onto (a second, forward flow), so background uncovered behind a moving object keeps no trail of mask (a second flow per object and frame). Off by default: graph cut + lk on DAVIS 2016 val J&F 0.528 with it, 0.525 without.",
    };

    private readonly Option<bool?> _showRecovered = new("--show-recovered")
    {
        Description = "With --recover-lost: on the frame where a lost object is found again, write the found mask instead of an empty one (default per segmenter: on for graphcut, off as SAM-PT for EdgeSAM); --show-recovered true|false.",
    };

    private readonly Option<bool?> _reference = new("--reference-appearance")
    {
        Description = "Give the segmenter the object's prompted mask as a reference of its appearance on every frame (the graph cut keeps that frame's object colours; EdgeSAM ignores it). Default per segmenter: on for graphcut; --reference-appearance true|false.",
    };

    private readonly Option<bool?> _redetect = new("--redetect")
    {
        Description = "With --reinit every: when an object is lost (no mask, or a mask of its prompt's background colours), look for it by the colours of its prompt and re-seed it where found. Default per segmenter: on for graphcut, off (SAM-PT) for EdgeSAM; --redetect true|false.",
    };
    private readonly Option<bool> _trackClicks = new("--track-clicks")
    {
        Description = "Track the clicks of a points prompt or a correction as query points through the walks from it, kept across re-initialisations while the tracker sees them (SAM-PT's interactive mode); --track-clicks false re-samples every point from the mask.",
        DefaultValueFactory = _ => true,
    };
    private readonly Option<bool?> _motionEvidence = new("--motion-evidence")
    {
        Description = "Tell the segmenter where the flow around the object moves like the object and where like its background (the graph cut adds it to its colour costs; EdgeSAM ignores it). Default per segmenter: on for graphcut; --motion-evidence true|false.",
    };

    public PipelineOptions()
    {
        _tracker.AcceptOnlyFromAmong(TrackerNames);
        _segmenter.AcceptOnlyFromAmong("auto", "edgesam", "graphcut");
        _device.AcceptOnlyFromAmong("cpu", "cuda", "tensorrt");
        _edgesamModel.AcceptOnlyFromAmong("edge_sam_3x", "edge_sam");
        _maskSelection.AcceptOnlyFromAmong("single", "best");
        _reinit.AcceptOnlyFromAmong("every", "similar-area", "none");
        _negativeRegion.AcceptOnlyFromAmong("auto", "background", "near-object");
        _prior.AcceptOnlyFromAmong("auto", "on", "off");
        _priorMotion.AcceptOnlyFromAmong("auto", "points", "appearance", "dense");
    }

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { _tracker, _trackerModel, _lostMotion, _denseReacquire, _windowLength, _windowOverlap, _windowSize, _segmenter, _device, _edgesamModel, _encoder, _decoder, _maskSelection, _refine, _reinit, _horizon, _seed, _restarts, _parallelRuns, _reinitVisible, _recover, _negatives, _negativeRegion, _prior, _inset, _negInset, _priorMotion, _denseSplat, _pointGate, _priorAgreement, _showRecovered, _redetect, _reference, _motionEvidence, _trackClicks, _encoderThreads, _encoderWorkers, _decoderThreads, _verbose })
            command.Add(o);
    }

    public PipelineSettings Bind(ParseResult r)
    {
        int? refine = r.GetValue(_refine);
        if (refine is < 0 or > 64) throw new EdgeSamException($"--refine {refine} is out of range; give 0..64 passes.");
        int? horizon = r.GetValue(_horizon);
        if (horizon is < 2 or > 1000) throw new EdgeSamException($"--reinit-horizon {horizon} is out of range; give 2..1000 frames.");
        int? restarts = r.GetValue(_restarts);
        if (restarts is < 1 or > 64) throw new EdgeSamException($"--restarts {restarts} is out of range; give 1..64 runs (1 = a single run).");
        int? parallelRuns = r.GetValue(_parallelRuns);
        if (parallelRuns is < 1 or > 64) throw new EdgeSamException($"--parallel-runs {parallelRuns} is out of range; give 1..64 runs at once (1 = one after another).");
        float below = r.GetValue(_reinitVisible);
        if (!(below >= 0 && below <= 1)) throw new EdgeSamException($"--reinit-below-visible {below} is out of range; give a fraction in 0..1.");
        int? negatives = r.GetValue(_negatives);
        if (negatives is < 0 or > 64) throw new EdgeSamException($"--negatives {negatives} is out of range; give 0..64 points.");
        float? inset = r.GetValue(_inset);
        if (inset is not null && !(inset >= 0 && inset <= 0.5f)) throw new EdgeSamException($"--positive-inset {inset} is out of range; give a fraction in 0..0.5.");
        float? negInset = r.GetValue(_negInset);
        if (negInset is not null && !(negInset >= 0 && negInset < 0.35f)) throw new EdgeSamException($"--negative-inset {negInset} is out of range; give a fraction in 0..0.35 (the band's width).");
        int? encoderThreads = r.GetValue(_encoderThreads), decoderThreads = r.GetValue(_decoderThreads);
        if (encoderThreads is < 1 or > 256) throw new EdgeSamException($"--encoder-threads {encoderThreads} is out of range; give 1..256 threads (leave it out for all cores).");
        int? encoderWorkers = r.GetValue(_encoderWorkers);
        if (encoderWorkers is < 1 or > 16) throw new EdgeSamException($"--encoder-workers {encoderWorkers} is out of range; give 1..16 frames.");
        if (decoderThreads is < 1 or > 256) throw new EdgeSamException($"--decoder-threads {decoderThreads} is out of range; give 1..256 threads.");
        float? gate = r.GetValue(_pointGate);
        if (gate is not null && !(gate >= 0 && gate <= 10)) throw new EdgeSamException($"--point-gate {gate} is out of range; give a fraction of sqrt(mask area) in 0..10 (0 = off).");
        float? agreement = r.GetValue(_priorAgreement);
        if (agreement is not null && !(agreement >= 0 && agreement < 1)) throw new EdgeSamException($"--prior-agreement {agreement} is out of range; give an IoU in 0..1 (0 = off).");
        return new PipelineSettings
        {
            EncoderThreads = encoderThreads,
            EncoderWorkers = encoderWorkers,
            DecoderThreads = decoderThreads,
            PriorMotion = r.GetValue(_priorMotion) switch
            {
                "points" => Video.Pipeline.PriorMotion.PointMedian,
                "appearance" => Video.Pipeline.PriorMotion.Appearance,
                "dense" => Video.Pipeline.PriorMotion.DenseFlow,
                _ => null,
            },
            PointGate = gate,
            PriorAgreement = agreement,
            ShowRecovered = r.GetValue(_showRecovered),
            DenseSplat = r.GetValue(_denseSplat),
            ReferenceAppearance = r.GetValue(_reference),
            MotionEvidence = r.GetValue(_motionEvidence),
            Redetect = r.GetValue(_redetect),
            TrackClicks = r.GetValue(_trackClicks),
            NegativeInset = negInset,
            PositiveInset = inset,
            PreviousMaskPrior = r.GetValue(_prior) switch { "on" => true, "off" => false, _ => null },
            NegativePoints = negatives,
            NegativeRegion = r.GetValue(_negativeRegion) switch
            {
                "background" => Video.Pipeline.NegativeRegion.Background,
                "near-object" => Video.Pipeline.NegativeRegion.NearObject,
                _ => null,
            },
            ReinitBelowVisible = below,
            RecoverLost = r.GetValue(_recover),
            Tracker = r.GetValue(_tracker)!,
            TrackerModel = r.GetValue(_trackerModel),
            LostMotion = TrackerOptionParsing.LostMotion(r.GetValue(_lostMotion)),
            DenseReacquire = TrackerOptionParsing.OnOff(r.GetValue(_denseReacquire), "--dense-reacquire"),
            WindowLength = r.GetValue(_windowLength),
            WindowOverlap = r.GetValue(_windowOverlap),
            WindowSize = r.GetValue(_windowSize) is { } ws
                ? Media.SizeText.TryParse(ws) ?? throw new EdgeSamException($"--window-size '{ws}' is not WxH with positive sides (e.g. --window-size 512x384)")
                : null,
            Segmenter = r.GetValue(_segmenter) switch { "edgesam" => SegmenterChoice.EdgeSam, "graphcut" => SegmenterChoice.GraphCut, _ => SegmenterChoice.Auto },
            Device = r.GetValue(_device) switch { "cuda" => DeviceChoice.Cuda, "tensorrt" => DeviceChoice.TensorRt, _ => DeviceChoice.Cpu },
            Verbose = r.GetValue(_verbose),
            EdgeSamVariant = r.GetValue(_edgesamModel) == "edge_sam" ? EdgeSamVariant.EdgeSam : EdgeSamVariant.EdgeSam3x,
            EncoderPath = r.GetValue(_encoder),
            DecoderPath = r.GetValue(_decoder),
            MaskSelection = r.GetValue(_maskSelection) == "best" ? Segmentation.MaskSelection.BestStability : Segmentation.MaskSelection.Single,
            RefinementPasses = refine,
            Reinit = r.GetValue(_reinit) switch { "none" => ReinitMode.None, "similar-area" => ReinitMode.OnSimilarMaskArea, _ => ReinitMode.Every },
            ReinitHorizon = horizon,
            Seed = r.GetValue(_seed),
            Restarts = restarts,
            ParallelRuns = parallelRuns,
        };
    }
}
