using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Evaluation;

/// <summary>One object on one frame: its ground-truth J and what the report said about it.</summary>
public sealed record ReviewSample(string Sequence, string Frame, int ObjectId, double J, float Confidence, bool Review, ConfidenceFeatures Features);

/// <summary>How well a review flag finds bad frames (J &lt; <see cref="ReviewCalibration.BadJ"/>).</summary>
/// <param name="Frames">Object frames scored.</param>
/// <param name="Bad">Of them, with J below the limit.</param>
/// <param name="Flagged">Of them, flagged for review.</param>
/// <param name="Recall">Share of the bad ones flagged (NaN with none bad).</param>
/// <param name="Precision">Share of the flagged ones bad (NaN with none flagged).</param>
/// <param name="Auroc">Probability that a good frame's confidence exceeds a bad one's (ties count half): the
/// area under the ROC curve of the confidence as a detector of good frames (NaN when either class is empty).</param>
public sealed record ReviewQuality(int Frames, int Bad, int Flagged, double Recall, double Precision, double Auroc);

/// <summary>
/// Calibrates and scores the per-frame confidence (<see cref="ConfidenceModel"/>) against per-frame J of the DAVIS
/// evaluation: joins a results folder's scores with the <see cref="SegmentationReport"/> of each sequence, measures
/// recall and precision of the review flag for frames with J &lt; 0.5 and the confidence's AUROC, and fits the logistic
/// model's weights (L2-regularised, Newton's method), also leave-one-sequence-out so the figures of a fit are not
/// measured on the frames it was fitted to.
/// </summary>
public static class ReviewCalibration
{
    /// <summary>A frame is bad when its J is below this.</summary>
    public const double BadJ = 0.5;

    /// <summary>L2 penalty on the weights other than the bias (features are all of order 1; 1 keeps the ~600 frames of
    /// DAVIS 2016 from fitting noise in the rarer features such as <c>found_again</c>).</summary>
    public const double DefaultLambda = 1.0;

