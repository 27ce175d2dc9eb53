using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeSam.Video.Prompts;

/// <summary>
/// K-Medoids over 2-D points with Euclidean distance, as scikit-learn-extra's <c>KMedoids</c> defaults that SAM-PT
/// uses: <c>init='heuristic'</c> (the k points with the smallest sum of distances to all others) and
/// <c>method='alternate'</c> (Park &amp; Jun / Voronoi iteration: assign every point to its nearest medoid, then move
/// each medoid to the member with the smallest summed distance to its cluster, until nothing moves), at most
/// <c>max_iter</c> rounds. No randomness: the caller's subsample is the only random input.
/// Distances are computed on the fly (never an n x n matrix) with <see cref="Vector{T}"/> sums, since n is ~2,000.
/// Hot loops are compiled fully optimised at first use (<see cref="MethodImplOptions.AggressiveOptimization"/>): a
/// sampler runs a few times per re-initialisation, too rarely for tiered compilation to promote its loops before
/// they have run many times as slow tier-0 vector code.
/// </summary>
internal static class KMedoidsClustering
{
    /// <summary>
    /// Returns the indices (into <paramref name="xs"/>/<paramref name="ys"/>) of <paramref name="k"/> medoids.
    /// Requires <c>0 &lt; k &lt;= n</c>. Ties break to the lowest index, like NumPy's argmin.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[] Fit(float[] xs, float[] ys, int k, int maxIterations)
    {
        int n = xs.Length;
        if (ys.Length != n) throw new ArgumentException("xs and ys differ in length.");
        if (k <= 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must be in [1, {n}].");
        if (maxIterations <= 0) throw new ArgumentOutOfRangeException(nameof(maxIterations));

        // Heuristic init: k smallest row sums of the distance matrix (stable by index on ties).
        int[] medoids = SmallestRowSums(xs, ys, k);

        var labels = new int[n];
        var previous = new int[n];
        var counts = new int[k];
        var starts = new int[k + 1];
        var memberIdx = new int[n];
        var mx = new float[n];
        var my = new float[n];
        var cursor = new int[k];
        var dirty = new bool[k];
        for (int iter = 0; iter < maxIterations; iter++)
        {
            (previous, labels) = (labels, previous);
            Assign(xs, ys, medoids, labels);
            // A cluster whose members are those of the last round gives the same costs, so the same medoid, which
            // it already holds: only clusters that gained or lost a point are evaluated again.
            if (iter == 0) Array.Fill(dirty, true);
            else
            {
                Array.Clear(dirty);
                for (int i = 0; i < n; i++)
                    if (labels[i] != previous[i]) { dirty[labels[i]] = true; dirty[previous[i]] = true; }
            }

            // Group members by cluster (counting sort keeps ascending index order inside a cluster).
            Array.Clear(counts);
            foreach (int l in labels) counts[l]++;
            starts[0] = 0;
            for (int c = 0; c < k; c++) starts[c + 1] = starts[c] + counts[c];
            starts.AsSpan(0, k).CopyTo(cursor);
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
                if (len == 0 || !dirty[c]) continue; // empty: scikit-learn-extra warns and keeps the medoid
                ReadOnlySpan<float> sx = mx.AsSpan(s, len), sy = my.AsSpan(s, len);
                ReadOnlySpan<int> members = memberIdx.AsSpan(s, len);
                // The medoid's cost first: a member moves in only when strictly cheaper, so with the medoid as the
                // first best, every other member is summed only while it can still beat the best so far, and the
                // first (lowest index) member of least cost is still the one that moves in.
                int self = members.IndexOf(medoids[c]);
                double current = self < 0 ? double.NaN : SumDistances(sx[self], sy[self], sx, sy);
                double best = self < 0 ? double.PositiveInfinity : current;
                int bestIdx = self < 0 ? -1 : medoids[c];
                double cx = 0, cy = 0;
                for (int m = 0; m < len; m++) { cx += sx[m]; cy += sy[m]; }
                for (int m = 0; m < len; m++)
                {
                    if (m == self) continue;
                    // Members far out of the middle cannot beat the best.
                    if (CentroidBound(cx, cy, len, sx[m], sy[m]) >= best) continue;
                    double cost = SumDistances(sx[m], sy[m], sx, sy, best);
                    if (cost < best) { best = cost; bestIdx = members[m]; }
                }
                if (double.IsNaN(current) || best < current)
                {
                    if (bestIdx != medoids[c]) { medoids[c] = bestIdx; changed = true; }
                }
            }
            if (!changed) break;
        }
        return medoids;
    }

