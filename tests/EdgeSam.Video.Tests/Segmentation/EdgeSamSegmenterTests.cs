using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Segmentation.EdgeSam;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Tests.Segmentation;

/// <summary>
/// Plumbing of <see cref="EdgeSamSegmenter"/> over the synthetic EdgeSAM-signature models, whose decoder draws a disk
/// of radius R_k input pixels (R = 64, 48, 64, 80) around the positive points minus radius-32 disks around negatives.
/// On an 854x480 frame one input pixel is 854/1024 original pixels.
/// </summary>
public sealed class EdgeSamSegmenterTests : IDisposable
{
    private const int W = 854, H = 480;
    private const double Scale = 854.0 / 1024.0;
    private readonly string _dir = TestPaths.NewTempDir("edgesam-synth");
    private readonly EdgeSamSegmenter _seg;
    private readonly RgbImage _frame = new(W, H);

    public EdgeSamSegmenterTests()
    {
        (string enc, string dec) = SyntheticEdgeSamModels.Write(_dir);
        _seg = new EdgeSamSegmenter(enc, dec, new EdgeSamOptions { SessionOptions = OrtSessionOptions.SingleThreadedCpu() });
    }

    public void Dispose() => _seg.Dispose();

    private static SegmentationPrompt Points(params (float X, float Y, PointLabel L)[] pts) =>
        new(pts.Select(p => new PromptPoint(p.X, p.Y, p.L)).ToList());

    private static double DiskArea(double radiusInput) => Math.PI * Math.Pow(radiusInput * Scale, 2);

    private static (double X, double Y) Centroid(Mask m)
    {
        double sx = 0, sy = 0; int n = 0;
        for (int y = 0; y < m.Height; y++)
            for (int x = 0; x < m.Width; x++)
                if (m[x, y]) { sx += x; sy += y; n++; }
        return (sx / n, sy / n);
    }

    [Fact]
    public void A_positive_point_gives_a_disk_around_it()
    {
        using IFrameEmbedding e = _seg.Embed(_frame);
        SegmentationResult r = e.Segment(Points((300, 200, PointLabel.Positive)));
        Assert.InRange(r.Mask.Area(), DiskArea(64) * 0.9, DiskArea(64) * 1.1);
        (double cx, double cy) = Centroid(r.Mask);
        Assert.InRange(cx, 297, 303);
        Assert.InRange(cy, 197, 203);
        Assert.Equal(256 * 256, r.LowResLogits!.Length);
        Assert.InRange(r.Score, 0.9f, 1f);
    }

    [Fact]
    public void Several_prompts_share_one_embedding_and_match_single_calls()
    {
        using IFrameEmbedding e = _seg.Embed(_frame);
        var prompts = new[] { Points((150, 150, PointLabel.Positive)), Points((650, 300, PointLabel.Positive)) };
        IReadOnlyList<SegmentationResult> batch = e.Segment(prompts);
        Assert.Equal(2, batch.Count);
        for (int i = 0; i < 2; i++)
            Assert.Equal(e.Segment(prompts[i]).Mask.Data, batch[i].Mask.Data);
        for (int p = 0; p < W * H; p++) Assert.False(batch[0].Mask.Data[p] == 1 && batch[1].Mask.Data[p] == 1);
    }

    [Fact]
    public void Zero_positive_points_give_an_empty_mask_without_decoding()
    {
        using IFrameEmbedding e = _seg.Embed(_frame);
        SegmentationResult r = e.Segment(Points((300, 200, PointLabel.Negative)));
        Assert.True(r.Mask.IsEmpty);
        Assert.True(float.IsNaN(r.Score));
        Assert.True(e.Segment(Points()).Mask.IsEmpty);
    }

    [Fact]
    public void Points_outside_the_image_are_dropped()
    {
        using IFrameEmbedding e = _seg.Embed(_frame);
        Assert.True(e.Segment(Points((-40, 100, PointLabel.Positive), (100, H + 30, PointLabel.Positive))).Mask.IsEmpty);
        Mask inside = e.Segment(Points((400, 240, PointLabel.Positive))).Mask;
        Mask mixed = e.Segment(Points((400, 240, PointLabel.Positive), (W + 100, 240, PointLabel.Positive))).Mask;
        Assert.Equal(inside.Data, mixed.Data);
    }

    [Fact]
    public void Negative_points_carve_the_mask()
    {
        using IFrameEmbedding e = _seg.Embed(_frame);
        int plain = e.Segment(Points((400, 240, PointLabel.Positive))).Mask.Area();
        Mask carved = e.Segment(Points((400, 240, PointLabel.Positive), (440, 240, PointLabel.Negative))).Mask;
        Assert.True(carved.Area() < plain - DiskArea(32) * 0.5, $"{carved.Area()} vs {plain}");
        Assert.False(carved[440, 240]);
        Assert.True(carved[380, 240]);
    }

