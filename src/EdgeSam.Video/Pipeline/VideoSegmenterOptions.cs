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

    /// <summary>At most this many of the other objects' points are added (SAM-PT <c>max_other_objects_positive_points</c>
    /// = null, i.e. all); the first ones in object-id order are kept so the choice is deterministic.</summary>
    public int? MaxOtherObjectsPositives { get; init; }

    /// <summary>
    /// Refinement passes after the first decode: all visible points plus the box of the current mask, the current
    /// mask as <see cref="Segmentation.SegmentationPrompt.Prior"/>; stops early when the mask has fewer than 2 pixels.
    /// SAM-PT uses 12 (<c>iterative_refinement_iterations</c>); every pass costs one decoder call per object (EdgeSAM on
    /// 2 CPU cores: ~33 ms, a sixth of an encoder run), so the default is chosen by measurement on the DAVIS dev set.
    /// </summary>
    public int RefinementPasses { get; init; } = 12;

    /// <summary>
    /// A mask whose segmenter score is below this is dropped (SAM-PT <c>sam_iou_threshold</c> = 0.7). NaN scores
    /// (EdgeSAM's stability score of an all-background mask) are never dropped by this rule. 0 disables it.
    /// </summary>
    public float MinMaskScore { get; init; } = 0.7f;

    /// <summary>
    /// The object's mask on the previous frame goes to the first decode as
    /// <see cref="Segmentation.SegmentationPrompt.Prior"/> (EdgeSAM ignores it). Off by default: measured with the
    /// graph cut (which uses a prior as colour model and soft unary term) and lk on the first 20 frames of DAVIS 2016
    /// blackswan / dog, mean J 0.909 / 0.669 without it and 0.591 / 0.544 with it: the prior pulls each frame's mask
    /// towards the last one, and the errors compound. Refinement passes always pass the current mask.
    /// </summary>
    public bool PreviousMaskAsPrior { get; init; }

    /// <summary>Point re-initialisation (SAM-PT-reinit: <see cref="ReinitMode.Every"/>).</summary>
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
    /// With <see cref="ReinitMode.Every"/>: when a re-initialisation is due but the object's mask is empty (its
    /// positives all invisible), decode once more with the positives' tracked positions anyway and, if that gives a
    /// usable mask, re-sample the points from it. The frame's own result stays empty (no visible positive, no mask);
    /// only the points are renewed, so an object the tracker lost can be picked up again. Off by default (SAM-PT);
    /// with graphcut + lk on the first 30 frames of DAVIS 2016 val it made no measurable difference (J&amp;F 0.494 both).
    /// </summary>
    public bool RecoverLostObjects { get; init; }

    /// <summary>A mask must have more than this many pixels to re-sample points from it (SAM-PT: 25); otherwise the
    /// previous points keep being tracked so the object is not lost.</summary>
    public int MinReinitArea { get; init; } = 25;

    /// <summary>Frames each pipeline stage may run ahead of the next (bounded channels; memory is proportional).</summary>
    public int PipelineDepth { get; init; } = 4;

    /// <summary>Frames read at once by a backward propagation (each block is walked in reverse).</summary>
    public int BackwardBlockSize { get; init; } = 16;

    /// <summary>The sampler in effect: <see cref="Sampler"/>, else SAM-PT's recipe through <see cref="PointSampler"/>.</summary>
    internal QueryPointSampler EffectiveSampler => Sampler ?? ((mask, frame, positives, negatives, seed) =>
        PointSampler.Default.Sample(mask, new PointSamplingSpec(positives, PositiveSampling, negatives, NegativeSampling), seed, frame));

    internal void Validate()
    {
        if (PositivePoints < 1) throw new ArgumentOutOfRangeException(nameof(PositivePoints), PositivePoints, "At least one positive point is needed.");
        if (NegativePoints < 0) throw new ArgumentOutOfRangeException(nameof(NegativePoints), NegativePoints, "Must be >= 0.");
        if (MaxOtherObjectsPositives is < 0) throw new ArgumentOutOfRangeException(nameof(MaxOtherObjectsPositives), MaxOtherObjectsPositives, "Must be >= 0.");
        if (RefinementPasses < 0) throw new ArgumentOutOfRangeException(nameof(RefinementPasses), RefinementPasses, "Must be >= 0.");
        if (ReinitHorizon < 2) throw new ArgumentOutOfRangeException(nameof(ReinitHorizon), ReinitHorizon, "Must be >= 2.");
        if (!(ReinitBelowVisibleFraction >= 0 && ReinitBelowVisibleFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(ReinitBelowVisibleFraction), ReinitBelowVisibleFraction, "Must be in [0, 1].");
        if (MinReinitArea < 0) throw new ArgumentOutOfRangeException(nameof(MinReinitArea), MinReinitArea, "Must be >= 0.");
        if (PipelineDepth < 1) throw new ArgumentOutOfRangeException(nameof(PipelineDepth), PipelineDepth, "Must be >= 1.");
        if (BackwardBlockSize < 1) throw new ArgumentOutOfRangeException(nameof(BackwardBlockSize), BackwardBlockSize, "Must be >= 1.");
    }
}
