namespace EdgeSam.Video.Trackers.Lk;

/// <summary>How a point that LK could not confirm on a frame is moved on until it is re-acquired.</summary>
public enum LostPointMotion
{
    /// <summary>With the similarity transform fitted to the points LK kept (one rigid motion for the whole object).</summary>
    Group,

    /// <summary>
    /// With a coarse dense optical flow (<see cref="LkOptions.DenseFlowPatchSize"/>) sampled at the point: follows the
    /// local motion of a deforming object (limbs) and needs no kept point, where the group's motion is one rigid guess.
    /// </summary>
    DenseFlow,
}

/// <summary>Tunables of the Lucas-Kanade tracker. Defaults were chosen on synthetic motion and DAVIS 2016 TrackScore@8.</summary>
public sealed record LkOptions
{
    /// <summary>Pyramid levels including full resolution (4 handles ~60 px of motion per frame with a 21 px window, more with the group prediction).</summary>
    public int PyramidLevels { get; init; } = 4;

    /// <summary>Half window in pixels: the window is (2r+1)^2 at every level (29 px: more texture for the correlation test on blurred frames).</summary>
    public int WindowRadius { get; init; } = 14;

    /// <summary>Gauss-Newton iterations per level.</summary>
    public int MaxIterations { get; init; } = 30;

    /// <summary>
    /// Scale of the forward-backward error (pixels) in the visibility score <c>exp(-(fb/sigma)^2 / 2)</c>;
    /// with the default threshold 0.5 a point is visible while its round trip lands within 1.18 sigma (1.8 px) of its start.
    /// </summary>
    public float ForwardBackwardSigma { get; init; } = 1.5f;

    /// <summary>
    /// Growth of the forward-backward scale with the point's motion: sigma = max(<see cref="ForwardBackwardSigma"/>,
    /// this x motion in pixels). A round trip over a long, blurred jump cannot close to a pixel; a fixed pixel
    /// tolerance rejects exactly the fast points. 0 = fixed sigma.
    /// </summary>
    public float ForwardBackwardMotionFraction { get; init; } = 0.05f;

    /// <summary>
    /// Largest mean absolute intensity difference (0..255) between the source window and the tracked window before
    /// the point is declared invisible (occlusion or lighting change the flow could not explain), unless the windows
    /// correlate by at least <see cref="MinCorrelation"/>.
    /// </summary>
    public float MaxResidual { get; init; } = 18f;

    /// <summary>
    /// Zero-mean normalised cross-correlation of the source and tracked windows at or above which they look alike
    /// even when <see cref="MaxResidual"/> is exceeded (the difference is a gain/offset change of lighting, not another
    /// surface). Above 1 = residual test only.
    /// </summary>
    public float MinCorrelation { get; init; } = 0.85f;

    /// <summary>
    /// Re-acquire the points LK lost on a frame from the motion of the points it kept (a similarity transform fitted
    /// to them): LK restarts at the group's prediction, and its answer is visible when it round-trips, or when it
    /// lands where the group says and its window correlates by <see cref="GroupCorrelation"/> with the point's.
    /// </summary>
    public bool GroupReacquire { get; init; } = true;

    /// <summary>Correlation the window of a group-predicted LK answer needs when its round trip failed.</summary>
    public float GroupCorrelation { get; init; } = 0.8f;

    /// <summary>
    /// Points lost on an earlier frame (stale anchor) are also tracked from their group-propagated position on the
    /// previous frame, and kept when that round-trips and moves as the group does.
    /// </summary>
    public bool ChainReacquire { get; init; } = true;

    /// <summary>
    /// Frames a point may stay unreliable and still be re-acquired by tracking from its last reliable frame; after
    /// that it is lost for the rest of the track (visibility 0, position carried by its neighbours' median motion).
    /// </summary>
    public int MaxGap { get; init; } = 6;

    /// <summary>Start each frame's search at the group's motion of the previous frame applied again (constant velocity).</summary>
    public bool PredictMotion { get; init; } = true;

    /// <summary>
    /// A point LK loses at full resolution is tracked again at half resolution (motion blur), its round trip
    /// judged in that level's pixels.
    /// </summary>
    public bool CoarseRetry { get; init; } = true;

