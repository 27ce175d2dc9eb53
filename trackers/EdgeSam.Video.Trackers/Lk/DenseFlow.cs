namespace EdgeSam.Video.Trackers.Lk;

/// <summary>Parameters of one coarse dense-flow solve (see <see cref="DenseFlow"/>).</summary>
/// <param name="FinestLevel">Pyramid level the field is computed down to (1 = half resolution, 2 = quarter).</param>
/// <param name="CoarsestLevel">Level of the exhaustive block search (clamped to the pyramid's top).</param>
/// <param name="PatchSize">Patch side in level pixels at every level (the footprint in frame pixels doubles per level).</param>
/// <param name="Stride">Patch grid spacing in level pixels (patches overlap when below <paramref name="PatchSize"/>).</param>
/// <param name="SearchRadius">Frame pixels around the predicted motion searched exhaustively at the coarsest level.</param>
/// <param name="Iterations">Inverse-search Gauss-Newton iterations per patch and level.</param>
/// <param name="MaxMatchCost">
/// Largest normalised match cost (zero-mean SSD / the patch's own variance: 0 perfect, about 2 unrelated) of a patch
/// that votes at densification. Off (infinite) by default: on DAVIS 2016 TrackScore@8, 0.5 and 1 left the lost
/// points' final positions no better (xfeat all inside 0.777 and 0.782 against 0.804 without).
/// </param>
/// <param name="MotionPenalty">
/// Cost of departing from the predicted motion in the block search, in units of the patch's own variance at the edge
/// of the search radius (quadratic in the departure): a match elsewhere must beat the prediction clearly, so flat,
/// repetitive or occluded patches keep the prediction instead of jumping to a chance look-alike.
/// </param>
internal readonly record struct DenseFlowParameters(int FinestLevel = 1, int CoarsestLevel = 3, int PatchSize = 8, int Stride = 4, float SearchRadius = 64, int Iterations = 8, float MotionPenalty = 0.1f, float MaxMatchCost = float.PositiveInfinity);

/// <summary>
/// A displacement field between two frames, stored at one pyramid level (level pixels), read in frame pixels.
/// </summary>
internal sealed class FlowField
{
    public readonly int Level, Width, Height;
    public readonly float[] U, V;

    public FlowField(int level, int width, int height)
    {
        Level = level;
        Width = width;
        Height = height;
        U = new float[width * height];
        V = new float[width * height];
    }

    /// <summary>Displacement (frame pixels) at frame position (x, y); bilinear, positions clamped to the field.</summary>
    public (float Dx, float Dy) At(float x, float y)
    {
        float s = 1f / (1 << Level);
        float lx = Math.Clamp(x * s, 0, Width - 1), ly = Math.Clamp(y * s, 0, Height - 1);
        int x0 = Math.Min((int)lx, Width - 2 < 0 ? 0 : Width - 2), y0 = Math.Min((int)ly, Height - 2 < 0 ? 0 : Height - 2);
        int x1 = Math.Min(x0 + 1, Width - 1), y1 = Math.Min(y0 + 1, Height - 1);
        float ax = lx - x0, ay = ly - y0;
        float u = Lerp2(U, x0, y0, x1, y1, ax, ay), v = Lerp2(V, x0, y0, x1, y1, ax, ay);
        float k = 1 << Level;
        return (u * k, v * k);
    }

    private float Lerp2(float[] f, int x0, int y0, int x1, int y1, float ax, float ay)
    {
        float a = f[y0 * Width + x0] * (1 - ax) + f[y0 * Width + x1] * ax;
        float b = f[y1 * Width + x0] * (1 - ax) + f[y1 * Width + x1] * ax;
        return a * (1 - ay) + b * ay;
    }
}

