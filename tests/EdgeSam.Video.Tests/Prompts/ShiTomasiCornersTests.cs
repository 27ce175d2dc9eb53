using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using Xunit;

namespace EdgeSam.Video.Tests.Prompts;

/// <summary>
/// The streaming, vectorised corner detector against a per-pixel scalar reference of the same formula (grey with
/// reflect-101 borders, 3x3 Sobel, 3x3 box sums taken along rows first, smaller eigenvalue) and the same greedy pick
/// (strongest first, ties in raster order, minimum distance): the same corners, in the same order, for widths around
/// the vector length (body + tail), masks of every shape and several seeds.
/// </summary>
public class ShiTomasiCornersTests
{
    [Fact]
    public void Detect_MatchesTheScalarReference_AcrossSizesAndSeeds()
    {
        int cases = 0;
        foreach (int w in new[] { 3, 5, 8, 15, 16, 17, 18, 31, 33, 47, 64, 97 })
            foreach (int h in new[] { 3, 9, 40 })
                for (int seed = 0; seed < 3; seed++)
                {
                    var rng = new Random(seed * 7919 + w * 31 + h);
                    var img = new RgbImage(w, h);
                    // Smooth blobs plus noise: many local maxima, some exact ties (flat patches).
                    for (int i = 0; i < img.Pixels.Length; i++) img.Pixels[i] = (byte)(seed == 2 && i % 7 < 3 ? 128 : rng.Next(256));
                    var mask = new byte[w * h];
                    int kind = rng.Next(3);
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                            mask[y * w + x] = kind switch
                            {
                                0 => 1,
                                1 => (byte)(x > w / 4 && y > h / 5 ? 1 : 0),
                                _ => (byte)(rng.Next(4) == 0 ? 0 : 1),
                            };
                    foreach (int max in new[] { 1, 5, 40 })
                        foreach (double minDistance in new[] { 0.0, 2.5 })
                        {
                            var got = ShiTomasiCorners.Detect(img, mask, max, 0.01, minDistance);
                            var want = Reference(img, mask, max, 0.01, minDistance);
                            Assert.True(want.SequenceEqual(got), $"{w}x{h} seed {seed} mask {kind} max {max} dist {minDistance}: [{string.Join(' ', got)}] vs [{string.Join(' ', want)}]");
                            cases++;
                        }
                }
        Assert.Equal(12 * 3 * 3 * 6, cases);
    }

    [MirrorFact]
    public void Detect_MatchesTheScalarReference_OnADavisFrame()
    {
        Mask m = PngCodec.ReadMask(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", "dog", "00000.png"));
        RgbImage img = ImageFile.ReadRgb(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", "dog", "00000.jpg"));
        var background = new byte[m.Data.Length];
        for (int i = 0; i < background.Length; i++) background[i] = m.Data[i] == 0 ? (byte)1 : (byte)0;
        var got = ShiTomasiCorners.Detect(img, background, 24, 0.001, 40);
        Assert.Equal(24, got.Count);
        Assert.Equal(Reference(img, background, 24, 0.001, 40), got);
    }

    private static List<(int X, int Y)> Reference(RgbImage image, byte[] mask, int maxCorners, double quality, double minDistance)
    {
        int w = image.Width, h = image.Height;
        int R(int i, int n) { if (n == 1) return 0; while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i; return i; }
        float G(int x, int y)
        {
            int p = (R(y, h) * w + R(x, w)) * 3;
            return (image.Pixels[p] * 4899 + image.Pixels[p + 1] * 9617 + image.Pixels[p + 2] * 1868 + 8192) >> 14;
        }
        (float Xx, float Xy, float Yy) P(int x, int y)
        {
            float gx = (G(x + 1, y - 1) - G(x - 1, y - 1)) + 2 * (G(x + 1, y) - G(x - 1, y)) + (G(x + 1, y + 1) - G(x - 1, y + 1));
            float gy = (G(x - 1, y + 1) - G(x - 1, y - 1)) + 2 * (G(x, y + 1) - G(x, y - 1)) + (G(x + 1, y + 1) - G(x + 1, y - 1));
            return (gx * gx, gx * gy, gy * gy);
        }
        (float A, float B, float C) RowSum(int x, int y)
        {
            var (p0, p1, p2) = (P(x - 1, y), P(x, y), P(x + 1, y));
            return (p0.Xx + p1.Xx + p2.Xx, p0.Xy + p1.Xy + p2.Xy, p0.Yy + p1.Yy + p2.Yy);
        }
        float Score(int x, int y)
        {
            var (r0, r1, r2) = (RowSum(x, y - 1), RowSum(x, y), RowSum(x, y + 1));
            float a = r0.A + r1.A + r2.A, b = r0.B + r1.B + r2.B, c = r0.C + r1.C + r2.C;
            float half = 0.5f * (a - c);
            return 0.5f * (a + c) - MathF.Sqrt(half * half + b * b);
        }
        var score = new float[w * h];
        float max = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                score[y * w + x] = Score(x, y);
                if (mask[y * w + x] != 0 && score[y * w + x] > max) max = score[y * w + x];
            }
        var corners = new List<(int X, int Y)>();
        if (max <= 0) return corners;
        float threshold = (float)(max * quality);
        var cands = new List<(float S, int At)>();
        // OpenCV never reports the outermost pixel ring.
        for (int y = 1; y < h - 1; y++)
            for (int x = 1; x < w - 1; x++)
            {
                float s = score[y * w + x];
                if (s <= threshold || mask[y * w + x] == 0) continue;
                bool isMax = true;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                        if (score[(y + dy) * w + x + dx] > s) isMax = false;
                if (isMax) cands.Add((s, y * w + x));
            }
        foreach (var (_, at) in cands.OrderByDescending(c => c.S).ThenBy(c => c.At))
        {
            int x = at % w, y = at / w;
            if (minDistance >= 1 && corners.Any(c => (double)(c.X - x) * (c.X - x) + (double)(c.Y - y) * (c.Y - y) < minDistance * minDistance)) continue;
            corners.Add((x, y));
            if (corners.Count == maxCorners) break;
        }
        return corners;
    }
}
