namespace EdgeSam.Video.Trackers.Lk;

/// <summary>Tunables of the Lucas-Kanade tracker. Defaults were chosen on synthetic motion and DAVIS 2016 TrackScore@8.</summary>
public sealed record LkOptions
{
    /// <summary>Pyramid levels including full resolution (4 handles ~60 px of motion per frame with a 21 px window).</summary>
    public int PyramidLevels { get; init; } = 4;

    /// <summary>Half window in pixels: the window is (2r+1)^2 at every level.</summary>
    public int WindowRadius { get; init; } = 10;

    /// <summary>Gauss-Newton iterations per level.</summary>
    public int MaxIterations { get; init; } = 30;

    /// <summary>
    /// Scale of the forward-backward error (pixels) in the visibility score <c>exp(-(fb/sigma)^2 / 2)</c>;
    /// with the default threshold 0.5 a point is visible while its round trip lands within 1.18 sigma of its start.
    /// </summary>
    public float ForwardBackwardSigma { get; init; } = 0.85f;

    /// <summary>
    /// Largest mean absolute intensity difference (0..255) between the source window and the tracked window before
    /// the point is declared invisible (occlusion or lighting change the flow could not explain).
    /// </summary>
    public float MaxResidual { get; init; } = 18f;

    /// <summary>
    /// Frames a point may stay unreliable and still be re-acquired by tracking from its last reliable frame; after
    /// that it is lost for the rest of the track (visibility 0, position carried by its neighbours' median motion).
    /// </summary>
    public int MaxGap { get; init; } = 6;

    /// <summary>Start each frame's search at the group's median motion of the previous frame (constant velocity).</summary>
    public bool PredictMotion { get; init; } = true;

    internal LkParameters Solver => new(WindowRadius, MaxIterations);

    internal void Validate()
    {
        if (PyramidLevels is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(PyramidLevels), "PyramidLevels must be in [1, 8].");
        if (WindowRadius is < 1 or > 50) throw new ArgumentOutOfRangeException(nameof(WindowRadius), "WindowRadius must be in [1, 50].");
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations));
        if (!(ForwardBackwardSigma > 0)) throw new ArgumentOutOfRangeException(nameof(ForwardBackwardSigma));
        if (!(MaxResidual > 0)) throw new ArgumentOutOfRangeException(nameof(MaxResidual));
        if (MaxGap < 0) throw new ArgumentOutOfRangeException(nameof(MaxGap));
    }
}
