using System.Numerics;

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
/// <param name="CompensateBias">Solve for the windows' brightness offset too (see <see cref="LkOptions.CompensateBrightness"/>).</param>
internal readonly record struct LkParameters(int WindowRadius = 10, int MaxIterations = 30, float Epsilon = 0.01f, float MinEigen = 0.1f, bool CompensateBias = false);

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
/// Pyramidal Lucas-Kanade (Bouguet's formulation, as OpenCV's <c>calcOpticalFlowPyrLK</c>): coarse to fine, at
/// each level the template window around the source point is sampled once (intensity and derivatives, bilinear,
/// borders replicated), then Gauss-Newton steps move the target position d by G^-1 * sum(grad I * (I - J(d)))
/// until the step is below epsilon. The position doubles from one level to the next finer one.
/// </summary>
internal sealed class LucasKanade
{
    private readonly LkParameters _p;
    private readonly int _side;
    private readonly float[] _tI, _tIx, _tIy, _j;
    /// <summary>Scratch: Scharr derivatives on the (2r+2)^2 pixel grid under a template window.</summary>
    private readonly float[] _gx, _gy;

    public LucasKanade(LkParameters parameters)
    {
        if (parameters.WindowRadius < 1) throw new ArgumentOutOfRangeException(nameof(parameters), "Window radius must be >= 1.");
        _p = parameters;
        _side = 2 * parameters.WindowRadius + 1;
        int n = _side * _side;
        _tI = new float[n];
        _tIx = new float[n];
        _tIy = new float[n];
        _j = new float[n];
        _gx = new float[(_side + 1) * (_side + 1)];
        _gy = new float[(_side + 1) * (_side + 1)];
    }

    public LkParameters Parameters => _p;

