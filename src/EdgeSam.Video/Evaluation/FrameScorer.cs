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
/// 255 before splitting objects). Instead of dilating whole images, the scorer keeps each boundary as padded row
/// bitsets and asks, per boundary pixel and disk row dy (nearest rows first), whether the other boundary has a bit
/// in [x - hw(dy), x + hw(dy)] of row y + dy, hw(dy) = floor(sqrt(r² - dy²)): the disk exactly, at a cost of one
/// word test per row tried, so well-matched boundaries cost about one test per pixel.
/// An instance holds scratch buffers for one image size and is not thread-safe: use one per thread.
/// </remarks>
public sealed class FrameScorer
{
    private readonly BoundaryBits _gtBoundary;
    private readonly BoundaryBits _predBoundary;
    private readonly int[] _halfWidth;
    private readonly RowSpans _gtSpans, _predSpans;
    private readonly bool _vector;

    public int Width { get; }
    public int Height { get; }

    /// <summary>Tolerance radius in pixels (the disk radius).</summary>
    public int Radius { get; }

    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="boundaryThreshold">The toolkit's <c>bound_th</c>: below 1 a fraction of the image diagonal,
    /// from 1 on a radius in pixels (must then be a whole number).</param>
    public FrameScorer(int width, int height, double boundaryThreshold = DavisMetrics.DefaultBoundaryThreshold)
        : this(width, height, boundaryThreshold, Vector256.IsHardwareAccelerated) { }

    /// <summary>As the public constructor; <paramref name="useVectors"/> = false forces the scalar paths (tests compare them).</summary>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="boundaryThreshold">The toolkit's <c>bound_th</c>.</param>
    /// <param name="useVectors">Use the Vector256 paths when the hardware has them.</param>
    internal FrameScorer(int width, int height, double boundaryThreshold, bool useVectors)
    {
        _vector = useVectors && Vector256.IsHardwareAccelerated;
        Media.RgbImage.ValidateSize(width, height);
        Width = width;
        Height = height;
        Radius = DavisMetrics.BoundaryRadius(width, height, boundaryThreshold);
        _halfWidth = DavisMetrics.DiskHalfWidths(Radius);
        _gtBoundary = new BoundaryBits(width, height, Radius);
        _predBoundary = new BoundaryBits(width, height, Radius);
        _gtSpans = new RowSpans(height);
        _predSpans = new RowSpans(height);
    }

    /// <summary>J and F of the object <paramref name="objectId"/> (mask = label == id) of the prediction against
    /// the ground truth; both planes are <c>Width*Height</c> bytes, row-major.</summary>
    public FrameScore Score(ReadOnlySpan<byte> groundTruth, ReadOnlySpan<byte> prediction, byte objectId)
    {
        int n = Width * Height;
        if (groundTruth.Length != n || prediction.Length != n)
            throw new ArgumentException($"Label planes hold {groundTruth.Length} and {prediction.Length} bytes, a {Width}x{Height} frame needs {n}.");
        double j = JaccardAndSpans(groundTruth, prediction, objectId, Width, _gtSpans, _predSpans, _vector);
        ExtractBoundary(groundTruth, Width, Height, objectId, _gtSpans, _gtBoundary, _vector);
        ExtractBoundary(prediction, Width, Height, objectId, _predSpans, _predBoundary, _vector);
        double f = BoundaryF(_gtBoundary, _predBoundary);
        return new FrameScore(j, f);
    }

