using System.Numerics;
using OpenCvSharp;
using OpenCvSharp.Internal;

namespace EdgeSam.Video.Trackers.Lk;

/// <summary>Parameters of one pyramidal Lucas-Kanade solve.</summary>
/// <param name="WindowRadius">Half window: the window is (2r+1)^2 pixels at every level.</param>
/// <param name="MaxIterations">Gauss-Newton iterations per level (OpenCV: 30).</param>
/// <param name="Epsilon">Stop when the update is shorter than this, in level pixels (OpenCV: 0.01).</param>
/// <param name="MinEigen">
/// Smallest eigenvalue of the window's gradient matrix per window pixel (intensity^2 per pixel^2) below which the
/// window is untrackable (flat or a 1-D edge): the level is skipped, and at level 0 the point is lost.
/// 0.1 equals OpenCV's default <c>minEigThreshold = 1e-4</c> in its fixed-point units.
/// </param>
internal readonly record struct LkParameters(int WindowRadius = 10, int MaxIterations = 30, float Epsilon = 0.01f, float MinEigen = 0.1f)
{
    /// <summary>OpenCV's <c>minEigThreshold</c>: its eigenvalue is of Scharr sums (32 x the slope) scaled by 2^-20
    /// per window pixel, so 0.1 intensity^2 per pixel^2 is 1e-4.</summary>
    internal double OpenCvMinEigen => MinEigen * 1e-3;
}

/// <summary>Outcome of tracking one point.</summary>
/// <param name="X">Level-0 x of the point in the target frame.</param>
/// <param name="Y">Level-0 y.</param>
/// <param name="Ok">False when the window was untrackable at level 0 or the point left the frame.</param>
/// <param name="Residual">Mean absolute intensity difference (0..255) of the window after convergence at level 0.</param>
/// <param name="Correlation">
/// Zero-mean normalised cross-correlation in [-1, 1] of the source and tracked level-0 windows (NaN when not
/// converged): appearance agreement that, unlike <paramref name="Residual"/>, ignores gain and offset changes of lighting.
/// </param>
internal readonly record struct LkResult(float X, float Y, bool Ok, float Residual, float Correlation = float.NaN);

/// <summary>
/// Pyramidal Lucas-Kanade: OpenCV's <c>calcOpticalFlowPyrLK</c> (Bouguet's formulation) over precomputed
/// <see cref="ImagePyramid"/>s, plus the appearance measures the tracker's visibility test needs: the level's mean
/// absolute difference and the zero-mean normalised cross-correlation of the source and tracked windows (bilinear
/// samples of the float levels, on which <see cref="LkOptions.MaxResidual"/> and the correlation thresholds were
/// chosen; borders clamped). All points of one pyramid pair go to OpenCV in one call: it solves every point on its
/// own (same windows, iterations and arithmetic whatever else is in the call), so a batch gives what one call per
/// point gives (<c>LucasKanadeBatchTests</c>) without the per-call cost (eight native wrappers, the solver's setup).
/// </summary>
internal sealed class LucasKanade
{
    private readonly LkParameters _p;
    private readonly int _side;
    private readonly float[] _tI, _j;
    private float[] _prev = new float[2], _next = new float[2];
    private byte[] _status = new byte[1];
    private float[] _err = new float[1];

    public LucasKanade(LkParameters parameters)
    {
        if (parameters.WindowRadius < 1) throw new ArgumentOutOfRangeException(nameof(parameters), "Window radius must be >= 1.");
        _p = parameters;
        _side = 2 * parameters.WindowRadius + 1;
        _tI = new float[_side * _side];
        _j = new float[_side * _side];
    }

    public LkParameters Parameters => _p;

    /// <summary>
    /// Tracks the content at (<paramref name="x"/>, <paramref name="y"/>) of <paramref name="from"/> into
    /// <paramref name="to"/>, starting from the guess (<paramref name="guessX"/>, <paramref name="guessY"/>): a batch
    /// of one (see the batch overload).
    /// </summary>
    public LkResult Track(ImagePyramid from, ImagePyramid to, float x, float y, float guessX, float guessY, int maxLevels = int.MaxValue, int finest = 0)
    {
        Span<LkResult> result = stackalloc LkResult[1];
        Track(from, to, [(x, y)], [(guessX, guessY)], result, maxLevels, finest);
        return result[0];
    }