    /// <summary>
    /// Tracks the content at (<paramref name="x"/>, <paramref name="y"/>) of <paramref name="from"/> into
    /// <paramref name="to"/>, starting from the guess (<paramref name="guessX"/>, <paramref name="guessY"/>).
    /// Both pyramids must have the same size and depth. <paramref name="maxLevels"/> limits the pyramid levels used
    /// (a good guess needs only the finest ones, and coarse levels could pull it away); <paramref name="finest"/> stops
    /// at a coarser level (blurred frames: fine texture smeared by motion blur no longer matches, the coarse one still
    /// does), the residual and correlation then being that level's. Not thread-safe (scratch buffers).
    /// </summary>
    public LkResult Track(ImagePyramid from, ImagePyramid to, float x, float y, float guessX, float guessY, int maxLevels = int.MaxValue, int finest = 0)
    {
        int levels = Math.Min(Math.Min(from.Levels.Count, to.Levels.Count), Math.Max(1, maxLevels));
        finest = Math.Clamp(finest, 0, levels - 1);
        int top = levels - 1;
        float scale = 1f / (1 << top);
        float nx = guessX * scale, ny = guessY * scale;
        int n = _side * _side;
        bool ok = true;
        float residual = float.NaN, correlation = float.NaN;
        for (int level = top; level >= finest; level--)
        {
            PyramidLevel a = from.Levels[level], b = to.Levels[level];
            float s = 1f / (1 << level);
            float px = x * s, py = y * s;
            Sample(a.I, a.Width, a.Height, px, py, _tI);
            // The template's derivatives from the window's own pixels: bit for bit the whole level's derivative
            // images sampled there, at ~1/15 of their cost for a 29-pixel window on a 854x480 frame.
            SampleGradients(a, _p.WindowRadius, px, py, _gx, _gy, _tIx, _tIy);
            double gxx = 0, gxy = 0, gyy = 0;
            for (int i = 0; i < n; i++)
            {
                gxx += _tIx[i] * _tIx[i];
                gxy += _tIx[i] * _tIy[i];
                gyy += _tIy[i] * _tIy[i];
            }
            double det = gxx * gyy - gxy * gxy;
            double minEig = (gxx + gyy - Math.Sqrt((gxx - gyy) * (gxx - gyy) + 4 * gxy * gxy)) / (2.0 * n);
            if (minEig < _p.MinEigen || det < 1e-9)
            {
                if (level == finest) ok = false;
                else { nx *= 2; ny *= 2; }
                continue;
            }
            double inv = 1.0 / det;
            float prevDx = 0, prevDy = 0;
            for (int it = 0; it < _p.MaxIterations; it++)
            {
                // Far outside the level: stop iterating on garbage (clamped samples give no gradient signal).
                if (nx < -_p.WindowRadius || ny < -_p.WindowRadius || nx > b.Width - 1 + _p.WindowRadius || ny > b.Height - 1 + _p.WindowRadius)
                {
                    ok = false;
                    break;
                }
                Sample(b.I, b.Width, b.Height, nx, ny, _j);
                // Brightness offset between the windows (their mean difference), removed from the error so that a
                // lighting change does not pull the position: the least-squares solution for (d, offset) jointly.
                float bias = 0;
                if (_p.CompensateBias)
                {
                    float sj = 0;
                    for (int i = 0; i < n; i++) sj += _j[i] - _tI[i];
                    bias = sj / n;
                }
                double bx = 0, by = 0;
                for (int i = 0; i < n; i++)
                {
                    float diff = _tI[i] - _j[i] + bias;
                    bx += diff * _tIx[i];
                    by += diff * _tIy[i];
                }
                float dx = (float)((gyy * bx - gxy * by) * inv);
                float dy = (float)((gxx * by - gxy * bx) * inv);
                nx += dx;
                ny += dy;
                if (dx * dx + dy * dy <= _p.Epsilon * _p.Epsilon) break;
                // Oscillation between two positions: settle in the middle (as OpenCV does).
                if (it > 0 && MathF.Abs(dx + prevDx) < 0.01f && MathF.Abs(dy + prevDy) < 0.01f)
                {
                    nx -= dx * 0.5f;
                    ny -= dy * 0.5f;
                    break;
                }
                prevDx = dx;
                prevDy = dy;
            }
            if (!ok) break;
            if (level == finest)
            {
                Sample(b.I, b.Width, b.Height, nx, ny, _j);
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
            else
            {
                nx *= 2;
                ny *= 2;
            }
        }
        nx *= 1 << finest;
        ny *= 1 << finest;
        if (!float.IsFinite(nx) || !float.IsFinite(ny)) { ok = false; nx = guessX; ny = guessY; }
        if (nx < 0 || ny < 0 || nx > to.Width - 1 || ny > to.Height - 1) ok = false;
        return new LkResult(nx, ny, ok, residual, correlation);
    }

    /// <summary>
    /// Bilinear samples of the level's Scharr derivatives over the (2r+1)^2 window centred at (cx, cy), coordinates
    /// clamped to the level (as <see cref="Sample(float[], int, int, int, float, float, Span{float})"/> samples
    /// <see cref="PyramidLevel.Ix"/>/<see cref="PyramidLevel.Iy"/>, bit for bit):
    /// the derivatives are computed on the (2r+2)^2 grid of clamped pixels under the window (<paramref name="gx"/>,
    /// <paramref name="gy"/>: scratch of that size), then blended with the same weights and operation order.
    /// </summary>
    internal static void SampleGradients(PyramidLevel level, int radius, float cx, float cy, Span<float> gx, Span<float> gy, Span<float> dx, Span<float> dy)
    {
        int side = 2 * radius + 1, grid = side + 1;
        int w = level.Width, h = level.Height;
        float fx0 = MathF.Floor(cx), fy0 = MathF.Floor(cy);
        int ix = (int)fx0, iy = (int)fy0;
        float ax = cx - fx0, ay = cy - fy0;
        float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
        int x0 = ix - radius, y0 = iy - radius;
        for (int v = 0; v < grid; v++)
        {
            int y = Math.Clamp(y0 + v, 0, h - 1);
            for (int u = 0; u < grid; u++)
                (gx[v * grid + u], gy[v * grid + u]) = level.ScharrAt(Math.Clamp(x0 + u, 0, w - 1), y);
        }
        for (int v = 0; v < side; v++)
        {
            int g = v * grid, o = v * side;
            for (int u = 0; u < side; u++, g++)
            {
                dx[o + u] = w00 * gx[g] + w01 * gx[g + 1] + w10 * gx[g + grid] + w11 * gx[g + grid + 1];
                dy[o + u] = w00 * gy[g] + w01 * gy[g + 1] + w10 * gy[g + grid] + w11 * gy[g + grid + 1];
            }
        }
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

