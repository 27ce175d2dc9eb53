using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Pipeline;

/// <summary>When an object's query points are discarded and re-sampled from its latest predicted mask.</summary>
public enum ReinitMode
{
    /// <summary>Track the query points of the seed frame for the whole propagation (SAM-PT without reinit).</summary>
    None,

    /// <summary>
    /// Every <see cref="VideoSegmenterOptions.ReinitHorizon"/> frames after the seed, re-sample the points from that
    /// frame's predicted mask and restart the tracker there (SAM-PT-reinit, "reinit-on-horizon"). Streams with no
    /// extra work.
    /// </summary>
    Every,

    /// <summary>
    /// SAM-PT's "reinit-on-similar-mask-area": track a window of <see cref="VideoSegmenterOptions.ReinitHorizon"/>
    /// frames, then re-sample on the frame (among the last three quarters of the window) whose mask area is closest
    /// to the seed mask's area; frames after it are segmented again from the new points. Costs extra decoder calls
    /// (never extra encoder runs: the window's embeddings are kept) and delays output by up to one window.
    /// </summary>
    OnSimilarMaskArea,
}

/// <summary>Where an object's negative query points are drawn from.</summary>
public enum NegativeRegion
{
    /// <summary>Anywhere outside the object's mask (SAM-PT).</summary>
    Background,

    /// <summary>
    /// Background pixels within <see cref="VideoSegmenterOptions.NegativeBand"/> * sqrt(mask area) of the mask (the
    /// whole background when that band is empty). Negatives next to the object tell a prompted segmenter where it ends;
    /// ones spread over the frame mostly land far from it. Re-sampled from the predicted mask at every re-init.
    /// </summary>
    NearObject,
}

/// <summary>How the previous mask is carried onto the next frame (the prior and the point gate).</summary>
public enum PriorMotion
{
    /// <summary>Translated by the median motion of the object's visible tracked points.</summary>
    PointMedian,

    /// <summary>
    /// Translated and scaled by the motion that best matches the object's pixels between the two frames, searched
    /// around the points' median motion (<see cref="MaskMotionEstimator"/>). Costs a few ms per object and frame.
    /// </summary>
    Appearance,

    /// <summary>
    /// Moved pixel by pixel along a dense motion field (<see cref="VideoSegmenterOptions.DenseMotion"/>, required),
    /// computed from this frame back to the previous one around the mask and centred on the <see cref="Appearance"/>
    /// motion: the prior follows deforming and articulated objects (limbs, a rider on a bike) that one translation and
    /// scale cannot. A better one-step predictor (ground-truth masks of DAVIS 2016 val carried one frame: mean IoU 0.876
    /// against 0.805 for <see cref="Appearance"/>), but the graph cut with lk scored lower with it (J&amp;F 0.525 against
    /// 0.560): it carries the predicted mask's errors as faithfully as its shape. Costs one flow per object and frame
    /// over the mask's box at half resolution: ~5 ms of CPU per frame on DAVIS 854x480 (breakdance + dog, 144 frames:
    /// 33.1 s against 32.4 s of process CPU with the appearance carry).
    /// </summary>
    DenseFlow,
}

/// <summary>Direction of a propagation through the video.</summary>
public enum PropagationDirection
{
    /// <summary>Increasing frame index.</summary>
    Forward,

    /// <summary>Decreasing frame index (frames are read in blocks and each block is walked in reverse).</summary>
    Backward,
}

/// <summary>
/// Samples an object's query points from its mask: <paramref name="positives"/> points labelled
/// <see cref="PointLabel.Positive"/> inside the mask, then <paramref name="negatives"/> labelled
/// <see cref="PointLabel.Negative"/> outside it (fewer when the mask or the background is too small).
/// Must be deterministic for a given <paramref name="seed"/>. Coordinates are pixels of <paramref name="frame"/>.
/// </summary>
public delegate IReadOnlyList<PromptPoint> QueryPointSampler(Mask mask, RgbImage frame, int positives, int negatives, int seed);

/// <summary>
/// The knobs of the SAM-PT algorithm as this pipeline runs it. Defaults follow the SAM-PT paper's configuration
/// (configs/model/sam_pt.yaml and sam_pt_reinit.yaml of SysCV/sam-pt) unless noted.
/// </summary>
public sealed record VideoSegmenterOptions
{
    /// <summary>Positive query points per object (SAM-PT <c>positive_points_per_mask</c> = 8, K-Medoids).</summary>
    public int PositivePoints { get; init; } = 8;

