using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Datasets;
using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Segmentation.GraphCut;

namespace EdgeSam.Video.Tests.GraphCut;

public class GraphCutSegmenterTests
{
    /// <summary>A reddish noisy disk on a background of green/grey stripes with noise and a few dark blobs.</summary>
    private static (RgbImage Image, Mask Truth) DiskScene(int w, int h, int seed, float cx, float cy, float radius)
    {
        var rng = new Random(seed);
        var img = new RgbImage(w, h);
        var truth = new Mask(w, h);
        var blobs = Enumerable.Range(0, 6).Select(_ => (X: rng.Next(w), Y: rng.Next(h), R: 8 + rng.Next(15))).ToArray();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                int n = rng.Next(-25, 26);
                byte r, g, b;
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius)
                {
                    truth.Data[i] = 1;
                    (r, g, b) = (Clamp(190 + n), Clamp(60 + n / 2), Clamp(50 + n / 2));
                }
                else if (blobs.Any(o => (x - o.X) * (x - o.X) + (y - o.Y) * (y - o.Y) <= o.R * o.R))
                {
                    (r, g, b) = (Clamp(40 + n), Clamp(40 + n), Clamp(45 + n));
                }
                else if ((x / 12 + y / 20) % 2 == 0)
                {
                    (r, g, b) = (Clamp(70 + n), Clamp(150 + n), Clamp(60 + n));
                }
                else
                {
                    (r, g, b) = (Clamp(140 + n), Clamp(140 + n), Clamp(135 + n));
                }
                img.Pixels[3 * i] = r; img.Pixels[3 * i + 1] = g; img.Pixels[3 * i + 2] = b;
            }
        return (img, truth);
        static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
    }

    /// <summary>IoU of <paramref name="mask"/>; below <paramref name="min"/>, saves an overlay (green = hit, red = missed,
    /// blue = false alarm, yellow/black = positive/negative points) and fails with its path.</summary>
    private static void AssertIoU(Mask mask, Mask truth, RgbImage img, IEnumerable<PromptPoint> pts, double min, string name)
    {
        double iou = GraphCutBenchmark.IoU(mask, truth);
        if (iou > min) return;
        var o = (byte[])img.Pixels.Clone();
        for (int i = 0; i < mask.Data.Length; i++)
        {
            bool a = mask.Data[i] != 0, b = truth.Data[i] != 0;
            if (a && b) { o[3 * i] /= 2; o[3 * i + 1] = 255; o[3 * i + 2] /= 2; }
            else if (b) { o[3 * i] = 255; o[3 * i + 1] = 0; o[3 * i + 2] = 0; }
            else if (a) { o[3 * i] = 0; o[3 * i + 1] = 0; o[3 * i + 2] = 255; }
        }
        foreach (PromptPoint p in pts)
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++)
                {
                    int x = (int)p.X + dx, y = (int)p.Y + dy;
                    if (x < 0 || y < 0 || x >= img.Width || y >= img.Height) continue;
                    byte v = p.Label == PointLabel.Positive ? (byte)255 : (byte)0;
                    int i = 3 * (y * img.Width + x);
                    o[i] = v; o[i + 1] = v; o[i + 2] = 0;
                }
        string path = Path.Combine(TestPaths.NewTempDir("graphcut"), name + ".png");
        PngCodec.WriteRgb(path, img.Width, img.Height, o);
        Assert.Fail($"IoU {iou:F3} <= {min}; overlay saved to {path}");
    }

    private static List<PromptPoint> RingPoints(float cx, float cy, float r, int count, PointLabel label, float phase = 0)
    {
        var pts = new List<PromptPoint>();
        for (int k = 0; k < count; k++)
        {
            double a = phase + 2 * Math.PI * k / count;
            pts.Add(new PromptPoint((float)(cx + r * Math.Cos(a)), (float)(cy + r * Math.Sin(a)), label));
        }
        return pts;
    }

    [Theory]
    [InlineData(320, 240, 1)] // below the working size: cut at full resolution
    [InlineData(640, 480, 2)] // downscaled, then refined in the full-resolution band
    [InlineData(854, 480, 3)]
    public void SegmentsADiskFromAFewPoints(int w, int h, int seed)
    {
        float cx = w * 0.45f, cy = h * 0.5f, radius = h * 0.22f;
        var (img, truth) = DiskScene(w, h, seed, cx, cy, radius);
        var pts = new List<PromptPoint> { new(cx, cy, PointLabel.Positive) };
        pts.AddRange(RingPoints(cx, cy, radius * 0.6f, 3, PointLabel.Positive));
        pts.AddRange(RingPoints(cx, cy, radius * 1.3f, 4, PointLabel.Negative, 0.4f));
        using var seg = new GraphCutSegmenter();
        using IFrameEmbedding e = seg.Embed(img);
        Assert.Equal(w, e.Width);
        Assert.Equal(h, e.Height);
        SegmentationResult r = e.Segment(new SegmentationPrompt(pts));
        Assert.Equal(w, r.Mask.Width);
        Assert.Equal(h, r.Mask.Height);
        Assert.Null(r.LowResLogits);
        Assert.InRange(r.Score, 0f, 1f);
        AssertIoU(r.Mask, truth, img, pts, 0.9, $"disk-{w}x{h}");
    }

    [Fact]
    public void BoxOnlyPromptSegmentsTheDisk()
    {
        var (img, truth) = DiskScene(640, 480, 4, 300, 240, 100);
        using var seg = new GraphCutSegmenter();
        using IFrameEmbedding e = seg.Embed(img);
        SegmentationResult r = e.Segment(new SegmentationPrompt([], new BoxF(190, 130, 410, 350)));
        double iou = GraphCutBenchmark.IoU(r.Mask, truth);
        Assert.True(iou > 0.85, $"IoU {iou:F3}");
    }

    [Fact]
    public void PriorMaskHelpsAWeakPrompt()
    {
        var (img, truth) = DiskScene(640, 480, 5, 320, 240, 110);
        // One positive only, plus the previous frame's mask: a disk shifted by a few pixels.
        var prior = new Mask(640, 480);
        for (int y = 0; y < 480; y++)
            for (int x = 0; x < 640; x++)
                prior[x, y] = (x - 326) * (x - 326) + (y - 236) * (y - 236) <= 108 * 108;
        using var seg = new GraphCutSegmenter();
        using IFrameEmbedding e = seg.Embed(img);
        SegmentationResult r = e.Segment(new SegmentationPrompt([new PromptPoint(320, 240, PointLabel.Positive)]) { Prior = prior });
        double iou = GraphCutBenchmark.IoU(r.Mask, truth);
        Assert.True(iou > 0.9, $"IoU {iou:F3}");
    }

    [Fact]
    public void NoPositivePointGivesAnEmptyMask()
    {
        var (img, _) = DiskScene(320, 240, 6, 160, 120, 50);
        using var seg = new GraphCutSegmenter();
        using IFrameEmbedding e = seg.Embed(img);
        foreach (var prompt in new[]
        {
            new SegmentationPrompt([]),
            new SegmentationPrompt([new PromptPoint(30, 30, PointLabel.Negative), new PromptPoint(160, 120, PointLabel.Padding)]),
        })
        {
            SegmentationResult r = e.Segment(prompt);
            Assert.True(r.Mask.IsEmpty);
            Assert.Equal(0f, r.Score);
            Assert.Equal(320, r.Mask.Width);
        }
    }

    [Fact]
    public void PointsOutsideTheFrameAreIgnored()
    {
        var (img, truth) = DiskScene(640, 480, 7, 300, 240, 100);
        var inside = new List<PromptPoint> { new(300, 240, PointLabel.Positive), new(340, 220, PointLabel.Positive), new(260, 270, PointLabel.Positive), new(150, 240, PointLabel.Negative) };
        var outside = new List<PromptPoint> { new(-5, 240, PointLabel.Positive), new(640, 10, PointLabel.Positive), new(300, 1e6f, PointLabel.Negative), new(float.NaN, 3, PointLabel.Positive) };
        using var seg = new GraphCutSegmenter();
        using IFrameEmbedding e = seg.Embed(img);
        SegmentationResult a = e.Segment(new SegmentationPrompt(inside));
        SegmentationResult b = e.Segment(new SegmentationPrompt([.. inside, .. outside]));
        Assert.Equal(a.Mask.Data, b.Mask.Data); // an outside positive would have stretched the region of interest
        AssertIoU(a.Mask, truth, img, inside, 0.9, "outside-points");
        Assert.True(e.Segment(new SegmentationPrompt(outside)).Mask.IsEmpty);
    }

    [Fact]
    public void SeveralPromptsOnOneEmbeddingMatchSingleCalls()
    {
        var (img, _) = DiskScene(640, 480, 8, 200, 240, 80);
        using var seg = new GraphCutSegmenter();
        using IFrameEmbedding e = seg.Embed(img);
        var p1 = new SegmentationPrompt([new PromptPoint(200, 240, PointLabel.Positive)]);
        var p2 = new SegmentationPrompt([new PromptPoint(500, 100, PointLabel.Positive)]);
        IReadOnlyList<SegmentationResult> both = e.Segment([p1, p2]);
        Assert.Equal(2, both.Count);
        Assert.Equal(e.Segment(p1).Mask.Data, both[0].Mask.Data);
        Assert.Equal(e.Segment(p2).Mask.Data, both[1].Mask.Data);
        e.Dispose();
        Assert.Throws<ObjectDisposedException>(() => e.Segment(p1));
    }

    [Fact]
    public void PositivesAllOverTheFrameWithNoBackgroundEvidenceStillGiveAMask()
    {
        // The region of interest is the whole frame and there is no negative: no background colour sample exists,
        // so no cut can run; the result is the seeds, never unknown pixels reported as object.
        var (img, _) = DiskScene(64, 48, 9, 32, 24, 10);
        var pts = new List<PromptPoint> { new(1, 1, PointLabel.Positive), new(62, 46, PointLabel.Positive), new(1, 46, PointLabel.Positive), new(62, 1, PointLabel.Positive) };
        using var seg = new GraphCutSegmenter();
        using IFrameEmbedding e = seg.Embed(img);
        SegmentationResult r = e.Segment(new SegmentationPrompt(pts));
        foreach (PromptPoint p in pts) Assert.True(r.Mask[(int)p.X, (int)p.Y]);
        Assert.True(r.Mask.Area() < 64 * 48 / 4, $"area {r.Mask.Area()}");
    }

    [Fact]
    public void RejectsBadOptions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphCutSegmenter(new GraphCutOptions { WorkingLongSide = 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphCutSegmenter(new GraphCutOptions { Gamma = float.NaN }));
        Assert.Equal("graphcut", new GraphCutSegmenter().Name);
    }

    [MirrorFact]
    public void SegmentsDavisBlackswanFromItsGroundTruthPoints()
    {
        DavisSequence seq = new DavisDataset(TestPaths.Davis2016, DavisYear.Davis2016, allSequences: true).Sequence("blackswan");
        RgbImage frame = ImageFile.ReadRgb(seq.FramePath(0));
        Mask truth = PngCodec.ReadMask(seq.AnnotationPath(0));
        using var seg = new GraphCutSegmenter();
        PromptedFrameResult r = GraphCutBenchmark.Measure(seg, frame, truth, 8, 8, seed: 0);
        Assert.Equal(8, r.Positives);
        Assert.Equal(8, r.Negatives);
        Assert.True(r.IoU > 0.8, $"IoU {r.IoU:F3}");
    }

    [Fact]
    public void PromptSamplingPutsNegativesInTheBandAroundTheObject()
    {
        var truth = new Mask(200, 200);
        for (int y = 80; y < 120; y++)
            for (int x = 70; x < 130; x++)
                truth[x, y] = true;
        PromptPoint[] pts = GraphCutBenchmark.SamplePrompt(truth, 8, 8, seed: 3);
        float band = GraphCutBenchmark.DefaultNegativeBand * MathF.Sqrt(truth.Area());
        Assert.Equal(8, pts.Count(p => p.Label == PointLabel.Positive && truth[(int)p.X, (int)p.Y]));
        foreach (PromptPoint p in pts.Where(p => p.Label == PointLabel.Negative))
        {
            Assert.False(truth[(int)p.X, (int)p.Y]);
            float dx = Math.Max(0, Math.Max(70 - p.X, p.X - 129)), dy = Math.Max(0, Math.Max(80 - p.Y, p.Y - 119));
            Assert.InRange(MathF.Sqrt(dx * dx + dy * dy), 0.5f, band + 1);
        }
        Assert.Equal(8, pts.Count(p => p.Label == PointLabel.Negative));
        Assert.Empty(GraphCutBenchmark.SamplePrompt(new Mask(10, 10)));
    }
}

