namespace EdgeSam.Video.Segmentation.GraphCut;

/// <summary>
/// A Gaussian mixture over 3-channel colours with full 3x3 covariances, fitted the GrabCut way: k-means to start,
/// then a few rounds of hard assignment to the most likely component and re-estimation of weights, means and
/// covariances. <see cref="Cost"/> is the negative log-likelihood used as a graph-cut unary term.
/// </summary>
public sealed class ColorGmm
{
    /// <summary>Added to covariance diagonals (colour units squared) so flat regions keep an invertible Gaussian and a
    /// finite, not absurdly confident, likelihood (about 2 grey levels of standard deviation).</summary>
    public const float CovarianceFloor = 4f;

    private readonly int _k;
    private readonly float[] _weight;
    private readonly float[] _mean;   // k x 3
    private readonly float[] _inv;    // k x 6: symmetric inverse covariance (00, 01, 02, 11, 12, 22)
    private readonly float[] _logNorm; // log(weight) - 0.5 log det(cov) - 1.5 log(2 pi)

    public ColorGmm(int components)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        _k = components;
        _weight = new float[components];
        _mean = new float[components * 3];
        _inv = new float[components * 6];
        _logNorm = new float[components];
    }

    public int Components => _k;

    /// <summary>Components that hold samples after fitting (a component may stay empty on tiny sample sets).</summary>
    public int UsedComponents { get; private set; }

    public ReadOnlySpan<float> Weights => _weight;
    public ReadOnlySpan<float> Means => _mean;

    /// <summary>
    /// Fits the mixture to <paramref name="samples"/> (interleaved c0 c1 c2, length a multiple of 3, at least one
    /// sample). Deterministic: initial centres are spread over the samples in order, no randomness.
    /// </summary>
    public void Fit(ReadOnlySpan<float> samples, int iterations = 3)
    {
        if (samples.Length < 3 || samples.Length % 3 != 0)
            throw new ArgumentException($"GMM samples must be whole colour triplets, at least one (got {samples.Length} floats).", nameof(samples));
        int n = samples.Length / 3;
        int k = Math.Min(_k, n);
        var label = new int[n];

        // k-means init: centres at evenly spaced samples after sorting by brightness, so they span the colour range.
        var order = new int[n];
        var key = new float[n];
        for (int i = 0; i < n; i++) { order[i] = i; key[i] = samples[3 * i] + samples[3 * i + 1] + samples[3 * i + 2]; }
        Array.Sort(key, order);
        var centre = new float[k * 3];
        for (int c = 0; c < k; c++)
        {
            int s = order[(int)((c + 0.5) * n / k)];
            centre[3 * c] = samples[3 * s]; centre[3 * c + 1] = samples[3 * s + 1]; centre[3 * c + 2] = samples[3 * s + 2];
        }
        var sum = new double[k * 3];
        var count = new int[k];
        for (int it = 0; it < 6; it++)
        {
            Array.Clear(sum); Array.Clear(count);
            for (int i = 0; i < n; i++)
            {
                float r = samples[3 * i], g = samples[3 * i + 1], b = samples[3 * i + 2];
                int best = 0; float bestD = float.MaxValue;
                for (int c = 0; c < k; c++)
                {
                    float dr = r - centre[3 * c], dg = g - centre[3 * c + 1], db = b - centre[3 * c + 2];
                    float d = dr * dr + dg * dg + db * db;
                    if (d < bestD) { bestD = d; best = c; }
                }
                label[i] = best;
                sum[3 * best] += r; sum[3 * best + 1] += g; sum[3 * best + 2] += b; count[best]++;
            }
            for (int c = 0; c < k; c++)
                if (count[c] > 0)
                    for (int ch = 0; ch < 3; ch++) centre[3 * c + ch] = (float)(sum[3 * c + ch] / count[c]);
        }
        Estimate(samples, label, k);

        // GrabCut's refinement: hard-assign each sample to its most likely component, re-estimate.
        for (int it = 0; it < iterations; it++)
        {
            for (int i = 0; i < n; i++)
                label[i] = MostLikely(samples[3 * i], samples[3 * i + 1], samples[3 * i + 2]);
            Estimate(samples, label, _k);
        }
    }

    /// <summary>Negative log-likelihood of one colour under the mixture.</summary>
    public float Cost(float c0, float c1, float c2)
    {
        // log-sum-exp over components for stability far from every mean.
        Span<float> lp = stackalloc float[_k];
        float max = float.NegativeInfinity;
        for (int c = 0; c < _k; c++)
        {
            if (_weight[c] <= 0) { lp[c] = float.NegativeInfinity; continue; }
            float v = _logNorm[c] - 0.5f * Mahalanobis(c, c0, c1, c2);
            lp[c] = v;
            if (v > max) max = v;
        }
        float s = 0;
        for (int c = 0; c < _k; c++) s += MathF.Exp(lp[c] - max);
        return -(max + MathF.Log(s));
    }

    private int MostLikely(float c0, float c1, float c2)
    {
        int best = 0; float bestV = float.NegativeInfinity;
        for (int c = 0; c < _k; c++)
        {
            if (_weight[c] <= 0) continue;
            float v = _logNorm[c] - 0.5f * Mahalanobis(c, c0, c1, c2);
            if (v > bestV) { bestV = v; best = c; }
        }
        return best;
    }

    private float Mahalanobis(int c, float c0, float c1, float c2)
    {
        float d0 = c0 - _mean[3 * c], d1 = c1 - _mean[3 * c + 1], d2 = c2 - _mean[3 * c + 2];
        int o = 6 * c;
        return _inv[o] * d0 * d0 + _inv[o + 3] * d1 * d1 + _inv[o + 5] * d2 * d2
             + 2 * (_inv[o + 1] * d0 * d1 + _inv[o + 2] * d0 * d2 + _inv[o + 4] * d1 * d2);
    }

    /// <summary>Weights, means and inverse covariances from hard labels in [0, k).</summary>
    private void Estimate(ReadOnlySpan<float> samples, int[] label, int k)
    {
        int n = samples.Length / 3;
        var s1 = new double[_k * 3];
        var s2 = new double[_k * 6];
        var cnt = new int[_k];
        for (int i = 0; i < n; i++)
        {
            int c = label[i];
            double r = samples[3 * i], g = samples[3 * i + 1], b = samples[3 * i + 2];
            cnt[c]++;
            s1[3 * c] += r; s1[3 * c + 1] += g; s1[3 * c + 2] += b;
            s2[6 * c] += r * r; s2[6 * c + 1] += r * g; s2[6 * c + 2] += r * b;
            s2[6 * c + 3] += g * g; s2[6 * c + 4] += g * b; s2[6 * c + 5] += b * b;
        }
        UsedComponents = 0;
        for (int c = 0; c < _k; c++)
        {
            if (c >= k || cnt[c] == 0) { _weight[c] = 0; continue; }
            UsedComponents++;
            double m = cnt[c];
            double m0 = s1[3 * c] / m, m1 = s1[3 * c + 1] / m, m2 = s1[3 * c + 2] / m;
            double a = s2[6 * c] / m - m0 * m0 + CovarianceFloor;
            double bxy = s2[6 * c + 1] / m - m0 * m1;
            double bxz = s2[6 * c + 2] / m - m0 * m2;
            double d = s2[6 * c + 3] / m - m1 * m1 + CovarianceFloor;
            double e = s2[6 * c + 4] / m - m1 * m2;
            double f = s2[6 * c + 5] / m - m2 * m2 + CovarianceFloor;
            // Inverse of the symmetric [[a b c][b d e][c e f]] by cofactors.
            double c00 = d * f - e * e, c01 = bxz * e - bxy * f, c02 = bxy * e - bxz * d;
            double c11 = a * f - bxz * bxz, c12 = bxy * bxz - a * e, c22 = a * d - bxy * bxy;
            double det = a * c00 + bxy * c01 + bxz * c02;
            if (!(det > 1e-6))
            {
                // Degenerate despite the floor (should not happen): fall back to an isotropic Gaussian.
                double v = (a + d + f) / 3;
                c00 = c11 = c22 = v * v; c01 = c02 = c12 = 0; det = v * v * v;
            }
            _weight[c] = (float)(m / n);
            _mean[3 * c] = (float)m0; _mean[3 * c + 1] = (float)m1; _mean[3 * c + 2] = (float)m2;
            int o = 6 * c;
            _inv[o] = (float)(c00 / det); _inv[o + 1] = (float)(c01 / det); _inv[o + 2] = (float)(c02 / det);
            _inv[o + 3] = (float)(c11 / det); _inv[o + 4] = (float)(c12 / det); _inv[o + 5] = (float)(c22 / det);
            _logNorm[c] = (float)(Math.Log(m / n) - 0.5 * Math.Log(det) - 1.5 * Math.Log(2 * Math.PI));
        }
    }
}
