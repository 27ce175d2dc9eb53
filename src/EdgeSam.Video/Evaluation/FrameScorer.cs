using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeSam.Video.Evaluation;

/// <summary>Region similarity J and boundary F-measure of one object in one frame.</summary>
public readonly record struct FrameScore(double J, double F);

/// <summary>
/// Scores one object in one frame exactly as the DAVIS 2017 toolkit (davis2017-evaluation, semi-supervised)
/// does: J = |G∩P| / |G∪P| (1 when the union is empty); F = boundary F-measure of the <c>_seg2bmap</c> boundaries,
/// where a boundary pixel matches when a boundary pixel of the other mask lies inside the toolkit's
/// <c>skimage.morphology.disk(r)</c> around it (what <c>cv2.dilate</c> + product computes), with
/// r = ceil(bound_th * image diagonal).
/// </summary>
/// <remarks>
/// Masks are given as label planes (one byte per pixel, row-major) plus an object id: the object mask is
/// <c>label == id</c>, so DAVIS 2017 void (255) is background for every id, as in the toolkit (which zeroes
/// 255 before splitting objects). Instead of dilating whole images, the scorer lists boundary pixels per row and
/// asks, per boundary pixel and disk row dy, whether the other boundary has a pixel within the disk's half-width
/// in row y+dy: a merge over sorted x lists, O(r * boundary length), exact for the disk structuring element.
/// An instance holds scratch buffers for one image size and is not thread-safe: use one per thread.
/// </remarks>
public sealed class FrameScorer
{
    private readonly BoundaryList _gtBoundary;
    private readonly BoundaryList _predBoundary;
    private readonly int[] _halfWidth;
    private bool[] _matched = new bool[1024];

    public int Width { get; }
    public int Height { get; }

    /// <summary>Tolerance radius in pixels (the disk radius).</summary>
    public int Radius { get; }

    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="boundaryThreshold">The toolkit's <c>bound_th</c>: below 1 a fraction of the image diagonal,
    /// from 1 on a radius in pixels (must then be a whole number).</param>
    public FrameScorer(int width, int height, double boundaryThreshold = DavisMetrics.DefaultBoundaryThreshold)
    {
        Media.RgbImage.ValidateSize(width, height);
        Width = width;
        Height = height;
        Radius = DavisMetrics.BoundaryRadius(width, height, boundaryThreshold);
        _halfWidth = DavisMetrics.DiskHalfWidths(Radius);
        _gtBoundary = new BoundaryList(height);
        _predBoundary = new BoundaryList(height);
    }

    /// <summary>J and F of the object <paramref name="objectId"/> (mask = label == id) of the prediction against
    /// the ground truth; both planes are <c>Width*Height</c> bytes, row-major.</summary>
    public FrameScore Score(ReadOnlySpan<byte> groundTruth, ReadOnlySpan<byte> prediction, byte objectId)
    {
        int n = Width * Height;
        if (groundTruth.Length != n || prediction.Length != n)
            throw new ArgumentException($"Label planes hold {groundTruth.Length} and {prediction.Length} bytes, a {Width}x{Height} frame needs {n}.");
        double j = Jaccard(groundTruth, prediction, objectId);
        ExtractBoundary(groundTruth, Width, Height, objectId, _gtBoundary);
        ExtractBoundary(prediction, Width, Height, objectId, _predBoundary);
        double f = BoundaryF(_gtBoundary, _predBoundary);
        return new FrameScore(j, f);
    }

    /// <summary>The toolkit's <c>f_measure</c> arithmetic over the two boundary lists.</summary>
    private double BoundaryF(BoundaryList gt, BoundaryList fg)
    {
        long nFg = fg.Count, nGt = gt.Count;
        double precision, recall;
        // f_measure's empty-boundary conventions, in its order.
        if (nFg == 0 && nGt > 0) { precision = 1; recall = 0; }
        else if (nFg > 0 && nGt == 0) { precision = 0; recall = 1; }
        else if (nFg == 0 && nGt == 0) { precision = 1; recall = 1; }
        else
        {
            long fgMatch = CountMatched(fg, gt); // fg_boundary * gt_dil
            long gtMatch = CountMatched(gt, fg); // gt_boundary * fg_dil
            precision = fgMatch / (double)nFg;
            recall = gtMatch / (double)nGt;
        }
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }

    /// <summary>Pixels of <paramref name="a"/> with a pixel of <paramref name="b"/> inside the disk around them
    /// (the disk is symmetric, so this is a·dilate(b, disk)).</summary>
    private long CountMatched(BoundaryList a, BoundaryList b)
    {
        int r = Radius;
        int h = Height;
        long total = 0;
        int[] ax = a.Xs, bx = b.Xs;
        int[] aStart = a.RowStart, bStart = b.RowStart;
        for (int y = 0; y < h; y++)
        {
            int a0 = aStart[y], a1 = aStart[y + 1];
            int count = a1 - a0;
            if (count == 0) continue;
            if (_matched.Length < count) _matched = new bool[Math.Max(count, _matched.Length * 2)];
            Span<bool> matched = _matched.AsSpan(0, count);
            matched.Clear();
            int remaining = count;
            int yLo = Math.Max(0, y - r), yHi = Math.Min(h - 1, y + r);
            for (int yy = yLo; yy <= yHi && remaining > 0; yy++)
            {
                int p = bStart[yy], pEnd = bStart[yy + 1];
                if (p == pEnd) continue;
                int hw = _halfWidth[Math.Abs(yy - y)];
                // Both x lists ascend, so the first b pixel at or right of x - hw only moves forward.
                for (int i = 0; i < count; i++)
                {
                    int x = ax[a0 + i];
                    int lo = x - hw;
                    while (p < pEnd && bx[p] < lo) p++;
                    if (p == pEnd) break;
                    if (!matched[i] && bx[p] <= x + hw)
                    {
                        matched[i] = true;
                        remaining--;
                    }
                }
            }
            total += count - remaining;
        }
        return total;
    }

