using EdgeSam.Video.Models;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Segmentation.GraphCut;
using EdgeSam.Video.Tracking;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.Lk;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>Builds the <see cref="VideoSegmenter"/> that <c>segment</c>, <c>run</c> and <c>demo</c> drive.</summary>
internal static class PipelineFactory
{
    /// <summary>
    /// Refinement passes per object and frame when <c>--refine</c> is not given (the library default is SAM-PT's 12).
    /// Each pass is one more decoder call: EdgeSAM ~33 ms on 2 CPU cores, a sixth of an encoder run, and on a CPU the
    /// decoder shares the cores with the encoder, so every pass lowers the frame rate by ~15%. EdgeSAM: provisional
    /// (1) until measured on DAVIS with the real model. Graph cut (lk, all frames of the 10 DAVIS 2016 val sequences,
    /// `run davis` + `eval davis`, with the near-object negatives, prior and inset below): J&amp;F 0.460 / 0.484 / 0.496
    /// / 0.497 with 0 / 1 / 2 / 3 passes (0.464 / 0.479 with 1 / 2 after the LK update of the trackq branch); each pass
    /// is one more cut (~+40% time per pass), so two. Re-measured with every current default, mean over sampler seeds
    /// 0-4: 0.547 with 0 passes, 0.558 with 2 (2 better on 4 of the 5 seeds).
    /// </summary>
    public const int DefaultRefinementEdgeSam = 1;
    public const int DefaultRefinementGraphCut = 2;

    /// <summary>
    /// Frames between re-initialisations when <c>--reinit-horizon</c> is not given. EdgeSAM: SAM-PT's 8. Graph cut with
    /// <see cref="ReinitMode.Every"/>: 5. The graph cut follows its hard seeds and colour models, so a point that drifted
    /// off the object drags the mask with it faster than SAM's decoder does, and fresh points from a recent mask pay off
    /// sooner. Graph cut + lk, `run davis` + `eval davis` on the 10 DAVIS 2016 val sequences, J&amp;F per sampler seed
    /// 0-4: horizon 8 0.543 / 0.572 / 0.563 / 0.555 / 0.559 (mean 0.558); 5 0.570 / 0.613 / 0.610 / 0.570 / 0.594 (mean
    /// 0.592, better on every seed; 0.542 with --refine 0); 4 0.578 / 0.602 / 0.575 / 0.573 / 0.563 (mean 0.578); 6
    /// 0.577 / 0.566 / 0.582 (seeds 0-2); 3 0.585 / 0.573 (seeds 0-1); 12 0.509 (seed 0). Re-sampling costs ~5 ms, so a
    /// shorter horizon is no slower. SAM-PT's "reinit-on-similar-mask-area" variant keeps its window of 8: at 5 it scored
    /// 0.516 / 0.588 (seeds 0-1; breakdance 0.40 -> 0.11).
    /// The other graph-cut defaults were tuned at horizon 8 and re-measured at 5, seeds 0-2 against 0.570 / 0.613 / 0.610
    /// (mean 0.598); none moved: --point-gate 0.2 0.549 (seed 0); --prior-agreement 0.5 0.594; --reinit-below-visible
    /// 0.5 0.594; --refine 3 0.586; --negative-inset 0.25 0.573; --positive-inset 0.15 0.505 / 0.545 (seeds 0-1);
    /// --tracker xfeat 0.564; --prior-motion dense 0.525.
    /// </summary>
    public const int DefaultReinitHorizonEdgeSam = 8;
    public const int DefaultReinitHorizonGraphCut = 5;

    /// <summary>Negatives per object for the graph cut (EdgeSAM keeps SAM-PT's 1 "mixed" from the whole background).
    /// The graph cut learns its background colour model from the negatives, so it needs several, next to the object
    /// (<see cref="NegativeRegion.NearObject"/>): single-frame mean IoU on DAVIS 0.804 with 8 near-object negatives,
    /// ~0.73 with negatives from the whole background.</summary>
    public const int DefaultNegativesGraphCut = 8;