    /// <summary>The toolkit's <c>f_measure</c> arithmetic over the two boundary bitsets.</summary>
    private double BoundaryF(BoundaryBits gt, BoundaryBits fg)
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
    private long CountMatched(BoundaryBits a, BoundaryBits b)
    {
        int r = Radius;
        int stride = a.Stride;
        int firstWord = a.PadWords, lastWord = a.PadWords + (Width + 31) / 32; // exclusive
        uint[] aBits = a.Bits, bBits = b.Bits;
        int bMin = b.RowMin, bMax = b.RowMax;
        long matched = 0;
        for (int y = a.RowMin; y <= a.RowMax; y++)
        {
            int rowBase = y * stride;
            for (int wi = firstWord; wi < lastWord; wi++)
            {
                uint word = aBits[rowBase + wi];
                while (word != 0)
                {
                    int bit = wi * 32 + BitOperations.TrailingZeroCount(word); // padded x
                    word &= word - 1;
                    // Rows nearest first (dy = 0, -1, +1, -2, ...): most matches are found in the first row tried.
                    for (int k = 0; k <= 2 * r; k++)
                    {
                        int dy = (k + 1) >> 1;
                        int yy = (k & 1) == 0 ? y + dy : y - dy;
                        if (yy < bMin || yy > bMax) continue;
                        int hw = _halfWidth[dy];
                        if (AnyInRange(bBits, yy * stride, bit - hw, bit + hw))
                        {
                            matched++;
                            break;
                        }
                    }
                }
            }
        }
        return matched;
    }

    /// <summary>Whether any bit in [lo, hi] (padded bit positions, inside the row's words) is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AnyInRange(uint[] bits, int rowBase, int lo, int hi)
    {
        int wi = lo >> 5, off = lo & 31, len = hi - lo + 1;
        if (off + len <= 64)
        {
            // One 64-bit window covers it (always for r <= 16, e.g. 480p's r = 8).
            ulong v = bits[rowBase + wi] | ((ulong)bits[rowBase + wi + 1] << 32);
            ulong mask = len == 64 ? ulong.MaxValue : (1UL << len) - 1;
            return ((v >> off) & mask) != 0;
        }
        while (lo <= hi)
        {
            wi = lo >> 5;
            off = lo & 31;
            int n = Math.Min(hi - lo + 1, 32 - off);
            uint mask = n == 32 ? uint.MaxValue : (1u << n) - 1;
            if (((bits[rowBase + wi] >> off) & mask) != 0) return true;
            lo += n;
        }
        return false;
    }

    /// <summary>The toolkit's <c>db_eval_iou</c> without void pixels: inters / union, 1 when the union is empty.</summary>
    internal static double Jaccard(ReadOnlySpan<byte> gt, ReadOnlySpan<byte> pred, byte id, int width)
    {
        int h = gt.Length / width;
        return JaccardAndSpans(gt, pred, id, width, new RowSpans(h), new RowSpans(h), Vector256.IsHardwareAccelerated);
    }

    /// <summary>
    /// One pass over both planes: the IoU counts, and per row the first and last x of each mask, which bound where
    /// boundary pixels can be (a boundary pixel has an object pixel among itself, its right, lower and lower-right
    /// neighbours), so the boundary scan skips empty rows and the empty ends of rows.
    /// </summary>
    private static double JaccardAndSpans(ReadOnlySpan<byte> gt, ReadOnlySpan<byte> pred, byte id, int w, RowSpans gSpans, RowSpans pSpans, bool useVectors)
    {
        long inter = 0, union = 0;
        int h = gt.Length / w;
        ref byte g0 = ref MemoryMarshal.GetReference(gt);
        ref byte p0 = ref MemoryMarshal.GetReference(pred);
        const int V = 32; // Vector256<byte>.Count
        bool vector = useVectors && w >= V;
        Vector256<byte> idv = Vector256.Create(id);
        for (int y = 0; y < h; y++)
        {
            int gFirst = -1, gLast = -1, pFirst = -1, pLast = -1;
            int rowStart = y * w;
            int x = 0;
            if (vector)
            {
                while (x < w)
                {
                    // The last vector of a row overlaps the previous one; its already-counted low lanes are shifted out.
                    int at = Math.Min(x, w - V);
                    int skip = x - at;
                    uint gb = Vector256.Equals(Vector256.LoadUnsafe(ref g0, (nuint)(rowStart + at)), idv).ExtractMostSignificantBits() >> skip;
                    uint pb = Vector256.Equals(Vector256.LoadUnsafe(ref p0, (nuint)(rowStart + at)), idv).ExtractMostSignificantBits() >> skip;
                    if ((gb | pb) != 0)
                    {
                        union += BitOperations.PopCount(gb | pb);
                        inter += BitOperations.PopCount(gb & pb);
                        if (gb != 0)
                        {
                            if (gFirst < 0) gFirst = x + BitOperations.TrailingZeroCount(gb);
                            gLast = x + 31 - BitOperations.LeadingZeroCount(gb);
                        }
                        if (pb != 0)
                        {
                            if (pFirst < 0) pFirst = x + BitOperations.TrailingZeroCount(pb);
                            pLast = x + 31 - BitOperations.LeadingZeroCount(pb);
                        }
                    }
                    x = at + V;
                }
            }
            else
            {
                for (; x < w; x++)
                {
                    bool g = Unsafe.Add(ref g0, rowStart + x) == id, p = Unsafe.Add(ref p0, rowStart + x) == id;
                    if (g | p) union++;
                    if (g & p) inter++;
                    if (g) { if (gFirst < 0) gFirst = x; gLast = x; }
                    if (p) { if (pFirst < 0) pFirst = x; pLast = x; }
                }
            }
            gSpans.First[y] = gFirst;
            gSpans.Last[y] = gLast;
            pSpans.First[y] = pFirst;
            pSpans.Last[y] = pLast;
        }
        return union == 0 ? 1.0 : inter / (double)union;
    }