    /// <summary>The toolkit's <c>db_eval_iou</c> without void pixels: inters / union, 1 when the union is empty.</summary>
    internal static double Jaccard(ReadOnlySpan<byte> gt, ReadOnlySpan<byte> pred, byte id)
    {
        long inter = 0, union = 0;
        int i = 0, n = gt.Length;
        ref byte g0 = ref MemoryMarshal.GetReference(gt);
        ref byte p0 = ref MemoryMarshal.GetReference(pred);
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<byte> idv = Vector256.Create(id);
            for (; i <= n - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                Vector256<byte> g = Vector256.Equals(Vector256.LoadUnsafe(ref g0, (nuint)i), idv);
                Vector256<byte> p = Vector256.Equals(Vector256.LoadUnsafe(ref p0, (nuint)i), idv);
                uint any = (g | p).ExtractMostSignificantBits();
                if (any == 0) continue;
                union += BitOperations.PopCount(any);
                inter += BitOperations.PopCount((g & p).ExtractMostSignificantBits());
            }
        }
        for (; i < n; i++)
        {
            bool g = Unsafe.Add(ref g0, i) == id, p = Unsafe.Add(ref p0, i) == id;
            if (g | p) union++;
            if (g & p) inter++;
        }
        return union == 0 ? 1.0 : inter / (double)union;
    }

    /// <summary>
    /// The toolkit's <c>_seg2bmap</c> (same resolution) of the mask label == id, as per-row sorted x lists.
    /// b(y,x) = s ^ s(y,x+1) | s ^ s(y+1,x) | s ^ s(y+1,x+1); the last row keeps only the right-neighbour term,
    /// the last column only the lower-neighbour term, and the bottom-right pixel is 0.
    /// </summary>
    internal static void ExtractBoundary(ReadOnlySpan<byte> labels, int w, int h, byte id, BoundaryList list)
    {
        list.Reset(h);
        for (int y = 0; y < h; y++)
        {
            ReadOnlySpan<byte> row = labels.Slice(y * w, w);
            if (y < h - 1)
                BoundaryRow(row, labels.Slice((y + 1) * w, w), id, list);
            else
                LastBoundaryRow(row, id, list);
            list.EndRow(y);
        }
    }

    private static void BoundaryRow(ReadOnlySpan<byte> row, ReadOnlySpan<byte> below, byte id, BoundaryList list)
    {
        int w = row.Length;
        int x = 0;
        ref byte r0 = ref MemoryMarshal.GetReference(row);
        ref byte b0 = ref MemoryMarshal.GetReference(below);
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<byte> idv = Vector256.Create(id);
            // Loads reach x + Count (the right neighbours), so stop one vector before the last column.
            for (; x + Vector256<byte>.Count < w; x += Vector256<byte>.Count)
            {
                Vector256<byte> s = Vector256.Equals(Vector256.LoadUnsafe(ref r0, (nuint)x), idv);
                Vector256<byte> e = Vector256.Equals(Vector256.LoadUnsafe(ref r0, (nuint)(x + 1)), idv);
                Vector256<byte> d = Vector256.Equals(Vector256.LoadUnsafe(ref b0, (nuint)x), idv);
                Vector256<byte> se = Vector256.Equals(Vector256.LoadUnsafe(ref b0, (nuint)(x + 1)), idv);
                uint bits = ((s ^ e) | (s ^ d) | (s ^ se)).ExtractMostSignificantBits();
                while (bits != 0)
                {
                    list.Add(x + BitOperations.TrailingZeroCount(bits));
                    bits &= bits - 1;
                }
            }
        }
        for (; x < w - 1; x++)
        {
            bool s = Unsafe.Add(ref r0, x) == id;
            if (s != (Unsafe.Add(ref r0, x + 1) == id) || s != (Unsafe.Add(ref b0, x) == id) || s != (Unsafe.Add(ref b0, x + 1) == id))
                list.Add(x);
        }
        // Last column: b[:, -1] = seg[:, -1] ^ s[:, -1].
        if ((row[w - 1] == id) != (below[w - 1] == id))
            list.Add(w - 1);
    }

    private static void LastBoundaryRow(ReadOnlySpan<byte> row, byte id, BoundaryList list)
    {
        // b[-1, :] = seg[-1, :] ^ e[-1, :], then b[-1, -1] = 0.
        int w = row.Length;
        for (int x = 0; x < w - 1; x++)
            if ((row[x] == id) != (row[x + 1] == id))
                list.Add(x);
    }

    /// <summary>Boundary pixels as x positions grouped by row (CSR: <see cref="RowStart"/> has h+1 entries).</summary>
    internal sealed class BoundaryList
    {
        public int[] RowStart;
        public int[] Xs = new int[4096];
        public int Count;

        public BoundaryList(int height) => RowStart = new int[height + 1];

        public void Reset(int height)
        {
            if (RowStart.Length != height + 1) RowStart = new int[height + 1];
            Count = 0;
            RowStart[0] = 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(int x)
        {
            if (Count == Xs.Length) Array.Resize(ref Xs, Xs.Length * 2);
            Xs[Count++] = x;
        }

        public void EndRow(int y) => RowStart[y + 1] = Count;
    }
}
