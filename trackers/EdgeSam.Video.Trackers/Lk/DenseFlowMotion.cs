using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Trackers.Lk;

/// <summary>
/// The pipeline's <see cref="IDenseMotionEstimator"/> over the coarse DIS-style <see cref="DenseFlow"/> (the same solver
/// lk uses to carry lost points), on grey pyramids of the frames. The field comes at pyramid level
/// <see cref="FinestLevel"/> (half resolution by default: one vector per 2x2 frame pixels), which is finer than the
/// graph cut's working resolution (long side 400 of 854), so the prior it carries loses nothing to it.
/// </summary>
/// <remarks>
/// The pipeline asks for the flow from each new frame back to the previous one, so a frame is the "from" of one call
/// and the "to" of the next: the two latest pyramids are kept, keyed by the frame instance. They are this estimator's
/// own: the one pushed out by a new frame is disposed there (its native levels freed and its float levels reused, not
/// left to a finalizer), the last two on <see cref="Dispose"/>. One caller at a time.
/// </remarks>
public sealed class DenseFlowMotion : IDenseMotionEstimator, IDisposable
{
    private readonly DenseFlowParameters _parameters;
    private readonly int _levels;
    private (RgbImage Frame, ImagePyramid Pyramid)? _a, _b;
    private bool _disposed;

    /// <param name="finestLevel">Pyramid level of the field (0 full, 1 half, 2 quarter resolution).</param>
    /// <param name="patchSize">Patch side in level pixels (patches overlap by half).</param>
    /// <param name="searchRadius">Frame pixels searched exhaustively around the prediction at the coarsest level.</param>
    /// <param name="levels">Pyramid levels (the coarsest is the block search's).</param>
    public DenseFlowMotion(int finestLevel = 1, int patchSize = 8, float searchRadius = 32, int levels = 4)
    {
        if (levels is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(levels), levels, "Must be in [1, 8].");
        if (finestLevel < 0 || finestLevel >= levels) throw new ArgumentOutOfRangeException(nameof(finestLevel), finestLevel, "Must be a pyramid level: in [0, levels).");
        if (patchSize is < 2 or > 32) throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, "Must be in [2, 32].");
        if (!(searchRadius is >= 1 and <= 512)) throw new ArgumentOutOfRangeException(nameof(searchRadius), searchRadius, "Must be in [1, 512] pixels.");
        _levels = levels;
        FinestLevel = finestLevel;
        _parameters = new DenseFlowParameters(FinestLevel: finestLevel, CoarsestLevel: levels - 1, PatchSize: patchSize,
            Stride: Math.Max(1, patchSize / 2), SearchRadius: searchRadius);
    }

    public string Name => "dis-coarse";

    public int FinestLevel { get; }

    public DenseMotionField Estimate(RgbImage from, RgbImage to, Func<float, float, (float Dx, float Dy)> predict, (int X0, int Y0, int X1, int Y1) region)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(predict);
        if (from.Width != to.Width || from.Height != to.Height)
            throw new ArgumentException($"Frames differ in size: {from.Width}x{from.Height} and {to.Width}x{to.Height}.");
        ObjectDisposedException.ThrowIf(_disposed, this);
        ImagePyramid a = PyramidOf(from), b = PyramidOf(to);
        Keep((from, a), (to, b));
        FlowField f = DenseFlow.Compute(a, b, _parameters, predict, (region.X0, region.Y0, region.X1, region.Y1));
        // FlowField stores level-pixel displacements; the contract is frame pixels.
        float k = 1 << f.Level;
        var u = new float[f.U.Length];
        var v = new float[f.V.Length];
        for (int i = 0; i < u.Length; i++) { u[i] = f.U[i] * k; v[i] = f.V[i] * k; }
        return new DenseMotionField(f.Width, f.Height, k, u, v);
    }

    private ImagePyramid PyramidOf(RgbImage frame)
    {
        if (_a is { } a && ReferenceEquals(a.Frame, frame)) return a.Pyramid;
        if (_b is { } b && ReferenceEquals(b.Frame, frame)) return b.Pyramid;
        return ImagePyramid.Build(frame, _levels);
    }

    /// <summary>Keeps the pyramids of this call's two frames and disposes the one they push out (never one in use).</summary>
    private void Keep((RgbImage Frame, ImagePyramid Pyramid) first, (RgbImage Frame, ImagePyramid Pyramid) second)
    {
        foreach (var old in new[] { _a, _b })
            if (old is { } o && !ReferenceEquals(o.Pyramid, first.Pyramid) && !ReferenceEquals(o.Pyramid, second.Pyramid))
                o.Pyramid.Dispose();
        _a = first;
        _b = ReferenceEquals(first.Pyramid, second.Pyramid) ? null : second;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _a?.Pyramid.Dispose();
        _b?.Pyramid.Dispose();
        _a = _b = null;
    }
}