    /// <summary>Negative query points per object (SAM-PT <c>negative_points_per_mask</c> = 1, "mixed").</summary>
    public int NegativePoints { get; init; } = 1;

    /// <summary>How positives are placed in the mask (SAM-PT <c>positive_point_selection_method</c> = kmedoids).</summary>
    public SamplingMethod PositiveSampling { get; init; } = SamplingMethod.KMedoids;

    /// <summary>How negatives are placed in the background (SAM-PT <c>negative_point_selection_method</c> = mixed).</summary>
    public SamplingMethod NegativeSampling { get; init; } = SamplingMethod.Mixed;

    /// <summary>Where negatives are drawn (SAM-PT: <see cref="NegativeRegion.Background"/>).</summary>
    public NegativeRegion NegativeRegion { get; init; } = NegativeRegion.Background;

    /// <summary>Half-width of the <see cref="NegativeRegion.NearObject"/> band as a fraction of sqrt(mask area)
    /// (0.35: about 35 px around a 100x100 object; the graph cut's single-frame protocol uses the same band).</summary>
    public float NegativeBand { get; init; } = 0.35f;

    /// <summary>
    /// Positives are drawn from the mask eroded by this fraction of sqrt(mask area) (the whole mask when too little is
    /// left), so that re-sampling from a predicted mask whose border leaks into the background does not put positives
    /// on the background, where the tracker would carry them on. 0 (default) samples the whole mask (SAM-PT). Keeping
    /// out by colour instead was measured and left out: drawing re-init positives only from mask pixels whose colour the
    /// prompt frame showed more on the object than around it (8^3-bin histograms, P(object | bin) &gt;= 0.5) gave J&amp;F
    /// 0.566 / 0.559 on sampler seeds 0 / 1 against 0.570 / 0.613 (graph cut + lk, 10 DAVIS 2016 val sequences; car-shadow
    /// 0.69 -> 0.60: its grey body shares the road's colours).
    /// </summary>
    public float PositiveInset { get; init; }

    /// <summary>
    /// With <see cref="NegativeRegion.NearObject"/>, negatives keep at least this fraction of sqrt(mask area) away from
    /// the mask (the band's inner edge; the whole band when nothing would be left): a tracker window that straddles the
    /// border follows the object and drags a negative onto it. 0 (default): the band starts at the mask.
    /// </summary>
    public float NegativeInset { get; init; }

    /// <summary>
    /// Replaces the query-point sampler; null (default) uses <see cref="PointSampler.Default"/> with
    /// <see cref="PositiveSampling"/> and <see cref="NegativeSampling"/>.
    /// </summary>
    public QueryPointSampler? Sampler { get; init; }

    /// <summary>Seed handed to <see cref="Sampler"/> (mixed with the frame index and object id so runs are reproducible).</summary>
    public int Seed { get; init; }

    /// <summary>Other objects' visible positive points are negatives for this object
    /// (SAM-PT <c>add_other_objects_positive_points_as_negative_points</c> = true).</summary>
    public bool OtherObjectsPositivesAsNegatives { get; init; } = true;

    /// <summary>
    /// The clicks of the prompt a walk starts from (a points prompt, a correction) join the object's query points and are
    /// tracked with them for the whole walk: a re-initialisation re-samples the other points from the mask and keeps
    /// each click where the tracker still sees it. SAM-PT tracks the points a user gives, and its interactive mode adds
    /// each correction click as a new tracked query point; re-sampling alone would drop what a click said as soon as the
    /// walk re-initialised (5 frames with the graph cut), usually before the frames the click was meant to fix. With the
    /// interactive benchmark (graph cut + lk, 10 DAVIS 2016 val sequences, 5 rounds from `run davis --restarts 1` start
    /// masks): J&amp;F after round 5 0.673 / 0.646 / 0.635 on seeds 0 / 1 / 2 against 0.670 / 0.634 / 0.618 without
    /// (README, measured figures). Walks from a mask prompt have no clicks and are unchanged.
    /// </summary>
    public bool TrackClicks { get; init; } = true;

    /// <summary>At most this many of the other objects' points are added (SAM-PT <c>max_other_objects_positive_points</c>
    /// = null, i.e. all); the first ones in object-id order are kept so the choice is deterministic.</summary>
    public int? MaxOtherObjectsPositives { get; init; }