    /// <summary>The scored frames (all but the first and last, as the DAVIS evaluation) of every object of
    /// <paramref name="evaluation"/> that its sequence's report (<paramref name="reportOf"/>: sequence -> file) lists
    /// with features (prompted frames have none and are left out).</summary>
    public static IReadOnlyList<ReviewSample> Join(DavisEvaluation evaluation, Func<string, string> reportOf)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var samples = new List<ReviewSample>();
        foreach (string seq in evaluation.Sequences)
        {
            string path = reportOf(seq);
            if (!File.Exists(path))
                throw new EdgeSamException($"no confidence report for sequence {seq}: {path} is missing; rerun 'run davis' with this version to write it.");
            var byKey = SegmentationReport.Read(path).ToDictionary(e => (e.Frame, e.ObjectId));
            foreach (ObjectScores o in evaluation.Objects.Where(o => o.Sequence == seq))
                for (int k = 0; k < o.Frames.Count; k++)
                {
                    if (!byKey.TryGetValue((o.Frames[k], o.ObjectId), out var e))
                        throw new EdgeSamException($"{path} has no entry for frame {o.Frames[k]}, object {o.ObjectId}; the report is not of these results.");
                    if (e.Features is { } f) samples.Add(new ReviewSample(seq, o.Frames[k], o.ObjectId, o.J[k], e.Confidence, e.Review, f));
                }
        }
        return samples;
    }

    /// <summary>Recall, precision and AUROC of the given confidences and flags against the samples' J.</summary>
    public static ReviewQuality Quality(IReadOnlyList<double> j, IReadOnlyList<double> confidence, IReadOnlyList<bool> review)
    {
        int n = j.Count;
        if (confidence.Count != n || review.Count != n) throw new ArgumentException("J, confidences and flags differ in length.");
        int bad = 0, flagged = 0, hit = 0;
        for (int i = 0; i < n; i++)
        {
            bool b = j[i] < BadJ;
            bad += b ? 1 : 0;
            flagged += review[i] ? 1 : 0;
            hit += b && review[i] ? 1 : 0;
        }
        return new ReviewQuality(n, bad, flagged,
            bad == 0 ? double.NaN : hit / (double)bad,
            flagged == 0 ? double.NaN : hit / (double)flagged,
            Auroc(confidence, Enumerable.Range(0, n).Select(i => j[i] >= BadJ).ToArray()));
    }

    /// <summary>Quality of the confidences and flags stored in the reports.</summary>
    public static ReviewQuality QualityAsReported(IReadOnlyList<ReviewSample> samples) =>
        Quality(samples.Select(s => s.J).ToArray(), samples.Select(s => (double)s.Confidence).ToArray(), samples.Select(s => s.Review).ToArray());

    /// <summary>Quality of <paramref name="weights"/> applied to the samples' features (flag: confidence below
    /// <see cref="ConfidenceModel.ReviewThreshold"/>).</summary>
    public static ReviewQuality QualityOf(IReadOnlyList<ReviewSample> samples, IReadOnlyList<double> weights)
    {
        double[] c = samples.Select(s => (double)ConfidenceModel.Confidence(s.Features, weights)).ToArray();
        return Quality(samples.Select(s => s.J).ToArray(), c, c.Select(v => v < ConfidenceModel.ReviewThreshold).ToArray());
    }

    /// <summary>
    /// Leave-one-sequence-out: for each sequence, weights fitted on the others' samples give its confidences; the
    /// quality of all those held-out confidences together.
    /// </summary>
    public static ReviewQuality LeaveOneSequenceOut(IReadOnlyList<ReviewSample> samples, double lambda = DefaultLambda)
    {
        var conf = new double[samples.Count];
        foreach (string seq in samples.Select(s => s.Sequence).Distinct())
        {
            double[] w = Fit(samples.Where(s => s.Sequence != seq).ToList(), lambda);
            for (int i = 0; i < samples.Count; i++)
                if (samples[i].Sequence == seq) conf[i] = ConfidenceModel.Confidence(samples[i].Features, w);
        }
        return Quality(samples.Select(s => s.J).ToArray(), conf, conf.Select(v => v < ConfidenceModel.ReviewThreshold).ToArray());
    }

    /// <summary>
    /// Logistic regression of [J &gt;= <see cref="BadJ"/>] on <see cref="ConfidenceFeatures.Vector"/>: minimises the
    /// summed log-loss + lambda / 2 |w|^2 (bias not penalised) by Newton's method, w &lt;- w - H^-1 g, until the step is
    /// below 1e-10 (at most 100 steps).
    /// </summary>
    public static double[] Fit(IReadOnlyList<ReviewSample> samples, double lambda = DefaultLambda)
    {
        if (samples.Count == 0) throw new ArgumentException("No samples to fit.", nameof(samples));
        double[][] x = samples.Select(s => s.Features.Vector()).ToArray();
        double[] y = samples.Select(s => s.J >= BadJ ? 1.0 : 0.0).ToArray();
        int d = x[0].Length, n = x.Length;
        var w = new double[d];
        for (int iter = 0; iter < 100; iter++)
        {
            var g = new double[d];
            var h = new double[d, d];
            for (int i = 0; i < n; i++)
            {
                double z = 0;
                for (int a = 0; a < d; a++) z += w[a] * x[i][a];
                double p = 1 / (1 + Math.Exp(-z)), r = p * (1 - p);
                for (int a = 0; a < d; a++)
                {
                    g[a] += (p - y[i]) * x[i][a];
                    for (int b = 0; b < d; b++) h[a, b] += r * x[i][a] * x[i][b];
                }
            }
            for (int a = 1; a < d; a++)
            {
                g[a] += lambda * w[a];
                h[a, a] += lambda;
            }
            double[] step = Solve(h, g);
            double size = 0;
            for (int a = 0; a < d; a++) { w[a] -= step[a]; size = Math.Max(size, Math.Abs(step[a])); }
            if (size < 1e-10) break;
        }
        return w;
    }

    /// <summary>AUROC by the rank-sum (Mann-Whitney) statistic, ties counted half.</summary>
    public static double Auroc(IReadOnlyList<double> score, IReadOnlyList<bool> positive)
    {
        int n = score.Count;
        int[] order = Enumerable.Range(0, n).OrderBy(i => score[i]).ToArray();
        double rankSum = 0;
        long pos = 0;
        for (int i = 0; i < n;)
        {
            int k = i;
            while (k + 1 < n && score[order[k + 1]] == score[order[i]]) k++;
            double rank = (i + k) / 2.0 + 1; // the mean 1-based rank of the tie group
            for (int m = i; m <= k; m++)
                if (positive[order[m]]) { rankSum += rank; pos++; }
            i = k + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) return double.NaN;
        return (rankSum - pos * (pos + 1) / 2.0) / ((double)pos * neg);
    }

    /// <summary>Solves h s = g by Gaussian elimination with partial pivoting (h is positive definite here).</summary>
    private static double[] Solve(double[,] h, double[] g)
    {
        int d = g.Length;
        var a = (double[,])h.Clone();
        var b = (double[])g.Clone();
        for (int c = 0; c < d; c++)
        {
            int piv = c;
            for (int r = c + 1; r < d; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[piv, c])) piv = r;
            if (piv != c)
            {
                for (int k = 0; k < d; k++) (a[c, k], a[piv, k]) = (a[piv, k], a[c, k]);
                (b[c], b[piv]) = (b[piv], b[c]);
            }
            for (int r = c + 1; r < d; r++)
            {
                double f = a[r, c] / a[c, c];
                for (int k = c; k < d; k++) a[r, k] -= f * a[c, k];
                b[r] -= f * b[c];
            }
        }
        var s = new double[d];
        for (int r = d - 1; r >= 0; r--)
        {
            double v = b[r];
            for (int k = r + 1; k < d; k++) v -= a[r, k] * s[k];
            s[r] = v / a[r, r];
        }
        return s;
    }
}