    /// <summary>
    /// Negative inset for the graph cut (<see cref="VideoSegmenterOptions.NegativeInset"/>): its near-object negatives
    /// keep 0.15 sqrt(area) away from the mask they are sampled from. Negatives are hard background seeds; drawn right
    /// at the border of a mask that already missed part of the object (a leg, a car's rear coming into view), they sit
    /// on that part and pin it to the background for the next eight frames, and the mask shrinks step by step (dog:
    /// precision ~0.99 while the mask stayed at 24-28k px and the object grew from 28k to 70k). Measured with lk on all
    /// frames of the 10 DAVIS 2016 val sequences, mean over sampler seeds 0-4 (the closed loop makes single runs swing
    /// by +-0.03): J&amp;F 0.534 at 0, 0.558 at 0.15, better on 4 of the 5 seeds. Gains on objects that grow or turn
    /// (dog +0.10, drift-chicane +0.19, breakdance +0.06, car-shadow +0.05), losses where negatives at the border were
    /// stopping a leak (horsejump-high -0.09, motocross-jump -0.12).
    /// </summary>
    public const float DefaultNegativeInsetGraphCut = 0.15f;

    /// <summary>Positive inset for the graph cut (see <see cref="VideoSegmenterOptions.PositiveInset"/>).</summary>
    public const float DefaultPositiveInsetGraphCut = 0.1f;

    /// <summary>
    /// ONNX Runtime intra-op threads of the EdgeSAM decoder when not given: 1 on machines with up to 4 cores, else ORT's
    /// default. The decoder runs on the processing stage's thread while the encoder keeps every core busy with the
    /// next frame, so a decoder thread pool only competes with the encoder for the same cores (and its idle threads
    /// burn CPU). Measured with <c>bench pipeline --workload edgesam</c> on 2 cores: see the README figures.
    /// </summary>
    public static int DefaultDecoderThreads => Environment.ProcessorCount <= 4 ? 1 : 0;

    /// <summary>
    /// Frames the EdgeSAM encoder embeds at once when not given (<see cref="VideoSegmenterOptions.EncoderWorkers"/>):
    /// 2 on a CPU with at least 2 cores, each run with half the cores; 1 on a GPU, which runs one model call at a time
    /// anyway. The weights-free graph cut keeps 1: its encoder stage takes milliseconds. Why: with one frame at a time the
    /// encoder's parallel sections wait for whichever of their threads the tracker, the mask writer or ffmpeg pre-empted.
    /// <c>bench pipeline --workload edgesam</c> (synthetic ~40 GFLOP encoder, 40 frames) on the 2-core EPYC, 8 repeats
    /// of each interleaved on a quiet machine: end to end 7.34 frames/s median (6.77-8.06) with 2 workers against 6.63
    /// (6.00-7.22) with 1; CPU per frame of the overlapped job 260 against 286 ms; encoder alone 8.43 against 8.09
    /// frames/s; ratio to the encoder alone in the same mode 0.876 against 0.849.
    /// </summary>
    public static int DefaultEncoderWorkers(DeviceChoice device) =>
        device == DeviceChoice.Cpu && Environment.ProcessorCount >= 2 ? 2 : 1;

    /// <summary>Encoder workers in effect for <paramref name="s"/>.</summary>
    private static int EncoderWorkers(PipelineSettings s, bool graphCut) => s.EncoderWorkers ?? (graphCut ? 1 : DefaultEncoderWorkers(s.Device));

    /// <summary>
    /// Whether idle ONNX Runtime threads spin when not given: no. Spinning trims a little latency between the nodes of
    /// one run but keeps cores busy after it and while a peer thread waits for a core, and on a small CPU the tracker,
    /// the decoder, the mask writer and ffmpeg need those cores. <c>bench pipeline --workload edgesam</c> on the shared
    /// 2-core machine: the overlapped run used ~340 ms CPU per frame with spinning against ~275 ms without (2 + 6
    /// interleaved runs), and the encoder-alone rate was not measurably faster with it.
    /// </summary>
    public const bool DefaultOrtSpinning = false;

    /// <summary>
    /// Point gate for the graph cut (<see cref="VideoSegmenterOptions.PointGate"/>), with the previous mask carried by
    /// appearance matching (<see cref="PriorMotion.Appearance"/>). lk, 10 DAVIS 2016 val sequences, full length:
    /// J&amp;F 0.479 (points' median motion, no gate) / 0.476 (appearance) / 0.502 (appearance + gate 0.1); the gate keeps
    /// lk points that slid off a small object (drift-chicane 0.18 -> 0.43) from seeding the background. With all four
    /// graph-cut defaults here (gate, agreement, shown recoveries, appearance motion searching each scale at full
    /// resolution): 0.506 (run-to-run swings of single sequences are large: one lost frame compounds, so +-0.03 on the
    /// mean is within noise). Final defaults (with the reference appearance below): gate 0.1 -> 0.560, 0.2 -> 0.557;
    /// appearance motion -> points' median motion: 0.560 -> 0.510.
    /// </summary>
    public const float DefaultPointGateGraphCut = 0.1f;