    /// <summary>
    /// Refinement passes after the first decode: all visible points plus the box of the current mask, the current
    /// mask as <see cref="Segmentation.SegmentationPrompt.Prior"/>; stops early when the mask has fewer than 2 pixels.
    /// SAM-PT uses 12 (<c>iterative_refinement_iterations</c>); every pass costs one decoder call per object (EdgeSAM on
    /// 2 CPU cores: ~33 ms, a sixth of an encoder run). The library keeps SAM-PT's 12; the <c>edgesam-video</c>
    /// command picks per segmenter (graph cut: 2, measured on DAVIS 2016 val; EdgeSAM: 1 until it can be measured
    /// with the real weights).
    /// </summary>
    public int RefinementPasses { get; init; } = 12;

    /// <summary>
    /// A mask whose segmenter score is below this is dropped (SAM-PT <c>sam_iou_threshold</c> = 0.7). NaN scores
    /// (EdgeSAM's stability score of an all-background mask) are never dropped by this rule. 0 disables it.
    /// </summary>
    public float MinMaskScore { get; init; } = 0.7f;

    /// <summary>
    /// The object's mask on the previous frame, moved by the median motion of its visible points, goes to the first
    /// decode as <see cref="Segmentation.SegmentationPrompt.Prior"/> (EdgeSAM ignores it; the graph cut fits its colour
    /// models to it and adds a soft unary term). Off by default (SAM-PT has no such input). Measured with the graph cut
    /// and lk on the 10 DAVIS 2016 val sequences: J&amp;F 0.369 without, 0.451 with it (an earlier unmoved prior lost:
    /// on fast objects the old mask sat beside the object and pulled the cut away). Refinement passes always pass the
    /// current mask.
    /// </summary>
    public bool PreviousMaskAsPrior { get; init; }

    /// <summary>How the previous mask is carried onto the next frame for <see cref="PreviousMaskAsPrior"/> and
    /// <see cref="PointGate"/> (default <see cref="PriorMotion.PointMedian"/>).</summary>
    public PriorMotion PriorMotion { get; init; }

    /// <summary>The dense motion behind <see cref="PriorMotion.DenseFlow"/> and <see cref="MotionEvidence"/> (an optical
    /// flow the caller supplies: the library has none of its own); unused otherwise.</summary>
    public IDenseMotionEstimator? DenseMotion { get; init; }

    /// <summary>
    /// With <see cref="PriorMotion.DenseFlow"/>: the backward warp is intersected with a forward splat of the previous
    /// mask (a second flow, from the previous frame onto this one, over the mask), so background uncovered behind a
    /// moving object, whose backward flow points where the object was, does not keep a trail of mask. Off by default:
    /// graph cut + lk on the 10 DAVIS 2016 val sequences J&amp;F 0.528 with it, 0.525 without (the same CPU within
    /// noise: 33.1 s for breakdance + dog either way).
    /// </summary>
    public bool DenseSplatGuard { get; init; }

    /// <summary>
    /// When &gt; 0, prompt points that contradict the previous mask carried onto this frame are left out of the decode:
    /// positives more than this fraction of sqrt(mask area) outside it, negatives that deep inside it (they stay
    /// tracked; only the decode ignores them, and all are kept when no positive would be left). 0 (default, SAM-PT):
    /// every visible point prompts. Gating positives only (keeping negatives the carried mask covers, in case it leaked
    /// over them): graph cut + lk on the 10 DAVIS 2016 val sequences, seeds 0-2, J&amp;F 0.598 -> 0.597 (motocross-jump
    /// and horsejump-high gain, drift-chicane loses as much), so both sides stay gated.
    /// </summary>
    public float PointGate { get; init; }

    /// <summary>
    /// When &gt; 0, a decoded mask whose IoU with the previous mask carried onto this frame is below this is taken for
    /// a failure of the segmenter (a collapse onto a speck, a jump onto the background) rather than the object's
    /// motion: the carried mask is the frame's result instead, and no re-init samples points from it. 0 (default,
    /// SAM-PT): the decoded mask always stands.
    /// </summary>
    public float MinPriorAgreement { get; init; }

    /// <summary>
    /// Every decode of an object also gets its prompted mask on the prompt frame as
    /// <see cref="Segmentation.SegmentationPrompt.Reference"/> (EdgeSAM ignores it; the graph cut keeps that frame's
    /// object colours in its object model). Off by default (SAM-PT has no such input).
    /// </summary>
    public bool ReferenceAppearance { get; init; }

