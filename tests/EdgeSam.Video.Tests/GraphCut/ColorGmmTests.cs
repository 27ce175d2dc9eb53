using EdgeSam.Video.Segmentation.GraphCut;

namespace EdgeSam.Video.Tests.GraphCut;

public class ColorGmmTests
{
    private static float Gauss(Random r) => (float)(Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()));

    private static float[] TwoColours(int n, int seed, float share)
    {
        var rng = new Random(seed);
        var s = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            bool first = rng.NextDouble() < share;
            (float a, float b, float c) = first ? (200f, 40f, 30f) : (30f, 60f, 190f);
            s[3 * i] = a + 8 * Gauss(rng);
            s[3 * i + 1] = b + 8 * Gauss(rng);
            s[3 * i + 2] = c + 8 * Gauss(rng);
        }
        return s;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RecoversTwoColourClusters(int seed)
    {
        float[] samples = TwoColours(3000, seed, 0.3f);
        var gmm = new ColorGmm(2);
        gmm.Fit(samples);
        Assert.Equal(2, gmm.UsedComponents);
        int red = gmm.Means[0] > gmm.Means[3] ? 0 : 1, blue = 1 - red;
        Assert.InRange(gmm.Means[3 * red], 197, 203);
        Assert.InRange(gmm.Means[3 * red + 2], 27, 33);
        Assert.InRange(gmm.Means[3 * blue], 27, 33);
        Assert.InRange(gmm.Means[3 * blue + 2], 187, 193);
        Assert.InRange(gmm.Weights[red], 0.27f, 0.33f);
        Assert.InRange(gmm.Weights[blue], 0.67f, 0.73f);
        // Cost is a negative log-likelihood: lowest at a mean, higher between the clusters and far away.
        float atMean = gmm.Cost(200, 40, 30);
        Assert.True(atMean < gmm.Cost(115, 50, 110));
        Assert.True(gmm.Cost(115, 50, 110) < gmm.Cost(255, 255, 255));
        Assert.True(float.IsFinite(gmm.Cost(0, 255, 0)));
    }

    [Fact]
    public void ObjectAndBackgroundModelsClassifyTheirColours()
    {
        // The graph cut's use: a 5-component model per side; held-out samples go to the side with the lower cost.
        var fg = new ColorGmm(5);
        var bg = new ColorGmm(5);
        float[] fgTrain = TwoColours(2000, 10, 1f), bgTrain = TwoColours(2000, 11, 0f);
        fg.Fit(fgTrain);
        bg.Fit(bgTrain);
        float[] fgTest = TwoColours(500, 12, 1f), bgTest = TwoColours(500, 13, 0f);
        int right = 0;
        for (int i = 0; i < 500; i++)
        {
            if (fg.Cost(fgTest[3 * i], fgTest[3 * i + 1], fgTest[3 * i + 2]) < bg.Cost(fgTest[3 * i], fgTest[3 * i + 1], fgTest[3 * i + 2])) right++;
            if (bg.Cost(bgTest[3 * i], bgTest[3 * i + 1], bgTest[3 * i + 2]) < fg.Cost(bgTest[3 * i], bgTest[3 * i + 1], bgTest[3 * i + 2])) right++;
        }
        Assert.True(right >= 995, $"{right} of 1000 classified right");
    }

    [Fact]
    public void FlatAndTinySampleSetsStayFinite()
    {
        var gmm = new ColorGmm(5);
        gmm.Fit(new float[] { 10, 20, 30 });
        Assert.Equal(1, gmm.UsedComponents);
        Assert.True(float.IsFinite(gmm.Cost(10, 20, 30)));
        var flat = new float[300];
        Array.Fill(flat, 128f);
        gmm.Fit(flat);
        Assert.True(float.IsFinite(gmm.Cost(128, 128, 128)));
        Assert.True(gmm.Cost(128, 128, 128) < gmm.Cost(140, 128, 128));
        Assert.Throws<ArgumentException>(() => gmm.Fit(new float[] { 1, 2 }));
    }
}
