// Frozen copy of src/EdgeSam.Video/Prompts/KMedoidsClustering.cs from before the sampling-speed work, the reference that
// PointSamplerEquivalenceTests holds the optimised sampler to (see ReferencePointSampler). Do not optimise it.
using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgeSam.Video.Tests.Prompts.Reference;

/// <summary>
/// K-Medoids over 2-D points with Euclidean distance, as scikit-learn-extra's <c>KMedoids</c> defaults that SAM-PT
/// uses: <c>init='heuristic'</c> (the k points with the smallest sum of distances to all others) and
/// <c>method='alternate'</c> (Park &amp; Jun / Voronoi iteration: assign every point to its nearest medoid, then move
/// each medoid to the member with the smallest summed distance to its cluster, until nothing moves), at most
/// <c>max_iter</c> rounds. No randomness: the caller's subsample is the only random input.
/// Distances are computed on the fly (never an n x n matrix) with <see cref="Vector{T}"/> sums, since n is ~2,000.
/// </summary>
internal static class ReferenceKMedoidsClustering
{
    /// <summary>
    /// Returns the indices (into <paramref name="xs"/>/<paramref name="ys"/>) of <paramref name="k"/> medoids.
    /// Requires <c>0 &lt; k &lt;= n</c>. Ties break to the lowest index, like NumPy's argmin.
    /// </summary>
    public static int[] Fit(float[] xs, float[] ys, int k, int maxIterations)
    {
        int n = xs.Length;
        if (ys.Length != n) throw new ArgumentException("xs and ys differ in length.");
        if (k <= 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must be in [1, {n}].");
        if (maxIterations <= 0) throw new ArgumentOutOfRangeException(nameof(maxIterations));

        // Heuristic init: k smallest row sums of the distance matrix (stable by index on ties).
        var rowSums = new double[n];
        for (int i = 0; i < n; i++) rowSums[i] = SumDistances(xs[i], ys[i], xs, ys);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (a, b) => rowSums[a] != rowSums[b] ? rowSums[a].CompareTo(rowSums[b]) : a.CompareTo(b));
        int[] medoids = order[..k];

        var labels = new int[n];
        var counts = new int[k];
        var starts = new int[k + 1];
        var memberIdx = new int[n];
        var mx = new float[n];
        var my = new float[n];
        for (int iter = 0; iter < maxIterations; iter++)
        {
            Assign(xs, ys, medoids, labels);

            // Group members by cluster (counting sort keeps ascending index order inside a cluster).
            Array.Clear(counts);
            foreach (int l in labels) counts[l]++;
            starts[0] = 0;
            for (int c = 0; c < k; c++) starts[c + 1] = starts[c] + counts[c];
            int[] cursor = (int[])starts.Clone();
            for (int i = 0; i < n; i++)
            {
                int p = cursor[labels[i]]++;
                memberIdx[p] = i;
                mx[p] = xs[i];
                my[p] = ys[i];
            }

            bool changed = false;
            for (int c = 0; c < k; c++)
            {
                int s = starts[c], len = counts[c];
                if (len == 0) continue; // scikit-learn-extra warns and keeps the medoid
                float[] cx = mx, cy = my;
                ReadOnlySpan<float> sx = cx.AsSpan(s, len), sy = cy.AsSpan(s, len);
                double best = double.PositiveInfinity, current = double.NaN;
                int bestIdx = -1;
                for (int m = 0; m < len; m++)
                {
                    double cost = SumDistances(sx[m], sy[m], sx, sy);
                    if (cost < best) { best = cost; bestIdx = memberIdx[s + m]; }
                    if (memberIdx[s + m] == medoids[c]) current = cost;
                }
                // Adopt the best member only when it is strictly cheaper than the current medoid.
                if (double.IsNaN(current) || best < current)
                {
                    if (bestIdx != medoids[c]) { medoids[c] = bestIdx; changed = true; }
                }
            }
            if (!changed) break;
        }
        return medoids;
    }

    private static void Assign(float[] xs, float[] ys, int[] medoids, int[] labels)
    {
        int k = medoids.Length;
        for (int i = 0; i < xs.Length; i++)
        {
            float px = xs[i], py = ys[i];
            int best = 0;
            float bestD = float.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                float dx = xs[medoids[c]] - px, dy = ys[medoids[c]] - py;
                float d = dx * dx + dy * dy; // squared distance orders like distance
                if (d < bestD) { bestD = d; best = c; }
            }
            labels[i] = best;
        }
    }

    /// <summary>Sum over j of the distance from (px, py) to (xs[j], ys[j]).</summary>
    internal static double SumDistances(float px, float py, ReadOnlySpan<float> xs, ReadOnlySpan<float> ys)
    {
        int n = xs.Length, i = 0;
        double total = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var vpx = new Vector<float>(px);
            var vpy = new Vector<float>(py);
            var acc = Vector<float>.Zero;
            ReadOnlySpan<Vector<float>> vx = MemoryMarshal.Cast<float, Vector<float>>(xs);
            ReadOnlySpan<Vector<float>> vy = MemoryMarshal.Cast<float, Vector<float>>(ys);
            for (int v = 0; v < vx.Length; v++)
            {
                Vector<float> dx = vx[v] - vpx, dy = vy[v] - vpy;
                acc += Vector.SquareRoot(dx * dx + dy * dy);
                // Flush to double every 256 vectors so float partial sums stay exact to ~1e-4 px.
                if ((v & 255) == 255) { total += Vector.Sum(acc); acc = Vector<float>.Zero; }
            }
            total += Vector.Sum(acc);
            i = vx.Length * Vector<float>.Count;
        }
        for (; i < n; i++)
        {
            float dx = xs[i] - px, dy = ys[i] - py;
            total += MathF.Sqrt(dx * dx + dy * dy);
        }
        return total;
    }
}