    /// <summary>Per-row first and last x of the object pixels (-1 for a row without any).</summary>
    internal sealed class RowSpans(int height)
    {
        public readonly int[] First = new int[height];
        public readonly int[] Last = new int[height];

        public static RowSpans Of(ReadOnlySpan<byte> labels, int w, int h, byte id)
        {
            var s = new RowSpans(h);
            for (int y = 0; y < h; y++)
            {
                ReadOnlySpan<byte> row = labels.Slice(y * w, w);
                s.First[y] = row.IndexOf(id);
                s.Last[y] = row.LastIndexOf(id);
            }
            return s;
        }
    }

    /// <summary>
    /// The toolkit's <c>_seg2bmap</c> (same resolution) of the mask label == id, as per-row sorted x lists.
    /// b(y,x) = s ^ s(y,x+1) | s ^ s(y+1,x) | s ^ s(y+1,x+1); the last row keeps only the right-neighbour term,
    /// the last column only the lower-neighbour term, and the bottom-right pixel is 0.
    /// Only x in [first - 1, last] of rows y and y+1 can hold boundary pixels (<paramref name="spans"/>).
    /// </summary>
    internal static void ExtractBoundary(ReadOnlySpan<byte> labels, int w, int h, byte id, RowSpans spans, BoundaryBits list, bool useVectors)
    {
        list.Clear();
        for (int y = 0; y < h; y++)
        {
            int lo = spans.First[y], hi = spans.Last[y];
            if (y < h - 1 && spans.First[y + 1] >= 0)
            {
                lo = lo < 0 ? spans.First[y + 1] : Math.Min(lo, spans.First[y + 1]);
                hi = Math.Max(hi, spans.Last[y + 1]);
            }
            if (lo >= 0)
            {
                lo = Math.Max(0, lo - 1);
                ReadOnlySpan<byte> row = labels.Slice(y * w, w);
                if (y < h - 1)
                    BoundaryRow(row, labels.Slice((y + 1) * w, w), id, lo, hi, list, y, useVectors);
                else
                    LastBoundaryRow(row, id, lo, hi, list, y);
            }
        }
    }

