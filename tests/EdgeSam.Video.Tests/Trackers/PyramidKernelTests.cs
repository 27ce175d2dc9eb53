using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers.Lk;
using OpenCvSharp;

namespace EdgeSam.Video.Tests.Trackers;

/// <summary>
/// The pyramid (OpenCV's 8-bit levels and the float ones) against the formulas they stand for, and the window sampler
/// of the LK appearance test against a plain scalar reference over swept radii (around the vector widths) and seeds,
/// bit for bit.
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

    [Fact]
    public void PyramidLevelsAreTheGreyImageAndItsHalvings()
    {
        const int w = 101, h = 67;
        var frame = new RgbImage(w, h);
        new Random(3).NextBytes(frame.Pixels);
        var pyr = ImagePyramid.Build(frame, 3, windowRadius: 3);
        Assert.Equal([(101, 67), (51, 34), (26, 17)], pyr.Levels.Select(l => (l.Width, l.Height)));
        float[] grey = pyr.Levels[0].I;
        for (int i = 0; i < w * h; i++)
        {
            float want = 0.299f * frame.Pixels[3 * i] + 0.587f * frame.Pixels[3 * i + 1] + 0.114f * frame.Pixels[3 * i + 2];
            // The float level is the weighted sum itself (the dense flow and the correlation test read it) ...
            Assert.InRange(grey[i] - want, -1e-3f, 1e-3f);
            // ... OpenCV's level, which its LK solver reads, the sum rounded to 8 bits.
            Assert.InRange(pyr.Levels[0].Image.At<byte>(i / w, i % w) - want, -0.51f, 0.51f);
        }
        // Level 1 is the [1 4 6 4 1]/16 blur of level 0 sampled at even pixels (an interior pixel, computed here), in
        // float without rounding, and within rounding in OpenCV's 8-bit level.
        float[] l1 = pyr.Levels[1].I;
        int x = 20, y = 14;
        double sum = 0;
        int[] k = [1, 4, 6, 4, 1];
        for (int v = -2; v <= 2; v++)
            for (int u = -2; u <= 2; u++)
                sum += k[v + 2] * k[u + 2] * grey[(2 * y + v) * w + 2 * x + u];
        Assert.InRange(l1[y * 51 + x] - sum / 256, -1e-3, 1e-3);
        Assert.InRange(pyr.Levels[1].Image.At<byte>(y, x) - sum / 256, -1.01, 1.01);
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

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 3, 2)]
    [InlineData(31, 16, 3)]
    [InlineData(33, 17, 4)]
    [InlineData(101, 67, 5)]
    [InlineData(854, 480, 6)]
    public void FloatGreyByBandsEqualsTheWholeFrameConversionBitForBit(int w, int h, int seed)
    {
        var pixels = new byte[w * h * 3];
        new Random(seed).NextBytes(pixels);
        var whole = new float[w * h];
        var banded = new float[w * h];
        using var rgb = Mat.FromPixelData(h, w, MatType.CV_8UC3, pixels);
        // What the pyramid did before: the whole frame to float, then OpenCV's float grey conversion.
        using (var rgbF = new Mat())
        using (var g = Mat.FromPixelData(h, w, MatType.CV_32FC1, whole))
        {
            rgb.ConvertTo(rgbF, MatType.CV_32F);
            Cv2.CvtColor(rgbF, g, ColorConversionCodes.RGB2GRAY);
        }
        using (var g = Mat.FromPixelData(h, w, MatType.CV_32FC1, banded))
            ImagePyramid.FloatGrey(rgb, g);
        Assert.Equal(whole.Select(BitConverter.SingleToInt32Bits), banded.Select(BitConverter.SingleToInt32Bits));
        // Not vacuous: the conversion wrote every pixel (random colours are rarely all black).
        Assert.Contains(banded, v => v > 0);
    }
}