    /// <summary>
    /// Every decode with a carried previous mask also gets the object's motion as
    /// <see cref="Segmentation.SegmentationPrompt.Evidence"/> (<see cref="Pipeline.MotionEvidence"/>): a flow over the
    /// carried mask's surroundings from <see cref="DenseMotion"/> (required), explained by the object's and the
    /// background's affine motions. EdgeSAM ignores it; the graph cut adds it to its unaries. Off by default (SAM-PT has
    /// none). Graph cut + lk, 10 DAVIS 2016 val sequences, one run each on sampler seeds 0-9: mean J&amp;F 0.591 with it,
    /// 0.577 without (breakdance +0.09, dog, horsejump-high, car-shadow and soapbox gain; motocross-jump loses about 0.15
    /// and blackswan's reflection, which moves with the swan, joins the mask on 3 seeds of 10). Costs one flow per
    /// object and frame over the carried mask's box grown by 16 px + sqrt(area) / 2.
    /// </summary>
    public bool MotionEvidence { get; init; }

    /// <summary>Point re-initialisation (SAM-PT-reinit: <see cref="ReinitMode.Every"/>). Two guards against re-sampling
    /// from a mask that leaked were measured and left out (graph cut + lk, 10 DAVIS 2016 val sequences, seeds 0-2, J&amp;F
    /// against 0.598): positives drawn from the mask's overlap with the carried previous mask, 0.571; no re-init while
    /// the area is beyond 1.5x or 1/1.5x of the last seed's (for up to two horizons), 0.591.</summary>
    public ReinitMode Reinit { get; init; } = ReinitMode.Every;

    /// <summary>Frames between re-initialisations (SAM-PT <c>reinit_horizon</c> = <c>reinit_point_tracker_horizon</c> = 8).</summary>
    public int ReinitHorizon { get; init; } = 8;

    /// <summary>
    /// With <see cref="ReinitMode.Every"/>, also re-initialise early, on any frame where fewer than this fraction of the
    /// object's positive points are visible (and the mask is usable), instead of waiting for the horizon while the
    /// tracker loses them. 0 (default, SAM-PT) turns it off.
    /// </summary>
    public float ReinitBelowVisibleFraction { get; init; }

    /// <summary>
    /// With <see cref="ReinitMode.Every"/>: on a frame where the object is lost (no visible positive), decode once more
    /// from all its points' tracked positions (trackers keep moving lost points with their neighbours) and, if that gives
    /// a usable mask of about the object's size (a third to three times its last seed area), re-sample the points from
    /// it. The frame's own result stays empty (no visible positive, no mask); only the points are renewed, so an object
    /// the tracker lost can be picked up on the next frame. Off by default (SAM-PT); graph cut + lk on the 10 DAVIS 2016
    /// val sequences: J&amp;F 0.358 off, 0.369 on.
    /// </summary>
    public bool RecoverLostObjects { get; init; }

    /// <summary>
    /// A recovery's mask becomes the frame's result (<see cref="ObjectStatus.Recovered"/>) instead of leaving the frame
    /// empty. Off by default (SAM-PT: no visible positive point, no mask).
    /// </summary>
    public bool ShowRecovered { get; init; }

    /// <summary>
    /// With <see cref="ReinitMode.Every"/>: on a frame where the object is lost (no mask to re-sample points from, and a
    /// recovery from its tracked points, <see cref="RecoverLostObjects"/>, found nothing) or its mask is of its prompt's
    /// background colours (<see cref="RedetectBelowLogOdds"/>), look for it by the colours of its prompt
    /// (<see cref="ColorRedetector"/>: the window of <see cref="RedetectWindow"/> * sqrt(area) px whose colours are the most
    /// object-like), decode it from points in that window and, if the mask is not far larger than the object, re-seed it
    /// there; with <see cref="ShowRecovered"/> that mask is the frame's result. Points carried onto the background while
    /// the object was occluded, or lost off the frame, otherwise leave it lost for the rest of the video. Off by default
    /// (SAM-PT has no re-detection).
    /// </summary>
    public bool Redetect { get; init; }

    /// <summary>Side of <see cref="Redetect"/>'s search window as a fraction of sqrt(object area): 0.5, a part of the object
    /// (a torso, a dog's body) rather than its box, which on thin or articulated objects is mostly background. Graph cut +
    /// lk, 10 DAVIS 2016 val sequences, one run each on sampler seeds 0-9: mean J&amp;F 0.613 at 0.5, 0.608 at 0.3 (a
    /// smaller part found again, libby's head rather than its body: libby 0.28-0.60 against 0.34-0.64).</summary>
    public float RedetectWindow { get; init; } = 0.5f;