    /// <summary>
    /// Tracks the content at each of <paramref name="points"/> of <paramref name="from"/> into <paramref name="to"/>,
    /// starting from the matching <paramref name="guesses"/>; <paramref name="results"/>[k] is point k's outcome.
    /// Both pyramids must have the same size and depth. <paramref name="maxLevels"/> limits the pyramid levels used
    /// (a good guess needs only the finest ones, and coarse levels could pull it away); <paramref name="finest"/> stops
    /// at a coarser level (blurred frames: fine texture smeared by motion blur no longer matches, the coarse one still
    /// does), the residual and correlation then being that level's. Not thread-safe (scratch buffers).
    /// </summary>
    public void Track(ImagePyramid from, ImagePyramid to, ReadOnlySpan<(float X, float Y)> points, ReadOnlySpan<(float X, float Y)> guesses,
        Span<LkResult> results, int maxLevels = int.MaxValue, int finest = 0)
    {
        if (_p.WindowRadius > from.WindowRadius || _p.WindowRadius > to.WindowRadius)
            throw new ArgumentException($"LK window radius {_p.WindowRadius} exceeds the pyramids' padding ({from.WindowRadius}, {to.WindowRadius}).");
        int n = points.Length;
        if (guesses.Length != n || results.Length != n)
            throw new ArgumentException($"{n} points, {guesses.Length} guesses and {results.Length} results: one of each per point.");
        if (n == 0) return;
        int levels = Math.Min(Math.Min(from.Levels.Count, to.Levels.Count), Math.Max(1, maxLevels));
        finest = Math.Clamp(finest, 0, levels - 1);
        if (_status.Length < n)
        {
            int size = Math.Max(n, 2 * _status.Length);
            _prev = new float[2 * size];
            _next = new float[2 * size];
            _status = new byte[size];
            _err = new float[size];
        }
        // Level `finest` is level 0 of the slices handed to OpenCV: coordinates in its pixels.
        float s = 1f / (1 << finest);
        for (int k = 0; k < n; k++)
        {
            _prev[2 * k] = points[k].X * s; _prev[2 * k + 1] = points[k].Y * s;
            _next[2 * k] = guesses[k].X * s; _next[2 * k + 1] = guesses[k].Y * s;
            _status[k] = 0;
        }
        using (var prevPts = Mat.FromPixelData(1, n, MatType.CV_32FC2, _prev))
        using (var nextPts = Mat.FromPixelData(1, n, MatType.CV_32FC2, _next))
        using (var status = Mat.FromPixelData(1, n, MatType.CV_8UC1, _status))
        using (var err = Mat.FromPixelData(1, n, MatType.CV_32FC1, _err))
        using (var prevIn = InputArray.Create(prevPts))
        using (var nextInOut = InputOutputArray.Create(nextPts))
        using (var statusOut = OutputArray.Create(status))
        using (var errOut = OutputArray.Create(err))
        {
            // The pyramids go in as prebuilt vector proxies (see ImagePyramid.SliceProxy), hence the native entry point.
            NativeMethods.HandleException(NativeMethods.video_calcOpticalFlowPyrLK_InputArray(
                from.SliceProxy(finest, levels), to.SliceProxy(finest, levels),
                prevIn.CvPtr, nextInOut.CvPtr, statusOut.CvPtr, errOut.CvPtr, new Size(_side, _side), levels - 1 - finest,
                new TermCriteria(CriteriaTypes.Count | CriteriaTypes.Eps, _p.MaxIterations, _p.Epsilon),
                (int)OpticalFlowFlags.UseInitialFlow, _p.OpenCvMinEigen));
            GC.KeepAlive(from);
            GC.KeepAlive(to);
        }
        for (int k = 0; k < n; k++)
            results[k] = Measure(from, to, points[k].X, points[k].Y, guesses[k].X, guesses[k].Y, _next[2 * k], _next[2 * k + 1], _status[k] != 0, finest);
    }

