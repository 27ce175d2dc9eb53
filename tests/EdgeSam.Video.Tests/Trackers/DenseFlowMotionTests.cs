using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Trackers.Lk;

namespace EdgeSam.Video.Tests.Trackers;

public class DenseFlowMotionTests
{
    private const int W = 320, H = 200;

    /// <summary>
    /// Two textured blocks (an articulated object: "arms") over a differently textured static background; the left block
    /// is displaced by (lx, ly), the right one by (rx, ry). Textures are attached to the blocks.
    /// </summary>
    private static (RgbImage Image, Mask Mask) Scene(float lx, float ly, float rx, float ry)
    {
        var img = new RgbImage(W, H);
        var mask = new Mask(W, H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int i = y * W + x;
                float u = x, v = y;
                bool left = x - lx >= 40 && x - lx < 110 && y - ly >= 40 && y - ly < 150;
                bool right = !left && x - rx >= 150 && x - rx < 220 && y - ry >= 40 && y - ry < 150;
                if (left) { u = x - lx; v = y - ly; }
                else if (right) { u = x - rx; v = y - ry; }
                bool obj = left || right;
                mask.Data[i] = (byte)(obj ? 1 : 0);
                float a = MathF.Sin(0.31f * u + 0.17f * v) + MathF.Sin(0.07f * u - 0.23f * v + 1) + 0.6f * MathF.Sin(0.53f * u + 0.41f * v);
                float b = MathF.Cos(0.11f * u + 0.29f * v) + MathF.Sin(0.19f * u - 0.13f * v + 2);
                img.Pixels[3 * i] = (byte)Math.Clamp((obj ? 180 : 80) + 25 * a, 0, 255);
                img.Pixels[3 * i + 1] = (byte)Math.Clamp((obj ? 90 : 130) + 25 * b, 0, 255);
                img.Pixels[3 * i + 2] = (byte)Math.Clamp(110 + 20 * (a - b), 0, 255);
            }
        return (img, mask);
    }

    [Theory]
    [InlineData(-7f, 2f, 8f, -3f)]    // moving apart
    [InlineData(-9f, -4f, 6f, 5f)]    // moving apart diagonally
    [InlineData(12f, -5f, 12f, -5f)]  // rigid
    public void BackwardWarp_CarriesAnArticulatedObject_OntoItsNewShape(float lx, float ly, float rx, float ry)
    {
        var (from, mask) = Scene(0, 0, 0, 0);
        var (to, truth) = Scene(lx, ly, rx, ry);
        var flow = new DenseFlowMotion();
        var (x0, y0, x1, y1) = mask.BoundingBox()!.Value;
        var region = (x0 - 20, y0 - 20, x1 + 20, y1 + 20);
        // The later frame's flow back to the earlier one, searched around no motion at all.
        DenseMotionField back = flow.Estimate(to, from, (_, _) => (0f, 0f), region);
        Mask warped = DenseMaskWarp.Warp(mask, back, region);
        float dense = PropagationRun.IoU(warped, truth);
        // Measured 0.87 / 0.87 / 0.80: the coarse flow (8 px patches at half resolution) smears a few pixels across the
        // blocks' edges, most at the trailing edges where static background next to the object takes its motion.
        Assert.True(dense > 0.78f, $"dense warp IoU {dense:F3}");
        Assert.True(dense > PropagationRun.IoU(mask, truth) + 0.05f, $"dense {dense:F3} vs unmoved {PropagationRun.IoU(mask, truth):F3}");
        // The best translation and scale of the whole object (searched around the right mean motion) cannot follow
        // parts moving apart: the test tells the two carries apart.
        var rigid = new MaskMotionEstimator().Estimate(from, mask, to, (lx + rx) / 2, (ly + ry) / 2)!.Value.Motion.Warp(mask);
        float rigidIoU = PropagationRun.IoU(rigid, truth);
        if (lx != rx || ly != ry) Assert.True(dense > rigidIoU + 0.05f, $"dense {dense:F3} vs rigid {rigidIoU:F3}");
    }

    [Fact]
    public void Field_IsInFramePixels_AtTheFinestLevelsScale()
    {
        var (from, _) = Scene(0, 0, 0, 0);
        var (to, _) = Scene(6, 4, 6, 4);
        foreach (int level in new[] { 0, 1 })
        {
            DenseMotionField f = new DenseFlowMotion(finestLevel: level).Estimate(from, to, (_, _) => (0f, 0f), (40, 40, 220, 150));
            Assert.Equal(1 << level, f.Scale);
            Assert.Equal((W + (1 << level) - 1) >> level, f.Width);
            // A textured point well inside the left block moved by (6, 4) frame pixels.
            (float dx, float dy) = f.At(75, 95);
            Assert.InRange(dx, 5f, 7f);
            Assert.InRange(dy, 3f, 5f);
        }
    }

    [Fact]
    public void Constructor_RejectsBadSettings_AndFramesOfDifferentSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DenseFlowMotion(finestLevel: 4, levels: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DenseFlowMotion(patchSize: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DenseFlowMotion(searchRadius: 0));
        Assert.Throws<ArgumentException>(() => new DenseFlowMotion().Estimate(new RgbImage(64, 48), new RgbImage(48, 64), (_, _) => (0f, 0f), (0, 0, 10, 10)));
    }
}