    /// <summary>Least mean log-odds (nats) of <see cref="Redetect"/>'s best window: 1, its colours about e times as
    /// frequent on the prompt's object as around it. Lower finds more, and more of what is not the object.</summary>
    public float RedetectMinScore { get; init; } = 1f;

    /// <summary>With <see cref="Redetect"/>: a segmented mask whose pixels' mean log-odds is below this (nats) counts as
    /// lost (its colours are the prompt frame's background: the points have moved onto it). -1 by default;
    /// <see cref="float.NegativeInfinity"/> searches only for objects with no mask.</summary>
    public float RedetectBelowLogOdds { get; init; } = -1f;

    /// <summary>A mask must have more than this many pixels to re-sample points from it (SAM-PT: 25); otherwise the
    /// previous points keep being tracked so the object is not lost.</summary>
    public int MinReinitArea { get; init; } = 25;

    /// <summary>Frames each pipeline stage may run ahead of the next (bounded channels; memory is proportional).</summary>
    public int PipelineDepth { get; init; } = 4;

    /// <summary>
    /// Frames the encoder stage embeds at once (each on its own thread, handed on in frame order). 1 (default): one
    /// frame at a time, the encoder's own threads parallelising inside it. More needs a segmenter whose
    /// <see cref="Segmentation.IPromptSegmenter.Embed"/> is thread-safe (both built-in ones are) and pays off on a CPU when each run
    /// uses fewer threads (ONNX Runtime intra-op threads = cores / workers): a parallel section then never waits for a
    /// thread the tracker or the mask writer pre-empted. Costs one encoder input and activations per worker.
    /// </summary>
    public int EncoderWorkers { get; init; } = 1;

    /// <summary>Whether the stages of a propagation overlap (default) or run one after another per frame; the
    /// sequential mode exists to measure each stage alone on the same frames (<c>bench pipeline</c>).</summary>
    public PipelineExecution Execution { get; init; } = PipelineExecution.Overlapped;

    /// <summary>Frames read at once by a backward propagation (each block is walked in reverse).</summary>
    public int BackwardBlockSize { get; init; } = 16;

    /// <summary>The sampler in effect: <see cref="Sampler"/>, else SAM-PT's recipe through <see cref="PointSampler"/>.</summary>
    internal QueryPointSampler EffectiveSampler => Sampler ?? SampleQueryPoints;

    private PromptPoint[] SampleQueryPoints(Mask mask, RgbImage frame, int positives, int negatives, int seed)
    {
        PointSampler sampler = PointSampler.Default;
        int area = mask.Area();
        PromptPoint[] pos = sampler.Positives(Inset(mask, area, positives), positives, PositiveSampling, seed, frame);
        if (NegativeRegion == NegativeRegion.Background)
            return [.. pos, .. sampler.Negatives(mask, negatives, NegativeSampling, unchecked(seed * 31 + 17), frame)];
        if (negatives == 0 || area == 0) return pos;
        // The band as a mask whose background (0) is the band: Negatives() samples pixels equal to 0.
        Mask band = Segmentation.GraphCut.GraphCutBenchmark.BackgroundBand(mask, NegativeBand * MathF.Sqrt(area));
        PromptPoint[] neg;
        if (band.Area() == 0)
            neg = sampler.Negatives(mask, negatives, NegativeSampling, unchecked(seed * 31 + 17), frame);
        else
        {
            int inner = (int)MathF.Round(NegativeInset * MathF.Sqrt(area));
            if (inner >= 1)
            {
                Mask near = Segmentation.GraphCut.GraphCutBenchmark.BackgroundBand(mask, inner);
                int left = 0;
                for (int k = 0; k < band.Data.Length; k++) left += band.Data[k] & (near.Data[k] ^ 1);
                if (left >= negatives)
                    for (int k = 0; k < band.Data.Length; k++) band.Data[k] &= (byte)(near.Data[k] ^ 1);
            }
            for (int k = 0; k < band.Data.Length; k++) band.Data[k] ^= 1;
            neg = sampler.Negatives(band, negatives, NegativeSampling, unchecked(seed * 31 + 17), frame);
        }
        return [.. pos, .. neg];
    }

