// Frozen copy of src/EdgeSam.Video/Prompts/ShiTomasiCorners.cs from before the sampling-speed work, the reference that
// PointSamplerEquivalenceTests holds the optimised sampler to (see ReferencePointSampler). Do not optimise it.
using System.Numerics;
using System.Buffers;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Prompts.Reference;

/// <summary>
/// Shi-Tomasi "good features to track" as OpenCV's <c>goodFeaturesToTrack</c> computes them with
/// <c>blockSize=3, gradientSize=3, useHarrisDetector=false</c>:
/// grey = BT.601 luma (OpenCV's fixed-point RGB2GRAY); 3x3 Sobel derivatives; the structure tensor summed over a
/// 3x3 block; score = its smaller eigenvalue; scores below <c>quality * max score inside the mask</c> dropped;
/// candidates are 3x3 local maxima inside the mask (not on the image's outermost pixel ring); strongest first,
/// each accepted only when no accepted corner lies closer than <c>minDistance</c>.
/// Image borders reflect without repeating the edge pixel (OpenCV's BORDER_REFLECT_101).
/// Only the mask's bounding box (plus the 3 pixels the filters reach) is computed.
/// </summary>
internal static class ReferenceShiTomasiCorners
{
    public static List<(int X, int Y)> Detect(RgbImage image, byte[] mask01, int maxCorners, double quality, double minDistance)
    {
        int w = image.Width, h = image.Height;
        if (mask01.Length != w * h) throw new ArgumentException("Mask and image sizes differ.");
        var corners = new List<(int X, int Y)>();
        if (maxCorners <= 0) return corners;
        var box = new ReferenceSamplingRegion(mask01, w, h, 1).BoundingBox();
        if (box is null) return corners;
        var (bx0, by0, bx1, by1) = box.Value;

        // Score rectangle: the mask box plus one ring for the 3x3 local-maximum test.
        int ex0 = Math.Max(0, bx0 - 1), ey0 = Math.Max(0, by0 - 1), ex1 = Math.Min(w - 1, bx1 + 1), ey1 = Math.Min(h - 1, by1 + 1);
        // Rows stream through small ring buffers (grey: 3 rows, block-summed Sobel products: 3 rows) so a full
        // frame costs one score plane, rented, and no other per-pixel allocation. Grey covers the score rectangle
        // plus two rings (3x3 block sum, 3x3 Sobel), reflected (BORDER_REFLECT_101) at the image edge.
        int sw = ex1 - ex0 + 1, sh = ey1 - ey0 + 1;
        int gw = sw + 4;
        float[] score = ArrayPool<float>.Shared.Rent(sw * sh);
        try
        {
            float maxInMask = ScorePlane(image, mask01, ex0, ey0, sw, sh, gw, score);
            if (maxInMask <= 0) return corners;
            return Select(score, mask01, w, h, ex0, ey0, sw, bx0, by0, bx1, by1, (float)(maxInMask * quality), maxCorners, minDistance);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(score);
        }
    }

