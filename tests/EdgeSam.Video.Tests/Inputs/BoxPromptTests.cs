using EdgeSam.Video.Cli.Commands.BenchBox;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation.GraphCut;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Inputs;

/// <summary>Box prompts with the weights-free graph cut: a GrabCut-style prompt, checked against OpenCV's GrabCut (issue 30).</summary>
public class BoxPromptTests(ITestOutputHelper output)
{
    [MirrorFact]
    public void A_tight_box_on_a_real_frame_segments_the_object_as_well_as_OpenCV_GrabCut()
    {
        // motocross-jump, first frame: the box used to give a sliver (IoU 0.36: the spatial prior, measured from
        // positive points, pushed every pixel of a box-only prompt to the background).
        string seq = "motocross-jump";
        Mask truth = PngCodec.ReadMask(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, "00000.png"));
        BoxF box = BoxPrompts.FromMask(truth);
        using IFrameSource frames = FrameSources.Open(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", seq));
        var (ctx, _, _) = CliRunner.Context();
        using VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut }, ctx);
        using VideoSession session = model.OpenSession(frames);
        Mask ours = session.AddBox(0, 1, box);
        Mask reference = BenchBoxCommand.GrabCut(frames.Read(0, 1).First(), box, 5);
        double iou = GraphCutBenchmark.IoU(ours, truth), refIou = GraphCutBenchmark.IoU(reference, truth);
        output.WriteLine($"graph cut IoU {iou:F3}, OpenCV GrabCut IoU {refIou:F3}");
        Assert.True(iou > 0.6, $"graph cut IoU {iou:F3}");
        Assert.True(iou > refIou - 0.05, $"graph cut IoU {iou:F3} against GrabCut's {refIou:F3}");
        Assert.Null(BoxPrompts.SmallMaskNote(ours, box));
    }

    [Fact]
    public void A_mask_far_smaller_than_its_box_is_reported_and_margins_grow_the_box()
    {
        var m = new Mask(100, 100);
        for (int y = 20; y < 80; y++) for (int x = 10; x < 90; x++) m[x, y] = true;
        Assert.Equal(new BoxF(10, 20, 89, 79), BoxPrompts.FromMask(m));
        Assert.Equal(new BoxF(6, 17, 93, 82), BoxPrompts.FromMask(m, 0.05f));
        Assert.Null(BoxPrompts.SmallMaskNote(m, BoxPrompts.FromMask(m)));
        var sliver = new Mask(100, 100);
        for (int y = 20; y < 25; y++) for (int x = 10; x < 90; x++) sliver[x, y] = true;
        string? note = BoxPrompts.SmallMaskNote(sliver, BoxPrompts.FromMask(m));
        Assert.NotNull(note);
        Assert.Contains("400 px", note);
    }
}