    /// <summary>
    /// Least IoU between the graph cut's mask and the carried previous mask (<see cref="VideoSegmenterOptions.MinPriorAgreement"/>);
    /// on top of the gate above: J&amp;F 0.498 -> 0.509 (a one-point cut collapsing onto a speck in libby no longer
    /// becomes the object). Final defaults: 0.3 -> 0.560, 0.5 -> 0.569 (only breakdance moves, 0.25 -> 0.34: kept at
    /// 0.3, the milder setting, rather than tune on one sequence).
    /// </summary>
    public const float DefaultPriorAgreementGraphCut = 0.3f;

    /// <summary>
    /// Motion evidence for the graph cut (<see cref="VideoSegmenterOptions.MotionEvidence"/>, on by default). Graph cut +
    /// lk, 10 DAVIS 2016 val sequences, one run each on sampler seeds 0-9: J&amp;F 0.567 0.597 0.579 0.596 0.586 0.583
    /// 0.572 0.604 0.595 0.626 (mean 0.591) with it, 0.570 0.613 0.610 0.570 0.594 0.527 0.585 0.557 0.580 0.563 (mean
    /// 0.577) without. Best of 5 restarts by appearance, averaged over every 5 of those 10 seeds: 0.632 with it, 0.619
    /// without (0.631 with 2 of the 5 restarts without it). Its flow searches this many frame pixels around the object's
    /// motion.
    /// </summary>
    public const float DefaultMotionEvidenceSearch = 64f;

    // Reference appearance (VideoSegmenterOptions.ReferenceAppearance, graph cut on by default): with the defaults
    // above, lk, 10 DAVIS 2016 val sequences: J&F 0.506 off, 0.562 on (0.560 once ROI growth also uses it), with
    // GraphCutOptions.ReferenceWeight 0.5 (0.25 -> 0.544, 0.75 -> 0.517). The current frame's colour fit forgets what
    // left the mask (a shadowed side, limbs, the wheels of a bike coming closer); the prompt frame's model keeps them
    // object-like. Speed, all frames, lightly loaded 2-core machine: 7.2 frames/s with every default here, 11.2 with
    // --prior-motion points --point-gate 0 --prior-agreement 0 --show-recovered false --reference-appearance false
    // (which reproduces the earlier 0.479 exactly); the appearance search costs ~50 ms and the reference ~30 ms a frame.

    // Dense prior motion (--prior-motion dense, PriorMotion.DenseFlow with DenseFlowMotion's defaults: coarse DIS flow at
    // half resolution, 8 px patches, 32 px search around the appearance motion, backward warp) is an option, not the
    // graph cut's default. Open loop it is the better predictor: the ground-truth mask of frame t carried onto t+1, every
    // third frame of the 10 DAVIS 2016 val sequences, mean IoU with t+1's ground truth 0.728 unmoved, 0.805 appearance
    // motion, 0.876 dense (full-resolution flow 0.885; forward splatting alone 0.833), and it gains most where a
    // translation and scale cannot follow (breakdance 0.65 -> 0.82, horsejump-high 0.76 -> 0.89, libby 0.59 -> 0.78).
    // Closed loop (the pipeline carries its own predicted masks) it lost: J&F 0.560 -> 0.525 with every other default
    // (breakdance 0.25 -> 0.44, dog 0.56 -> 0.61, horsejump-high 0.65 -> 0.69, but drift-chicane 0.50 -> 0.29, libby
    // 0.47 -> 0.28, motocross-jump 0.72 -> 0.54). The flow carries the predicted mask's own errors as faithfully as its
    // shape, and the backward warp keeps background the object uncovered (its vector, right or wrong, points where the
    // object was): drift-chicane's mask grew from 1,961 to 9,260 px in 9 frames against 2,294 -> 3,170 in the ground
    // truth. --dense-splat (intersect with a forward splat, no trail): 0.528 (drift-chicane still 0.29, motocross-jump
    // 0.63). With lk's flow settings (6 px patches, 64 px search): 0.526 with the dense carry for the prior only (gate
    // and agreement on the appearance carry), 0.515 / 0.513 with the splat intersection (everywhere / prior only), 0.489
    // with a colour-match check of each vector against the appearance carry.

