using EdgeSam.Video.Media;

namespace EdgeSam.Video.Segmentation.GraphCut;

/// <summary>
/// A weights-free prompt segmenter in the GrabCut spirit (Rother et al. 2004): colour GMMs for object and background,
/// a contrast-sensitive 8-neighbour smoothness term, hard seeds at the prompt points, and everything outside the box
/// (or the positives' grown extent) held as background; solved by <see cref="BkMaxFlow"/> at a reduced resolution and
/// refined at full resolution in a narrow band around the boundary. Same contract as EdgeSAM: the pipeline cannot
/// tell them apart.
/// </summary>
/// <remarks>
/// Prompt handling: <see cref="Prompts.PointLabel.Positive"/> and <see cref="Prompts.PointLabel.Negative"/> points are
/// seeds; <see cref="Prompts.PointLabel.BoxTopLeft"/>/<see cref="Prompts.PointLabel.BoxBottomRight"/> pairs act as a box
/// when <see cref="SegmentationPrompt.Box"/> is absent; padding points are ignored. Points outside the frame (or NaN)
/// are ignored, not clamped: a tracker's point that left the frame says nothing about pixels at the border. With no
/// positive point and no box the mask is empty (Score 0). <see cref="SegmentationPrompt.Prior"/>, when given and of
/// the frame's size, seeds both colour models and adds a soft unary term.
/// Score: the mean over the region of interest of tanh(|unary margin| / 2) (0 = colours say nothing, 1 = certain).
/// Single-threaded; one embedding must not be used from two threads at once.
/// </remarks>
public sealed class GraphCutSegmenter : IPromptSegmenter
{
    private readonly GraphCutOptions _options;

    public GraphCutSegmenter(GraphCutOptions? options = null)
    {
        _options = options ?? GraphCutOptions.Default;
        _options.Validate();
    }

    public string Name => "graphcut";

    public GraphCutOptions Options => _options;

    public IFrameEmbedding Embed(RgbImage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return new GraphCutEmbedding(frame, _options);
    }

    public void Dispose() { }
}
