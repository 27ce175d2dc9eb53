namespace EdgeSam.Video.Trackers.Lk;

/// <summary>
/// The motion of a group of points between two frames as a similarity transform
/// <c>x' = a x - b y + tx, y' = b x + a y + ty</c> (rotation, uniform scale, translation), fitted by least squares to
/// the points tracked reliably and refitted once without the outliers. Points of one query set lie on one object,
/// so where LK failed on a point (fast motion, blur) the group's motion is a far better guess than its own past.
/// </summary>
internal readonly record struct GroupMotion(float A, float B, float Tx, float Ty, int Support)
{
    /// <summary>No motion, no support.</summary>
    public static GroupMotion Identity => new(1, 0, 0, 0, 0);

    /// <summary>A pure translation supported by <paramref name="support"/> points.</summary>
    public static GroupMotion Translation(float dx, float dy, int support) => new(1, 0, dx, dy, support);

    public (float X, float Y) Apply(float x, float y) => (A * x - B * y + Tx, B * x + A * y + Ty);

    /// <summary>
    /// Fits the transform mapping (fromX[i], fromY[i]) to (toX[i], toY[i]) over the points where
    /// <paramref name="use"/>[i]. One point gives a translation; two or more a similarity whose scale is clamped to
    /// [1/<paramref name="maxScale"/>, <paramref name="maxScale"/>] per frame (points close together make scale and
    /// rotation ill-conditioned). With three or more, points whose residual exceeds max(2 px, 2.5 x the median
    /// residual) are dropped and the fit is repeated. Returns <see cref="Identity"/> when no point is used.
    /// </summary>
    public static GroupMotion Fit(ReadOnlySpan<float> fromX, ReadOnlySpan<float> fromY, ReadOnlySpan<float> toX, ReadOnlySpan<float> toY, ReadOnlySpan<bool> use, float maxScale = 1.25f)
    {
        int n = fromX.Length;
        if (fromY.Length != n || toX.Length != n || toY.Length != n || use.Length != n) throw new ArgumentException("All spans must have the same length.");
        var keep = use.ToArray();
        GroupMotion m = FitOnce(fromX, fromY, toX, toY, keep, maxScale);
        if (m.Support < 3) return m;
        var res = new List<float>(n);
        for (int i = 0; i < n; i++)
            if (keep[i]) res.Add(Residual(m, fromX[i], fromY[i], toX[i], toY[i]));
        res.Sort();
        float med = res[res.Count / 2];
        float cut = MathF.Max(2f, 2.5f * med);
        int dropped = 0;
        for (int i = 0; i < n; i++)
            if (keep[i] && Residual(m, fromX[i], fromY[i], toX[i], toY[i]) > cut) { keep[i] = false; dropped++; }
        return dropped == 0 ? m : FitOnce(fromX, fromY, toX, toY, keep, maxScale);
    }

    private static float Residual(GroupMotion m, float x, float y, float tx, float ty)
    {
        var (px, py) = m.Apply(x, y);
        return MathF.Sqrt((px - tx) * (px - tx) + (py - ty) * (py - ty));
    }

    private static GroupMotion FitOnce(ReadOnlySpan<float> fromX, ReadOnlySpan<float> fromY, ReadOnlySpan<float> toX, ReadOnlySpan<float> toY, bool[] use, float maxScale)
    {
        int k = 0;
        double sx = 0, sy = 0, tx = 0, ty = 0;
        for (int i = 0; i < use.Length; i++)
        {
            if (!use[i]) continue;
            k++;
            sx += fromX[i]; sy += fromY[i]; tx += toX[i]; ty += toY[i];
        }
        if (k == 0) return Identity;
        sx /= k; sy /= k; tx /= k; ty /= k;
        if (k == 1) return Translation((float)(tx - sx), (float)(ty - sy), 1);
        // Centred least squares: a = sum(p.q) / sum(|p|^2), b = sum(p x q) / sum(|p|^2).
        double pp = 0, dot = 0, cross = 0;
        for (int i = 0; i < use.Length; i++)
        {
            if (!use[i]) continue;
            double px = fromX[i] - sx, py = fromY[i] - sy, qx = toX[i] - tx, qy = toY[i] - ty;
            pp += px * px + py * py;
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
        }
        double a = 1, b = 0;
        if (pp > 1e-6)
        {
            a = dot / pp;
            b = cross / pp;
            double scale = Math.Sqrt(a * a + b * b);
            double clamped = Math.Clamp(scale, 1.0 / maxScale, maxScale);
            if (scale < 1e-9) { a = 1; b = 0; }
            else { a *= clamped / scale; b *= clamped / scale; }
        }
        // Translation that maps the source centroid onto the target centroid.
        double ox = tx - (a * sx - b * sy), oy = ty - (b * sx + a * sy);
        return new GroupMotion((float)a, (float)b, (float)ox, (float)oy, k);
    }
}
