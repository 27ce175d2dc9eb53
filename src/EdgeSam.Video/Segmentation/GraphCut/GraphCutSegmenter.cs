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
        return new GraphCutEmbedding(frame, _options, this);
    }

    /// <summary>Object colour models of the appearance references seen so far, by reference identity (dropped with them).</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<AppearanceReference, ColorGmm> _references = new();

    /// <summary>The object colour model of <paramref name="reference"/>'s masked pixels (fitted once, then cached);
    /// null when its mask is empty or of another size than its frame.</summary>
    internal ColorGmm? ReferenceModel(AppearanceReference reference)
    {
        Mask m = reference.Mask;
        RgbImage f = reference.Frame;
        if (m.Width != f.Width || m.Height != f.Height) return null;
        int area = m.Area();
        if (area == 0) return null;
        return _references.GetValue(reference, r =>
        {
            // At most ~4000 samples, as the per-frame fits use.
            int stride = Math.Max(1, area / 4000);
            var samples = new List<float>(3 * (area / stride + 1));
            int seen = 0;
            for (int i = 0; i < r.Mask.Data.Length; i++)
            {
                if (r.Mask.Data[i] == 0 || seen++ % stride != 0) continue;
                samples.Add(r.Frame.Pixels[3 * i]); samples.Add(r.Frame.Pixels[3 * i + 1]); samples.Add(r.Frame.Pixels[3 * i + 2]);
            }
            var gmm = new ColorGmm(_options.GmmComponents);
            gmm.Fit(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(samples));
            return gmm;
        });
    }

    public void Dispose() { }
}
