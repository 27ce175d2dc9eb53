using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Segmentation;

/// <summary>Which of the decoder's masks to return.</summary>
public enum MaskSelection
{
    /// <summary>Mask 0, SAM's single-mask token (multimask_output=False).</summary>
    Single,
    /// <summary>The best of masks 1..3 by the exported stability score.</summary>
    BestStability,
}

/// <summary>
/// One object's prompt on one frame: points (original-image pixels; Positive/Negative labels) and an optional box.
/// <see cref="Prior"/> is the object's previous mask when the caller has one; segmenters that cannot use it
/// (EdgeSAM has no mask input) ignore it.
/// </summary>
public sealed record SegmentationPrompt(IReadOnlyList<PromptPoint> Points, BoxF? Box = null)
{
    public Mask? Prior { get; init; }

    /// <summary>
    /// A frame where the object's mask is known for sure (in a video, the user's prompt), so that segmenters that model
    /// the object's appearance can keep what it looked like there instead of drifting with their own recent results;
    /// others ignore it. The same instance should be passed on every frame: segmenters may cache what they learn from
    /// it by reference.
    /// </summary>
    public AppearanceReference? Reference { get; init; }

    /// <summary>Evidence for the object from cues other than the frame's colours (in a video, motion), per pixel as
    /// log-odds; segmenters that cannot use it (EdgeSAM) ignore it.</summary>
    public ObjectEvidence? Evidence { get; init; }
}

/// <summary>
/// Log-odds (nats; &gt; 0: object) on a grid coarser than the frame: cell (i, j) sits at frame pixel
/// (i * <see cref="Scale"/>, j * <see cref="Scale"/>). <see cref="LogOdds"/> is row-major [<see cref="Height"/>,
/// <see cref="Width"/>]; 0 where there is no evidence.
/// </summary>
public sealed record ObjectEvidence
{
    public ObjectEvidence(int width, int height, float scale, float[] logOdds)
    {
        ArgumentNullException.ThrowIfNull(logOdds);
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"Grid must be at least 1x1 (got {width}x{height}).");
        if (!(scale > 0) || float.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "Scale must be positive and finite.");
        if (logOdds.Length != width * height) throw new ArgumentException($"LogOdds must hold {width}x{height} = {width * height} values (got {logOdds.Length}).", nameof(logOdds));
        Width = width; Height = height; Scale = scale; LogOdds = logOdds;
    }

    public int Width { get; }
    public int Height { get; }
    public float Scale { get; }
    public float[] LogOdds { get; }

    /// <summary>The nearest cell's value at frame position (x, y); 0 off the grid.</summary>
    public float At(float x, float y)
    {
        int i = (int)MathF.Round(x / Scale), j = (int)MathF.Round(y / Scale);
        return (uint)i < (uint)Width && (uint)j < (uint)Height ? LogOdds[j * Width + i] : 0f;
    }
}

/// <summary>An object's mask on one frame, as a reference for its appearance (see <see cref="SegmentationPrompt.Reference"/>).</summary>
public sealed record AppearanceReference(RgbImage Frame, Mask Mask);

/// <summary>A segmentation of one prompt.</summary>
public sealed class SegmentationResult
{
    public required Mask Mask { get; init; }

    /// <summary>The chosen mask's score (EdgeSAM: stability score; NaN where the model gives NaN).</summary>
    public float Score { get; init; }

    /// <summary>Low-resolution logits of the chosen mask, <c>[LowResSize * LowResSize]</c> in the padded 1024 frame
    /// (EdgeSAM: 256x256); null for segmenters without them.</summary>
    public float[]? LowResLogits { get; init; }

    public int LowResSize { get; init; }
}

/// <summary>
/// A prompt-driven segmenter (EdgeSAM, or the weights-free graph cut). Heavy per-frame work happens once in
/// <see cref="Embed"/>; every object and refinement pass on that frame reuses the embedding.
/// </summary>
public interface IPromptSegmenter : IDisposable
{
    string Name { get; }

    IFrameEmbedding Embed(RgbImage frame);
}

/// <summary>A frame's embedding. Dispose it when the frame is done so its buffers can be reused.</summary>
public interface IFrameEmbedding : IDisposable
{
    int Width { get; }
    int Height { get; }

    SegmentationResult Segment(SegmentationPrompt prompt);

    /// <summary>Several prompts on the one embedding (e.g. every object of the frame).</summary>
    IReadOnlyList<SegmentationResult> Segment(IReadOnlyList<SegmentationPrompt> prompts);
}
