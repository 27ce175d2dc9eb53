using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Cli.Commands.Studio;

/// <summary>One object on one frame as the studio reports it (API, SSE, timeline).</summary>
/// <param name="Id">Object id (1..254).</param>
/// <param name="Area">Mask pixels after overlaps were resolved.</param>
/// <param name="Confidence">In [0, 1]; null when the object has not started on this frame.</param>
/// <param name="Review">True when a person should look at this frame.</param>
/// <param name="Status">The pipeline's <see cref="ObjectStatus"/> (or Prompted for a click's mask).</param>
internal sealed record StudioObjectFrame(int Id, int Area, double? Confidence, bool Review, ObjectStatus Status);

/// <summary>
/// The single place where the studio turns a frame result into a confidence and a review flag: the pipeline's own
/// <see cref="ObjectFrameResult.Confidence"/> (<see cref="ConfidenceModel"/>, the numbers <c>segment</c>'s report.json
/// carries) wherever the frame has one. A result without it falls back to what the result itself says: the segmenter's
/// score (the graph cut's mean tanh(|unary margin|/2), EdgeSAM's stability score, +inf on prompted frames) and the
/// <see cref="ObjectStatus"/>, plus a jump of the mask's area against the object's previous frame in the walk.
/// </summary>
internal static class StudioConfidence
{
    /// <summary>Confidence below which a segmented frame is flagged.</summary>
    public const double ReviewBelow = 0.5;

    /// <summary>A mask that grows or shrinks by more than this factor from one walked frame to the next is flagged
    /// (objects rarely change size that fast; a leak or a collapse does).</summary>
    public const double AreaJump = 2.0;

    /// <param name="r">The object's result on the frame.</param>
    /// <param name="previousArea">Its area on the frame before in the walk, or null at the walk's start.</param>
    public static StudioObjectFrame Of(ObjectFrameResult r, int? previousArea)
    {
        int area = r.Mask.Area();
        if (r.Status != ObjectStatus.NotStarted && r.Confidence is { } fc)
            return new(r.ObjectId, area, fc.Confidence, fc.Review, r.Status);
        switch (r.Status)
        {
            case ObjectStatus.NotStarted:
                return new(r.ObjectId, 0, null, false, r.Status);
            case ObjectStatus.Prompted:
                return new(r.ObjectId, area, 1.0, false, r.Status);
            case ObjectStatus.NoVisiblePositive or ObjectStatus.LowScore:
                return new(r.ObjectId, area, 0.0, true, r.Status);
        }
        double c = float.IsFinite(r.Score) ? Math.Clamp(r.Score, 0f, 1f) : float.IsPositiveInfinity(r.Score) ? 1.0 : 0.0;
        bool jump = previousArea is > 0 && (area > previousArea * AreaJump || area * AreaJump < previousArea);
        bool review = r.Status == ObjectStatus.Recovered || area == 0 || c < ReviewBelow || jump;
        return new(r.ObjectId, area, c, review, r.Status);
    }

    /// <summary>The entry of a mask a person just made with clicks or a box on a frame.</summary>
    public static StudioObjectFrame Prompted(int id, int area) => new(id, area, 1.0, false, ObjectStatus.Prompted);
}