/// <summary>
/// Coarse-to-fine dense optical flow in the manner of DIS (Kroeger et al., 2016), restricted to the coarse levels:
/// at the coarsest level every patch of a regular overlapping grid is matched by exhaustive zero-mean block search
/// around the predicted motion (large jumps, no local minimum); at each level the patches are refined by inverse
/// compositional Gauss-Newton (translation, patch brightness mean removed), starting from the field of the level
/// above, and densified: a pixel's motion is the average of its covering patches' motions weighted by
/// 1 / max(1, |photometric error|) at that pixel, so a patch straddling a motion boundary speaks mostly for the side
/// it matches. Aggregating over patches many pixels wide at coarse scale is what survives motion blur and
/// deformation where a single full-resolution window loses its fine texture.
/// </summary>
internal static class DenseFlow
{
    /// <summary>
    /// Flow from <paramref name="from"/> to <paramref name="to"/> (same size and depth). <paramref name="predict"/>
    /// gives the expected displacement (frame pixels) at a frame position, centre of the coarsest search.
    /// <paramref name="region"/> (frame pixels, x0, y0, x1, y1) limits the work to the patches near it; elsewhere the
    /// field holds the prediction. Null = the whole frame.
    /// </summary>
    public static FlowField Compute(ImagePyramid from, ImagePyramid to, DenseFlowParameters p, Func<float, float, (float Dx, float Dy)> predict, (float X0, float Y0, float X1, float Y1)? region = null)
    {
        var (rx0, ry0, rx1, ry1) = region ?? (float.MinValue, float.MinValue, float.MaxValue, float.MaxValue);
        int levels = Math.Min(from.Levels.Count, to.Levels.Count);
        int top = Math.Clamp(p.CoarsestLevel, 0, levels - 1);
        int finest = Math.Clamp(p.FinestLevel, 0, top);
        FlowField? field = null;
        for (int level = top; level >= finest; level--)
        {
            PyramidLevel a = from.Levels[level], b = to.Levels[level];
            int size = Math.Min(p.PatchSize, Math.Min(a.Width, a.Height));
            var grid = new PatchGrid(a.Width, a.Height, size, Math.Max(1, p.Stride));
            var pu = new float[grid.Count];
            var skip = new bool[grid.Count];
            var pv = new float[grid.Count];
            float k = 1 << level;
            for (int j = 0; j < grid.Count; j++)
            {
                var (x0, y0) = grid.Origin(j);
                float cx = x0 + 0.5f * (size - 1), cy = y0 + 0.5f * (size - 1);
                // Outside the region of interest (plus a patch): left unsolved, zero weight at densification.
                float fx = cx * k, fy = cy * k, pad = size * k;
                if (fx < rx0 - pad || fx > rx1 + pad || fy < ry0 - pad || fy > ry1 + pad) { skip[j] = true; continue; }
                float ix, iy;
                if (field is null)
                {
                    var (dx, dy) = predict(cx * k, cy * k);
                    (ix, iy) = BlockSearch(a, b, x0, y0, size, dx / k, dy / k, p.SearchRadius / k, p.MotionPenalty);
                }
                else
                {
                    var (dx, dy) = field.At(cx * k, cy * k);
                    ix = dx / k;
                    iy = dy / k;
                }
                float quality;
                (pu[j], pv[j], quality) = Refine(a, b, x0, y0, size, ix, iy, p.Iterations);
                // With a finite MaxMatchCost a patch whose best match is poor (occluded, gone) or that has no texture
                // does not vote; its pixels take the neighbours' motion, or the prediction where no patch voted.
                if (!(quality <= p.MaxMatchCost)) skip[j] = true;
            }
            field = Densify(a, b, grid, pu, pv, skip, level, predict);
        }
        return field!;
    }

    /// <summary>Patches of side s at stride d covering a w x h level; the last row and column are flush with the border.</summary>
    private readonly struct PatchGrid
    {
        private readonly int[] _xs, _ys;

        public readonly int Size;

        public PatchGrid(int w, int h, int size, int stride)
        {
            Size = size;
            _xs = Starts(w, size, stride);
            _ys = Starts(h, size, stride);
        }

        public int Count => _xs.Length * _ys.Length;
        public (int X, int Y) Origin(int j) => (_xs[j % _xs.Length], _ys[j / _xs.Length]);

        private static int[] Starts(int n, int size, int stride)
        {
            if (n <= size) return [0];
            var list = new List<int>();
            for (int s = 0; s + size <= n; s += stride) list.Add(s);
            if (list[^1] + size < n) list.Add(n - size);
            return [.. list];
        }
    }

