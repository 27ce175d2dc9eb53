using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Prompts;

/// <summary>
/// Shi-Tomasi "good features to track" as OpenCV's <c>goodFeaturesToTrack</c> computes them with
/// <c>blockSize=3, gradientSize=3, useHarrisDetector=false</c>:
/// grey = BT.601 luma (OpenCV's fixed-point RGB2GRAY); 3x3 Sobel derivatives; the structure tensor summed over a
/// 3x3 block; score = its smaller eigenvalue; scores below <c>quality * max score inside the mask</c> dropped;
/// candidates are 3x3 local maxima inside the mask (not on the image's outermost pixel ring); strongest first,
/// each accepted only when no accepted corner lies closer than <c>minDistance</c>.
/// Image borders reflect without repeating the edge pixel (OpenCV's BORDER_REFLECT_101).
/// Only the mask's bounding box (plus the 3 pixels the filters reach) is computed.
/// <para>
/// Grey levels, Sobel derivatives, their products and the block sums are integers below 2^24 (|gx|, |gy| &lt;= 1020,
/// a block sum &lt;= 9 * 1020^2), so float holds them exactly whatever the order of the additions; only the
/// eigenvalue formula rounds, and every path evaluates it with the same operations in the same order.
/// </para>
/// Hot loops are compiled fully optimised at first use (<see cref="MethodImplOptions.AggressiveOptimization"/>): a
/// sampler runs a few times per re-initialisation, too rarely for tiered compilation to promote its loops before
/// they have run many times as slow tier-0 vector code.
/// </summary>
internal static class ShiTomasiCorners
{
    public static List<(int X, int Y)> Detect(RgbImage image, ReadOnlySpan<byte> mask01, int maxCorners, double quality, double minDistance)
    {
        int w = image.Width, h = image.Height;
        if (mask01.Length != w * h) throw new ArgumentException("Mask and image sizes differ.");
        var corners = new List<(int X, int Y)>();
        if (maxCorners <= 0) return corners;
        var box = SamplingRegion.BoundingBox(mask01, w, h, 1);
        if (box is null) return corners;
        var (bx0, by0, bx1, by1) = box.Value;
        // Candidates: the mask box less the image's outermost ring (OpenCV never reports it).
        int yStart = Math.Max(1, by0), yEnd = Math.Min(h - 2, by1), xStart = Math.Max(1, bx0), xEnd = Math.Min(w - 2, bx1);
        if (yStart > yEnd || xStart > xEnd) return corners;

        // On a flat patch every pixel can be a candidate, hence a buffer the size of the box (pooled).
        long[] keys = ArrayPool<long>.Shared.Rent((yEnd - yStart + 1) * (xEnd - xStart + 1));
        try
        {
            int count = Scan(image, mask01, bx0, by0, bx1, by1, yStart, yEnd, xStart, xEnd, keys, out float maxInMask);
            if (maxInMask <= 0) return corners;
            float threshold = (float)(maxInMask * quality);
            int kept = 0;
            for (int i = 0; i < count; i++)
                if (ScoreOf(keys[i]) > threshold) keys[kept++] = keys[i];
            return Pick(keys.AsSpan(0, kept), w, maxCorners, minDistance);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(keys);
        }
    }

