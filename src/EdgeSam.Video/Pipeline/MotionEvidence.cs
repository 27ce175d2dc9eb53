using EdgeSam.Video.Media;
using EdgeSam.Video.Segmentation;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// Motion as evidence for the object (<see cref="VideoSegmenterOptions.MotionEvidence"/>). The backward flow around the
/// carried mask (this frame onto the previous one) is explained by two affine motions, fitted robustly (IRLS, Cauchy
/// weights) on the carried mask's interior and on a ring of background around it. A cell whose flow fits the object's
/// motion better than the background's is object-like: log-odds r_b^2 / (2 s_b^2) - r_o^2 / (2 s_o^2) (residuals r to
/// each motion, s their robust scales, at least <see cref="SigmaFloor"/> px), clipped to +-<see cref="Clip"/> nats and
/// scaled by the cell's texture lambda_min / (lambda_min + <see cref="TextureScale"/>) of the grey structure tensor (a
/// flat cell's flow is the search's guess, not a measurement). Where both motions agree the evidence is about 0 by
/// itself. The log(s_b / s_o) normalisation term of the Gaussian ratio is left out: it is the same sign everywhere and
/// biased whole regions (J&amp;F 0.593 / 0.582 with it on sampler seeds 0 / 1, 0.595 / 0.592 without).
/// <para>
/// Where it costs: motocross-jump (the camera tilts tens of px a frame, the bike fills the frame in mid-air), J&amp;F 0.438
/// on average over seeds 0-9 against 0.526 without. Measured there and left out, as none came near the run without:
/// one residual scale for both motions (their max / geometric mean, seeds 1 and 4: 0.419 / 0.471, 0.412 / 0.416 against
/// 0.456 / 0.421); each motion's cost truncated at 2 or 3 nats, so that a cell fitting neither counts 0 (0.402 / 0.407,
/// 0.414 / 0.457); fading the evidence out as the background's residual scale grows (from 4 to 8 px: 0.434 over seeds
/// 0-9; from 8 to 16 or 12 to 24 px, also with the object's from 12 to 24 px: no better on seeds 0, 1, 4); positive
/// evidence only (0.440 over seeds 0-5); fading it out as the carried mask's colours leave the prompt's (Bhattacharyya
/// coefficient: breakdance, where the evidence helps, falls to 0.74, as low as motocross-jump's 0.70). The sequence is
/// chaotic: without evidence the same seeds give 0.39 to 0.71, decided by whether the mask comes back after the jump,
/// and evidence only on its first frames (the 4-8 px fade) already tips it.
/// </para>
/// </summary>
internal static class MotionEvidence
{
    /// <summary>Largest |log-odds| of one cell (nats).</summary>
    internal const float Clip = 3f;

    /// <summary>Smallest eigenvalue of the structure tensor (grey levels^2 per px^2) at which a cell counts half.</summary>
    internal const float TextureScale = 25f;

    /// <summary>Least residual scale of either motion (frame px): the flow's own precision at half resolution.</summary>
    internal const float SigmaFloor = 1f;

    /// <summary>
    /// The evidence ramps in with the object's size sqrt(area) from 6 to 10 times the flow's 16-px patch footprint:
    /// a smaller object's interior holds few cells of its own motion and its border cells mix in the background's, so
    /// the evidence pulls its mask in, frame after frame (drift-chicane 0.75 -> 0.45 on seed 2 without the ramp).
    /// </summary>
    internal const float SizeOff = 96f, SizeOn = 160f;

    /// <summary>Whether an object of this many pixels gets any evidence (above the size ramp's lower end), so the
    /// caller can skip the flow for objects that get none.</summary>
    public static bool AppliesTo(int area) => MathF.Sqrt(area) > SizeOff;