    private static void BoundaryRow(ReadOnlySpan<byte> row, ReadOnlySpan<byte> below, byte id, int lo, int hi, BoundaryBits list, int y, bool useVectors)
    {
        int w = row.Length;
        int x = lo & ~31; // word-aligned, so each vector fills one bitset word
        ref byte r0 = ref MemoryMarshal.GetReference(row);
        ref byte b0 = ref MemoryMarshal.GetReference(below);
        if (useVectors)
        {
            Vector256<byte> idv = Vector256.Create(id);
            // Loads reach x + Count (the right neighbours), so stop one vector before the last column. Lanes past hi
            // see no object pixel and so report nothing.
            for (; x <= hi && x + Vector256<byte>.Count < w; x += Vector256<byte>.Count)
            {
                Vector256<byte> s = Vector256.Equals(Vector256.LoadUnsafe(ref r0, (nuint)x), idv);
                Vector256<byte> e = Vector256.Equals(Vector256.LoadUnsafe(ref r0, (nuint)(x + 1)), idv);
                Vector256<byte> d = Vector256.Equals(Vector256.LoadUnsafe(ref b0, (nuint)x), idv);
                Vector256<byte> se = Vector256.Equals(Vector256.LoadUnsafe(ref b0, (nuint)(x + 1)), idv);
                uint bits = ((s ^ e) | (s ^ d) | (s ^ se)).ExtractMostSignificantBits();
                if (bits != 0) list.OrWord(y, x, bits);
            }
        }
        int end = Math.Min(hi, w - 2);
        for (; x <= end; x++)
        {
            bool s = Unsafe.Add(ref r0, x) == id;
            if (s != (Unsafe.Add(ref r0, x + 1) == id) || s != (Unsafe.Add(ref b0, x) == id) || s != (Unsafe.Add(ref b0, x + 1) == id))
                list.Set(y, x);
        }
        // Last column: b[:, -1] = seg[:, -1] ^ s[:, -1].
        if (hi == w - 1 && (row[w - 1] == id) != (below[w - 1] == id))
            list.Set(y, w - 1);
    }

    private static void LastBoundaryRow(ReadOnlySpan<byte> row, byte id, int lo, int hi, BoundaryBits list, int y)
    {
        // b[-1, :] = seg[-1, :] ^ e[-1, :], then b[-1, -1] = 0.
        int end = Math.Min(hi, row.Length - 2);
        for (int x = lo; x <= end; x++)
            if ((row[x] == id) != (row[x + 1] == id))
                list.Set(y, x);
    }

    /// <summary>
    /// A boundary map as row bitsets: pixel x of row y is bit <c>PadBits + x</c> of row y's <see cref="Stride"/> words.
    /// The zero padding (at least r bits each side, plus one word) lets a disk row window [x - r, x + r] be read
    /// without clamping. Only rows <see cref="RowMin"/>..<see cref="RowMax"/> can hold bits.
    /// </summary>
    internal sealed class BoundaryBits
    {
        public readonly int Width, Height, PadWords, PadBits, Stride;
        public readonly uint[] Bits;
        public long Count;
        public int RowMin = int.MaxValue, RowMax = -1;

        public BoundaryBits(int width, int height, int radius)
        {
            Width = width;
            Height = height;
            PadWords = Math.Max(1, (radius + 31) / 32);
            PadBits = PadWords * 32;
            Stride = 2 * PadWords + (width + 31) / 32 + 1;
            Bits = new uint[checked(height * Stride)];
        }

        public void Clear()
        {
            if (RowMin <= RowMax) Bits.AsSpan(RowMin * Stride, (RowMax - RowMin + 1) * Stride).Clear();
            Count = 0;
            RowMin = int.MaxValue;
            RowMax = -1;
        }

        /// <summary>ORs 32 boundary bits for pixels x..x+31 (x a multiple of 32) into row y.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void OrWord(int y, int x, uint bits)
        {
            Bits[y * Stride + PadWords + (x >> 5)] |= bits;
            Count += BitOperations.PopCount(bits);
            Touch(y);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Set(int y, int x)
        {
            int p = PadBits + x;
            Bits[y * Stride + (p >> 5)] |= 1u << (p & 31);
            Count++;
            Touch(y);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Touch(int y)
        {
            if (y < RowMin) RowMin = y;
            if (y > RowMax) RowMax = y;
        }

        public bool Get(int y, int x)
        {
            int p = PadBits + x;
            return (Bits[y * Stride + (p >> 5)] & (1u << (p & 31))) != 0;
        }
    }
}