    private static float ScorePlane(RgbImage image, byte[] mask01, int ex0, int ey0, int sw, int sh, int gw, float[] score)
    {
        int w = image.Width, h = image.Height;
        byte[] px = image.Pixels;
        int dw = gw - 2;
        var grey = new float[3][];
        var hxx = new float[3][];
        var hxy = new float[3][];
        var hyy = new float[3][];
        for (int i = 0; i < 3; i++) { grey[i] = new float[gw]; hxx[i] = new float[sw]; hxy[i] = new float[sw]; hyy[i] = new float[sw]; }
        var pxx = new float[dw];
        var pxy = new float[dw];
        var pyy = new float[dw];
        var column = new int[gw];
        for (int x = 0; x < gw; x++) column[x] = Reflect(ex0 - 2 + x, w) * 3;
        void GreyRow(int gy, float[] dst)
        {
            int row = Reflect(ey0 - 2 + gy, h) * w * 3;
            for (int x = 0; x < dst.Length; x++)
            {
                int src = row + column[x];
                dst[x] = (px[src] * 4899 + px[src + 1] * 9617 + px[src + 2] * 1868 + 8192) >> 14;
            }
        }
        // Product row d (score-rectangle row d - 1) from grey rows d, d+1, d+2, then its horizontal 3-sum.
        void ProductRow(int d)
        {
            float[] r0 = grey[d % 3], r1 = grey[(d + 1) % 3], r2 = grey[(d + 2) % 3];
            int x = 0;
            // Vector body with the scalar tail's operations in its order (no fused multiply-add), so lanes and tail
            // give the same bits.
            if (Vector.IsHardwareAccelerated)
            {
                var two = new Vector<float>(2f);
                for (; x <= dw - Vector<float>.Count; x += Vector<float>.Count)
                {
                    Vector<float> a0 = new(r0, x), a1 = new(r0, x + 1), a2 = new(r0, x + 2);
                    Vector<float> b0 = new(r1, x), b2 = new(r1, x + 2);
                    Vector<float> c0 = new(r2, x), c1 = new(r2, x + 1), c2 = new(r2, x + 2);
                    Vector<float> gxv = (a2 - a0) + two * (b2 - b0) + (c2 - c0);
                    Vector<float> gyv = (c0 - a0) + two * (c1 - a1) + (c2 - a2);
                    (gxv * gxv).CopyTo(pxx, x);
                    (gxv * gyv).CopyTo(pxy, x);
                    (gyv * gyv).CopyTo(pyy, x);
                }
            }
            for (; x < dw; x++)
            {
                float gxv = (r0[x + 2] - r0[x]) + 2 * (r1[x + 2] - r1[x]) + (r2[x + 2] - r2[x]);
                float gyv = (r2[x] - r0[x]) + 2 * (r2[x + 1] - r0[x + 1]) + (r2[x + 2] - r0[x + 2]);
                pxx[x] = gxv * gxv;
                pxy[x] = gxv * gyv;
                pyy[x] = gyv * gyv;
            }
            float[] ax = hxx[d % 3], ay = hxy[d % 3], az = hyy[d % 3];
            x = 0;
            if (Vector.IsHardwareAccelerated)
                for (; x <= sw - Vector<float>.Count; x += Vector<float>.Count)
                {
                    (new Vector<float>(pxx, x) + new Vector<float>(pxx, x + 1) + new Vector<float>(pxx, x + 2)).CopyTo(ax, x);
                    (new Vector<float>(pxy, x) + new Vector<float>(pxy, x + 1) + new Vector<float>(pxy, x + 2)).CopyTo(ay, x);
                    (new Vector<float>(pyy, x) + new Vector<float>(pyy, x + 1) + new Vector<float>(pyy, x + 2)).CopyTo(az, x);
                }
            for (; x < sw; x++)
            {
                ax[x] = pxx[x] + pxx[x + 1] + pxx[x + 2];
                ay[x] = pxy[x] + pxy[x + 1] + pxy[x + 2];
                az[x] = pyy[x] + pyy[x + 1] + pyy[x + 2];
            }
        }
        GreyRow(0, grey[0]);
        GreyRow(1, grey[1]);
        GreyRow(2, grey[2]);
        ProductRow(0);
        GreyRow(3, grey[0]);
        ProductRow(1);
        float maxInMask = 0;
        for (int y = 0; y < sh; y++)
        {
            // Score row y needs product rows y, y+1, y+2; product row y+2 needs grey rows y+2..y+4.
            GreyRow(y + 4, grey[(y + 4) % 3]);
            ProductRow(y + 2);
            float[] a0 = hxx[y % 3], a1 = hxx[(y + 1) % 3], a2 = hxx[(y + 2) % 3];
            float[] b0 = hxy[y % 3], b1 = hxy[(y + 1) % 3], b2 = hxy[(y + 2) % 3];
            float[] c0 = hyy[y % 3], c1 = hyy[(y + 1) % 3], c2 = hyy[(y + 2) % 3];
            int o = y * sw, mrow = (y + ey0) * w + ex0;
            int x = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var halfV = new Vector<float>(0.5f);
                Span<float> row = score.AsSpan(o, sw);
                for (; x <= sw - Vector<float>.Count; x += Vector<float>.Count)
                {
                    Vector<float> a = new Vector<float>(a0, x) + new Vector<float>(a1, x) + new Vector<float>(a2, x);
                    Vector<float> b = new Vector<float>(b0, x) + new Vector<float>(b1, x) + new Vector<float>(b2, x);
                    Vector<float> c = new Vector<float>(c0, x) + new Vector<float>(c1, x) + new Vector<float>(c2, x);
                    Vector<float> half = halfV * (a - c);
                    (halfV * (a + c) - Vector.SquareRoot(half * half + b * b)).CopyTo(row.Slice(x));
                }
                for (int i = 0; i < x; i++)
                {
                    float s = row[i];
                    if (s > maxInMask && mask01[mrow + i] != 0) maxInMask = s;
                }
            }
            for (; x < sw; x++)
            {
                float a = a0[x] + a1[x] + a2[x];
                float b = b0[x] + b1[x] + b2[x];
                float c = c0[x] + c1[x] + c2[x];
                // Smaller eigenvalue of [[a, b], [b, c]] (up to OpenCV's constant scale, which cancels in the quality ratio).
                float half = 0.5f * (a - c);
                float s = 0.5f * (a + c) - MathF.Sqrt(half * half + b * b);
                score[o + x] = s;
                if (s > maxInMask && mask01[mrow + x] != 0) maxInMask = s;
            }
        }
        return maxInMask;
    }

    private static List<(int X, int Y)> Select(float[] score, byte[] mask01, int w, int h, int ex0, int ey0, int sw,
        int bx0, int by0, int bx1, int by1, float threshold, int maxCorners, double minDistance)
    {
        var corners = new List<(int X, int Y)>();

        // Candidates keyed (negated score, raster index): strongest first, ties in raster order. A heap instead of
        // sorting them all: a frame's background has tens of thousands of local maxima above the quality level, and
        // the greedy pick below stops after a few hundred.
        var candidates = new List<(int At, (float NegScore, int At) Key)>();
        int yStart = Math.Max(1, by0), yEnd = Math.Min(h - 2, by1), xStart = Math.Max(1, bx0), xEnd = Math.Min(w - 2, bx1);
        for (int y = yStart; y <= yEnd; y++)
        {
            int srow = (y - ey0) * sw - ex0, mrow = y * w;
            for (int x = xStart; x <= xEnd; x++)
            {
                float s = score[srow + x];
                if (s <= threshold || mask01[mrow + x] == 0) continue;
                // Neighbours below the threshold were zeroed by OpenCV before its dilation; they never beat s.
                int c = srow + x;
                if (score[c - sw - 1] > s || score[c - sw] > s || score[c - sw + 1] > s || score[c - 1] > s
                    || score[c + 1] > s || score[c + sw - 1] > s || score[c + sw] > s || score[c + sw + 1] > s) continue;
                candidates.Add((mrow + x, (-s, mrow + x)));
            }
        }
        var queue = new PriorityQueue<int, (float NegScore, int At)>(candidates);

        double minD2 = minDistance * minDistance;
        while (queue.TryDequeue(out int at, out _))
        {
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

    private static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        while ((uint)i >= (uint)n) i = i < 0 ? -i : 2 * n - 2 - i;
        return i;
    }
}