    /// <summary>
    /// Indices of the <paramref name="k"/> points with the smallest <see cref="SumDistances"/> to all points,
    /// smallest first, equal sums by index: the first k of a stable sort of all n sums, without all of them.
    /// The k points nearest the centroid, the likeliest smallest, are summed first; after them a point is skipped
    /// when its centroid bound (see <see cref="CentroidBound"/>) already exceeds the k-th sum so far, and summed
    /// only while its partial sum does not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] SmallestRowSums(float[] xs, float[] ys, int k)
    {
        int n = xs.Length;
        double cx = 0, cy = 0;
        for (int i = 0; i < n; i++) { cx += xs[i]; cy += ys[i]; }
        var sums = new double[n];
        var done = new bool[n];
        var smallest = new int[k];
        int filled = 0;
        bool Before(int a, int b) => sums[a] != sums[b] ? sums[a].CompareTo(sums[b]) < 0 : a < b;
        void Offer(int i)
        {
            if (filled == k && !Before(i, smallest[k - 1])) return;
            int p = filled < k ? filled++ : k - 1;
            for (; p > 0 && Before(i, smallest[p - 1]); p--) smallest[p] = smallest[p - 1];
            smallest[p] = i;
        }

        var nearest = new int[k];
        var near = new double[k];
        int found = 0;
        for (int i = 0; i < n; i++)
        {
            double d = CentroidBound(cx, cy, n, xs[i], ys[i]);
            if (found == k && d >= near[k - 1]) continue;
            int p = found < k ? found++ : k - 1;
            for (; p > 0 && d < near[p - 1]; p--) { near[p] = near[p - 1]; nearest[p] = nearest[p - 1]; }
            near[p] = d;
            nearest[p] = i;
        }
        foreach (int i in nearest)
        {
            sums[i] = SumDistances(xs[i], ys[i], xs, ys);
            done[i] = true;
            Offer(i);
        }
        for (int i = 0; i < n; i++)
        {
            if (done[i]) continue;
            // Strictly above the k-th sum: a point summing to it exactly may still rank first by index.
            double kth = sums[smallest[k - 1]];
            if (CentroidBound(cx, cy, n, xs[i], ys[i]) > kth) continue;
            sums[i] = SumDistances(xs[i], ys[i], xs, ys, Math.BitIncrement(kth));
            Offer(i);
        }
        return smallest;
    }

    /// <summary>
    /// A lower bound, safe for the float sum, of <see cref="SumDistances"/> from (x, y) to <paramref name="n"/>
    /// points summing to (<paramref name="cx"/>, <paramref name="cy"/>): a sum of distances is at least the length
    /// of the summed offsets, n times the distance to the centroid, and the float sum falls short of the exact one
    /// by far less than 1e-4 of it (at most 256 float additions per lane, each rounding by 2^-24).
    /// </summary>
    private static double CentroidBound(double cx, double cy, int n, float x, float y)
    {
        double ox = cx - n * (double)x, oy = cy - n * (double)y;
        return Math.Sqrt(ox * ox + oy * oy) * (1 - 1e-4);
    }

    /// <summary>Index of the nearest medoid for every point (ties: the first medoid), as squared distances order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Assign(float[] xs, float[] ys, int[] medoids, int[] labels)
    {
        int k = medoids.Length, n = xs.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var px = new Vector<float>(xs, i);
                var py = new Vector<float>(ys, i);
                var best = Vector<int>.Zero;
                var bestD = new Vector<float>(float.PositiveInfinity);
                for (int c = 0; c < k; c++)
                {
                    Vector<float> dx = new Vector<float>(xs[medoids[c]]) - px, dy = new Vector<float>(ys[medoids[c]]) - py;
                    Vector<float> d = dx * dx + dy * dy;
                    Vector<int> closer = Vector.LessThan(d, bestD);
                    bestD = Vector.ConditionalSelect(closer, d, bestD);
                    best = Vector.ConditionalSelect(closer, new Vector<int>(c), best);
                }
                best.CopyTo(labels, i);
            }
        }
        for (; i < n; i++)
        {
            float px = xs[i], py = ys[i];
            int best = 0;
            float bestD = float.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                float dx = xs[medoids[c]] - px, dy = ys[medoids[c]] - py;
                float d = dx * dx + dy * dy;
                if (d < bestD) { bestD = d; best = c; }
            }
            labels[i] = best;
        }
    }

    /// <summary>
    /// Sum over j of the distance from (px, py) to (xs[j], ys[j]); or, once the partial sum reaches
    /// <paramref name="bound"/>, a value at least the bound (distances are not negative and rounding is monotone,
    /// so the whole sum could not come out below it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double SumDistances(float px, float py, ReadOnlySpan<float> xs, ReadOnlySpan<float> ys, double bound = double.PositiveInfinity)
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
            int v = 0;
            // Where Vector<float> is half the widest register (AVX-512 keeps it at 8 lanes), two of its vectors
            // share one square root instruction, which costs about what one does; the sums stay 8-lane, in order.
            if (Vector<float>.Count == 8 && Vector512.IsHardwareAccelerated)
            {
                ReadOnlySpan<Vector512<float>> wx = MemoryMarshal.Cast<float, Vector512<float>>(xs);
                ReadOnlySpan<Vector512<float>> wy = MemoryMarshal.Cast<float, Vector512<float>>(ys);
                Vector512<float> wpx = Vector512.Create(px), wpy = Vector512.Create(py);
                for (int p = 0; p < wx.Length; p++, v += 2)
                {
                    Vector512<float> dx = wx[p] - wpx, dy = wy[p] - wpy;
                    Vector512<float> d = Vector512.Sqrt(dx * dx + dy * dy);
                    acc += d.GetLower().AsVector();
                    acc += d.GetUpper().AsVector();
                    // v + 1 is the odd vector just added, so 255 falls on a pair's end.
                    if (((v + 1) & 255) == 255) { total += Vector.Sum(acc); acc = Vector<float>.Zero; }
                    else if (((v + 1) & 7) == 7 && total + Vector.Sum(acc) >= bound) return total + Vector.Sum(acc);
                }
            }
            for (; v < vx.Length; v++)
            {
                Vector<float> dx = vx[v] - vpx, dy = vy[v] - vpy;
                acc += Vector.SquareRoot(dx * dx + dy * dy);
                // Flush to double every 256 vectors so float partial sums stay exact to ~1e-4 px.
                if ((v & 255) == 255) { total += Vector.Sum(acc); acc = Vector<float>.Zero; }
                else if ((v & 7) == 7 && total + Vector.Sum(acc) >= bound) return total + Vector.Sum(acc);
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
