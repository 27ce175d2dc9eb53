using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Segmentation;
using static EdgeSam.Video.Tests.Pipeline.PipelineTestUtil;

namespace EdgeSam.Video.Tests.Pipeline;

public class DenseMotionTests
{
    private const int W = 64, H = 48;

    private static DenseMotionField Constant(int gw, int gh, float scale, float u, float v) =>
        new(gw, gh, scale, Enumerable.Repeat(u, gw * gh).ToArray(), Enumerable.Repeat(v, gw * gh).ToArray());

    private static Mask Rect(int w, int h, int x0, int y0, int x1, int y1)
    {
        var m = new Mask(w, h);
        for (int y = Math.Max(0, y0); y <= Math.Min(h - 1, y1); y++)
            for (int x = Math.Max(0, x0); x <= Math.Min(w - 1, x1); x++) m.Data[y * w + x] = 1;
        return m;
    }

    [Fact]
    public void Field_At_InterpolatesBilinearly_InFramePixels_AndClampsOutside()
    {
        // U = 10 * column, V = -3 * row on a grid of 2 frame px per cell: linear, so bilinear reproduces it exactly.
        int gw = 5, gh = 4;
        var u = new float[gw * gh];
        var v = new float[gw * gh];
        for (int j = 0; j < gh; j++)
            for (int i = 0; i < gw; i++) { u[j * gw + i] = 10 * i; v[j * gw + i] = -3 * j; }
        var f = new DenseMotionField(gw, gh, 2f, u, v);
        foreach (var (x, y) in new[] { (0f, 0f), (3f, 1f), (5.5f, 4.25f), (8f, 6f), (7.9f, 2.2f) })
        {
            (float dx, float dy) = f.At(x, y);
            Assert.Equal(10 * x / 2, dx, 3);
            Assert.Equal(-3 * y / 2, dy, 3);
        }
        // Beyond the grid: the border value.
        Assert.Equal((40f, -9f), f.At(100, 100));
        Assert.Equal((0f, 0f), f.At(-5, -5));
    }