    private Mask Inset(Mask mask, int area, int positives)
    {
        int r = (int)MathF.Round(PositiveInset * MathF.Sqrt(area));
        if (r < 1) return mask;
        byte[] eroded = new SamplingRegion(mask.Data, mask.Width, mask.Height, 1).Erode(2 * r + 1);
        int left = eroded.AsSpan().Count((byte)1);
        // Too thin to erode that much: the whole mask (the sampler needs room for well spread positives).
        if (left < Math.Max(4 * positives, MinReinitArea)) return mask;
        var inset = new Mask(mask.Width, mask.Height);
        eroded.CopyTo(inset.Data, 0);
        return inset;
    }

    internal void Validate()
    {
        if (PositivePoints < 1) throw new ArgumentOutOfRangeException(nameof(PositivePoints), PositivePoints, "At least one positive point is needed.");
        if (NegativePoints < 0) throw new ArgumentOutOfRangeException(nameof(NegativePoints), NegativePoints, "Must be >= 0.");
        if (MaxOtherObjectsPositives is < 0) throw new ArgumentOutOfRangeException(nameof(MaxOtherObjectsPositives), MaxOtherObjectsPositives, "Must be >= 0.");
        if (RefinementPasses < 0) throw new ArgumentOutOfRangeException(nameof(RefinementPasses), RefinementPasses, "Must be >= 0.");
        if (ReinitHorizon < 2) throw new ArgumentOutOfRangeException(nameof(ReinitHorizon), ReinitHorizon, "Must be >= 2.");
        if (!(ReinitBelowVisibleFraction >= 0 && ReinitBelowVisibleFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(ReinitBelowVisibleFraction), ReinitBelowVisibleFraction, "Must be in [0, 1].");
        if (!Enum.IsDefined(NegativeRegion)) throw new ArgumentOutOfRangeException(nameof(NegativeRegion), NegativeRegion, "Unknown region.");
        if (!(NegativeBand > 0 && NegativeBand <= 10)) throw new ArgumentOutOfRangeException(nameof(NegativeBand), NegativeBand, "Must be in (0, 10].");
        if (!(PositiveInset >= 0 && PositiveInset <= 0.5f)) throw new ArgumentOutOfRangeException(nameof(PositiveInset), PositiveInset, "Must be in [0, 0.5].");
        if (!(NegativeInset >= 0 && NegativeInset < NegativeBand)) throw new ArgumentOutOfRangeException(nameof(NegativeInset), NegativeInset, "Must be in [0, NegativeBand).");
        if (!Enum.IsDefined(PriorMotion)) throw new ArgumentOutOfRangeException(nameof(PriorMotion), PriorMotion, "Unknown motion.");
        if (MotionEvidence && DenseMotion is null)
            throw new ArgumentException("MotionEvidence needs a DenseMotion estimator.", nameof(DenseMotion));
        if (PriorMotion == PriorMotion.DenseFlow && DenseMotion is null)
            throw new ArgumentException("PriorMotion.DenseFlow needs a DenseMotion estimator.", nameof(DenseMotion));
        if (!(PointGate >= 0 && PointGate <= 10)) throw new ArgumentOutOfRangeException(nameof(PointGate), PointGate, "Must be in [0, 10].");
        if (!(MinPriorAgreement >= 0 && MinPriorAgreement < 1)) throw new ArgumentOutOfRangeException(nameof(MinPriorAgreement), MinPriorAgreement, "Must be in [0, 1).");
        if (!(RedetectWindow > 0 && RedetectWindow <= 2)) throw new ArgumentOutOfRangeException(nameof(RedetectWindow), RedetectWindow, "Must be in (0, 2].");
        if (!float.IsFinite(RedetectMinScore)) throw new ArgumentOutOfRangeException(nameof(RedetectMinScore), RedetectMinScore, "Must be finite.");
        if (float.IsNaN(RedetectBelowLogOdds)) throw new ArgumentOutOfRangeException(nameof(RedetectBelowLogOdds), RedetectBelowLogOdds, "Must not be NaN.");
        if (MinReinitArea < 0) throw new ArgumentOutOfRangeException(nameof(MinReinitArea), MinReinitArea, "Must be >= 0.");
        if (!Enum.IsDefined(Execution)) throw new ArgumentOutOfRangeException(nameof(Execution), Execution, "Unknown execution mode.");
        if (EncoderWorkers is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(EncoderWorkers), EncoderWorkers, "Must be in 1..64.");
        if (PipelineDepth < 1) throw new ArgumentOutOfRangeException(nameof(PipelineDepth), PipelineDepth, "Must be >= 1.");
        if (BackwardBlockSize < 1) throw new ArgumentOutOfRangeException(nameof(BackwardBlockSize), BackwardBlockSize, "Must be >= 1.");
    }
}