    /// <summary>One point's outcome from OpenCV's answer (<paramref name="nx"/>, <paramref name="ny"/> in level
    /// <paramref name="finest"/>'s pixels): the window measures, back in level-0 pixels, and the frame test.</summary>
    private LkResult Measure(ImagePyramid from, ImagePyramid to, float x, float y, float guessX, float guessY, float nx, float ny, bool converged, int finest)
    {
        float s = 1f / (1 << finest);
        bool ok = converged && float.IsFinite(nx) && float.IsFinite(ny);
        float residual = float.NaN, correlation = float.NaN;
        if (ok)
        {
            PyramidLevel a = from.Levels[finest], b = to.Levels[finest];
            Sample(a.I, a.Width, a.Height, x * s, y * s, _tI);
            Sample(b.I, b.Width, b.Height, nx, ny, _j);
            int n = _side * _side;
            float sum = 0;
            double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
            for (int i = 0; i < n; i++)
            {
                float ta = _tI[i], tb = _j[i];
                sum += MathF.Abs(ta - tb);
                sa += ta; sb += tb; saa += ta * ta; sbb += tb * tb; sab += ta * tb;
            }
            residual = sum / n;
            double va = saa - sa * sa / n, vb = sbb - sb * sb / n, cov = sab - sa * sb / n;
            // Windows with (almost) no texture have no reliable correlation; LK's eigenvalue test rejects them anyway.
            correlation = va > 1e-6 && vb > 1e-6 ? (float)(cov / Math.Sqrt(va * vb)) : 0f;
        }
        nx *= 1 << finest;
        ny *= 1 << finest;
        if (!float.IsFinite(nx) || !float.IsFinite(ny)) { ok = false; nx = guessX; ny = guessY; }
        if (nx < 0 || ny < 0 || nx > to.Width - 1 || ny > to.Height - 1) ok = false;
        return new LkResult(nx, ny, ok, residual, correlation);
    }

    private void Sample(float[] img, int w, int h, float cx, float cy, float[] dst) => Sample(img, w, h, _p.WindowRadius, cx, cy, dst);

    /// <summary>Bilinear samples of the (2r+1)^2 window centred at (cx, cy); coordinates clamped to the image.</summary>
    internal static void Sample(float[] img, int w, int h, int radius, float cx, float cy, Span<float> dst)
    {
        int r = radius, side = 2 * radius + 1;
        float fx0 = MathF.Floor(cx), fy0 = MathF.Floor(cy);
        int ix = (int)fx0, iy = (int)fy0;
        float ax = cx - fx0, ay = cy - fy0;
        float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
        int x0 = ix - r, y0 = iy - r;
        if (x0 >= 0 && y0 >= 0 && x0 + side < w && y0 + side < h)
        {
            // Vectorised along the row with the scalar tail's operations in the same order: equal bit for bit.
            int lanes = Vector.IsHardwareAccelerated ? Vector<float>.Count : int.MaxValue;
            Vector<float> v00 = new(w00), v01 = new(w01), v10 = new(w10), v11 = new(w11);
            for (int v = 0; v < side; v++)
            {
                int row = (y0 + v) * w + x0;
                ReadOnlySpan<float> a = img.AsSpan(row, side + 1), b = img.AsSpan(row + w, side + 1);
                Span<float> d = dst.Slice(v * side, side);
                int u = 0;
                for (; u + lanes <= side; u += lanes)
                {
                    Vector<float> s = v00 * new Vector<float>(a[u..]) + v01 * new Vector<float>(a[(u + 1)..])
                                    + v10 * new Vector<float>(b[u..]) + v11 * new Vector<float>(b[(u + 1)..]);
                    s.CopyTo(d[u..]);
                }
                for (; u < side; u++)
                    d[u] = w00 * a[u] + w01 * a[u + 1] + w10 * b[u] + w11 * b[u + 1];
            }
            return;
        }
        for (int v = 0; v < side; v++)
        {
            int ya = Math.Clamp(y0 + v, 0, h - 1) * w, yb = Math.Clamp(y0 + v + 1, 0, h - 1) * w;
            for (int u = 0; u < side; u++)
            {
                int xa = Math.Clamp(x0 + u, 0, w - 1), xb = Math.Clamp(x0 + u + 1, 0, w - 1);
                dst[v * side + u] = w00 * img[ya + xa] + w01 * img[ya + xb] + w10 * img[yb + xa] + w11 * img[yb + xb];
            }
        }
    }
}

