using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Pipeline;

/// <summary>What happened to one object on one frame.</summary>
public enum ObjectStatus
{
    /// <summary>The propagation has not reached a prompt for this object yet (it appears later in the direction of
    /// travel, as YouTube-VOS objects do). The mask is empty.</summary>
    NotStarted,

    /// <summary>The frame holds the user's prompt for the object; the mask is the prompt's mask.</summary>
    Prompted,

    /// <summary>Segmented from the tracked points (the mask may still be empty if the segmenter found nothing).</summary>
    Segmented,

    /// <summary>Empty because none of the object's positive points is visible on this frame.</summary>
    NoVisiblePositive,

    /// <summary>Empty because the segmenter's score fell below <see cref="VideoSegmenterOptions.MinMaskScore"/>.</summary>
    LowScore,

    /// <summary>None of the object's positive points is visible, but <see cref="VideoSegmenterOptions.RecoverLostObjects"/>
    /// found it again on this frame and <see cref="VideoSegmenterOptions.ShowRecovered"/> is on: the mask is that
    /// decode (and the points were re-sampled from it).</summary>
    Recovered,
}

/// <summary>One of an object's query points on a frame: tracked position, label, the tracker's visibility score and
/// whether it counted as visible (was given to the segmenter).</summary>
public readonly record struct TrackedPromptPoint(float X, float Y, PointLabel Label, float Visibility, bool Visible);

/// <summary>One object on one frame.</summary>
public sealed class ObjectFrameResult
{
    public required int ObjectId { get; init; }

    public required ObjectStatus Status { get; init; }

    /// <summary>The object's pixels after overlaps were resolved (exactly the pixels of <see cref="ObjectId"/> in
    /// <see cref="FrameResult.Labels"/>).</summary>
    public required Mask Mask { get; init; }

    /// <summary>The segmenter's mask before overlap resolution (what re-initialisation samples from).</summary>
    public required Mask RawMask { get; init; }

    /// <summary>Segmenter score of the mask (NaN when there is none; +infinity on prompted frames).</summary>
    public float Score { get; init; }

    /// <summary>The object's own query points on this frame (positives first); empty when not started.</summary>
    public required IReadOnlyList<TrackedPromptPoint> Points { get; init; }

    /// <summary>True when the points were re-sampled from this frame's mask (the tracker restarts here).</summary>
    public bool Reinitialized { get; init; }

    /// <summary>How far to trust <see cref="Mask"/> and whether a person should review it (<see cref="ConfidenceModel"/>);
    /// null while the object has not started.</summary>
    public FrameConfidence? Confidence { get; init; }
}

/// <summary>
/// Every object on one frame, as a propagation yields it. Objects appear in ascending id order;
/// <see cref="Labels"/> has every pixel assigned to at most one object (see <see cref="VideoSession"/> for the rule).
/// </summary>
public sealed class FrameResult
{
    /// <summary>Index of the frame in the source.</summary>
    public required int FrameIndex { get; init; }

    /// <summary>The source's name for this frame (<see cref="IFrameSource.FrameName"/>), used to name outputs.</summary>
    public required string FrameName { get; init; }

    /// <summary>The decoded frame (for previews and overlays). Shared with the pipeline: do not modify it.</summary>
    public required RgbImage Image { get; init; }

    /// <summary>Object id per pixel (0 = background), overlaps resolved.</summary>
    public required LabelMap Labels { get; init; }

    public required IReadOnlyList<ObjectFrameResult> Objects { get; init; }

    /// <summary>The result of object <paramref name="objectId"/>, or null when the session has no such object.</summary>
    public ObjectFrameResult? Object(int objectId)
    {
        foreach (ObjectFrameResult o in Objects)
            if (o.ObjectId == objectId) return o;
        return null;
    }
}
