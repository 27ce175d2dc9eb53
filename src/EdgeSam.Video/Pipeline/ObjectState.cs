using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Pipeline;

/// <summary>A user prompt for one object on one frame, reduced to the mask the object is seeded from.</summary>
internal sealed class FramePrompt
{
    public required Mask Mask { get; init; }

    /// <summary>The clicks (and box) that produced <see cref="Mask"/>, when it came from points; null for a mask prompt.</summary>
    public List<PromptPoint>? Points { get; init; }
    public BoxF? Box { get; init; }
}

/// <summary>Per-object session state: its prompts by frame. Tracking state lives in a propagation run.</summary>
internal sealed class ObjectState(int id)
{
    public int Id { get; } = id;
    public SortedDictionary<int, FramePrompt> Prompts { get; } = new();

    /// <summary>The appearance reference of the object's latest seeding (its prompt frame and mask), kept so walks that
    /// go on from a remembered state use the same reference as the walk that started from the prompt.</summary>
    public Segmentation.AppearanceReference? Reference { get; set; }

    /// <summary>The colour detector of the object's latest seeding (<see cref="VideoSegmenterOptions.Redetect"/>), kept for
    /// the same reason.</summary>
    public ColorRedetector? Detector { get; set; }

    /// <summary>The confidence reference of the object's latest seeding (<see cref="ConfidenceMeter"/>), kept for the
    /// same reason.</summary>
    public ConfidenceReference? ConfidenceReference { get; set; }

    /// <summary>The references of the object's latest seeding from a mask prompt (a user's mask, not clicks), which
    /// walks from corrections keep; null until a walk has seeded from one.</summary>
    public ObjectAnchor? Anchor { get; set; }
}

/// <summary>What a mask prompt taught a walk about the object: the segmenter's appearance reference, the colour
/// detector and the confidence reference.</summary>
internal sealed record ObjectAnchor(Segmentation.AppearanceReference? Reference, ColorRedetector? Detector, ConfidenceReference Confidence);

/// <summary>Where earlier propagations left each object on <see cref="LastFrame"/>, the frame just before a walk's
/// first, so the walk goes on from there without a new prompt (built from the session's remembered states).</summary>
internal sealed class Continuation
{
    public required PropagationDirection Direction { get; init; }
    public required int LastFrame { get; init; }
    public required RgbImage Image { get; init; }
    public required Dictionary<int, ObjectContinuation> Objects { get; init; }
}

internal sealed record ObjectContinuation(PromptPoint[] Points, Mask LastMask, int SeedArea);