    /// <summary>The object's log-odds on <paramref name="flow"/>'s grid, or null when there is no usable evidence
    /// (object too small, too few samples, a degenerate fit).</summary>
    /// <param name="flow">Backward flow: this frame's pixels onto the previous frame, valid inside <paramref name="region"/>.</param>
    /// <param name="carried">The object's previous mask carried onto this frame (frame pixels).</param>
    /// <param name="image">This frame.</param>
    /// <param name="region">Inclusive frame-pixel box the flow was computed over.</param>
    public static ObjectEvidence? Compute(DenseMotionField flow, Mask carried, RgbImage image, (int X0, int Y0, int X1, int Y1) region)
    {
        int gw = flow.Width, gh = flow.Height, w = carried.Width, h = carried.Height;
        float s = flow.Scale;
        float side = MathF.Sqrt(carried.Area());
        float sizeGate = Math.Clamp((side - SizeOff) / (SizeOn - SizeOff), 0f, 1f);
        if (sizeGate <= 0) return null;
        int gx0 = Math.Max(0, (int)MathF.Ceiling(region.X0 / s)), gx1 = Math.Min(gw - 1, (int)(region.X1 / s));
        int gy0 = Math.Max(0, (int)MathF.Ceiling(region.Y0 / s)), gy1 = Math.Min(gh - 1, (int)(region.Y1 / s));
        if (gx1 - gx0 < 2 || gy1 - gy0 < 2) return null;
        // Distance (frame px) to the carried mask's border over the region: samples keep away from it on both sides.
        var border = BorderDistance.Of(carried, region.X0, region.Y0, region.X1, region.Y1);
        int rw = border.Width, rh = border.Height;
        byte[] crop = border.Inside;
        float[] dist = border.Distance;
        float inner = Math.Max(3f, 0.08f * side), ringIn = Math.Max(4f, 0.08f * side), ringOut = Math.Max(16f, 0.4f * side);
        var obj = new List<(float X, float Y, float U, float V)>();
        var bgd = new List<(float X, float Y, float U, float V)>();
        for (int j = gy0; j <= gy1; j++)
            for (int i = gx0; i <= gx1; i++)
            {
                int x = Math.Min(w - 1, (int)(i * s)) - region.X0, y = Math.Min(h - 1, (int)(j * s)) - region.Y0;
                if ((uint)x >= (uint)rw || (uint)y >= (uint)rh) continue;
                int k = y * rw + x;
                float d = dist[k];
                var sample = (i * s, j * s, flow.U[j * gw + i], flow.V[j * gw + i]);
                if (crop[k] != 0) { if (d >= inner) obj.Add(sample); }
                else if (d >= ringIn && d <= ringOut) bgd.Add(sample);
            }
        if (obj.Count < 12 || bgd.Count < 12) return null;
        var (ao, so) = FitAffine(obj);
        var (ab, sb) = FitAffine(bgd);
        if (ao is null || ab is null) return null;
        so = MathF.Max(so, SigmaFloor);
        sb = MathF.Max(sb, SigmaFloor);
        float[] tex = Texture(image, gx0, gy0, gx1, gy1, s);
        var logOdds = new float[gw * gh];
        int tw = gx1 - gx0 + 1;
        for (int j = gy0; j <= gy1; j++)
            for (int i = gx0; i <= gx1; i++)
            {
                float x = i * s, y = j * s, u = flow.U[j * gw + i], v = flow.V[j * gw + i];
                float eo = Residual2(ao, x, y, u, v) / (2 * so * so), eb = Residual2(ab, x, y, u, v) / (2 * sb * sb);
                logOdds[j * gw + i] = sizeGate * tex[(j - gy0) * tw + (i - gx0)] * Math.Clamp(eb - eo, -Clip, Clip);
            }
        return new ObjectEvidence(gw, gh, s, logOdds);
    }

    private static float Residual2(double[] a, float x, float y, float u, float v)
    {
        double pu = a[0] + a[1] * x + a[2] * y, pv = a[3] + a[4] * x + a[5] * y;
        return (float)((u - pu) * (u - pu) + (v - pv) * (v - pv));
    }