    /// <summary>
    /// How points LK lost are carried. <see cref="LostPointMotion.DenseFlow"/> computes the flow only around the lost
    /// points and only on frames that have one. DAVIS 2016 TrackScore@8, all 10 sequences (inside / visible /
    /// all inside = every point's final position inside the ground truth, visible or not):
    /// lk (without <see cref="DenseReacquire"/>) Group 0.970 / 0.586 / 0.738, DenseFlow 0.973 / 0.598 / 0.795;
    /// xfeat Group 0.954 / 0.621 / 0.741, DenseFlow 0.952 / 0.629 / 0.800. Lost points end on the object far more
    /// often (better starting points for re-acquisition); it costs a dense flow over the lost points' region on
    /// frames that lose any (measured back to back: lk 5.9 -> 10.7 ms, xfeat 9.4 -> 13.2 ms per frame).
    /// </summary>
    public LostPointMotion LostPointMotion { get; init; } = LostPointMotion.DenseFlow;

    /// <summary>Dense flow patch side in pyramid-level pixels (its footprint in frame pixels is this x 2^level).</summary>
    public int DenseFlowPatchSize { get; init; } = 6;

    /// <summary>Finest pyramid level of the dense flow (1 = half resolution: blur-tolerant, 1-2 px precise).</summary>
    public int DenseFlowFinestLevel { get; init; } = 1;

    /// <summary>Frame pixels around the predicted motion searched exhaustively at the dense flow's coarsest level.</summary>
    public float DenseFlowSearchRadius { get; init; } = 64;

    /// <summary>
    /// A lost point is declared visible again at its dense-flow position when the forward and backward flows agree
    /// there (round trip within max(1.5 px, 5% of the motion)) and the position agrees with the group's motion
    /// (within max(4 px, 30% of the motion)). Applies with <see cref="LostPointMotion.DenseFlow"/> only (ignored with
    /// <see cref="LostPointMotion.Group"/>). DAVIS 2016 TrackScore@8 (inside / visible / all inside): lk
    /// 0.973 / 0.598 / 0.795 without, 0.966 / 0.636 / 0.798 with (on by default); xfeat 0.952 / 0.629 / 0.800 without,
    /// 0.925 / 0.689 / 0.805 with (off in <see cref="XFeat.XFeatTracker.DefaultLkOptions"/>: its wrong ones are
    /// points now on an occluder that moves like the object).
    /// </summary>
    public bool DenseReacquire { get; init; } = true;

    internal DenseFlowParameters DenseFlow => new(
        FinestLevel: DenseFlowFinestLevel, CoarsestLevel: Math.Max(DenseFlowFinestLevel, PyramidLevels - 1),
        PatchSize: DenseFlowPatchSize, Stride: Math.Max(1, DenseFlowPatchSize / 2), SearchRadius: DenseFlowSearchRadius);

    internal LkParameters Solver => new(WindowRadius, MaxIterations);

    internal void Validate()
    {
        if (PyramidLevels is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(PyramidLevels), "PyramidLevels must be in [1, 8].");
        if (WindowRadius is < 1 or > 50) throw new ArgumentOutOfRangeException(nameof(WindowRadius), "WindowRadius must be in [1, 50].");
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations));
        if (!(ForwardBackwardSigma > 0)) throw new ArgumentOutOfRangeException(nameof(ForwardBackwardSigma));
        if (!(MaxResidual > 0)) throw new ArgumentOutOfRangeException(nameof(MaxResidual));
        if (MaxGap < 0) throw new ArgumentOutOfRangeException(nameof(MaxGap));
        if (!(ForwardBackwardMotionFraction >= 0)) throw new ArgumentOutOfRangeException(nameof(ForwardBackwardMotionFraction));
        if (!(MinCorrelation > -1)) throw new ArgumentOutOfRangeException(nameof(MinCorrelation), "MinCorrelation must be above -1.");
        if (DenseFlowPatchSize is < 2 or > 32) throw new ArgumentOutOfRangeException(nameof(DenseFlowPatchSize), "DenseFlowPatchSize must be in [2, 32].");
        if (DenseFlowFinestLevel < 0 || DenseFlowFinestLevel >= PyramidLevels) throw new ArgumentOutOfRangeException(nameof(DenseFlowFinestLevel), "DenseFlowFinestLevel must be a pyramid level: in [0, PyramidLevels).");
        if (!(DenseFlowSearchRadius is >= 1 and <= 512)) throw new ArgumentOutOfRangeException(nameof(DenseFlowSearchRadius), "DenseFlowSearchRadius must be in [1, 512] pixels.");
        if (!(GroupCorrelation > -1 && GroupCorrelation <= 1)) throw new ArgumentOutOfRangeException(nameof(GroupCorrelation), "GroupCorrelation must be in (-1, 1].");
    }
}