    /// <summary>
    /// Scores the mask box plus one ring (for the 3x3 local-maximum test), row by row, and keys the positive local
    /// maxima inside the mask into <paramref name="keys"/> (returns how many); <paramref name="maxInMask"/> is the
    /// largest score inside the mask (0 when none is positive). The quality threshold needs that maximum, so it is
    /// applied to the keys afterwards: a key holds its score. Rows stream through ring buffers of three (grey,
    /// block-summed Sobel products, scores), so a frame costs no per-pixel allocation. Grey covers the score
    /// rectangle plus two rings (3x3 block sum, 3x3 Sobel), reflected (BORDER_REFLECT_101) at the image edge.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Scan(RgbImage image, ReadOnlySpan<byte> mask01, int bx0, int by0, int bx1, int by1,
        int yStart, int yEnd, int xStart, int xEnd, long[] keys, out float maxInMask)
    {
        int w = image.Width, h = image.Height;
        int ex0 = Math.Max(0, bx0 - 1), ey0 = Math.Max(0, by0 - 1), ex1 = Math.Min(w - 1, bx1 + 1), ey1 = Math.Min(h - 1, by1 + 1);
        int sw = ex1 - ex0 + 1, sh = ey1 - ey0 + 1;
        int gw = sw + 4, dw = sw + 2;
        var grey = new float[3][];
        var hxx = new float[3][];
        var hxy = new float[3][];
        var hyy = new float[3][];
        var score = new float[3][];
        for (int i = 0; i < 3; i++)
        {
            grey[i] = new float[gw];
            hxx[i] = new float[sw];
            hxy[i] = new float[sw];
            hyy[i] = new float[sw];
            score[i] = new float[sw];
        }
        var pxx = new float[dw];
        var pxy = new float[dw];
        var pyy = new float[dw];
        // Grey columns ex0 - 2 .. ex0 + sw + 1: the ones inside the image are read in a run, the few beyond it reflected.
        int inFirst = Math.Max(0, 2 - ex0), inEnd = Math.Min(gw, w - ex0 + 2);

        void GreyRow(int gy, float[] dst)
        {
            ReadOnlySpan<byte> row = image.Pixels.AsSpan(Reflect(ey0 - 2 + gy, h) * w * 3, w * 3);
            for (int x = 0; x < inFirst; x++) dst[x] = Grey(row, Reflect(ex0 - 2 + x, w));
            GreyRun(row.Slice((ex0 - 2 + inFirst) * 3, (inEnd - inFirst) * 3), dst.AsSpan(inFirst, inEnd - inFirst));
            for (int x = inEnd; x < gw; x++) dst[x] = Grey(row, Reflect(ex0 - 2 + x, w));
        }

        GreyRow(0, grey[0]);
        GreyRow(1, grey[1]);
        GreyRow(2, grey[2]);
        ProductRow(grey[0], grey[1], grey[2], pxx, pxy, pyy, hxx[0], hxy[0], hyy[0]);
        GreyRow(3, grey[0]);
        ProductRow(grey[1], grey[2], grey[0], pxx, pxy, pyy, hxx[1], hxy[1], hyy[1]);
        maxInMask = 0;
        int count = 0;
        for (int y = 0; y < sh; y++)
        {
            // Score row y needs product rows y, y+1, y+2; product row y+2 needs grey rows y+2..y+4.
            GreyRow(y + 4, grey[(y + 4) % 3]);
            int d = y + 2;
            ProductRow(grey[d % 3], grey[(d + 1) % 3], grey[(d + 2) % 3], pxx, pxy, pyy, hxx[d % 3], hxy[d % 3], hyy[d % 3]);
            float[] row = score[y % 3];
            EigenRow(hxx[y % 3], hxx[(y + 1) % 3], hxx[(y + 2) % 3], hxy[y % 3], hxy[(y + 1) % 3], hxy[(y + 2) % 3],
                hyy[y % 3], hyy[(y + 1) % 3], hyy[(y + 2) % 3], row);
            maxInMask = MathF.Max(maxInMask, MaxWhere(row, mask01.Slice((y + ey0) * w + ex0, sw)));
            // Row y - 1 now has both neighbours.
            int my = ey0 + y - 1;
            if (my >= yStart && my <= yEnd)
                count = LocalMaxima(score[(y + 1) % 3], score[(y + 2) % 3], row, xStart - ex0, xEnd - xStart + 1,
                    mask01.Slice(my * w + xStart), keys, count, my * w + xStart);
        }
        return count;
    }

    private static float Grey(ReadOnlySpan<byte> row, int x)
    {
        int s = x * 3;
        return (row[s] * 4899 + row[s + 1] * 9617 + row[s + 2] * 1868 + 8192) >> 14;
    }

    /// <summary>BT.601 luma of a run of RGB pixels (OpenCV's fixed-point RGB2GRAY), <paramref name="dst"/>.Length of them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GreyRun(ReadOnlySpan<byte> rgb, Span<float> dst)
    {
        int x = 0;
        // 16 pixels at a time: three byte shuffles gather each channel out of the interleaved 48 bytes (an index
        // of 255 selects 0), then the weighted sum runs on 8 int lanes. Integer arithmetic, so bit-identical.
        if (Vector256.IsHardwareAccelerated && rgb.Length >= dst.Length * 3)
        {
            const byte _ = 255;
            var r0 = Vector128.Create(0, 3, 6, 9, 12, 15, _, _, _, _, _, _, _, _, _, _);
            var r1 = Vector128.Create(_, _, _, _, _, _, 2, 5, 8, 11, 14, _, _, _, _, _);
            var r2 = Vector128.Create(_, _, _, _, _, _, _, _, _, _, _, 1, 4, 7, 10, 13);
            var g0 = Vector128.Create(1, 4, 7, 10, 13, _, _, _, _, _, _, _, _, _, _, _);
            var g1 = Vector128.Create(_, _, _, _, _, 0, 3, 6, 9, 12, 15, _, _, _, _, _);
            var g2 = Vector128.Create(_, _, _, _, _, _, _, _, _, _, _, 2, 5, 8, 11, 14);
            var b0 = Vector128.Create(2, 5, 8, 11, 14, _, _, _, _, _, _, _, _, _, _, _);
            var b1 = Vector128.Create(_, _, _, _, _, 1, 4, 7, 10, 13, _, _, _, _, _, _);
            var b2 = Vector128.Create(_, _, _, _, _, _, _, _, _, _, 0, 3, 6, 9, 12, 15);
            for (; x <= dst.Length - 16; x += 16)
            {
                ReadOnlySpan<byte> px = rgb.Slice(x * 3, 48);
                Vector128<byte> v0 = Vector128.Create(px), v1 = Vector128.Create(px[16..]), v2 = Vector128.Create(px[32..]);
                Vector128<byte> r = Vector128.Shuffle(v0, r0) | Vector128.Shuffle(v1, r1) | Vector128.Shuffle(v2, r2);
                Vector128<byte> g = Vector128.Shuffle(v0, g0) | Vector128.Shuffle(v1, g1) | Vector128.Shuffle(v2, g2);
                Vector128<byte> b = Vector128.Shuffle(v0, b0) | Vector128.Shuffle(v1, b1) | Vector128.Shuffle(v2, b2);
                Vector256<ushort> r16 = Vector256.WidenLower(r.ToVector256Unsafe()), g16 = Vector256.WidenLower(g.ToVector256Unsafe()), b16 = Vector256.WidenLower(b.ToVector256Unsafe());
                Luma(Vector256.WidenLower(r16), Vector256.WidenLower(g16), Vector256.WidenLower(b16)).CopyTo(dst[x..]);
                Luma(Vector256.WidenUpper(r16), Vector256.WidenUpper(g16), Vector256.WidenUpper(b16)).CopyTo(dst[(x + 8)..]);
            }
        }
        for (int s = x * 3; x < dst.Length; x++, s += 3)
            dst[x] = (rgb[s] * 4899 + rgb[s + 1] * 9617 + rgb[s + 2] * 1868 + 8192) >> 14;
    }

    private static Vector256<float> Luma(Vector256<uint> r, Vector256<uint> g, Vector256<uint> b)
        => Vector256.ConvertToSingle((r.AsInt32() * 4899 + g.AsInt32() * 9617 + b.AsInt32() * 1868 + Vector256.Create(8192)) >> 14);

    /// <summary>
    /// Sobel products of the grey rows <paramref name="r0"/>..<paramref name="r2"/> (centre row r1), then their
    /// horizontal 3-sums into <paramref name="ax"/>, <paramref name="ay"/>, <paramref name="az"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ProductRow(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, ReadOnlySpan<float> r2,
        Span<float> pxx, Span<float> pxy, Span<float> pyy, Span<float> ax, Span<float> ay, Span<float> az)
    {
        int dw = pxx.Length, x = 0;
        if (r0.Length < dw + 2 || r1.Length < dw + 2 || r2.Length < dw + 2 || pxy.Length < dw || pyy.Length < dw)
            throw new ArgumentException("Row lengths do not match.");
        if (Vector.IsHardwareAccelerated)
        {
            // Unchecked loads and stores: every index is below x + Count + 2 <= dw + 2, checked above.
            ref float ra = ref MemoryMarshal.GetReference(r0), rb = ref MemoryMarshal.GetReference(r1), rc = ref MemoryMarshal.GetReference(r2);
            ref float qxx = ref MemoryMarshal.GetReference(pxx), qxy = ref MemoryMarshal.GetReference(pxy), qyy = ref MemoryMarshal.GetReference(pyy);
            var two = new Vector<float>(2f);
            for (; x <= dw - Vector<float>.Count; x += Vector<float>.Count)
            {
                nuint i = (nuint)x;
                Vector<float> a0 = Vector.LoadUnsafe(ref ra, i), a1 = Vector.LoadUnsafe(ref ra, i + 1), a2 = Vector.LoadUnsafe(ref ra, i + 2);
                Vector<float> b0 = Vector.LoadUnsafe(ref rb, i), b2 = Vector.LoadUnsafe(ref rb, i + 2);
                Vector<float> c0 = Vector.LoadUnsafe(ref rc, i), c1 = Vector.LoadUnsafe(ref rc, i + 1), c2 = Vector.LoadUnsafe(ref rc, i + 2);
                Vector<float> gx = (a2 - a0) + two * (b2 - b0) + (c2 - c0);
                Vector<float> gy = (c0 - a0) + two * (c1 - a1) + (c2 - a2);
                (gx * gx).StoreUnsafe(ref qxx, i);
                (gx * gy).StoreUnsafe(ref qxy, i);
                (gy * gy).StoreUnsafe(ref qyy, i);
            }
        }
        for (; x < dw; x++)
        {
            float gx = (r0[x + 2] - r0[x]) + 2 * (r1[x + 2] - r1[x]) + (r2[x + 2] - r2[x]);
            float gy = (r2[x] - r0[x]) + 2 * (r2[x + 1] - r0[x + 1]) + (r2[x + 2] - r0[x + 2]);
            pxx[x] = gx * gx;
            pxy[x] = gx * gy;
            pyy[x] = gy * gy;
        }
        Sum3(pxx, ax);
        Sum3(pxy, ay);
        Sum3(pyy, az);
    }

    /// <summary>dst[x] = src[x] + src[x + 1] + src[x + 2].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum3(ReadOnlySpan<float> src, Span<float> dst)
    {
        int x = 0;
        if (src.Length < dst.Length + 2) throw new ArgumentException("Row lengths do not match.");
        if (Vector.IsHardwareAccelerated)
        {
            ref float s = ref MemoryMarshal.GetReference(src), d = ref MemoryMarshal.GetReference(dst);
            for (; x <= dst.Length - Vector<float>.Count; x += Vector<float>.Count)
            {
                nuint i = (nuint)x;
                (Vector.LoadUnsafe(ref s, i) + Vector.LoadUnsafe(ref s, i + 1) + Vector.LoadUnsafe(ref s, i + 2)).StoreUnsafe(ref d, i);
            }
        }
        for (; x < dst.Length; x++) dst[x] = src[x] + src[x + 1] + src[x + 2];
    }

    /// <summary>Smaller eigenvalue of [[a, b], [b, c]], each the sum of three rows (up to OpenCV's constant scale, which cancels in the quality ratio).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EigenRow(ReadOnlySpan<float> a0, ReadOnlySpan<float> a1, ReadOnlySpan<float> a2,
        ReadOnlySpan<float> b0, ReadOnlySpan<float> b1, ReadOnlySpan<float> b2,
        ReadOnlySpan<float> c0, ReadOnlySpan<float> c1, ReadOnlySpan<float> c2, Span<float> score)
    {
        int x = 0, n = score.Length;
        if (a0.Length < n || a1.Length < n || a2.Length < n || b0.Length < n || b1.Length < n || b2.Length < n
            || c0.Length < n || c1.Length < n || c2.Length < n)
            throw new ArgumentException("Row lengths do not match.");
        // The vector body keeps the scalar tail's operations and order (no fused multiply-add), so lanes and tail
        // give the same bits.
        if (Vector.IsHardwareAccelerated)
        {
            ref float ra0 = ref MemoryMarshal.GetReference(a0), ra1 = ref MemoryMarshal.GetReference(a1), ra2 = ref MemoryMarshal.GetReference(a2);
            ref float rb0 = ref MemoryMarshal.GetReference(b0), rb1 = ref MemoryMarshal.GetReference(b1), rb2 = ref MemoryMarshal.GetReference(b2);
            ref float rc0 = ref MemoryMarshal.GetReference(c0), rc1 = ref MemoryMarshal.GetReference(c1), rc2 = ref MemoryMarshal.GetReference(c2);
            ref float rs = ref MemoryMarshal.GetReference(score);
            var halfV = new Vector<float>(0.5f);
            for (; x <= n - Vector<float>.Count; x += Vector<float>.Count)
            {
                nuint i = (nuint)x;
                Vector<float> a = Vector.LoadUnsafe(ref ra0, i) + Vector.LoadUnsafe(ref ra1, i) + Vector.LoadUnsafe(ref ra2, i);
                Vector<float> b = Vector.LoadUnsafe(ref rb0, i) + Vector.LoadUnsafe(ref rb1, i) + Vector.LoadUnsafe(ref rb2, i);
                Vector<float> c = Vector.LoadUnsafe(ref rc0, i) + Vector.LoadUnsafe(ref rc1, i) + Vector.LoadUnsafe(ref rc2, i);
                Vector<float> half = halfV * (a - c);
                (halfV * (a + c) - Vector.SquareRoot(half * half + b * b)).StoreUnsafe(ref rs, i);
            }
        }
        for (; x < n; x++)
        {
            float a = a0[x] + a1[x] + a2[x];
            float b = b0[x] + b1[x] + b2[x];
            float c = c0[x] + c1[x] + c2[x];
            float half = 0.5f * (a - c);
            score[x] = 0.5f * (a + c) - MathF.Sqrt(half * half + b * b);
        }
    }

    /// <summary>Largest of 0 and the values whose mask byte is not 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxWhere(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask)
    {
        int x = 0;
        float max = 0;
        // Whole mask vectors widen to as many float-lane conditions as they hold bytes.
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<float>.Zero;
            int n = Vector<float>.Count;
            for (; x <= values.Length - Vector<byte>.Count; x += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(mask[x..]), out Vector<ushort> lo, out Vector<ushort> hi);
                Vector.Widen(lo, out Vector<uint> q0, out Vector<uint> q1);
                Vector.Widen(hi, out Vector<uint> q2, out Vector<uint> q3);
                acc = Vector.Max(acc, Vector.ConditionalSelect(Vector.AsVectorInt32(~Vector.Equals(q0, Vector<uint>.Zero)), new Vector<float>(values[x..]), Vector<float>.Zero));
                acc = Vector.Max(acc, Vector.ConditionalSelect(Vector.AsVectorInt32(~Vector.Equals(q1, Vector<uint>.Zero)), new Vector<float>(values[(x + n)..]), Vector<float>.Zero));
                acc = Vector.Max(acc, Vector.ConditionalSelect(Vector.AsVectorInt32(~Vector.Equals(q2, Vector<uint>.Zero)), new Vector<float>(values[(x + 2 * n)..]), Vector<float>.Zero));
                acc = Vector.Max(acc, Vector.ConditionalSelect(Vector.AsVectorInt32(~Vector.Equals(q3, Vector<uint>.Zero)), new Vector<float>(values[(x + 3 * n)..]), Vector<float>.Zero));
            }
            for (int i = 0; i < n; i++) max = MathF.Max(max, acc[i]);
        }
        for (; x < values.Length; x++)
            if (mask[x] != 0 && values[x] > max) max = values[x];
        return max;
    }

    /// <summary>
    /// The greedy pick over candidate keys: strongest first (a heap instead of sorting them all: a frame's
    /// background has tens of thousands of local maxima above the quality level, and the pick stops after a few
    /// hundred), each kept when no kept corner lies closer than <paramref name="minDistance"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<(int X, int Y)> Pick(Span<long> heap, int w, int maxCorners, double minDistance)
    {
        var corners = new List<(int X, int Y)>();
        for (int i = heap.Length / 2 - 1; i >= 0; i--) SiftDown(heap, i);
        double minD2 = minDistance * minDistance;
        while (heap.Length > 0)
        {
            int at = (int)(uint)heap[0];
            heap[0] = heap[^1];
            heap = heap[..^1];
            if (heap.Length > 0) SiftDown(heap, 0);
            int x = at % w, y = at / w;
            bool ok = true;
            if (minDistance >= 1)
            {
                foreach (var (cx, cy) in corners)
                {
                    double ddx = cx - x, ddy = cy - y;
                    if (ddx * ddx + ddy * ddy < minD2) { ok = false; break; }
                }
            }
            if (!ok) continue;
            corners.Add((x, y));
            if (corners.Count == maxCorners) break;
        }
        return corners;
    }

    /// <summary>Restores the min-heap order below <paramref name="i"/> (keys are distinct).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SiftDown(Span<long> heap, int i)
    {
        long v = heap[i];
        while (true)
        {
            int c = 2 * i + 1;
            if (c >= heap.Length) break;
            if (c + 1 < heap.Length && heap[c + 1] < heap[c]) c++;
            if (heap[c] >= v) break;
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = v;
    }

    /// <summary>
    /// Appends to <paramref name="keys"/> (from <paramref name="count"/>; returns the new count) the scores of
    /// <paramref name="centre"/>[from .. from + run) that are positive, inside the mask and no lower than any of
    /// their 8 neighbours (neighbours below the threshold were zeroed by OpenCV before its dilation; they never beat
    /// a candidate above it). <paramref name="at"/> is the run's raster index.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LocalMaxima(ReadOnlySpan<float> above, ReadOnlySpan<float> centre, ReadOnlySpan<float> below,
        int from, int run, ReadOnlySpan<byte> mask, long[] keys, int count, int at)
    {
        // Every read stays in columns from - 1 .. from + run of the three rows.
        if (from < 1 || from + run + 1 > centre.Length || above.Length != centre.Length || below.Length != centre.Length || mask.Length < run)
            throw new ArgumentOutOfRangeException(nameof(from));
        int i = 0;
        // Most pixels fail; a vector tests a run of them at once and only a passing lane is looked at alone.
        if (Vector.IsHardwareAccelerated)
        {
            ref float a = ref Unsafe.Add(ref MemoryMarshal.GetReference(above), from - 1);
            ref float c = ref Unsafe.Add(ref MemoryMarshal.GetReference(centre), from - 1);
            ref float b = ref Unsafe.Add(ref MemoryMarshal.GetReference(below), from - 1);
            for (; i <= run - Vector<float>.Count; i += Vector<float>.Count)
            {
                nuint o = (nuint)i;
                Vector<float> s = Vector.LoadUnsafe(ref c, o + 1);
                Vector<int> pass = Vector.GreaterThan(s, Vector<float>.Zero)
                    & Vector.LessThanOrEqual(Vector.LoadUnsafe(ref a, o), s) & Vector.LessThanOrEqual(Vector.LoadUnsafe(ref a, o + 1), s)
                    & Vector.LessThanOrEqual(Vector.LoadUnsafe(ref a, o + 2), s) & Vector.LessThanOrEqual(Vector.LoadUnsafe(ref c, o), s)
                    & Vector.LessThanOrEqual(Vector.LoadUnsafe(ref c, o + 2), s) & Vector.LessThanOrEqual(Vector.LoadUnsafe(ref b, o), s)
                    & Vector.LessThanOrEqual(Vector.LoadUnsafe(ref b, o + 1), s) & Vector.LessThanOrEqual(Vector.LoadUnsafe(ref b, o + 2), s);
                for (uint bits = LaneBits(pass); bits != 0; bits &= bits - 1)
                {
                    int l = i + BitOperations.TrailingZeroCount(bits);
                    if (mask[l] != 0) keys[count++] = Key(centre[from + l], at + l);
                }
            }
        }
        for (; i < run; i++)
        {
            int x = from + i;
            float s = centre[x];
            if (s <= 0 || mask[i] == 0) continue;
            if (above[x - 1] > s || above[x] > s || above[x + 1] > s || centre[x - 1] > s
                || centre[x + 1] > s || below[x - 1] > s || below[x] > s || below[x + 1] > s) continue;
            keys[count++] = Key(s, at + i);
        }
        return count;
    }

    /// <summary>Bit l set where lane l of <paramref name="v"/> is all ones.</summary>
    private static uint LaneBits(Vector<int> v)
    {
        if (Vector<int>.Count == 8) return Vector256.ExtractMostSignificantBits(v.AsVector256());
        if (Vector<int>.Count == 4) return Vector128.ExtractMostSignificantBits(v.AsVector128());
        if (Vector<int>.Count == 16) return (uint)Vector512.ExtractMostSignificantBits(v.AsVector512());
        uint bits = 0;
        for (int l = 0; l < Vector<int>.Count; l++) if (v[l] != 0) bits |= 1u << l;
        return bits;
    }

    /// <summary>
    /// Ascending in this key = descending score, then ascending raster index (its low 32 bits): candidate scores
    /// are positive, and positive floats order like their bit patterns.
    /// </summary>
    private static long Key(float score, int at) => ((long)(int.MaxValue - BitConverter.SingleToInt32Bits(score)) << 32) | (uint)at;

    private static float ScoreOf(long key) => BitConverter.Int32BitsToSingle(int.MaxValue - (int)(key >> 32));

    private static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        while ((uint)i >= (uint)n) i = i < 0 ? -i : 2 * n - 2 - i;
        return i;
    }
}