    /// <summary>Affine motion u = a0 + a1 x + a2 y, v = a3 + a4 x + a5 y by 5 IRLS rounds (Cauchy weights at 2.385
    /// sigma); returns it with the residuals' robust scale sigma = 1.259 x the median residual radius (a 2-D Gaussian's
    /// median radius is 1.177 sigma; the wider scale is the one measured).</summary>
    private static (double[]? A, float Sigma) FitAffine(List<(float X, float Y, float U, float V)> pts)
    {
        int n = pts.Count;
        var wt = new double[n];
        Array.Fill(wt, 1.0);
        double[]? a = null;
        float sigma = 1;
        double mx = 0, my = 0;
        foreach (var p in pts) { mx += p.X; my += p.Y; }
        mx /= n; my /= n;
        var r = new float[n];
        var sorted = new float[n];
        for (int it = 0; it < 5; it++)
        {
            // Weighted least squares on centred coordinates (one design matrix for u and v).
            double s00 = 0, s01 = 0, s02 = 0, s11 = 0, s12 = 0, s22 = 0, bu0 = 0, bu1 = 0, bu2 = 0, bv0 = 0, bv1 = 0, bv2 = 0;
            for (int k = 0; k < n; k++)
            {
                var p = pts[k]; double x = p.X - mx, y = p.Y - my, q = wt[k];
                s00 += q; s01 += q * x; s02 += q * y; s11 += q * x * x; s12 += q * x * y; s22 += q * y * y;
                bu0 += q * p.U; bu1 += q * x * p.U; bu2 += q * y * p.U;
                bv0 += q * p.V; bv1 += q * x * p.V; bv2 += q * y * p.V;
            }
            // A 1-px^2 ridge on the linear terms: a thin region cannot pin down the gradient across it.
            s11 += s00; s22 += s00;
            double[]? cu = Solve3(s00, s01, s02, s11, s12, s22, bu0, bu1, bu2), cv = Solve3(s00, s01, s02, s11, s12, s22, bv0, bv1, bv2);
            if (cu is null || cv is null) return (null, 0);
            a = [cu[0] - cu[1] * mx - cu[2] * my, cu[1], cu[2], cv[0] - cv[1] * mx - cv[2] * my, cv[1], cv[2]];
            for (int k = 0; k < n; k++) r[k] = MathF.Sqrt(Residual2(a, pts[k].X, pts[k].Y, pts[k].U, pts[k].V));
            r.CopyTo(sorted, 0);
            Array.Sort(sorted);
            sigma = MathF.Max(0.25f, 1.259f * sorted[n / 2]);
            for (int k = 0; k < n; k++) { double z = r[k] / (2.385 * sigma); wt[k] = 1 / (1 + z * z); }
        }
        return (a, sigma);
    }

    /// <summary>Solves the symmetric 3x3 system [[a, b, c], [b, d, e], [c, e, f]] x = (p, q, t) by Cramer's rule.</summary>
    private static double[]? Solve3(double a, double b, double c, double d, double e, double f, double p, double q, double t)
    {
        double det = a * (d * f - e * e) - b * (b * f - e * c) + c * (b * e - d * c);
        if (Math.Abs(det) < 1e-12) return null;
        double x0 = p * (d * f - e * e) - b * (q * f - e * t) + c * (q * e - d * t);
        double x1 = a * (q * f - e * t) - p * (b * f - e * c) + c * (b * t - q * c);
        double x2 = a * (d * t - q * e) - b * (b * t - q * c) + p * (b * e - d * c);
        return [x0 / det, x1 / det, x2 / det];
    }

    /// <summary>Per grid cell: lambda_min / (lambda_min + <see cref="TextureScale"/>) of the grey structure tensor
    /// (central differences) sampled every other pixel over the cell's (4s+1)^2 footprint.</summary>
    private static float[] Texture(RgbImage image, int gx0, int gy0, int gx1, int gy1, float s)
    {
        int w = image.Width, h = image.Height, tw = gx1 - gx0 + 1, th = gy1 - gy0 + 1;
        var t = new float[tw * th];
        int half = Math.Max(2, (int)MathF.Round(s * 2));
        byte[] px = image.Pixels;
        float Grey(int x, int y) { int q = 3 * (Math.Clamp(y, 0, h - 1) * w + Math.Clamp(x, 0, w - 1)); return 0.299f * px[q] + 0.587f * px[q + 1] + 0.114f * px[q + 2]; }
        for (int j = 0; j < th; j++)
            for (int i = 0; i < tw; i++)
            {
                int cx = (int)((gx0 + i) * s), cy = (int)((gy0 + j) * s);
                double sxx = 0, sxy = 0, syy = 0;
                int n = 0;
                for (int y = cy - half; y <= cy + half; y += 2)
                    for (int x = cx - half; x <= cx + half; x += 2)
                    {
                        float ix = 0.5f * (Grey(x + 1, y) - Grey(x - 1, y)), iy = 0.5f * (Grey(x, y + 1) - Grey(x, y - 1));
                        sxx += ix * ix; sxy += ix * iy; syy += iy * iy; n++;
                    }
                sxx /= n; sxy /= n; syy /= n;
                double lmin = 0.5 * (sxx + syy - Math.Sqrt((sxx - syy) * (sxx - syy) + 4 * sxy * sxy));
                t[j * tw + i] = (float)(lmin / (lmin + TextureScale));
            }
        return t;
    }
}
