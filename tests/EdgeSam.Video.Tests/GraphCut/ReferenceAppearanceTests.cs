using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Segmentation.GraphCut;

namespace EdgeSam.Video.Tests.GraphCut;

public class ReferenceAppearanceTests
{
    private const int W = 320, H = 240;

    /// <summary>A two-coloured object (red left half, blue right half) at (x0, y0), 120x80, on noisy grey with
    /// bluish-grey patches; the truth mask is the whole object.</summary>
    private static (RgbImage Image, Mask Truth) Scene(int seed, int x0, int y0)
    {
        var rng = new Random(seed);
        var img = new RgbImage(W, H);
        var truth = new Mask(W, H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int i = y * W + x, n = rng.Next(-15, 16);
                (int r, int g, int b) c;
                if (x >= x0 && x < x0 + 120 && y >= y0 && y < y0 + 80)
                {
                    truth.Data[i] = 1;
                    c = x < x0 + 60 ? (200, 50, 50) : (50, 60, 200);
                }
                else c = (x / 40 + y / 40) % 2 == 0 ? (130, 130, 130) : (100, 110, 140);
                img.Pixels[3 * i] = (byte)Math.Clamp(c.r + n, 0, 255);
                img.Pixels[3 * i + 1] = (byte)Math.Clamp(c.g + n, 0, 255);
                img.Pixels[3 * i + 2] = (byte)Math.Clamp(c.b + n, 0, 255);
            }
        return (img, truth);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Reference_KeepsTheColoursTheObjectHadThere(int seed)
    {
        // The reference frame shows the whole object elsewhere; this frame's prompt has positives on its red half only
        // (as points left on one part of an object do), so a fit from the points alone knows no blue object.
        var (refImg, refMask) = Scene(seed + 100, 40, 30);
        var (img, truth) = Scene(seed, 120, 100);
        var pts = new List<PromptPoint>();
        for (int k = 0; k < 4; k++) pts.Add(new PromptPoint(135 + 10 * k, 120 + 12 * (k % 3), PointLabel.Positive));
        // A loose box around the whole object (as a refinement pass's box of a grown mask would be).
        var box = new BoxF(105, 85, 255, 195);
        using var seg = new GraphCutSegmenter();
        using IFrameEmbedding e = seg.Embed(img);
        double without = GraphCutBenchmark.IoU(e.Segment(new SegmentationPrompt(pts, box)).Mask, truth);
        double with = GraphCutBenchmark.IoU(e.Segment(new SegmentationPrompt(pts, box) { Reference = new AppearanceReference(refImg, refMask) }).Mask, truth);
        Assert.True(with > 0.85 && with > without + 0.2, $"IoU with the reference {with:F3}, without {without:F3}");
        // Weight 0: the reference is ignored.
        using var off = new GraphCutSegmenter(new GraphCutOptions { ReferenceWeight = 0 });
        using IFrameEmbedding e0 = off.Embed(img);
        double ignored = GraphCutBenchmark.IoU(e0.Segment(new SegmentationPrompt(pts, box) { Reference = new AppearanceReference(refImg, refMask) }).Mask, truth);
        Assert.Equal(without, ignored, 6);
    }

    [Fact]
    public void ReferenceModel_IsFittedOnce_PerReference_AndEmptyMasksHaveNone()
    {
        var (img, mask) = Scene(1, 40, 30);
        using var seg = new GraphCutSegmenter();
        var a = new AppearanceReference(img, mask);
        ColorGmm? first = seg.ReferenceModel(a);
        Assert.NotNull(first);
        Assert.Same(first, seg.ReferenceModel(a));
        Assert.NotSame(first, seg.ReferenceModel(new AppearanceReference(img, mask)));
        Assert.Null(seg.ReferenceModel(new AppearanceReference(img, new Mask(W, H))));
        // The model holds the object's two colours: red and blue are cheap, the grey background is not.
        Assert.True(first!.Cost(200, 50, 50) < first.Cost(130, 130, 130) - 5);
        Assert.True(first.Cost(50, 60, 200) < first.Cost(130, 130, 130) - 5);
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(1f, 3f)]
    [InlineData(5f, 0.5f)]
    [InlineData(80f, 2f)]
    [InlineData(500f, 700f)]
    public void MixCost_IsTheNegativeLogOfTheSummedLikelihoods(float a, float b)
    {
        double want = Math.Min(a, b) - Math.Log(Math.Exp(Math.Min(a, b) - a) + Math.Exp(Math.Min(a, b) - b));
        Assert.Equal(want, GraphCutEmbedding.MixCost(a, b), 4);
        Assert.True(GraphCutEmbedding.MixCost(a, b) <= Math.Min(a, b));
        Assert.Equal(GraphCutEmbedding.MixCost(a, b), GraphCutEmbedding.MixCost(b, a));
    }
}