    /// <summary>
    /// Whether lost objects are searched for by their prompt's colours when not given (<see cref="VideoSegmenterOptions.Redetect"/>):
    /// on for the graph cut; EdgeSAM keeps SAM-PT's behaviour until measured with the real model. Graph cut + lk, 10
    /// DAVIS 2016 val sequences, one run each on sampler seeds 0-9, J&amp;F with it: 0.591 0.624 0.616 0.623 0.603 0.600
    /// 0.587 0.625 0.612 0.646 (mean 0.613); without: 0.566 0.599 0.578 0.596 0.586 0.581 0.572 0.600 0.595 0.624 (mean
    /// 0.590). Best of 5 restarts by appearance, mean over every 5 of the 10 seeds: 0.653 with it, 0.631 without (seeds
    /// 0-4: 0.656 / 0.634; seeds 5-9: 0.652 / 0.627). Where it acts: bmx-trees, whose rider the tracker lost behind a tree
    /// (the mask sat on the wall, then was empty for the last 48 of 80 frames), 0.12-0.15 -> 0.26-0.28 on every seed (the
    /// rider's body is found again, the bike's thin frame is not); libby, lost behind a pole on some seeds, 0.25-0.54 ->
    /// 0.34-0.64. Elsewhere the masks are unchanged but for soapbox on two seeds (-0.02, -0.001) and motocross-jump on
    /// seed 0 (0.30 -> 0.31). Variants, seeds 0-3 (0.613 with the defaults, 0.585 without re-detection): a window of 0.3
    /// sqrt(area), 0.603 (0.608 on seeds 0-9, best of 5 0.650); with it, a mask counted lost below -0.5 nats instead of
    /// -1, 0.605 (libby and breakdance gain, car-shadow loses 0.03-0.13 on every seed: its grey body shares the road's
    /// colours); with it, the window sized from the last seed area unclamped and found masks under 1/8 of it refused,
    /// 0.605, and that without the background-colour test, 0.602 (the unclamped window's edge is motocross-jump on seed 0,
    /// 0.53, found from a 173 px window sized by a mask that had leaked over the frame; bmx-trees on seed 2 stays lost,
    /// 0.16). Cost: one colour look-up per mask pixel while the object is tracked; a search over the frame and one
    /// decode per frame while it is lost.
    /// </summary>
    public static bool DefaultRedetect(bool graphCut) => graphCut;

    /// <summary>
    /// How lk/xfeat carry the points LK lost, in the pipeline: with the kept points' group motion, not the trackers' own
    /// default (coarse dense flow). The dense flow puts more points inside the object on TrackScore@8 (all inside 0.798 vs
    /// 0.738), but the points it carries wrongly land on textured background that moves with the camera (libby), where
    /// they seed the background as object. Graph cut + lk on the 10 DAVIS 2016 val sequences, all other defaults:
    /// J&amp;F 0.560 with group motion, 0.529 with dense-flow carry, 0.522 with dense-flow carry and dense re-acquisition.
    /// </summary>
    public const LostPointMotion DefaultLostMotion = LostPointMotion.Group;

    /// <summary>
    /// Whole-video restarts for the graph cut (<c>--restarts</c>, <see cref="SegmentJob.Restarts"/>). One run of the
    /// graph cut + lk pipeline swings widely with the sampler's seed (motocross-jump 0.39 / 0.70 / 0.47 J&amp;F over seeds
    /// 0-2), and the runs that went wrong leaked into, or slid onto, colours the prompt never showed; choosing the run
    /// whose masks keep the prompt's colour histogram best (<see cref="RunAppearanceConsistency"/>) picks the good
    /// runs without ground truth. 10 DAVIS 2016 val sequences, seeds 0-9 run once each (one run: J&amp;F 0.577 on average):
    /// the run chosen out of 2 / 3 / 5 / 10 of them scores 0.601 / 0.610 / 0.619 / 0.629 (means over every subset of
    /// the ten seeds of that size; picking each sequence's best run with the ground truth would give 0.653 out of all
    /// ten). Out of seeds 0-4 (the default with <c>--seed 0</c>): 0.643 against 0.592 for one run; out of seeds 5-9:
    /// 0.585 against 0.563. Five restarts take five times the CPU (the wall time shrinks with <see cref="ParallelRuns"/>).
    /// Restarts per window of 25 frames instead (each window walked under the 5 seeds from the kept walk's state, the
    /// most consistent kept) gave 0.621 / 0.611 on the two seed groups: no better on average, at 6 walks per frame.
    /// EdgeSAM keeps one run: not measured with it.
    /// </summary>
    public const int DefaultRestartsGraphCut = 5;

