using EdgeSam.Video.Media;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// A scale-and-translation motion of a mask between two frames: scale <see cref="Scale"/> about the mask's centroid
/// (<see cref="Cx"/>, <see cref="Cy"/>, pixels of the earlier frame) then translation (<see cref="Dx"/>, <see cref="Dy"/>):
/// x' = c + s (x - c) + d.
/// </summary>
internal readonly record struct MaskMotion(float Cx, float Cy, float Scale, float Dx, float Dy)
{
    /// <summary>Where the earlier frame's point (x, y) goes.</summary>
    public (float X, float Y) Apply(float x, float y) => (Cx + Scale * (x - Cx) + Dx, Cy + Scale * (y - Cy) + Dy);

    /// <summary>
    /// <paramref name="mask"/> moved by this motion (nearest neighbour by the inverse map; pixels coming from outside the
    /// frame are 0).
    /// </summary>
    public Mask Warp(Mask mask)
    {
        int w = mask.Width, h = mask.Height;
        var warped = new Mask(w, h);
        if (mask.BoundingBox() is not var (bx0, by0, bx1, by1)) return warped;
        // No motion: the mask itself (carried masks are read-only, as Shift's are).
        if (Scale == 1f && Dx == 0 && Dy == 0) return mask;
        // The target box: the source box's corners moved, one pixel of slack for rounding.
        (float ax, float ay) = Apply(bx0 - 0.5f, by0 - 0.5f);
        (float bx, float by) = Apply(bx1 + 0.5f, by1 + 0.5f);
        int tx0 = Math.Max(0, (int)MathF.Floor(Math.Min(ax, bx)) - 1), tx1 = Math.Min(w - 1, (int)MathF.Ceiling(Math.Max(ax, bx)) + 1);
        int ty0 = Math.Max(0, (int)MathF.Floor(Math.Min(ay, by)) - 1), ty1 = Math.Min(h - 1, (int)MathF.Ceiling(Math.Max(ay, by)) + 1);
        float inv = 1f / Scale;
        for (int y = ty0; y <= ty1; y++)
        {
            int sy = (int)MathF.Round(Cy + (y - Cy - Dy) * inv);
            if (sy < 0 || sy >= h) continue;
            int row = sy * w, orow = y * w;
            for (int x = tx0; x <= tx1; x++)
            {
                int sx = (int)MathF.Round(Cx + (x - Cx - Dx) * inv);
                if (sx >= 0 && sx < w) warped.Data[orow + x] = mask.Data[row + sx];
            }
        }
        return warped;
    }
}

/// <summary>
/// Finds how an object moved between two frames by matching its appearance: the earlier frame's pixels under the
/// object's mask are compared with the later frame under candidate motions (translation and scale about the
/// centroid) and the one with the lowest robust colour difference wins. A second opinion on the object's motion
/// that does not depend on a handful of tracked points: many pixels vote, and points that slid onto the background
/// (small or thin objects, motion blur) cannot drag it along.
/// </summary>
/// <remarks>
/// Coarse to fine: an exhaustive search over translations within <c>radius</c> of the guess and a few scales on
/// 4x area-averaged frames (broad cost basins, few samples), keeping each scale's best translation, then a
/// +-3 px, +-2% scale refinement of each of those at full resolution. Cost: the mean over the object's samples of
/// min(|dR| + |dG| + |dB|, <see cref="Truncation"/>), so occluded or background-mixed samples cost a bounded amount. Samples mapped outside the frame are left out
/// (an object leaving the frame); a candidate keeping under a third of them inside is not considered.
/// </remarks>
internal sealed class MaskMotionEstimator
{
    /// <summary>Per-sample cost cap (sum of absolute RGB differences).</summary>
    public const int Truncation = 60;

    private const int Coarse = 4;
    private const int MaxCoarseSamples = 400;
    private const int MaxFineSamples = 2000;
    private static readonly float[] CoarseScales = [0.90f, 0.95f, 1f, 1.05f, 1.10f];
    private static readonly float[] FineScales = [-0.02f, 0f, 0.02f];

    /// <summary>Search radius (around the guess) as a fraction of sqrt(mask area), within
    /// [<see cref="MinRadius"/>, <see cref="MaxRadius"/>] px.</summary>
    public float RadiusFraction { get; init; } = 0.25f;

