using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Tests.Pipeline;

public class QueryPointSamplingTests
{
    private static (Mask Mask, RgbImage Image) Square(int w, int h, int x0, int y0, int side)
    {
        var mask = new Mask(w, h);
        for (int y = y0; y < y0 + side; y++)
            for (int x = x0; x < x0 + side; x++) mask.Data[y * w + x] = 1;
        var image = new RgbImage(w, h);
        var rng = new Random(5);
        rng.NextBytes(image.Pixels);
        return (mask, image);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 8)]
    [InlineData(2, 3)]
    public void NearObjectNegativesLieInTheBandAroundTheMask(int seed, int negatives)
    {
        (Mask mask, RgbImage image) = Square(200, 150, 60, 40, 40);
        var options = new VideoSegmenterOptions { NegativeRegion = NegativeRegion.NearObject, NegativeSampling = SamplingMethod.KMedoids };
        IReadOnlyList<PromptPoint> points = options.EffectiveSampler(mask, image, 8, negatives, seed);
        Assert.Equal(8, points.Count(p => p.Label == PointLabel.Positive));
        Assert.Equal(negatives, points.Count(p => p.Label == PointLabel.Negative));
        float band = options.NegativeBand * 40; // sqrt(area) = 40
        foreach (PromptPoint p in points)
        {
            int x = (int)p.X, y = (int)p.Y;
            if (p.Label == PointLabel.Positive) { Assert.Equal(1, mask.Data[y * 200 + x]); continue; }
            Assert.Equal(0, mask.Data[y * 200 + x]);
            // Distance to the square (chamfer distance is at most the Euclidean one times ~1.08).
            float dx = Math.Max(Math.Max(60 - x, x - 99), 0), dy = Math.Max(Math.Max(40 - y, y - 79), 0);
            Assert.InRange(MathF.Sqrt(dx * dx + dy * dy), 0.5f, band + 0.5f);
        }
    }

    [Fact]
    public void NegativeInsetKeepsNegativesOffTheMaskBorder()
    {
        (Mask mask, RgbImage image) = Square(200, 150, 60, 40, 40);
        var options = new VideoSegmenterOptions { NegativeRegion = NegativeRegion.NearObject, NegativeInset = 0.2f, NegativeSampling = SamplingMethod.KMedoids };
        IReadOnlyList<PromptPoint> points = options.EffectiveSampler(mask, image, 8, 8, 4);
        Assert.Equal(8, points.Count(p => p.Label == PointLabel.Negative));
        foreach (PromptPoint p in points.Where(p => p.Label == PointLabel.Negative))
        {
            float dx = Math.Max(Math.Max(60 - p.X, p.X - 99), 0), dy = Math.Max(Math.Max(40 - p.Y, p.Y - 79), 0);
            // Inner edge 8 px (chamfer distance: at most ~8% over the Euclidean one), outer edge 14 px.
            Assert.InRange(MathF.Sqrt(dx * dx + dy * dy), 7.3f, 14.5f);
        }
    }

    [Fact]
    public void BackgroundNegativesMayLieFarFromTheObject()
    {
        (Mask mask, RgbImage image) = Square(200, 150, 60, 40, 40);
        var options = new VideoSegmenterOptions { NegativeSampling = SamplingMethod.KMedoids };
        IReadOnlyList<PromptPoint> points = options.EffectiveSampler(mask, image, 8, 8, 3);
        float band = options.NegativeBand * 40;
        Assert.Contains(points, p => p.Label == PointLabel.Negative
            && MathF.Max(MathF.Max(60 - p.X, p.X - 99), MathF.Max(40 - p.Y, p.Y - 79)) > band + 1);
    }

    [Fact]
    public void NearObjectNegativesAreCappedByTheBandSize()
    {
        (Mask mask, RgbImage image) = Square(20, 20, 0, 0, 20);
        mask.Data[0] = 0; // the band around the mask holds this one background pixel only
        var options = new VideoSegmenterOptions { NegativeRegion = NegativeRegion.NearObject, NegativeSampling = SamplingMethod.KMedoids };
        IReadOnlyList<PromptPoint> points = options.EffectiveSampler(mask, image, 4, 2, 0);
        Assert.Single(points, p => p.Label == PointLabel.Negative);
        Assert.Equal((0f, 0f), (points.Last().X, points.Last().Y));
    }

    [Theory]
    [InlineData(0.1f, 4, false)]
    [InlineData(0.25f, 10, true)]
    public void PositiveInsetKeepsPositivesAwayFromTheBorder(float inset, int margin, bool plainComesCloser)
    {
        (Mask mask, RgbImage image) = Square(200, 150, 60, 40, 40);
        var options = new VideoSegmenterOptions { PositiveInset = inset, NegativeSampling = SamplingMethod.KMedoids };
        IReadOnlyList<PromptPoint> points = options.EffectiveSampler(mask, image, 8, 1, 1);
        Assert.Equal(8, points.Count(p => p.Label == PointLabel.Positive));
        // Erosion by round(inset * 40) px: positives at least that far inside the square.
        foreach (PromptPoint p in points.Where(p => p.Label == PointLabel.Positive))
        {
            Assert.InRange(p.X, 60 + margin, 99 - margin);
            Assert.InRange(p.Y, 40 + margin, 79 - margin);
        }
        // Without the inset some positive lies closer to the border than 10 px (K-Medoids spreads them over the square).
        IReadOnlyList<PromptPoint> plain = new VideoSegmenterOptions { NegativeSampling = SamplingMethod.KMedoids }.EffectiveSampler(mask, image, 8, 1, 1);
        Assert.Equal(plainComesCloser, plain.Any(p => p.Label == PointLabel.Positive && Math.Min(Math.Min(p.X - 60, 99 - p.X), Math.Min(p.Y - 40, 79 - p.Y)) < margin));
    }

    [Fact]
    public void PositiveInsetFallsBackToTheWholeMaskWhenTooThin()
    {
        (Mask mask, RgbImage image) = Square(200, 150, 60, 40, 40);
        for (int y = 40; y < 80; y++)
            for (int x = 63; x < 100; x++) mask.Data[y * 200 + x] = 0; // a 3 px wide bar: erodes to nothing
        var options = new VideoSegmenterOptions { PositiveInset = 0.3f, NegativeSampling = SamplingMethod.KMedoids };
        IReadOnlyList<PromptPoint> points = options.EffectiveSampler(mask, image, 8, 1, 1);
        Assert.Equal(8, points.Count(p => p.Label == PointLabel.Positive));
        Assert.All(points.Where(p => p.Label == PointLabel.Positive), p => Assert.Equal(1, mask.Data[(int)p.Y * 200 + (int)p.X]));
    }

    [Fact]
    public void InvalidBandIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoSegmenterOptions { NegativeBand = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoSegmenterOptions { PositiveInset = -0.1f }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoSegmenterOptions { NegativeInset = 0.35f }.Validate());
    }
}
