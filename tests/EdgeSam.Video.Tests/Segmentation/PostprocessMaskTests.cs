using EdgeSam.Video.Media;
using EdgeSam.Video.Segmentation.EdgeSam;

namespace EdgeSam.Video.Tests.Segmentation;

/// <summary>
/// <see cref="EdgeSamTransforms.PostprocessMask"/> against its scalar reference, <see cref="EdgeSamTransforms.PostprocessLogits"/>
/// + <see cref="EdgeSamTransforms.ToMask"/>: bit-identical masks over frame sizes (landscape, portrait, square, odd,
/// tiny) and seeds, with smooth logit fields (blobs, like the decoder's) and the values that decide the shortcut:
/// logits near zero, at the sure magnitude, exact zeros, NaN and infinities.
/// </summary>
public class PostprocessMaskTests
{
    private static float[] Field(int seed, bool specials)
    {
        var rng = new Random(seed);
        var low = new float[256 * 256];
        int blobs = 1 + rng.Next(4);
        var centres = Enumerable.Range(0, blobs).Select(_ => (X: rng.NextDouble() * 256, Y: rng.NextDouble() * 256, R: 10 + rng.NextDouble() * 60)).ToArray();
        double scale = Math.Pow(10, rng.Next(-3, 3));
        for (int y = 0; y < 256; y++)
            for (int x = 0; x < 256; x++)
            {
                double v = -1;
                foreach (var c in centres) v = Math.Max(v, 1 - Math.Sqrt((x - c.X) * (x - c.X) + (y - c.Y) * (y - c.Y)) / c.R);
                low[y * 256 + x] = (float)(v * 8 * scale + (rng.NextDouble() - 0.5) * 0.5 * scale);
            }
        if (specials)
        {
            float[] odd = [0f, -0f, 1e-30f, -1e-30f, 9.9e-31f, -9.9e-31f, 1e-38f, float.Epsilon, -float.Epsilon, float.NaN,
                float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue, 1e-31f];
            for (int k = 0; k < 400; k++) low[rng.Next(low.Length)] = odd[rng.Next(odd.Length)];
            // A patch of tiny logits of both signs: all pixels there take the exact path.
            for (int y = 100; y < 110; y++) for (int x = 30; x < 45; x++) low[y * 256 + x] = (rng.Next(2) * 2 - 1) * 1e-32f;
        }
        return low;
    }

    [Theory]
    [InlineData(854, 480)]
    [InlineData(480, 854)]
    [InlineData(640, 640)]
    [InlineData(1920, 1080)]
    [InlineData(333, 97)]
    [InlineData(17, 5)]
    [InlineData(1, 1)]
    public void Matches_the_logits_threshold_bit_for_bit(int width, int height)
    {
        for (int seed = 0; seed < 6; seed++)
        {
            float[] low = Field(seed * 7919 + width, specials: seed % 2 == 1);
            var logits = new float[width * height];
            EdgeSamTransforms.PostprocessLogits(low, height, width, logits);
            Mask want = EdgeSamTransforms.ToMask(logits, width, height);
            Mask got = EdgeSamTransforms.PostprocessMask(low, height, width);
            Assert.Equal(width, got.Width);
            Assert.Equal(height, got.Height);
            for (int i = 0; i < want.Data.Length; i++)
                if (want.Data[i] != got.Data[i])
                    Assert.Fail($"{width}x{height} seed {seed}: pixel ({i % width}, {i / width}) is {got.Data[i]}, the reference {want.Data[i]} (logit {logits[i]:R})");
        }
    }

    [Fact]
    public void Uniform_fields_need_no_arithmetic_and_agree()
    {
        foreach (float v in new[] { 5f, -5f, 1e-30f, -1e-30f, 0f })
        {
            var low = Enumerable.Repeat(v, 256 * 256).ToArray();
            Mask got = EdgeSamTransforms.PostprocessMask(low, 480, 854);
            Assert.All(got.Data, b => Assert.Equal(v > 0 ? (byte)1 : (byte)0, b));
        }
    }

    [Fact]
    public void Wrong_low_res_size_is_refused()
    {
        Assert.Throws<ArgumentException>(() => EdgeSamTransforms.PostprocessMask(new float[100], 480, 854));
    }
}
