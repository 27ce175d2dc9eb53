using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Tests.Pipeline;

public class MaskMotionTests
{
    private const int W = 200, H = 150;

    /// <summary>
    /// A textured ellipse (smooth random colour blobs, so the coarse search has a basin) centred at (cx, cy) and scaled
    /// by s over a differently textured background; the object's texture moves and scales with it.
    /// </summary>
    private static (RgbImage Image, Mask Mask) Scene(int seed, float cx, float cy, float s)
    {
        var rng = new Random(seed);
        var objWaves = Enumerable.Range(0, 4).Select(_ => (Fx: rng.NextSingle() * 0.3f, Fy: rng.NextSingle() * 0.3f, P: rng.NextSingle() * 6)).ToArray();
        var bgWaves = Enumerable.Range(0, 4).Select(_ => (Fx: rng.NextSingle() * 0.2f, Fy: rng.NextSingle() * 0.2f, P: rng.NextSingle() * 6)).ToArray();
        var img = new RgbImage(W, H);
        var mask = new Mask(W, H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                // Object coordinates: undo the motion so the texture is attached to the object.
                float u = (x - cx) / s, v = (y - cy) / s;
                bool inside = u * u / (30f * 30f) + v * v / (20f * 20f) <= 1;
                int i = y * W + x;
                var waves = inside ? objWaves : bgWaves;
                float px = inside ? u : x, py = inside ? v : y;
                float a = 0, b = 0;
                foreach (var (fx, fy, p) in waves) { a += MathF.Sin(fx * px + fy * py + p); b += MathF.Cos(fy * px - fx * py + p); }
                mask.Data[i] = (byte)(inside ? 1 : 0);
                img.Pixels[3 * i] = (byte)Math.Clamp((inside ? 170 : 90) + 18 * a, 0, 255);
                img.Pixels[3 * i + 1] = (byte)Math.Clamp((inside ? 90 : 120) + 18 * b, 0, 255);
                img.Pixels[3 * i + 2] = (byte)Math.Clamp(100 + 12 * (a - b), 0, 255);
            }
        return (img, mask);
    }

    [Theory]
    [InlineData(1, 6f, -4f, 1f, 0f, 0f)]     // the guess is 7 px off
    [InlineData(2, -15f, 9f, 1f, -3f, 2f)]
    [InlineData(3, 20f, 12f, 1f, 20f, 12f)]  // right guess
    [InlineData(4, 4f, 3f, 1.08f, 0f, 0f)]   // growing
    [InlineData(5, -5f, 2f, 0.93f, 0f, 0f)]  // shrinking
    public void FindsTheTranslationAndScale_FromAnOffGuess(int seed, float dx, float dy, float scale, float guessDx, float guessDy)
    {
        var (from, mask) = Scene(seed, 90, 75, 1f);
        var (to, truth) = Scene(seed, 90 + dx, 75 + dy, scale);
        var found = new MaskMotionEstimator().Estimate(from, mask, to, guessDx, guessDy);
        Assert.NotNull(found);
        MaskMotion m = found.Value.Motion;
        Assert.InRange(m.Dx, dx - 1.01f, dx + 1.01f);
        Assert.InRange(m.Dy, dy - 1.01f, dy + 1.01f);
        Assert.InRange(m.Scale, scale - 0.031f, scale + 0.031f);
        Assert.True(PropagationRun.IoU(m.Warp(mask), truth) > 0.9f, $"IoU {PropagationRun.IoU(m.Warp(mask), truth):F3}");
        // The plain shift by the guess is clearly worse when the guess is off: the test can tell the two apart.
        if (MathF.Abs(dx - guessDx) + MathF.Abs(dy - guessDy) > 5)
            Assert.True(PropagationRun.IoU(new MaskMotion(0, 0, 1, guessDx, guessDy).Warp(mask), truth) < 0.8f);
    }

    [Fact]
    public void EmptyMask_HasNoMotion()
    {
        var (img, _) = Scene(1, 90, 75, 1f);
        Assert.Null(new MaskMotionEstimator().Estimate(img, new Mask(W, H), img, 0, 0));
    }

    [Fact]
    public void Warp_TranslatesAndScalesAboutTheCentre()
    {
        var mask = new Mask(W, H);
        for (int y = 60; y < 80; y++) for (int x = 50; x < 90; x++) mask[x, y] = true; // centre (69.5, 69.5)
        Mask moved = new MaskMotion(69.5f, 69.5f, 1f, 10, -5).Warp(mask);
        Assert.Equal(mask.Area(), moved.Area());
        Assert.Equal((60, 55, 99, 74), moved.BoundingBox());
        Mask grown = new MaskMotion(69.5f, 69.5f, 1.5f, 0, 0).Warp(mask);
        Assert.Equal((40, 55, 99, 84), grown.BoundingBox());
        Assert.InRange(grown.Area(), 0.95 * 2.25 * mask.Area(), 1.05 * 2.25 * mask.Area());
    }

    [Fact]
    public void PointGate_DropsPointsAcrossTheCarriedBorder_KeepsTheRest()
    {
        var carried = new Mask(W, H);
        for (int y = 50; y < 100; y++) for (int x = 50; x < 100; x++) carried[x, y] = true; // sqrt(area) = 50
        var points = new List<PromptPoint>
        {
            new(75, 75, PointLabel.Positive),   // inside
            new(102, 75, PointLabel.Positive),  // 3 px out: within 0.1 * 50 = 5
            new(110, 75, PointLabel.Positive),  // 11 px out: dropped
            new(10, 10, PointLabel.Positive),   // far away: dropped
            new(120, 120, PointLabel.Negative), // outside: kept
            new(98, 60, PointLabel.Negative),   // 2 px inside: kept
            new(75, 70, PointLabel.Negative),   // deep inside: dropped
        };
        PropagationRun.GatePoints(points, carried, 0.1f);
        Assert.Equal([(75f, 75f), (102f, 75f), (120f, 120f), (98f, 60f)], points.Select(p => (p.X, p.Y)));
    }

    [Fact]
    public void PointGate_KeepsEverything_WhenNoPositiveWouldBeLeft()
    {
        var carried = new Mask(W, H);
        for (int y = 50; y < 100; y++) for (int x = 50; x < 100; x++) carried[x, y] = true;
        var points = new List<PromptPoint> { new(10, 10, PointLabel.Positive), new(75, 75, PointLabel.Negative) };
        PropagationRun.GatePoints(points, carried, 0.1f);
        Assert.Equal(2, points.Count);
    }
}
