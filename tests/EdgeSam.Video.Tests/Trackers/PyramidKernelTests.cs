using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers.Lk;

namespace EdgeSam.Video.Tests.Trackers;

/// <summary>
/// The pyramid's and Lucas-Kanade's fast kernels against plain scalar references of the formulas they replace, over
/// swept sizes (around the vector widths, odd and even) and seeds: equal bit for bit, so tracking results do not move.
/// </summary>
public class PyramidKernelTests
{
    private static float[] RandomGrey(int n, int seed)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(rng.NextDouble() * 255);
        return v;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 2)]
    [InlineData(33, 3)]
    [InlineData(854 * 3 + 1, 4)]
    public void GreyEqualsTheWeightedSumBitForBit(int pixels, int seed)
    {
        var rgb = new byte[3 * pixels];
        new Random(seed).NextBytes(rgb);
        // Every byte value in every channel at least once.
        for (int i = 0; i < Math.Min(rgb.Length, 768); i++) rgb[i] = (byte)(i / 3);
        var got = new float[pixels];
        ImagePyramid.Grey(rgb, got);
        for (int i = 0; i < pixels; i++)
        {
            float want = 0.299f * rgb[3 * i] + 0.587f * rgb[3 * i + 1] + 0.114f * rgb[3 * i + 2];
            Assert.Equal(BitConverter.SingleToInt32Bits(want), BitConverter.SingleToInt32Bits(got[i]));
        }
    }

    /// <summary>The formula of pyrDown written out per output pixel, borders by reflection.</summary>
    private static float[] ReferenceDownsample(float[] src, int w, int h)
    {
        int nw = (w + 1) / 2, nh = (h + 1) / 2;
        var tmp = new float[w * nh];
        for (int y = 0; y < nh; y++)
            for (int x = 0; x < w; x++)
            {
                int sy = 2 * y;
                float Row(int yy) => src[ImagePyramid.Reflect(yy, h) * w + x];
                tmp[y * w + x] = Row(sy - 2) + 4 * Row(sy - 1) + 6 * Row(sy) + 4 * Row(sy + 1) + Row(sy + 2);
            }
        var dst = new float[nw * nh];
        for (int y = 0; y < nh; y++)
            for (int x = 0; x < nw; x++)
            {
                int sx = 2 * x;
                float Col(int xx) => tmp[y * w + ImagePyramid.Reflect(xx, w)];
                dst[y * nw + x] = (Col(sx - 2) + 4 * Col(sx - 1) + 6 * Col(sx) + 4 * Col(sx + 1) + Col(sx + 2)) * (1f / 256);
            }
        return dst;
    }

    [Theory]
    [InlineData(3, 3, 1)]
    [InlineData(4, 5, 2)]
    [InlineData(8, 8, 3)]
    [InlineData(15, 9, 4)]
    [InlineData(16, 17, 5)]
    [InlineData(17, 16, 6)]
    [InlineData(31, 4, 7)]
    [InlineData(33, 6, 8)]
    [InlineData(65, 11, 9)]
    [InlineData(854, 480, 10)]
    public void DownsampleEqualsTheScalarReferenceBitForBit(int w, int h, int seed)
    {
        float[] src = RandomGrey(w * h, seed);
        int nw = (w + 1) / 2, nh = (h + 1) / 2;
        var got = new float[nw * nh];
        ImagePyramid.Downsample(src, w, h, got, nw, nh);
        float[] want = ReferenceDownsample(src, w, h);
        for (int i = 0; i < want.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]), $"{w}x{h} pixel {i}: {got[i]} != {want[i]}");
    }

    [Fact]
    public void DerivativeImagesAreTheScharrFormula()
    {
        const int w = 37, h = 23;
        var level = new PyramidLevel(w, h, RandomGrey(w * h, 11));
        float[] img = level.I;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float P(int xx, int yy) => img[Math.Clamp(yy, 0, h - 1) * w + Math.Clamp(xx, 0, w - 1)];
                float gx = (3 * (P(x + 1, y - 1) - P(x - 1, y - 1)) + 10 * (P(x + 1, y) - P(x - 1, y)) + 3 * (P(x + 1, y + 1) - P(x - 1, y + 1))) * (1f / 32);
                float gy = (3 * (P(x - 1, y + 1) - P(x - 1, y - 1)) + 10 * (P(x, y + 1) - P(x, y - 1)) + 3 * (P(x + 1, y + 1) - P(x + 1, y - 1))) * (1f / 32);
                Assert.Equal(BitConverter.SingleToInt32Bits(gx), BitConverter.SingleToInt32Bits(level.Ix[y * w + x]));
                Assert.Equal(BitConverter.SingleToInt32Bits(gy), BitConverter.SingleToInt32Bits(level.Iy[y * w + x]));
            }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(5, 2)]
    [InlineData(14, 3)]
    public void WindowGradientsEqualTheWholeLevelsDerivativesSampled(int radius, int seed)
    {
        const int w = 61, h = 47;
        var level = new PyramidLevel(w, h, RandomGrey(w * h, seed));
        int side = 2 * radius + 1, n = side * side, grid = (side + 1) * (side + 1);
        var gx = new float[grid];
        var gy = new float[grid];
        var dx = new float[n];
        var dy = new float[n];
        var wantX = new float[n];
        var wantY = new float[n];
        var rng = new Random(seed);
        for (int k = 0; k < 200; k++)
        {
            // Inside, across the borders and entirely outside (the clamped path).
            float cx = (float)(rng.NextDouble() * (w + 4 * radius) - 2 * radius);
            float cy = (float)(rng.NextDouble() * (h + 4 * radius) - 2 * radius);
            if (k % 10 == 0) (cx, cy) = (MathF.Round(cx), MathF.Round(cy)); // integer positions: zero fractional weights
            LucasKanade.SampleGradients(level, radius, cx, cy, gx, gy, dx, dy);
            LucasKanade.Sample(level.Ix, w, h, radius, cx, cy, wantX);
            LucasKanade.Sample(level.Iy, w, h, radius, cx, cy, wantY);
            for (int i = 0; i < n; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(wantX[i]) == BitConverter.SingleToInt32Bits(dx[i]), $"({cx}, {cy}) x {i}: {dx[i]} != {wantX[i]}");
                Assert.True(BitConverter.SingleToInt32Bits(wantY[i]) == BitConverter.SingleToInt32Bits(dy[i]), $"({cx}, {cy}) y {i}: {dy[i]} != {wantY[i]}");
            }
        }
    }

    [Fact]
    public void PyramidOfAFrameMatchesTheReferenceLevels()
    {
        var frame = new RgbImage(101, 67);
        new Random(5).NextBytes(frame.Pixels);
        var pyr = ImagePyramid.Build(frame, 4);
        Assert.Equal(3, pyr.Levels.Count); // 13 x 9 would be too small for a fourth level
        var grey = new float[101 * 67];
        for (int i = 0; i < grey.Length; i++)
            grey[i] = 0.299f * frame.Pixels[3 * i] + 0.587f * frame.Pixels[3 * i + 1] + 0.114f * frame.Pixels[3 * i + 2];
        Assert.Equal(grey, pyr.Levels[0].I);
        float[] l1 = ReferenceDownsample(grey, 101, 67);
        Assert.Equal(l1, pyr.Levels[1].I);
        Assert.Equal(ReferenceDownsample(l1, 51, 34), pyr.Levels[2].I);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(7, 4)]
    [InlineData(8, 5)]
    [InlineData(14, 6)]
    [InlineData(16, 7)]
    public void WindowSamplesEqualTheBilinearFormulaBitForBit(int radius, int seed)
    {
        const int w = 83, h = 71;
        float[] img = RandomGrey(w * h, seed);
        int side = 2 * radius + 1;
        var got = new float[side * side];
        var rng = new Random(seed);
        for (int k = 0; k < 300; k++)
        {
            float cx = (float)(rng.NextDouble() * (w + 2 * radius) - radius);
            float cy = (float)(rng.NextDouble() * (h + 2 * radius) - radius);
            if (k % 10 == 0) (cx, cy) = (MathF.Round(cx), MathF.Round(cy));
            LucasKanade.Sample(img, w, h, radius, cx, cy, got);
            float fx = MathF.Floor(cx), fy = MathF.Floor(cy), ax = cx - fx, ay = cy - fy;
            float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
            for (int v = 0; v < side; v++)
                for (int u = 0; u < side; u++)
                {
                    int xa = Math.Clamp((int)fx - radius + u, 0, w - 1), xb = Math.Clamp((int)fx - radius + u + 1, 0, w - 1);
                    int ya = Math.Clamp((int)fy - radius + v, 0, h - 1), yb = Math.Clamp((int)fy - radius + v + 1, 0, h - 1);
                    float want = w00 * img[ya * w + xa] + w01 * img[ya * w + xb] + w10 * img[yb * w + xa] + w11 * img[yb * w + xb];
                    Assert.True(BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got[v * side + u]),
                        $"r {radius} ({cx}, {cy}) [{v},{u}]: {got[v * side + u]} != {want}");
                }
        }
    }
}
