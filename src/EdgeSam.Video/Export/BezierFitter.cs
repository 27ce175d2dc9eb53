using MathNet.Numerics.LinearAlgebra;

namespace EdgeSam.Video.Export;

/// <summary>
/// Least-squares fit of one cubic Bézier segment to a chain of points with fixed end points and fixed end tangent
/// directions (Schneider, "An algorithm for automatically fitting digitized curves", Graphics Gems 1990): only the two
/// tangent lengths are free, found by linear least squares over chord-length parameters, then the parameters are
/// improved by Newton–Raphson steps towards the nearest curve points and the fit is repeated.
/// </summary>
internal static class BezierFitter
{
    /// <summary>Fits points <paramref name="d"/> (d[0] and d[^1] are the end points).</summary>
    /// <param name="d">The chain.</param>
    /// <param name="t1">Unit direction leaving d[0] into the segment.</param>
    /// <param name="t2">Unit direction leaving d[^1] back into the segment.</param>
    /// <param name="maxError">Largest distance of a chain point to the curve at its parameter.</param>
    /// <param name="worst">Index of that point.</param>
    /// <returns>The inner control points P1, P2.</returns>
    public static (Vec2 P1, Vec2 P2) Fit(ReadOnlySpan<Vec2> d, Vec2 t1, Vec2 t2, out double maxError, out int worst)
    {
        int m = d.Length;
        Vec2 p0 = d[0], p3 = d[m - 1];
        double chord = (p3 - p0).Length;
        if (m <= 3)
        {
            // Too few points to fit: Wu–Barsky heuristic, handles a third of the chord long.
            var q1 = p0 + t1 * (chord / 3);
            var q2 = p3 + t2 * (chord / 3);
            maxError = MaxError(d, p0, q1, q2, p3, ChordParams(d), out worst);
            return (q1, q2);
        }
        double[] u = ChordParams(d);
        (Vec2 P1, Vec2 P2) best = default;
        double bestErr = double.PositiveInfinity;
        int bestWorst = m / 2;
        for (int iter = 0; iter < 4; iter++)
        {
            var (c1, c2) = SolveAlphas(d, u, p0, p3, t1, t2, chord);
            double err = MaxError(d, p0, c1, c2, p3, u, out int w);
            if (err < bestErr) { bestErr = err; best = (c1, c2); bestWorst = w; }
            if (err < 0.05) break;
            Reparameterise(d, u, p0, c1, c2, p3);
        }
        maxError = bestErr;
        worst = bestWorst;
        return best;
    }

    private static (Vec2, Vec2) SolveAlphas(ReadOnlySpan<Vec2> d, double[] u, Vec2 p0, Vec2 p3, Vec2 t1, Vec2 t2, double chord)
    {
        // Normal equations of min sum |d_j - B(u_j)|^2 over the tangent lengths a1, a2 (2 x 2, symmetric).
        double c00 = 0, c01 = 0, c11 = 0, x0 = 0, x1 = 0;
        for (int j = 0; j < d.Length; j++)
        {
            double t = u[j], s = 1 - t;
            double b0 = s * s * s, b1 = 3 * s * s * t, b2 = 3 * s * t * t, b3 = t * t * t;
            Vec2 a1 = t1 * b1, a2 = t2 * b2;
            Vec2 r = d[j] - (p0 * (b0 + b1) + p3 * (b2 + b3));
            c00 += a1.Dot(a1);
            c01 += a1.Dot(a2);
            c11 += a2.Dot(a2);
            x0 += a1.Dot(r);
            x1 += a2.Dot(r);
        }
        double alpha1 = 0, alpha2 = 0;
        double det = c00 * c11 - c01 * c01;
        if (Math.Abs(det) > 1e-12 * Math.Max(1, c00 * c11))
        {
            Matrix<double> c = Matrix<double>.Build.DenseOfArray(new[,] { { c00, c01 }, { c01, c11 } });
            Vector<double> a = c.Solve(Vector<double>.Build.DenseOfArray([x0, x1]));
            alpha1 = a[0];
            alpha2 = a[1];
        }
        // Non-positive or tiny lengths make loops or cusps: fall back to the heuristic lengths.
        double eps = 1e-6 * Math.Max(chord, 1);
        if (!(alpha1 > eps) || !(alpha2 > eps) || alpha1 > 2 * chord + 2 || alpha2 > 2 * chord + 2)
            alpha1 = alpha2 = chord / 3;
        return (p0 + t1 * alpha1, p3 + t2 * alpha2);
    }

    private static double[] ChordParams(ReadOnlySpan<Vec2> d)
    {
        var u = new double[d.Length];
        for (int j = 1; j < d.Length; j++) u[j] = u[j - 1] + (d[j] - d[j - 1]).Length;
        double total = u[^1];
        for (int j = 1; j < d.Length; j++) u[j] = total > 0 ? u[j] / total : (double)j / (d.Length - 1);
        return u;
    }

    private static void Reparameterise(ReadOnlySpan<Vec2> d, double[] u, Vec2 p0, Vec2 p1, Vec2 p2, Vec2 p3)
    {
        for (int j = 1; j < d.Length - 1; j++)
        {
            double t = u[j];
            Vec2 q = Bezier.Eval(p0, p1, p2, p3, t) - d[j];
            Vec2 q1 = Bezier.D1(p0, p1, p2, p3, t), q2 = Bezier.D2(p0, p1, p2, p3, t);
            double den = q1.Dot(q1) + q.Dot(q2);
            if (Math.Abs(den) < 1e-12) continue;
            u[j] = Math.Clamp(t - q.Dot(q1) / den, 0, 1);
        }
    }

    private static double MaxError(ReadOnlySpan<Vec2> d, Vec2 p0, Vec2 p1, Vec2 p2, Vec2 p3, double[] u, out int worst)
    {
        double max = 0;
        worst = d.Length / 2;
        for (int j = 1; j < d.Length - 1; j++)
        {
            double e = (Bezier.Eval(p0, p1, p2, p3, u[j]) - d[j]).LengthSquared;
            if (e > max) { max = e; worst = j; }
        }
        return Math.Sqrt(max);
    }
}
