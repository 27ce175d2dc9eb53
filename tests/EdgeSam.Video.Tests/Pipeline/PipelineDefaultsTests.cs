using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>The per-segmenter defaults the CLI wires into the pipeline, and that an explicit option overrides them.</summary>
public class PipelineDefaultsTests
{
    [Fact]
    public void GraphCut_NegativesKeepOffTheMask_UnlessToldOtherwise()
    {
        var (ctx, _, _) = CliRunner.Context();
        using (VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut }, ctx))
        {
            Assert.Equal(NegativeRegion.NearObject, model.Options.NegativeRegion);
            Assert.Equal(PipelineFactory.DefaultNegativeInsetGraphCut, model.Options.NegativeInset);
            Assert.True(model.Options.NegativeInset > 0);
        }
        using (VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut, NegativeInset = 0f }, ctx))
            Assert.Equal(0f, model.Options.NegativeInset);
    }

    [Fact]
    public void GraphCut_ReinitialisesEveryFiveFrames_SimilarAreaAndExplicitHorizonsKeepTheirs()
    {
        var (ctx, _, _) = CliRunner.Context();
        using (VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut }, ctx))
        {
            Assert.Equal(ReinitMode.Every, model.Options.Reinit);
            Assert.Equal(PipelineFactory.DefaultReinitHorizonGraphCut, model.Options.ReinitHorizon);
            Assert.Equal(5, model.Options.ReinitHorizon);
        }
        // SAM-PT's window of 8 stays for the similar-area variant (at 5 it measured worse: see PipelineFactory).
        using (VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut, Reinit = ReinitMode.OnSimilarMaskArea }, ctx))
            Assert.Equal(PipelineFactory.DefaultReinitHorizonEdgeSam, model.Options.ReinitHorizon);
        using (VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut, ReinitHorizon = 8 }, ctx))
            Assert.Equal(8, model.Options.ReinitHorizon);
    }

    [Fact]
    public void GraphCut_GetsMotionEvidence_UnlessToldOtherwise()
    {
        var (ctx, _, _) = CliRunner.Context();
        using (VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut }, ctx))
        {
            Assert.True(model.Options.MotionEvidence);
            Assert.NotNull(model.Options.DenseMotion);
        }
        using (VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut, MotionEvidence = false }, ctx))
        {
            Assert.False(model.Options.MotionEvidence);
            Assert.Null(model.Options.DenseMotion);
        }
    }

    [Fact]
    public void GraphCut_Redetects_UnlessToldOtherwise()
    {
        var (ctx, _, _) = CliRunner.Context();
        using (VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut }, ctx))
            Assert.True(model.Options.Redetect);
        using (VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut, Redetect = false }, ctx))
            Assert.False(model.Options.Redetect);
    }
}
