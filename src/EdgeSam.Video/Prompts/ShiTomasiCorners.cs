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
/// </summary>
internal static class ShiTomasiCorners
{
    public static List<(int X, int Y)> Detect(RgbImage image, byte[] mask01, int maxCorners, double quality, double minDistance)
    {
        int w = image.Width, h = image.Height;
        if (mask01.Length != w * h) throw new ArgumentException("Mask and image sizes differ.");
        var corners = new List<(int X, int Y)>();
        if (maxCorners <= 0) return corners;
        var box = new SamplingRegion(mask01, w, h, 1).BoundingBox();
        if (box is null) return corners;
        var (bx0, by0, bx1, by1) = box.Value;

        // Score rectangle: the mask box plus one ring for the 3x3 local-maximum test.
        int ex0 = Math.Max(0, bx0 - 1), ey0 = Math.Max(0, by0 - 1), ex1 = Math.Min(w - 1, bx1 + 1), ey1 = Math.Min(h - 1, by1 + 1);
        // Grey/derivative rectangles: two more rings (3x3 block sum, 3x3 Sobel), reflected at the image border.
        int gx0 = Math.Max(0, ex0 - 2), gy0 = Math.Max(0, ey0 - 2), gx1 = Math.Min(w - 1, ex1 + 2), gy1 = Math.Min(h - 1, ey1 + 2);
        int gw = gx1 - gx0 + 1, gh = gy1 - gy0 + 1;
        var grey = new float[gw * gh];
        byte[] px = image.Pixels;
        for (int y = 0; y < gh; y++)
        {
            int src = ((y + gy0) * w + gx0) * 3;
            for (int x = 0; x < gw; x++, src += 3)
                grey[y * gw + x] = (px[src] * 4899 + px[src + 1] * 9617 + px[src + 2] * 1868 + 8192) >> 14;
        }
        float G(int x, int y) => grey[(Reflect(y, h) - gy0) * gw + Reflect(x, w) - gx0];

        // Derivatives on the score rectangle plus one ring (the block sum's reach), image-reflected coordinates.
        int dx0 = ex0 - 1, dy0 = ey0 - 1, dw = ex1 - ex0 + 3, dh = ey1 - ey0 + 3;
        var dxx = new float[dw * dh];
        var dxy = new float[dw * dh];
        var dyy = new float[dw * dh];
        for (int y = 0; y < dh; y++)
        {
            int iy = Reflect(y + dy0, h);
            for (int x = 0; x < dw; x++)
            {
                int ix = Reflect(x + dx0, w);
                float gxv = (G(ix + 1, iy - 1) - G(ix - 1, iy - 1)) + 2 * (G(ix + 1, iy) - G(ix - 1, iy)) + (G(ix + 1, iy + 1) - G(ix - 1, iy + 1));
                float gyv = (G(ix - 1, iy + 1) - G(ix - 1, iy - 1)) + 2 * (G(ix, iy + 1) - G(ix, iy - 1)) + (G(ix + 1, iy + 1) - G(ix + 1, iy - 1));
                int o = y * dw + x;
                dxx[o] = gxv * gxv;
                dxy[o] = gxv * gyv;
                dyy[o] = gyv * gyv;
            }
        }

        int sw = ex1 - ex0 + 1, sh = ey1 - ey0 + 1;
        var score = new float[sw * sh];
        float maxInMask = 0;
        for (int y = 0; y < sh; y++)
        {
            for (int x = 0; x < sw; x++)
            {
                float a = 0, b = 0, c = 0;
                for (int v = 0; v < 3; v++)
                {
                    int o = (y + v) * dw + x;
                    a += dxx[o] + dxx[o + 1] + dxx[o + 2];
                    b += dxy[o] + dxy[o + 1] + dxy[o + 2];
                    c += dyy[o] + dyy[o + 1] + dyy[o + 2];
                }
                // Smaller eigenvalue of [[a, b], [b, c]] (up to OpenCV's constant scale, which cancels in the quality ratio).
                float half = 0.5f * (a - c);
                float s = 0.5f * (a + c) - MathF.Sqrt(half * half + b * b);
                score[y * sw + x] = s;
                if (mask01[(y + ey0) * w + x + ex0] != 0 && s > maxInMask) maxInMask = s;
            }
        }
        if (maxInMask <= 0) return corners;
        float threshold = (float)(maxInMask * quality);

        var candidates = new List<(float Score, int X, int Y)>();
        int yStart = Math.Max(1, by0), yEnd = Math.Min(h - 2, by1), xStart = Math.Max(1, bx0), xEnd = Math.Min(w - 2, bx1);
        for (int y = yStart; y <= yEnd; y++)
        {
            for (int x = xStart; x <= xEnd; x++)
            {
                if (mask01[y * w + x] == 0) continue;
                float s = score[(y - ey0) * sw + x - ex0];
                if (s <= threshold) continue;
                bool isMax = true;
                for (int v = -1; v <= 1 && isMax; v++)
                    for (int u = -1; u <= 1; u++)
                    {
                        // Neighbours below the threshold were zeroed by OpenCV before its dilation; they never beat s.
                        if (score[(y + v - ey0) * sw + x + u - ex0] > s) { isMax = false; break; }
                    }
                if (isMax) candidates.Add((s, x, y));
            }
        }
        candidates.Sort((p, q) => p.Score != q.Score ? q.Score.CompareTo(p.Score) : (p.Y != q.Y ? p.Y.CompareTo(q.Y) : p.X.CompareTo(q.X)));

        double minD2 = minDistance * minDistance;
        foreach (var (_, x, y) in candidates)
        {
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