public class GraphCutEvidenceTests
{
    [Fact]
    public void Evidence_PlacesTheObject_WhereColourCannot()
    {
        // Same-coloured noise everywhere: only the evidence (a square, +3 inside, -3 around) tells the object apart.
        const int w = 200, h = 160;
        var rng = new Random(7);
        var img = new RgbImage(w, h);
        for (int i = 0; i < w * h; i++) { byte g = (byte)rng.Next(90, 170); img.Pixels[3 * i] = g; img.Pixels[3 * i + 1] = g; img.Pixels[3 * i + 2] = (byte)(g / 2 + 40); }
        var truth = new Mask(w, h);
        var prior = new Mask(w, h);
        for (int y = 50; y < 110; y++)
            for (int x = 70; x < 130; x++) truth.Data[y * w + x] = 1;
        for (int y = 50; y < 110; y++) // the carried mask lags 12 px behind
            for (int x = 58; x < 118; x++) prior.Data[y * w + x] = 1;
        var logOdds = new float[(w / 2) * (h / 2)];
        for (int j = 0; j < h / 2; j++)
            for (int i = 0; i < w / 2; i++) logOdds[j * (w / 2) + i] = truth.Data[2 * j * w + 2 * i] != 0 ? 3f : -3f;
        var points = new[] { new PromptPoint(100, 80, PointLabel.Positive) };
        using var segmenter = new GraphCutSegmenter();
        using IFrameEmbedding e = segmenter.Embed(img);
        Mask without = e.Segment(new SegmentationPrompt(points) { Prior = prior }).Mask;
        Mask with = e.Segment(new SegmentationPrompt(points) { Prior = prior, Evidence = new ObjectEvidence(w / 2, h / 2, 2, logOdds) }).Mask;
        double jWithout = DavisMetrics.Jaccard(truth, without), jWith = DavisMetrics.Jaccard(truth, with);
        Assert.True(jWith > 0.9, $"J with evidence {jWith:F3}");
        Assert.True(jWith > jWithout + 0.1, $"J with {jWith:F3}, without {jWithout:F3}");
    }
}