    /// <summary>Largest search radius (full-resolution px): the guess is the tracked points' motion, so only their
    /// error is searched, and the search's cost grows with the radius squared.</summary>
    public float MaxRadius { get; init; } = 48f;

    /// <summary>Smallest search radius (full-resolution px).</summary>
    public float MinRadius { get; init; } = 16f;

    /// <summary>
    /// The motion that best carries <paramref name="mask"/>'s pixels of <paramref name="from"/> onto
    /// <paramref name="to"/>, searched around the translation (<paramref name="guessDx"/>, <paramref name="guessDy"/>);
    /// null when the mask is empty. Also returns the winning cost (0..<see cref="Truncation"/>).
    /// </summary>
    public (MaskMotion Motion, float Cost)? Estimate(RgbImage from, Mask mask, RgbImage to, float guessDx, float guessDy)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(to);
        int w = from.Width, h = from.Height;
        if (mask.Width != w || mask.Height != h || to.Width != w || to.Height != h)
            throw new ArgumentException($"Frames and mask must be the same size ({w}x{h}).");
        int area = mask.Area();
        if (area == 0) return null;
        double sx = 0, sy = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (mask.Data[y * w + x] != 0) { sx += x; sy += y; }
        float cx = (float)(sx / area), cy = (float)(sy / area);
        float radius = Math.Clamp(RadiusFraction * MathF.Sqrt(area), MinRadius, MaxRadius);