    [Fact]
    public void Best_stability_picks_the_candidate_with_the_highest_score()
    {
        string[] paths = Directory.GetFiles(_dir, "*.onnx");
        using var best = new EdgeSamSegmenter(paths.Single(p => p.Contains("encoder")), paths.Single(p => p.Contains("decoder")),
            new EdgeSamOptions { MaskSelection = MaskSelection.BestStability, SessionOptions = OrtSessionOptions.SingleThreadedCpu() });
        using IFrameEmbedding e = best.Embed(_frame);
        SegmentationResult r = e.Segment(Points((400, 240, PointLabel.Positive)));

        // The synthetic stability score of each candidate, recomputed on the 256 grid from the documented formula.
        (double px, double py) = EdgeSamTransforms.ApplyCoords(400, 240, H, W);
        int bestK = -1; double bestScore = double.NegativeInfinity;
        for (int k = 1; k <= 3; k++)
        {
            float radius = SyntheticEdgeSamModels.PositiveRadii[k];
            int hi = 0, lo = 0;
            for (int i = 0; i < 256; i++)
                for (int j = 0; j < 256; j++)
                {
                    float dx = 4 * j + 2 - (float)px, dy = 4 * i + 2 - (float)py;
                    float logit = (radius * radius - (dx * dx + dy * dy)) * (1f / radius);
                    if (logit > 1) hi++;
                    if (logit > -1) lo++;
                }
            double score = (double)hi / lo;
            if (score > bestScore) { bestScore = score; bestK = k; }
        }
        Assert.Equal(bestScore, r.Score, 1e-5);
        double area = DiskArea(SyntheticEdgeSamModels.PositiveRadii[bestK]);
        Assert.InRange(r.Mask.Area(), area * 0.9, area * 1.1);
        Assert.Equal(2, EdgeSamSegmenter.ChooseMask([0.5f, float.NaN, 0.7f, 0.6f], MaskSelection.BestStability));
        Assert.Equal(3, EdgeSamSegmenter.ChooseMask([0.5f, float.NaN, float.NaN, 0.6f], MaskSelection.BestStability));
        Assert.Equal(0, EdgeSamSegmenter.ChooseMask([0.5f, 0.9f, 0.7f, 0.6f], MaskSelection.Single));
    }

    [Fact]
    public void A_box_prompt_runs_the_decoder_with_corner_labels()
    {
        using IFrameEmbedding e = _seg.Embed(_frame);
        // The synthetic decoder ignores labels 2/3: a box with one positive point equals the point alone.
        var withBox = new SegmentationPrompt([new PromptPoint(400, 240, PointLabel.Positive)], new BoxF(300, 150, 500, 330));
        Assert.Equal(e.Segment(Points((400, 240, PointLabel.Positive))).Mask.Data, e.Segment(withBox).Mask.Data);
        // A box alone is a valid prompt (no early exit), here giving an empty mask from the fake decoder.
        Assert.True(float.IsNaN(e.Segment(new SegmentationPrompt([], new BoxF(300, 150, 500, 330))).Score));
    }

    [Fact]
    public void Swapped_models_are_rejected_with_a_clear_message()
    {
        string[] paths = Directory.GetFiles(_dir, "*.onnx");
        string enc = paths.Single(p => p.Contains("encoder")), dec = paths.Single(p => p.Contains("decoder"));
        var ex = Assert.ThrowsAny<EdgeSamException>(() => new EdgeSamSegmenter(dec, enc));
        Assert.Contains("image", ex.Message);
    }

    [Fact]
    public void Embeddings_are_pooled_and_disposal_is_idempotent()
    {
        IFrameEmbedding a = _seg.Embed(_frame);
        a.Dispose();
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.Segment(Points((1, 1, PointLabel.Positive))));
        using IFrameEmbedding b = _seg.Embed(_frame);
        using IFrameEmbedding c = _seg.Embed(_frame);
        Assert.False(b.Segment(Points((400, 240, PointLabel.Positive))).Mask.IsEmpty);
    }

    /// <summary>
    /// Embed from several threads at once (the pipeline's encoder workers): every embedding must be the one its own
    /// frame gives alone, whatever the interleaving, including frames of other sizes sharing the pooled inputs.
    /// </summary>
    [Fact]
    public void Concurrent_embeds_give_each_frame_its_own_embedding()
    {
        var rng = new Random(7);
        RgbImage[] frames = Enumerable.Range(0, 6).Select(i =>
        {
            var f = i % 3 == 2 ? new RgbImage(640, 360) : new RgbImage(W, H);
            rng.NextBytes(f.Pixels);
            return f;
        }).ToArray();
        float[][] alone = frames.Select(f =>
        {
            using IFrameEmbedding e = _seg.Embed(f);
            return (float[])EdgeSamSegmenter.EmbeddingValues(e).Clone();
        }).ToArray();
        for (int k = 1; k < alone.Length; k++) Assert.NotEqual(alone[0], alone[k]);

        for (int round = 0; round < 3; round++)
        {
            var order = Enumerable.Range(0, 4 * frames.Length).Select(i => i % frames.Length).OrderBy(_ => rng.Next()).ToArray();
            var mismatches = new System.Collections.Concurrent.ConcurrentBag<int>();
            Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                using IFrameEmbedding e = _seg.Embed(frames[i]);
                Assert.Equal(frames[i].Width, e.Width);
                if (!EdgeSamSegmenter.EmbeddingValues(e).AsSpan().SequenceEqual(alone[i])) mismatches.Add(i);
            });
            Assert.Empty(mismatches);
        }
    }
}
