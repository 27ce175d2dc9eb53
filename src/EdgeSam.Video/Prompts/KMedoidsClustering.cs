using System.Buffers;
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
        var rowSums = new double[n];
        float[] scratch = ArrayPool<float>.Shared.Rent(RowSumsScratch(n));
        try
        {
            RowSums(xs, ys, rowSums, scratch);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
        int[] medoids = Smallest(rowSums, k);

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
                    // A sum of distances is at least the length of the summed offsets, len * (distance to the
                    // centroid); the float sum falls short of the exact one by far less than 1e-4 of it (at most 256
                    // float additions per lane, each rounding by 2^-24). Members far out of the middle stop here.
                    double ox = cx - len * (double)sx[m], oy = cy - len * (double)sy[m];
                    if (Math.Sqrt(ox * ox + oy * oy) * (1 - 1e-4) >= best) continue;
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
    /// Indices of the <paramref name="k"/> smallest sums, smallest first, equal sums by index: the first k of a
    /// stable sort, without sorting all n when k is small.
    /// </summary>
    private static int[] Smallest(double[] sums, int k)
    {
        int n = sums.Length;
        bool Before(int a, int b) => sums[a] != sums[b] ? sums[a].CompareTo(sums[b]) < 0 : a < b;
        if (k > 64)
        {
            int[] order = new int[n];
            for (int i = 0; i < n; i++) order[i] = i;
            Array.Sort(order, (a, b) => sums[a] != sums[b] ? sums[a].CompareTo(sums[b]) : a.CompareTo(b));
            return order[..k];
        }
        var smallest = new int[k];
        int filled = 0;
        for (int i = 0; i < n; i++)
        {
            // Rows come by increasing index, so one tying the current k-th ranks after it.
            if (filled == k && !Before(i, smallest[k - 1])) continue;
            int p = filled < k ? filled++ : k - 1;
            for (; p > 0 && Before(i, smallest[p - 1]); p--) smallest[p] = smallest[p - 1];
            smallest[p] = i;
        }
        return smallest;
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

    /// <summary>Floats of scratch <see cref="RowSums"/> needs for n points.</summary>
    internal static int RowSumsScratch(int n) => (Vector<float>.Count + 2) * (n + Vector<float>.Count);

    /// <summary>
    /// sums[i] = <see cref="SumDistances"/>(xs[i], ys[i], xs, ys) for every i, bit for bit, with the square root of
    /// each pair taken once instead of twice: d(a, b) and d(b, a) are the same float (x - y = -(y - x) exactly).
    /// <paramref name="scratch"/> holds at least <see cref="RowSumsScratch"/>(n) floats.
    /// </summary>
    /// <remarks>
    /// SumDistances keeps, per row i, one float partial sum per vector lane (lane c % L takes the columns c below
    /// the last whole vector, in increasing order), adds them up in double, then adds the remaining columns one by
    /// one. Here the pairs (a, a + k) of a block of L rows a come as one vector per offset k: for row a it holds
    /// column a + k, lane (a + k) % L; for row a + k, column a, lane a % L. Storing the partial sum of lane
    /// (i + s) % L of row i at acc[s][i] makes both contributions of offset k one vector add: rows a at
    /// acc[k % L], rows a + k at acc[-k mod L]. Each lane still takes its columns in increasing order: a row gets
    /// the columns of earlier blocks as "row a + k", then its own block's (one per lane), then the later ones
    /// as "row a" in increasing k; which is why the block's own pairs are added before any later column.
    /// Lanes that would take a pair twice, a column past the whole vectors, or a point past n add 0 (a no-op).
    /// Above 256 vectors SumDistances flushes the lanes to double midway; those sizes take it directly.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RowSums(ReadOnlySpan<float> xs, ReadOnlySpan<float> ys, Span<double> sums, Span<float> scratch)
    {
        int n = xs.Length, size = Vector<float>.Count;
        if (!Vector.IsHardwareAccelerated || n < size || n > 256 * size)
        {
            for (int i = 0; i < n; i++) sums[i] = SumDistances(xs[i], ys[i], xs, ys);
            return;
        }
        int body = n / size * size, stride = n + size;
        // Coordinates padded by a vector so loads at any offset below n stay in the buffer.
        Span<float> px = scratch[..stride], py = scratch.Slice(stride, stride), acc = scratch.Slice(2 * stride, size * stride);
        xs.CopyTo(px);
        px[n..].Clear();
        ys.CopyTo(py);
        py[n..].Clear();
        acc.Clear();
        Span<Vector<float>> near = stackalloc Vector<float>[size];
        for (int a = 0; a < body; a += size)
        {
            var ax = new Vector<float>(px[a..]);
            var ay = new Vector<float>(py[a..]);
            // Offsets inside the block: rows a + k take all (within n); rows a only their block's columns for now.
            for (int k = 1; k < size; k++)
            {
                Vector<float> d = near[k] = Distances(px, py, a + k, ax, ay);
                Add(acc, (size - k) * stride + a + k, Below(d, n - a - k));
                Add(acc, k * stride + a, Below(d, size - k));
            }
            // The same offsets' columns past the block, now that each lane has its column of the block.
            for (int k = 1; k < size; k++)
                Add(acc, k * stride + a, Vector.ConditionalSelect(Vector.GreaterThanOrEqual(Vector<int>.Indices, new Vector<int>(size - k)), Below(near[k], body - a - k), Vector<float>.Zero));
            int k2 = size;
            // The bulk: whole vectors of pairs. Unchecked loads and stores, as every index is below a + k2 + size
            // <= body (coordinates) or (size - 1) * stride + body (sums), inside the spans checked above.
            ref float xr = ref MemoryMarshal.GetReference(px), yr = ref MemoryMarshal.GetReference(py), sr = ref MemoryMarshal.GetReference(acc);
            int full = body - a - size;
            // With 512-bit registers and 8-lane sums, one 16-float load holds offsets k and k + 8, which feed the
            // same row sums one after the other: one square root instruction for both.
            if (size == 8 && Vector512.IsHardwareAccelerated)
            {
                Vector512<float> wx = Vector512.Create(ax.AsVector256(), ax.AsVector256()), wy = Vector512.Create(ay.AsVector256(), ay.AsVector256());
                for (; k2 + 15 <= full; k2 += 16)
                    for (int k = k2; k < k2 + 8; k++)
                    {
                        Vector512<float> dx = Vector512.LoadUnsafe(ref xr, (nuint)(a + k)) - wx, dy = Vector512.LoadUnsafe(ref yr, (nuint)(a + k)) - wy;
                        Vector512<float> d = Vector512.Sqrt(dx * dx + dy * dy);
                        Vector<float> first = d.GetLower().AsVector(), second = d.GetUpper().AsVector();
                        nuint row = (nuint)((k & 7) * stride + a), column = (nuint)((-k & 7) * stride + a + k);
                        (Vector.LoadUnsafe(ref sr, row) + first + second).StoreUnsafe(ref sr, row);
                        (Vector.LoadUnsafe(ref sr, column) + first).StoreUnsafe(ref sr, column);
                        (Vector.LoadUnsafe(ref sr, column + 8) + second).StoreUnsafe(ref sr, column + 8);
                    }
            }
            for (; k2 <= full; k2++)
            {
                Vector<float> dx = Vector.LoadUnsafe(ref xr, (nuint)(a + k2)) - ax, dy = Vector.LoadUnsafe(ref yr, (nuint)(a + k2)) - ay;
                Vector<float> d = Vector.SquareRoot(dx * dx + dy * dy);
                nuint row = (nuint)((k2 & (size - 1)) * stride + a), column = (nuint)((-k2 & (size - 1)) * stride + a + k2);
                (Vector.LoadUnsafe(ref sr, row) + d).StoreUnsafe(ref sr, row);
                (Vector.LoadUnsafe(ref sr, column) + d).StoreUnsafe(ref sr, column);
            }
            for (; k2 < n - a; k2++)
            {
                Vector<float> d = Distances(px, py, a + k2, ax, ay);
                Add(acc, (k2 & (size - 1)) * stride + a, Below(d, body - a - k2));
                Add(acc, (-k2 & (size - 1)) * stride + a + k2, Below(d, n - a - k2));
            }
        }
        Span<float> lanes = stackalloc float[size];
        for (int i = 0; i < n; i++)
        {
            for (int l = 0; l < size; l++) lanes[l] = acc[((l - i) & (size - 1)) * stride + i];
            double total = Vector.Sum(new Vector<float>(lanes));
            float x = xs[i], y = ys[i];
            for (int j = body; j < n; j++)
            {
                float dx = xs[j] - x, dy = ys[j] - y;
                total += MathF.Sqrt(dx * dx + dy * dy);
            }
            sums[i] = total;
        }
    }

    /// <summary>Distances from the points at <paramref name="at"/>.. to the lanes' points (ax, ay), as SumDistances computes them.</summary>
    private static Vector<float> Distances(ReadOnlySpan<float> px, ReadOnlySpan<float> py, int at, Vector<float> ax, Vector<float> ay)
    {
        Vector<float> dx = new Vector<float>(px[at..]) - ax, dy = new Vector<float>(py[at..]) - ay;
        return Vector.SquareRoot(dx * dx + dy * dy);
    }

    /// <summary><paramref name="d"/> in lanes below <paramref name="lanes"/>, 0 above.</summary>
    private static Vector<float> Below(Vector<float> d, int lanes)
        => Vector.ConditionalSelect(Vector.LessThan(Vector<int>.Indices, new Vector<int>(lanes)), d, Vector<float>.Zero);

    private static void Add(Span<float> acc, int at, Vector<float> d) => (new Vector<float>(acc[at..]) + d).CopyTo(acc[at..]);

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