        // Coarse: 4x area-averaged frames, samples at coarse pixels mostly covered by the mask.
        var (cf, cw, ch) = Downscale(from, Coarse);
        var (ct, _, _) = Downscale(to, Coarse);
        List<(float X, float Y, int R, int G, int B)> coarse = CoarseSamples(mask, cf, cw, ch);
        // The best translation of every coarse scale goes on to the fine search: at a quarter of the resolution the
        // object's texture is mostly averaged away and scales are told apart poorly.
        var coarseBest = new MaskMotion[CoarseScales.Length];
        for (int k = 0; k < coarseBest.Length; k++) coarseBest[k] = new MaskMotion(cx, cy, CoarseScales[k], guessDx, guessDy);
        // Coarse coordinates: a full-res pixel x sits at (x + 0.5) / 4 - 0.5 on the coarse grid.
        float ccx = (cx + 0.5f) / Coarse - 0.5f, ccy = (cy + 0.5f) / Coarse - 0.5f;
        int r = Math.Max(1, (int)MathF.Ceiling(radius / Coarse));
        float gx = guessDx / Coarse, gy = guessDy / Coarse;
        if (coarse.Count >= 4)
        {
            for (int k = 0; k < CoarseScales.Length; k++)
            {
                float s = CoarseScales[k], best = float.MaxValue;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++)
                    {
                        float c = Cost(coarse, ct, cw, ch, new MaskMotion(ccx, ccy, s, gx + dx, gy + dy), best);
                        if (c < best)
                        {
                            best = c;
                            coarseBest[k] = new MaskMotion(cx, cy, s, (gx + dx) * Coarse, (gy + dy) * Coarse);
                        }
                    }
            }
        }

        // Fine: full-resolution samples, +-3 px and +-2% of scale around each coarse scale's winner.
        List<(float X, float Y, int R, int G, int B)> fine = FineSamples(mask, from, area);
        float fineBest = float.MaxValue;
        MaskMotion fineMotion = coarseBest[CoarseScales.Length / 2];
        foreach (MaskMotion start in coarseBest)
        {
            float bdx = MathF.Round(start.Dx), bdy = MathF.Round(start.Dy);
            foreach (float ds in FineScales)
            {
                float s = start.Scale + ds;
                for (int dy = -3; dy <= 3; dy++)
                    for (int dx = -3; dx <= 3; dx++)
                    {
                        var m = new MaskMotion(cx, cy, s, bdx + dx, bdy + dy);
                        float c = Cost(fine, to.Pixels, w, h, m, fineBest);
                        if (c < fineBest) { fineBest = c; fineMotion = m; }
                    }
            }
        }
        return fineBest == float.MaxValue ? null : (fineMotion, fineBest);
    }

    /// <summary>Robust mean colour difference of the samples under <paramref name="m"/> (nearest pixel of the target);
    /// float.MaxValue when too few samples land inside. Stops early once the partial sum cannot beat
    /// <paramref name="bound"/>.</summary>
    internal static float Cost(List<(float X, float Y, int R, int G, int B)> samples, byte[] target, int w, int h, MaskMotion m, float bound)
    {
        long sum = 0;
        int inside = 0, n = samples.Count;
        long limit = bound == float.MaxValue ? long.MaxValue : (long)(bound * n) + 1;
        foreach (var (x, y, r, g, b) in samples)
        {
            (float tx, float ty) = m.Apply(x, y);
            int ix = (int)MathF.Round(tx), iy = (int)MathF.Round(ty);
            if (ix < 0 || iy < 0 || ix >= w || iy >= h) continue;
            int p = 3 * (iy * w + ix);
            int d = Math.Abs(target[p] - r) + Math.Abs(target[p + 1] - g) + Math.Abs(target[p + 2] - b);
            sum += Math.Min(d, Truncation);
            inside++;
            // The cost is sum / inside >= sum / n: past bound * n this candidate cannot win.
            if (sum > limit) return float.MaxValue;
        }
        if (3 * inside < n || inside == 0) return float.MaxValue;
        return (float)sum / inside;
    }

    private static List<(float X, float Y, int R, int G, int B)> CoarseSamples(Mask mask, byte[] coarse, int cw, int ch)
    {
        int w = mask.Width, h = mask.Height;
        var cover = new int[cw * ch];
        for (int y = 0; y < h; y++)
        {
            int cy = Math.Min(ch - 1, y / Coarse);
            for (int x = 0; x < w; x++)
                if (mask.Data[y * w + x] != 0) cover[cy * cw + Math.Min(cw - 1, x / Coarse)]++;
        }
        var all = new List<int>();
        for (int i = 0; i < cover.Length; i++) if (2 * cover[i] >= Coarse * Coarse) all.Add(i);
        if (all.Count == 0)
            for (int i = 0; i < cover.Length; i++) if (cover[i] > 0) all.Add(i); // a thin object: any coverage
        int stride = Math.Max(1, all.Count / MaxCoarseSamples);
        var s = new List<(float, float, int, int, int)>(all.Count / stride + 1);
        for (int k = 0; k < all.Count; k += stride)
        {
            int i = all[k];
            s.Add((i % cw, i / cw, coarse[3 * i], coarse[3 * i + 1], coarse[3 * i + 2]));
        }
        return s;
    }

    private static List<(float X, float Y, int R, int G, int B)> FineSamples(Mask mask, RgbImage from, int area)
    {
        int w = mask.Width, h = mask.Height;
        int step = Math.Max(1, (int)MathF.Sqrt(area / (float)MaxFineSamples));
        var s = new List<(float, float, int, int, int)>();
        for (int y = 0; y < h; y += step)
            for (int x = 0; x < w; x += step)
            {
                int i = y * w + x;
                if (mask.Data[i] == 0) continue;
                s.Add((x, y, from.Pixels[3 * i], from.Pixels[3 * i + 1], from.Pixels[3 * i + 2]));
            }
        return s;
    }

    /// <summary>Area average by an integer factor (the last partial block averages what it has).</summary>
    private static (byte[] Pixels, int W, int H) Downscale(RgbImage img, int f)
    {
        int w = img.Width, h = img.Height, cw = (w + f - 1) / f, ch = (h + f - 1) / f;
        var acc = new int[cw * ch * 3];
        var cnt = new int[cw * ch];
        byte[] px = img.Pixels;
        for (int y = 0; y < h; y++)
        {
            int cy = y / f;
            for (int x = 0; x < w; x++)
            {
                int c = cy * cw + x / f, p = 3 * (y * w + x);
                acc[3 * c] += px[p]; acc[3 * c + 1] += px[p + 1]; acc[3 * c + 2] += px[p + 2];
                cnt[c]++;
            }
        }
        var o = new byte[acc.Length];
        for (int c = 0; c < cnt.Length; c++)
            for (int k = 0; k < 3; k++) o[3 * c + k] = (byte)((acc[3 * c + k] + cnt[c] / 2) / cnt[c]);
        return (o, cw, ch);
    }
}