    /// <summary>
    /// Integer displacement minimising the zero-mean SSD between the patch of <paramref name="a"/> at (x0, y0) and
    /// <paramref name="b"/>, within <paramref name="radius"/> of (<paramref name="cx"/>, <paramref name="cy"/>),
    /// plus <paramref name="penalty"/> x the template's variance sum x |d - c|^2 / radius^2.
    /// </summary>
    private static (float Dx, float Dy) BlockSearch(PyramidLevel a, PyramidLevel b, int x0, int y0, int size, float cx, float cy, float radius, float penalty)
    {
        int n = size * size;
        Span<float> t = stackalloc float[n];
        float mt = 0;
        for (int v = 0, o = 0; v < size; v++)
            for (int u = 0; u < size; u++, o++) { t[o] = a.I[(y0 + v) * a.Width + x0 + u]; mt += t[o]; }
        mt /= n;
        float varT = 0;
        for (int o = 0; o < n; o++) { t[o] -= mt; varT += t[o] * t[o]; }
        int r = Math.Max(1, (int)MathF.Ceiling(radius));
        float lambda = penalty * varT / (radius * radius);
        int icx = (int)MathF.Round(cx), icy = (int)MathF.Round(cy);
        // The exact prediction is the first candidate: an integer offset must beat it (on a flat or occluded target
        // none does, and rounding the prediction would bias the field by up to half a coarse pixel).
        Span<float> j0 = stackalloc float[n];
        float best = Cost(b, x0 + cx, y0 + cy, size, t, 0, j0);
        float bdx = cx, bdy = cy;
        for (int dy = icy - r; dy <= icy + r; dy++)
        {
            int ty0 = y0 + dy;
            if (ty0 < 0 || ty0 + size > b.Height) continue;
            for (int dx = icx - r; dx <= icx + r; dx++)
            {
                int tx0 = x0 + dx;
                if (tx0 < 0 || tx0 + size > b.Width) continue;
                float ex = dx - cx, ey = dy - cy;
                float cost = lambda * (ex * ex + ey * ey);
                if (cost >= best) continue;
                // Zero-mean SSD = sum((J - mJ) - T)^2 = sum(J - T)^2 - n (mJ)^2 with T zero-mean.
                float sdd = 0, sj = 0;
                for (int v = 0, o = 0; v < size; v++)
                {
                    int row = (ty0 + v) * b.Width + tx0;
                    for (int u = 0; u < size; u++, o++)
                    {
                        float j = b.I[row + u];
                        float d = j - t[o];
                        sdd += d * d;
                        sj += j;
                    }
                }
                float mj = sj / n;
                cost += sdd - n * mj * mj;
                if (cost < best) { best = cost; bdx = dx; bdy = dy; }
            }
        }
        return (bdx, bdy);
    }

    /// <summary>
    /// Inverse compositional Gauss-Newton for the patch's translation (the template's gradients and Hessian fixed,
    /// the mean brightness difference removed at every step). A result that matches worse than the start is dropped.
    /// </summary>
    private static (float Dx, float Dy, float Cost) Refine(PyramidLevel a, PyramidLevel b, int x0, int y0, int size, float dx, float dy, int iterations)
    {
        int n = size * size;
        Span<float> t = stackalloc float[n];
        Span<float> gx = stackalloc float[n];
        Span<float> gy = stackalloc float[n];
        Span<float> j = stackalloc float[n];
        double hxx = 0, hxy = 0, hyy = 0;
        float mt = 0;
        for (int v = 0, o = 0; v < size; v++)
            for (int u = 0; u < size; u++, o++)
            {
                int i = (y0 + v) * a.Width + x0 + u;
                t[o] = a.I[i]; gx[o] = a.Ix[i]; gy[o] = a.Iy[i];
                mt += t[o];
                hxx += gx[o] * gx[o]; hxy += gx[o] * gy[o]; hyy += gy[o] * gy[o];
            }
        mt /= n;
        // Normalised match cost: zero-mean SSD over the template's own variance (0 = perfect, ~2 = unrelated content).
        float varT = 0;
        for (int o = 0; o < n; o++) varT += (t[o] - mt) * (t[o] - mt);
        // Below ~2 grey levels of spread the patch carries no texture to match: no vote.
        if (varT < 4f * n) return (dx, dy, float.PositiveInfinity);
        double det = hxx * hyy - hxy * hxy;
        if (det < 1e-3 * n * n) return (dx, dy, float.PositiveInfinity);
        float startCost = Cost(b, x0 + dx, y0 + dy, size, t, mt, j);
        float ux = dx, uy = dy;
        for (int it = 0; it < iterations; it++)
        {
            Sample(b, x0 + ux, y0 + uy, size, j);
            float mj = 0;
            for (int o = 0; o < n; o++) mj += j[o];
            mj /= n;
            double bx = 0, by = 0;
            for (int o = 0; o < n; o++)
            {
                float e = (j[o] - mj) - (t[o] - mt);
                bx += gx[o] * e;
                by += gy[o] * e;
            }
            float sx = (float)((hyy * bx - hxy * by) / det), sy = (float)((hxx * by - hxy * bx) / det);
            ux -= sx;
            uy -= sy;
            if (sx * sx + sy * sy < 1e-4f) break;
        }
        if (!float.IsFinite(ux) || !float.IsFinite(uy)) return (dx, dy, startCost / varT);
        float end = Cost(b, x0 + ux, y0 + uy, size, t, mt, j);
        return end < startCost ? (ux, uy, end / varT) : (dx, dy, startCost / varT);
    }