    internal const string DefaultRestartsGraphCutText = "5";

    /// <summary>The restarts a job runs: the user's, else the default of the model's segmenter.</summary>
    public static int Restarts(PipelineSettings s, VideoSegmenter model) =>
        s.Restarts ?? (model.Segmenter is GraphCutSegmenter ? DefaultRestartsGraphCut : 1);

    /// <summary>
    /// Restarts run at a time (<c>--parallel-runs</c>, <see cref="SegmentJob.LaneModels"/>): the user's, else for the graph
    /// cut one per processor, else 1 (EdgeSAM's encoder already uses every core); never more than the restarts. A graph
    /// cut + lk run keeps about one core busy: <c>run davis</c> on the 10 DAVIS 2016 val sequences with 5 restarts took
    /// 577 s (602 s of CPU) one run at a time and 372 s two at a time on 2 cores, with byte-identical masks; peak
    /// resident memory 462 -> 755 MB.
    /// </summary>
    public static int ParallelRuns(PipelineSettings s, VideoSegmenter model, int restarts) =>
        Math.Max(1, Math.Min(restarts, s.ParallelRuns ?? (model.Segmenter is GraphCutSegmenter ? Environment.ProcessorCount : 1)));

    /// <summary>The models of the extra lanes for <paramref name="lanes"/> runs at a time: built like the job's own, without
    /// repeating its notes. The caller disposes them.</summary>
    public static LaneModelSet CreateLaneModels(PipelineSettings s, int lanes)
    {
        var quiet = new CliContext(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }), TextWriter.Null);
        var models = new List<VideoSegmenter>();
        try
        {
            for (int i = 1; i < lanes; i++) models.Add(Create(s, quiet));
        }
        catch
        {
            foreach (VideoSegmenter m in models) m.Dispose();
            throw;
        }
        return new LaneModelSet(models);
    }

    /// <summary>The extra lanes' models of a job, disposed together.</summary>
    internal sealed class LaneModelSet(List<VideoSegmenter> models) : IDisposable
    {
        public IReadOnlyList<VideoSegmenter> Models => models;

        public void Dispose()
        {
            foreach (VideoSegmenter m in models) m.Dispose();
        }
    }

    public static VideoSegmenter Create(PipelineSettings s, CliContext ctx)
    {
        IPromptSegmenter segmenter = CreateSegmenter(s, ctx);
        IPointTracker tracker;
        try
        {
            tracker = CreateTracker(s);
        }
        catch
        {
            segmenter.Dispose();
            throw;
        }
        bool graphCut = segmenter is GraphCutSegmenter;
        PriorMotion priorMotion = s.PriorMotion ?? (graphCut ? PriorMotion.Appearance : PriorMotion.PointMedian);
        bool motionEvidence = s.MotionEvidence ?? graphCut;
        var options = new VideoSegmenterOptions
        {
            RefinementPasses = s.RefinementPasses ?? (graphCut ? DefaultRefinementGraphCut : DefaultRefinementEdgeSam),
            // The graph cut's score is a colour-confidence, not SAM's IoU estimate: SAM-PT's 0.7 cut-off does not apply.
            MinMaskScore = graphCut ? 0f : 0.7f,
            Reinit = s.Reinit,
            ReinitHorizon = s.ReinitHorizon ?? (graphCut && s.Reinit == ReinitMode.Every ? DefaultReinitHorizonGraphCut : DefaultReinitHorizonEdgeSam),
            Seed = s.Seed,
            ReinitBelowVisibleFraction = s.ReinitBelowVisible,
            RecoverLostObjects = s.RecoverLost ?? graphCut,
            NegativePoints = s.NegativePoints ?? (graphCut ? DefaultNegativesGraphCut : 1),
            NegativeRegion = s.NegativeRegion ?? (graphCut ? NegativeRegion.NearObject : NegativeRegion.Background),
            // The graph cut takes its colour models and a soft unary term from the prior: the previous mask moved by the
            // points' motion is a far better colour sample than disks around 8 points (J&F 0.369 -> 0.451 on the 10
            // DAVIS 2016 val sequences with lk). EdgeSAM ignores priors.
            PreviousMaskAsPrior = s.PreviousMaskPrior ?? graphCut,
            // Hard seeds of the graph cut make a positive on the background costly; positives from the mask eroded by
            // 0.1 sqrt(area) stay on the object (J&F 0.472 at 0, 0.484 at 0.1, 0.429 at 0.2 with lk on DAVIS 2016 val).
            PositiveInset = s.PositiveInset ?? (graphCut ? DefaultPositiveInsetGraphCut : 0f),
            NegativeInset = s.NegativeInset ?? (graphCut ? DefaultNegativeInsetGraphCut : 0f),
            // The graph cut's hard seeds and prior make it follow the points and the carried mask: both must be right
            // (see the constants above for the measurements).
            PriorMotion = priorMotion,
            // The motion evidence needs the background's flow, which moves unlike the object the search is centred on:
            // a 64 px search (then shared with --prior-motion dense).
            DenseMotion = motionEvidence ? new DenseFlowMotion(searchRadius: DefaultMotionEvidenceSearch) : priorMotion == PriorMotion.DenseFlow ? new DenseFlowMotion() : null,
            MotionEvidence = motionEvidence,
            DenseSplatGuard = s.DenseSplat,
            PointGate = s.PointGate ?? (graphCut ? DefaultPointGateGraphCut : 0f),
            MinPriorAgreement = s.PriorAgreement ?? (graphCut ? DefaultPriorAgreementGraphCut : 0f),
            ShowRecovered = s.ShowRecovered ?? graphCut,
            Redetect = s.Redetect ?? DefaultRedetect(graphCut),
            TrackClicks = s.TrackClicks,
            ReferenceAppearance = s.ReferenceAppearance ?? graphCut,
            EncoderWorkers = EncoderWorkers(s, graphCut),
        };
        return new VideoSegmenter(segmenter, tracker, options, ownsComponents: true);
    }

    /// <summary>
    /// The graph cut, saying once per command why it was chosen. The graph cut has no GPU path, so a GPU device must have
    /// an ONNX tracker to run; with lk nothing would use it and the run would be a CPU run under a GPU label: refused.
    /// </summary>
    private static GraphCutSegmenter GraphCut(PipelineSettings s, CliContext ctx, ModelEntry? edgeSamMissing)
    {
        string notInstalled = edgeSamMissing is null ? "" : $"EdgeSAM is not installed ('edgesam-video models fetch {edgeSamMissing.Name}')";
        if (s.Device != DeviceChoice.Cpu)
        {
            string device = $"--device {s.Device.ToString().ToLowerInvariant()}";
            TrackerKind? tracker = TrackerKinds.TryParse(s.Tracker);
            if (tracker == TrackerKind.Lk)
                throw new EdgeSamException(
                    $"{device}: nothing would run on the GPU: the graph-cut segmenter{(edgeSamMissing is null ? "" : $" ({notInstalled})")} and the lk tracker " +
                    "have no GPU path; use --device cpu, or give the GPU a model: --segmenter edgesam or --tracker xfeat.");
            if (tracker is { } kind)
                ConsoleLines.NoteOnce(ctx, $"{device} runs the {kind.CliName()} tracker; the graph cut runs on the CPU.");
        }
        if (edgeSamMissing is not null) ConsoleLines.NoteOnce(ctx, $"{notInstalled}; using the weights-free graph cut.");
        return new GraphCutSegmenter();
    }

    private static Onnx.ExecutionDevice OrtDevice(DeviceChoice d) => d switch
    {
        DeviceChoice.Cuda => Onnx.ExecutionDevice.Cuda,
        DeviceChoice.TensorRt => Onnx.ExecutionDevice.TensorRt,
        _ => Onnx.ExecutionDevice.Cpu,
    };

    /// <summary>One line naming the parts, for logs.</summary>
    public static string Describe(VideoSegmenter model, int restarts = 1, int parallelRuns = 1) =>
        $"segmenter {model.Segmenter.Name}, tracker {model.Tracker.Name}, {model.Options.RefinementPasses} refinement pass(es), reinit {model.Options.Reinit} every {model.Options.ReinitHorizon}" +
        (model.Options.EncoderWorkers > 1 ? $", {model.Options.EncoderWorkers} frames in the encoder at once" : "") +
        (restarts > 1 ? $", best of {restarts} runs (seeds {model.Options.Seed}..{model.Options.Seed + restarts - 1}; --restarts 1 for one)" : "") +
        (restarts > 1 && parallelRuns > 1 ? $", {parallelRuns} at a time" : "");

    private static IPointTracker CreateTracker(PipelineSettings s)
    {
        TrackerKind kind = TrackerKinds.TryParse(s.Tracker)
            ?? throw new EdgeSamException($"--tracker '{s.Tracker}' is unknown; use one of {string.Join(", ", TrackerKinds.All.Select(k => k.CliName()))}.");
        string? model = s.TrackerModel;
        if (model is not null && kind == TrackerKind.Lk)
            throw new EdgeSamException($"--tracker-model {model} was given with --tracker lk, which has no weights; leave it out, or pick the tracker it belongs to (--tracker xfeat, onnx-window or tapir).");
        if (model is not null && !File.Exists(model) && !Directory.Exists(model))
            throw new EdgeSamException($"--tracker-model {model} does not exist; give the tracker's ONNX file (tapir: the folder of its two files).");
        model ??= kind switch
        {
            TrackerKind.XFeat => InstalledXFeat(),
            TrackerKind.OnnxWindow => InstalledWindowTracker(),
            TrackerKind.Tapir => InstalledTapir(),
            _ => null,
        };
        var common = new TrackerOptions { LostPointMotion = s.LostMotion ?? DefaultLostMotion, DenseReacquire = s.DenseReacquire, Device = OrtDevice(s.Device) };
        bool windowFlags = s.WindowLength is not null || s.WindowOverlap is not null || s.WindowSize is not null;
        if (windowFlags && kind != TrackerKind.OnnxWindow)
            throw new EdgeSamException($"--window-length, --window-overlap and --window-size apply to --tracker onnx-window only (the tracker is {kind.CliName()}); leave them out.");
        var options = kind switch
        {
            TrackerKind.XFeat => common with { XFeatModel = model },
            TrackerKind.OnnxWindow => common with { WindowModel = model, WindowLength = s.WindowLength, WindowOverlap = s.WindowOverlap, WindowInputSize = s.WindowSize },
            TrackerKind.Tapir => common with { TapirModelDirectory = model },
            _ => common,
        };
        return TrackerFactory.Create(kind, options);
    }

    /// <summary>An XFeat export from the model store (cache or mirror), largest input first; else the fetch hint.</summary>
    private static string InstalledXFeat()
    {
        var store = new ModelStore();
        string[] names = ["xfeat_320x224", "xfeat_256x256", "xfeat_320x160"];
        foreach (string name in names)
        {
            ModelLocation loc = store.Locate(store.Manifest.Get(name));
            if (loc.Path is not null) return loc.Path;
        }
        throw new EdgeSamException($"--tracker xfeat needs an XFeat model: pass --tracker-model <xfeat_WxH.onnx>, or {store.MissingHint(store.Manifest.Get(names[0]))}.");
    }

    /// <summary>The user's windowed tracker export saved in the model store (cache or mirror) as the manifest names
    /// it; else what to do.</summary>
    internal static string InstalledWindowTracker(ModelStore? store = null)
    {
        store ??= new ModelStore();
        ModelEntry entry = store.Manifest.Get("cotracker_window");
        return store.Locate(entry).Path
            ?? throw new EdgeSamException($"--tracker onnx-window needs a windowed tracker export (video [1,T,3,H,W], queries [1,N,3] -> tracks, visibility; see models/README.md): pass --tracker-model <file.onnx>, or save it as {entry.File} in the model cache or mirror.");
    }

    /// <summary>The folder of the user's causal TAPIR export in the model store: both files must be found, side by side
    /// (the tracker opens them as a pair); else what to do.</summary>
    internal static string InstalledTapir(ModelStore? store = null)
    {
        store ??= new ModelStore();
        ModelEntry encoder = store.Manifest.Get("tapir_pointencoder"), predictor = store.Manifest.Get("tapir");
        string? e = store.Locate(encoder).Path, p = store.Locate(predictor).Path;
        if (e is null || p is null)
            throw new EdgeSamException($"--tracker tapir needs the causal TAPIR export (see models/README.md): pass --tracker-model <folder> holding {encoder.File} and {predictor.File}, or save both in the model cache or mirror ({(e is null ? encoder.File : predictor.File)} was not found).");
        string de = Path.GetDirectoryName(e)!, dp = Path.GetDirectoryName(p)!;
        if (!string.Equals(de, dp, StringComparison.Ordinal))
            throw new EdgeSamException($"--tracker tapir: {encoder.File} was found in {de} but {predictor.File} in {dp}; put both in one folder of the model cache or mirror, or pass that folder with --tracker-model.");
        return de;
    }

    private static IPromptSegmenter CreateSegmenter(PipelineSettings s, CliContext ctx)
    {
        if (s.Segmenter == SegmenterChoice.GraphCut)
            return GraphCut(s, ctx, edgeSamMissing: null);
        if ((s.EncoderPath is null) != (s.DecoderPath is null))
            throw new EdgeSamException("give both --encoder and --decoder (EdgeSAM's two ONNX files), or neither to use the model store.");
        // An explicit file that is not there is the user's typo, not a model to fetch: name it rather than falling back.
        foreach (var (option, path) in new[] { ("--encoder", s.EncoderPath), ("--decoder", s.DecoderPath) })
            if (path is not null && !File.Exists(path))
                throw new EdgeSamException($"{option} {path} does not exist; give EdgeSAM's ONNX file, or leave --encoder and --decoder out to use the model store.");
        var store = new ModelStore();
        string family = s.EdgeSamVariant == EdgeSamVariant.EdgeSam ? "edge_sam" : "edge_sam_3x";
        ModelEntry encEntry = store.Manifest.Get($"{family}_encoder"), decEntry = store.Manifest.Get($"{family}_decoder");
        ModelLocation enc = store.Locate(encEntry, s.EncoderPath), dec = store.Locate(decEntry, s.DecoderPath);
        ModelEntry? missing = enc.Path is null ? encEntry : dec.Path is null ? decEntry : null;
        if (missing is not null)
        {
            if (s.Segmenter == SegmenterChoice.EdgeSam)
                throw new EdgeSamException($"--segmenter edgesam: EdgeSAM is not available (model {missing.Name} is not installed; {store.MissingHint(missing)}); or use --segmenter graphcut.");
            return GraphCut(s, ctx, edgeSamMissing: missing);
        }
        (string encoder, string decoder) = (enc.Path!, dec.Path!);
        Onnx.ExecutionDevice device = OrtDevice(s.Device);
        var encoderSession = new Onnx.OrtSessionOptions
        {
            ExecutionDevice = device,
            // ORT's own count (one per physical core, pool threads pinned to cores). An explicit count of the same size,
            // which ORT leaves unpinned, was measured against it with bench pipeline --workload edgesam on the 2-core EPYC:
            // medians 0.839 / 0.871 / 0.809 unpinned against 0.837 / (noise) / 0.832 pinned, no difference to keep.
            // Several frames at once: each run gets its share of the cores (unpinned, as an explicit count is), so the
            // runs do not fight over the same pinned cores.
            IntraOpThreads = s.EncoderThreads ?? (EncoderWorkers(s, graphCut: false) is > 1 and var w ? Math.Max(1, Environment.ProcessorCount / w) : 0),
            AllowThreadSpinning = s.OrtSpinning ?? DefaultOrtSpinning,
        };
        var decoderSession = new Onnx.OrtSessionOptions
        {
            ExecutionDevice = device,
            IntraOpThreads = s.DecoderThreads ?? DefaultDecoderThreads,
            AllowThreadSpinning = s.OrtSpinning ?? DefaultOrtSpinning,
        };
        return new Segmentation.EdgeSam.EdgeSamSegmenter(encoder, decoder, new Segmentation.EdgeSam.EdgeSamOptions
        {
            MaskSelection = s.MaskSelection,
            SessionOptions = encoderSession,
            DecoderSessionOptions = decoderSession,
        });
    }
}