    [Fact]
    public void Field_ChecksItsShape()
    {
        Assert.Throws<ArgumentException>(() => new DenseMotionField(3, 2, 1, new float[6], new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DenseMotionField(0, 2, 1, [], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DenseMotionField(1, 1, 0, [0], [0]));
    }

    [Theory]
    [InlineData(5f, 3f, 1f)]
    [InlineData(-7f, 2f, 2f)]
    [InlineData(0.4f, -6.6f, 4f)]
    public void Warp_OfAShapeMovedByAConstantField_LandsOnTheShiftedShape(float dx, float dy, float scale)
    {
        Mask previous = Rect(W, H, 20, 15, 35, 30);
        // The object moved by (dx, dy): the backward field of the later frame points back by (-dx, -dy).
        var back = Constant((int)(W / scale) + 1, (int)(H / scale) + 1, scale, -dx, -dy);
        Mask warped = DenseMaskWarp.Warp(previous, back, (0, 0, W - 1, H - 1));
        int sx = (int)MathF.Round(dx), sy = (int)MathF.Round(dy);
        Mask expected = Rect(W, H, 20 + sx, 15 + sy, 35 + sx, 30 + sy);
        // Sub-pixel motions may shift one edge row by a pixel.
        Assert.True(PropagationRun.IoU(warped, expected) > 0.93f, $"IoU {PropagationRun.IoU(warped, expected):F3}");
        Assert.True(PropagationRun.IoU(previous, expected) < 0.8f); // the motion is large enough to tell apart
    }

    [Fact]
    public void Warp_FollowsTwoPartsMovingApart_AndLeavesOutsideTheRegionEmpty()
    {
        // An articulated object: the left part moved 6 px left, the right part 6 px right (no translation and scale
        // does that). The backward field says where each later-frame pixel was: x + 6 on the left half, x - 6 on the right.
        Mask previous = Or(Rect(W, H, 10, 10, 19, 35), Rect(W, H, 44, 10, 53, 35));
        var u = new float[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) u[y * W + x] = x < 32 ? 6f : -6f;
        var back = new DenseMotionField(W, H, 1f, u, new float[W * H]);
        Mask expected = Or(Rect(W, H, 4, 10, 13, 35), Rect(W, H, 50, 10, 59, 35));
        Assert.Equal(1f, PropagationRun.IoU(DenseMaskWarp.Warp(previous, back, (0, 0, W - 1, H - 1)), expected));
        Mask clipped = DenseMaskWarp.Warp(previous, back, (0, 0, 31, H - 1));
        Assert.Equal(1f, PropagationRun.IoU(clipped, Rect(W, H, 4, 10, 13, 35)));
    }

    private static Mask Or(Mask a, Mask b)
    {
        for (int i = 0; i < a.Data.Length; i++) a.Data[i] |= b.Data[i];
        return a;
    }

    [Theory]
    [InlineData(5f, 3f)]
    [InlineData(-7.5f, 2.25f)]
    public void Splat_OfAShapeMovedByAConstantField_CoversTheShiftedShape_WithinAPixel(float dx, float dy)
    {
        Mask previous = Rect(W, H, 20, 15, 35, 30);
        Mask splat = DenseMaskWarp.Splat(previous, Constant(W, H, 1, dx, dy));
        int fx = (int)MathF.Floor(dx), fy = (int)MathF.Floor(dy);
        // Each pixel marks the 2x2 pixels around where it lands: the shifted rectangle, one pixel wider and taller.
        Mask expected = Rect(W, H, 20 + fx, 15 + fy, 36 + fx, 31 + fy);
        Assert.Equal(1f, PropagationRun.IoU(splat, expected));
    }

    [Fact]
    public void Splat_LeavesNoTrail_OnBackgroundUncoveredBehindTheObject()
    {
        // The object moved 10 px right over a static background, and the backward field is exactly right (-10 on the
        // object's new place, 0 elsewhere). The background it uncovered (columns 10..19) did not move, so its backward
        // vector points at the same place on the previous frame, where the object was: the backward warp keeps a 10 px
        // trail there. The splat moves only the object's pixels and leaves it out.
        Mask previous = Rect(W, H, 10, 10, 29, 30);
        var u = new float[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) u[y * W + x] = x >= 20 && x <= 39 ? -10f : 0f;
        Mask backward = DenseMaskWarp.Warp(previous, new DenseMotionField(W, H, 1, u, new float[W * H]), (0, 0, W - 1, H - 1));
        Mask truth = Rect(W, H, 20, 10, 39, 30);
        Assert.True(PropagationRun.IoU(backward, truth) < 0.7f); // the trail: columns 10..19 still marked
        Mask splat = DenseMaskWarp.Splat(previous, Constant(W, H, 1, 10, 0));
        for (int k = 0; k < backward.Data.Length; k++) backward.Data[k] &= splat.Data[k];
        Assert.Equal(1f, PropagationRun.IoU(backward, truth));
    }

    [Fact]
    public void Warp_SamplingOutsideTheEarlierFrame_IsEmpty()
    {
        Mask previous = Rect(W, H, 0, 0, W - 1, H - 1);
        Mask warped = DenseMaskWarp.Warp(previous, Constant(W, H, 1, -10, 0), (0, 0, W - 1, H - 1));
        Assert.Equal(W * H - 10 * H, warped.Area());
        Assert.Equal(0, warped.Data[5]);
        Assert.Equal(1, warped.Data[15]);
    }

    [Fact]
    public void Options_DenseFlowWithoutAnEstimator_IsRejected()
    {
        var o = new VideoSegmenterOptions { PriorMotion = PriorMotion.DenseFlow };
        Assert.Throws<ArgumentException>(o.Validate);
        (o with { DenseMotion = new ShiftingEstimator(0, 0) }).Validate();
    }

    /// <summary>A fake flow: a constant backward field, recording which frames it was asked about.</summary>
    private sealed class ShiftingEstimator(float u, float v) : IDenseMotionEstimator
    {
        public List<(int From, int To, (int, int, int, int) Region)> Calls { get; } = new();
        public string Name => "shift";

        public DenseMotionField Estimate(RgbImage from, RgbImage to, Func<float, float, (float Dx, float Dy)> predict, (int X0, int Y0, int X1, int Y1) region)
        {
            Calls.Add((DiskClip.IndexOf(from), DiskClip.IndexOf(to), region));
            return Constant(from.Width, from.Height, 1, u, v);
        }
    }

    [Fact]
    public async Task Pipeline_PriorIsThePreviousMaskWarpedByTheFlow_FromEachFrameBackToThePrevious()
    {
        var clip = new DiskClip(W, H, 6, new Disk(1, 220, 30, 30, t => (20 + 2f * t, 24), 8));
        // Deliberately not the disk's motion: the prior must be the flow's warp, not a rigid carry.
        var flow = new ShiftingEstimator(4, -2);
        var segmenter = new OracleSegmenter(clip);
        using var model = new VideoSegmenter(segmenter, new OracleTracker(clip), new VideoSegmenterOptions
        {
            RefinementPasses = 0,
            Sampler = new EvenSampler().Sample,
            PreviousMaskAsPrior = true,
            PriorMotion = PriorMotion.DenseFlow,
            DenseMotion = flow,
        });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, clip.DiskById(1).Raster(W, H, 0));
        List<FrameResult> results = await CollectAsync(session.Propagate());
        Assert.Equal([(1, 0), (2, 1), (3, 2), (4, 3), (5, 4)], flow.Calls.Select(c => (c.From, c.To)));
        foreach (var (frame, prompt) in segmenter.Prompts)
        {
            Mask previous = results[frame - 1].Object(1)!.RawMask;
            Mask expected = new(W, H);
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    int sx = x + 4, sy = y - 2;
                    if (sx < W && sy >= 0) expected.Data[y * W + x] = previous.Data[sy * W + sx];
                }
            Assert.Equal(1f, PropagationRun.IoU(prompt.Prior!, expected));
            Assert.True(PropagationRun.IoU(prompt.Prior!, clip.DiskById(1).Raster(W, H, frame)) < 0.9f);
        }
    }
}