    /// <summary>
    /// Zero-mean SSD between the (2r+1)^2 window of level <paramref name="a"/> centred at frame position (x0, y0) and
    /// that of <paramref name="b"/> at (x1, y1), both at level <paramref name="level"/>.
    /// </summary>
    public static float WindowCost(PyramidLevel a, PyramidLevel b, float x0, float y0, float x1, float y1, int r, int level)
    {
        int size = 2 * r + 1, n = size * size;
        float s = 1f / (1 << level);
        Span<float> t = stackalloc float[n];
        Span<float> j = stackalloc float[n];
        Sample(a, x0 * s - r, y0 * s - r, size, t);
        float mt = 0;
        for (int o = 0; o < n; o++) mt += t[o];
        return Cost(b, x1 * s - r, y1 * s - r, size, t, mt / n, j);
    }

    private static float Cost(PyramidLevel b, float x, float y, int size, ReadOnlySpan<float> t, float mt, Span<float> j)
    {
        int n = size * size;
        Sample(b, x, y, size, j);
        float mj = 0;
        for (int o = 0; o < n; o++) mj += j[o];
        mj /= n;
        float c = 0;
        for (int o = 0; o < n; o++) { float e = (j[o] - mj) - (t[o] - mt); c += e * e; }
        return c;
    }

    /// <summary>Bilinear samples of the size x size block whose top-left is (x, y); coordinates clamped to the level.</summary>
    private static void Sample(PyramidLevel l, float x, float y, int size, Span<float> dst)
    {
        int w = l.Width, h = l.Height;
        for (int v = 0, o = 0; v < size; v++)
        {
            float yy = Math.Clamp(y + v, 0, h - 1);
            int ya = Math.Min((int)yy, h - 1), yb = Math.Min(ya + 1, h - 1);
            float ay = yy - ya;
            for (int u = 0; u < size; u++, o++)
            {
                float xx = Math.Clamp(x + u, 0, w - 1);
                int xa = Math.Min((int)xx, w - 1), xb = Math.Min(xa + 1, w - 1);
                float ax = xx - xa;
                float top = l.I[ya * w + xa] * (1 - ax) + l.I[ya * w + xb] * ax;
                float bot = l.I[yb * w + xa] * (1 - ax) + l.I[yb * w + xb] * ax;
                dst[o] = top * (1 - ay) + bot * ay;
            }
        }
    }

    /// <summary>Per-pixel weighted average of the covering patches' motions (weights from each pixel's photometric error).</summary>
    private static FlowField Densify(PyramidLevel a, PyramidLevel b, PatchGrid grid, float[] pu, float[] pv, bool[] skip, int level, Func<float, float, (float Dx, float Dy)> predict)
    {
        int w = a.Width, h = a.Height;
        var field = new FlowField(level, w, h);
        var sw = new float[w * h];
        for (int j = 0; j < grid.Count; j++)
        {
            if (skip[j]) continue;
            var (x0, y0) = grid.Origin(j);
            int size = grid.Size;
            float ux = pu[j], uy = pv[j];
            for (int v = 0; v < size; v++)
            {
                int y = y0 + v;
                float ty = Math.Clamp(y + uy, 0, h - 1);
                int ya = Math.Min((int)ty, h - 1), yb = Math.Min(ya + 1, h - 1);
                float ay = ty - ya;
                for (int u = 0; u < size; u++)
                {
                    int x = x0 + u;
                    float tx = Math.Clamp(x + ux, 0, w - 1);
                    int xa = Math.Min((int)tx, w - 1), xb = Math.Min(xa + 1, w - 1);
                    float ax = tx - xa;
                    float jv = (b.I[ya * w + xa] * (1 - ax) + b.I[ya * w + xb] * ax) * (1 - ay) + (b.I[yb * w + xa] * (1 - ax) + b.I[yb * w + xb] * ax) * ay;
                    float wt = 1f / MathF.Max(1f, MathF.Abs(jv - a.I[y * w + x]));
                    int i = y * w + x;
                    field.U[i] += wt * ux;
                    field.V[i] += wt * uy;
                    sw[i] += wt;
                }
            }
        }
        for (int i = 0; i < sw.Length; i++)
        {
            if (sw[i] > 0) { field.U[i] /= sw[i]; field.V[i] /= sw[i]; }
            else
            {
                float k = 1 << level;
                var (dx, dy) = predict((i % w) * k, (i / w) * k);
                field.U[i] = dx / k;
                field.V[i] = dy / k;
            }
        }
        return field;
    }
}
