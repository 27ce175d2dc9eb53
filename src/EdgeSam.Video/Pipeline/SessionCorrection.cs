using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Pipeline;

/// <summary>The label maps a session's propagations produced, one per frame, that corrections read and rewrite.</summary>
public interface ISessionMasks
{
    /// <summary>The labels of <paramref name="frame"/> as last written.</summary>
    LabelMap Read(int frame);

    /// <summary>Replaces the labels of <paramref name="frame"/> (<paramref name="frameName"/> is the source's name for it).</summary>
    void Write(int frame, string frameName, LabelMap labels);
}

/// <summary>Label maps kept in memory (benchmarks, tests, a server holding a short clip).</summary>
public sealed class MemorySessionMasks(int frameCount) : ISessionMasks
{
    private readonly LabelMap?[] _labels = new LabelMap?[frameCount];

    public LabelMap Read(int frame) =>
        _labels[frame] ?? throw new InvalidOperationException($"Frame {frame} has no labels yet; propagate the session first.");

    public void Write(int frame, string frameName, LabelMap labels) => _labels[frame] = labels;
}

/// <summary>Label maps as palette PNGs named after the source's frames in one folder (<c>segment</c>'s <c>masks/</c>);
/// each write is atomic, so an interrupted correction leaves every frame either old or new, never half written.</summary>
public sealed class FolderSessionMasks(string folder, IFrameSource frames) : ISessionMasks
{
    public string Folder { get; } = folder;

    public string PathOf(int frame) => System.IO.Path.Combine(Folder, frames.FrameName(frame) + ".png");

    public LabelMap Read(int frame)
    {
        string path = PathOf(frame);
        if (!File.Exists(path))
            throw new EdgeSamException($"{path} is missing from the stored session; run segment without --add to segment the video again.");
        LabelMap labels = PngCodec.ReadLabels(path);
        if (labels.Width != frames.Width || labels.Height != frames.Height)
            throw new EdgeSamException($"{path} is {labels.Width}x{labels.Height} but the video is {frames.Width}x{frames.Height}; the stored session belongs to another video.");
        return labels;
    }

    public void Write(int frame, string frameName, LabelMap labels) =>
        PngCodec.WriteLabels(System.IO.Path.Combine(Folder, frameName + ".png"), labels);
}

/// <summary>How a correction's backward walk (from the corrected frame back to the object's previous prompt) is merged
/// with the masks the earlier walk from that prompt left on those frames.</summary>
public enum CorrectionBlend
{
    /// <summary>Every frame of the backward walk replaces the earlier mask (the issue's literal rule).</summary>
    Replace,

    /// <summary>Each frame keeps the walk from the nearer prompt: frames closer to the correction take the backward walk,
    /// those closer to the previous prompt keep theirs. Propagation errors grow with the distance walked from a prompt,
    /// so the nearer prompt's walk is the better estimate of a frame.</summary>
    NearestPrompt,
}

/// <summary>What a correction's decode on the clicked frame is given besides the clicks and the current mask as prior.</summary>
public enum CorrectionPrompt
{
    /// <summary>The box around the current mask and the positive clicks, grown by <see cref="SessionCorrection.BoxMargin"/>
    /// (SAM's refine-with-box-and-clicks).</summary>
    Box,

    /// <summary>The query points a propagation would sample from the current mask (less the disks that negative clicks
    /// carve out of it, and less the points a click contradicts), with no box: the frame's own propagation prompt plus
    /// the user's clicks, so a positive click far outside the mask is not clipped by a box drawn around the mask.</summary>
    QueryPoints,
}

/// <summary>How far a correction click's word reaches into the prior (the object's current mask on the clicked frame).</summary>
public enum ClickExtent
{
    /// <summary>The click is a seed of the decode; a negative click inside the prior also carves the largest disk around
    /// it that stays inside the prior.</summary>
    Point,

    /// <summary>As <see cref="Point"/>, and the click's colour-connected region read against the object's most trusted
    /// prompt (<see cref="ClickRegion"/>) leaves the prior (negative) or joins it (positive).</summary>
    Region,
}

/// <summary>What one correction changed.</summary>
public sealed record CorrectionResult(int ObjectId, int Frame, int FirstFrame, int LastFrame, int ChangedFrames, Mask PromptMask);

/// <summary>
/// The correction loop on a <see cref="VideoSession"/> (SAM 2's add-click-then-propagate): <see cref="Refine"/> turns
/// clicks on one frame into that object's new prompt there, refining its current mask; <see cref="RepropagateAsync"/>
/// re-walks only that object over the frames the new prompt affects (<see cref="VideoSession.AffectedRange"/>) and
/// rewrites only the frames whose labels changed, every other object keeping its pixels. The CLI's <c>segment --add</c>,
/// the interactive benchmark and a UI server all go through here.
/// </summary>
public static class SessionCorrection
{
    /// <summary>
    /// Object <paramref name="objectId"/>'s new prompt on <paramref name="frame"/> from <paramref name="clicks"/> (and
    /// <paramref name="box"/>): clicks already on that frame stay, and the object's current mask there
    /// (<paramref name="current"/>, or the frame's prompt mask when it has one) is the decode's prior. Without a box of the
    /// user's, the box around the current mask and the positive clicks, grown by <see cref="BoxMargin"/> of its size on
    /// each side, bounds the search (SAM's refine-with-box-and-clicks; it also gives a negative-only correction the
    /// extent a point-only graph cut would lack). Returns the prompt's mask.
    /// </summary>
    /// <remarks>A positive click farther from the object's current mask on that frame than the object's radius (or on a
    /// frame where it has no mask) says the object is there and the mask missed it whole, which one click cannot
    /// convey to a colour graph cut (its search extent comes from the positives). So the object's nearest prompt mask
    /// (user-given, the most trusted shape), moved so its centroid sits on the click, joins the prior: the object as
    /// the user last showed it, where the user says it is now.
    /// <para>With <paramref name="extent"/> <see cref="ClickExtent.Region"/> each click also edits the prior by the region
    /// it points at (<see cref="ClickRegion"/>). Measured with the interactive benchmark on the 10 DAVIS 2016 sequences
    /// (round 1, the same start masks for both): the clicked frame's J after one click 0.537 against 0.501 with
    /// <see cref="ClickExtent.Point"/> (seed 0), 0.457 against 0.428 (seed 1) (README, measured figures).</para></remarks>
    public static Mask Refine(VideoSession session, int frame, int objectId, IReadOnlyList<PromptPoint> clicks, BoxF? box, Mask? current,
        CancellationToken cancel = default, CorrectionPrompt mode = CorrectionPrompt.QueryPoints, ClickExtent extent = ClickExtent.Region)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(clicks);
        var existing = session.Prompt(frame, objectId);
        Mask? prior = existing?.Mask is { IsEmpty: false } m && existing?.Points is null ? m : current ?? existing?.Mask;
        if (clicks.FirstOrDefault(c => c.Label == PointLabel.Positive) is { Label: PointLabel.Positive } anchor
            && NearestPromptShape(session, frame, objectId, anchor) is { } shape
            && (prior is not { IsEmpty: false } || DistanceTo(prior, anchor) > Math.Sqrt(shape.Area() / Math.PI)))
        {
            if (prior is { IsEmpty: false })
                for (int i = 0; i < shape.Data.Length; i++) shape.Data[i] |= prior.Data[i];
            prior = shape;
        }
        if (extent == ClickExtent.Region && prior is { IsEmpty: false } && TrustedPrompt(session, frame, objectId) is var (shapeFrame, trusted))
            prior = ClickRegions(session, frame, prior, clicks, shapeFrame, trusted, cancel);
        bool keepClicks = existing?.Points is not null;
        if (mode == CorrectionPrompt.QueryPoints && box is null && prior is { IsEmpty: false })
        {
            IReadOnlyList<PromptPoint> all = keepClicks ? [.. existing!.Value.Points!, .. clicks] : clicks;
            Mask edited = CarveNegatives(prior, all);
            IReadOnlyList<PromptPoint> context = Uncontradicted(session.SampleQueryPoints(frame, objectId, edited, cancel), all);
            if (context.Any(p => p.Label == PointLabel.Positive) || all.Any(p => p.Label == PointLabel.Positive))
                return session.AddPoints(frame, objectId, clicks, keepClicks ? existing!.Value.Box : null, clearOld: !keepClicks, cancel, edited, context);
        }
        BoxF? useBox = box ?? (keepClicks ? existing!.Value.Box : null) ?? GrownBox(prior, clicks, session.Width, session.Height);
        if (useBox is null && !clicks.Any(p => p.Label == PointLabel.Positive) && !(keepClicks && existing!.Value.Points!.Any(p => p.Label == PointLabel.Positive)))
            throw new ArgumentException($"Object {objectId} has no mask on frame {frame} to correct with negative clicks alone; add a positive click or a box.", nameof(clicks));
        return session.AddPoints(frame, objectId, clicks, useBox, clearOld: !keepClicks, cancel, prior);
    }

    /// <summary>
    /// Applies one user prompt: a mask alone replaces the object's prompt on that frame; clicks or a box go through
    /// <see cref="Refine"/> when the object already has a mask there (from <paramref name="current"/>, the session's
    /// labels, or the spec's own mask file), else segment the frame afresh. Returns the prompt's mask.
    /// </summary>
    public static Mask Apply(VideoSession session, PromptSpec spec, ISessionMasks? current, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(spec);
        Mask? given = spec.MaskFile is null ? null : PromptFile.ReadMask(spec.MaskFile, spec.ObjectId, session.Width, session.Height, spec.Origin);
        if (given is not null)
        {
            session.AddMask(spec.Frame, spec.ObjectId, given);
            if (spec.Points.Count == 0 && spec.Box is null) return given;
        }
        bool known = session.ObjectIds.Contains(spec.ObjectId);
        if (given is null && !known && !spec.HasPositive && spec.Box is null)
            throw new EdgeSamException($"{spec.Origin}: object {spec.ObjectId} is unknown{(session.ObjectIds.Count > 0 ? $" (objects: {string.Join(",", session.ObjectIds)})" : "")}; a new object needs a positive click, a box or a mask.");
        Mask? now = given is null && known && current is not null ? current.Read(spec.Frame).MaskOf(spec.ObjectId) : null;
        bool onFrame = session.Prompt(spec.Frame, spec.ObjectId) is not null;
        try
        {
            return given is not null || now is not null || onFrame
                ? Refine(session, spec.Frame, spec.ObjectId, spec.Points, spec.Box, now, cancel)
                : session.AddPoints(spec.Frame, spec.ObjectId, spec.Points, spec.Box, clearOld: true, cancel);
        }
        catch (ArgumentException e)
        {
            throw new EdgeSamException($"{spec.Origin}: {e.Message.Split(" (Parameter")[0]}");
        }
    }

    /// <summary>The object's prompt mask on the prompted frame nearest <paramref name="frame"/> (other than it; earlier
    /// first on ties), shifted so its centroid lies on <paramref name="anchor"/>; null when there is none.</summary>
    private static Mask? NearestPromptShape(VideoSession session, int frame, int objectId, PromptPoint anchor)
    {
        int best = -1;
        foreach (int f in session.PromptFrames(objectId))
            if (f != frame && session.Prompt(f, objectId) is { Mask.IsEmpty: false } && (best < 0 || Math.Abs(f - frame) < Math.Abs(best - frame)))
                best = f;
        if (best < 0) return null;
        Mask m = session.Prompt(best, objectId)!.Value.Mask;
        int area = m.Area();
        double sx = 0, sy = 0;
        for (int i = 0; i < m.Data.Length; i++)
            if (m.Data[i] != 0) { sx += i % m.Width; sy += i / m.Width; }
        int dx = (int)Math.Round(anchor.X - sx / area), dy = (int)Math.Round(anchor.Y - sy / area);
        var moved = new Mask(m.Width, m.Height);
        for (int y = 0; y < m.Height; y++)
        {
            int ty = y + dy;
            if ((uint)ty >= (uint)m.Height) continue;
            for (int x = 0; x < m.Width; x++)
            {
                int tx = x + dx;
                if ((uint)tx < (uint)m.Width && m.Data[y * m.Width + x] != 0) moved.Data[ty * m.Width + tx] = 1;
            }
        }
        return moved.IsEmpty ? null : moved;
    }

    /// <summary>The object's most trusted shape on another frame: its nearest mask prompt (a mask the user gave), else its
    /// nearest prompt of any kind; null when it has none.</summary>
    private static (int Frame, Mask Mask)? TrustedPrompt(VideoSession session, int frame, int objectId)
    {
        int best = -1;
        bool bestGiven = false;
        foreach (int f in session.PromptFrames(objectId))
        {
            if (f == frame || session.Prompt(f, objectId) is not { Mask.IsEmpty: false } p) continue;
            bool given = p.Points is null;
            if (best < 0 || (given && !bestGiven) || (given == bestGiven && Math.Abs(f - frame) < Math.Abs(best - frame)))
                (best, bestGiven) = (f, given);
        }
        return best < 0 ? null : (best, session.Prompt(best, objectId)!.Value.Mask);
    }

    /// <summary>
    /// <paramref name="prior"/> edited by what each click says of the region around it (<see cref="ClickRegion"/>): a
    /// negative click's leak removed (unless that would leave less than <see cref="ClickRegion.MinKeep"/> of the trusted
    /// shape's area), a positive click's missed region added.
    /// </summary>
    private static Mask ClickRegions(VideoSession session, int frame, Mask prior, IReadOnlyList<PromptPoint> clicks, int shapeFrame, Mask trusted, CancellationToken cancel)
    {
        RgbImage image = session.ReadFrame(frame, cancel);
        RgbImage shapeImage = session.ReadFrame(shapeFrame, cancel);
        Mask edited = prior.Clone();
        foreach (PromptPoint c in clicks)
        {
            if (c.Label == PointLabel.Negative)
            {
                Mask leak = ClickRegion.Leak(image, edited, c, shapeImage, trusted);
                // The disk carve (CarveNegatives) reads the click's distance to the prior's outside: take it here, on the
                // prior before the leak goes, so the leak adds to it instead of replacing it.
                Mask carved = CarveNegatives(edited, [c]);
                for (int i = 0; i < leak.Data.Length; i++) if (carved.Data[i] == 0) leak.Data[i] = 1;
                int keep = 0;
                for (int i = 0; i < leak.Data.Length; i++) if (edited.Data[i] != 0 && leak.Data[i] == 0) keep++;
                if (keep >= ClickRegion.MinKeep * trusted.Area())
                    for (int i = 0; i < leak.Data.Length; i++) if (leak.Data[i] != 0) edited.Data[i] = 0;
            }
            else if (c.Label == PointLabel.Positive)
            {
                Mask missed = ClickRegion.Missed(image, edited, c, shapeImage, trusted);
                for (int i = 0; i < missed.Data.Length; i++) edited.Data[i] |= missed.Data[i];
            }
        }
        return edited;
    }

    /// <summary>Distance from <paramref name="p"/> to the nearest pixel of <paramref name="mask"/> (0 inside it).</summary>
    private static double DistanceTo(Mask mask, PromptPoint p)
    {
        double best = double.MaxValue;
        for (int i = 0; i < mask.Data.Length; i++)
        {
            if (mask.Data[i] == 0) continue;
            double dx = i % mask.Width - p.X, dy = i / mask.Width - p.Y;
            best = Math.Min(best, dx * dx + dy * dy);
        }
        return Math.Sqrt(best);
    }

    /// <summary>
    /// <paramref name="prior"/> without, for each negative click inside it, the largest disk around the click that
    /// stays inside it (radius: the click's distance to the mask's outside): the user said that region is not the
    /// object, so neither the prior's soft unary nor the query points sampled from it may claim it.
    /// </summary>
    internal static Mask CarveNegatives(Mask prior, IReadOnlyList<PromptPoint> clicks)
    {
        Mask result = prior.Clone();
        int w = prior.Width, h = prior.Height;
        foreach (PromptPoint c in clicks)
        {
            if (c.Label != PointLabel.Negative) continue;
            int cx = (int)MathF.Round(c.X), cy = (int)MathF.Round(c.Y);
            if (!prior[cx, cy]) continue;
            float r = DistanceToOutside(prior, cx, cy);
            int ri = (int)MathF.Ceiling(r);
            for (int y = Math.Max(0, cy - ri); y <= Math.Min(h - 1, cy + ri); y++)
                for (int x = Math.Max(0, cx - ri); x <= Math.Min(w - 1, cx + ri); x++)
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) result.Data[y * w + x] = 0;
        }
        return result;
    }

    /// <summary>Distance from (<paramref name="cx"/>, <paramref name="cy"/>) to the nearest pixel outside
    /// <paramref name="mask"/> (the frame's outside included), searched in growing squares.</summary>
    private static float DistanceToOutside(Mask mask, int cx, int cy)
    {
        int w = mask.Width, h = mask.Height;
        float best = float.MaxValue;
        for (int r = 1; r < Math.Max(w, h) + 1 && r <= best; r++)
        {
            for (int dy = -r; dy <= r; dy++)
                for (int dx = -r; dx <= r; dx++)
                {
                    if (Math.Abs(dx) != r && Math.Abs(dy) != r) continue;
                    int x = cx + dx, y = cy + dy;
                    bool outside = x < 0 || y < 0 || x >= w || y >= h || mask.Data[y * w + x] == 0;
                    if (outside) best = Math.Min(best, MathF.Sqrt(dx * dx + dy * dy));
                }
        }
        return best == float.MaxValue ? 0 : best;
    }

    /// <summary>The sampled query points minus those a click contradicts: a sampled negative nearer to a positive click
    /// than <see cref="ContradictionRadius"/>, a sampled positive as near to a negative click.</summary>
    private static IReadOnlyList<PromptPoint> Uncontradicted(IReadOnlyList<PromptPoint> sampled, IReadOnlyList<PromptPoint> clicks) =>
        sampled.Where(p => !clicks.Any(c => c.Label != p.Label
            && (c.X - p.X) * (c.X - p.X) + (c.Y - p.Y) * (c.Y - p.Y) < ContradictionRadius * ContradictionRadius)).ToList();

    /// <summary>Pixels around a click within which sampled points of the other label are dropped.</summary>
    public const float ContradictionRadius = 20f;

    /// <summary>Fraction of the current mask's box size added on each side of the correction's box.</summary>
    public const float BoxMargin = 0.1f;

    private static BoxF? GrownBox(Mask? prior, IReadOnlyList<PromptPoint> clicks, int width, int height)
    {
        if (prior?.BoundingBox() is not var (x0, y0, x1, y1)) return null;
        float bx0 = x0, by0 = y0, bx1 = x1, by1 = y1;
        foreach (PromptPoint p in clicks)
            if (p.Label == PointLabel.Positive)
            {
                bx0 = Math.Min(bx0, p.X); by0 = Math.Min(by0, p.Y);
                bx1 = Math.Max(bx1, p.X); by1 = Math.Max(by1, p.Y);
            }
        float mx = BoxMargin * (bx1 - bx0 + 1), my = BoxMargin * (by1 - by0 + 1);
        return new BoxF(Math.Max(0, bx0 - mx), Math.Max(0, by0 - my), Math.Min(width - 1, bx1 + mx), Math.Min(height - 1, by1 + my));
    }

    /// <summary>
    /// Re-walks object <paramref name="objectId"/> from its prompt on <paramref name="frame"/> forward to just before its
    /// next prompt and backward to just after its previous one (merged as <paramref name="blend"/> says), and writes
    /// into <paramref name="masks"/> each frame whose labels changed. On such a frame the object's old pixels are
    /// cleared and its new mask is drawn over the other objects (the correction is the user's latest word), except where
    /// another object holds a prompt on that frame (a prompt always wins, as in propagation).
    /// <paramref name="onChanged"/> is called right after each changed frame is written, with the walk's result for the
    /// object (status, score, points) and the frame's new labels: the one place that sees every rewritten frame (a
    /// report of per-frame confidence updates its entries there).
    /// </summary>
    /// <remarks>
    /// With <paramref name="settleIoU"/> above 0 each walk stops at the first frame (after the corrected one) where the
    /// object's new mask and its stored one agree to that IoU: from there on the correction no longer changes what the
    /// object looks like, and walking further would only replace masks the earlier walk already had right with another
    /// draw of the same propagation (a graph-cut run's masks swing with its sampler; the stored ones are the kept
    /// draw). 0 walks the whole affected range.
    /// <para>
    /// With <paramref name="report"/> (the per-frame confidence of the masks now stored, <see cref="SegmentationReport"/>)
    /// a walked frame other than the corrected one replaces the stored mask only where its confidence is not below the
    /// stored one's, and the report takes the entries of the frames written. A walk from a correction starts from
    /// another state (the sampler's seeds are fixed per frame, the tracked points are not), and on a hard stretch it can
    /// come out worse than the walk it would replace; the confidence estimates
    /// P(J &gt;= 0.5) for both from the same reference (the object's mask prompt, which walks from corrections keep), so
    /// the pipeline's own estimate decides, with no ground truth. Measured on the four hardest DAVIS 2016 sequences,
    /// three robot clicks each: J&amp;F after round 3 0.498 against 0.383 with every frame replaced and the correction as the
    /// walk's reference (README, measured figures).
    /// </para>
    /// </remarks>
    public static async Task<CorrectionResult> RepropagateAsync(VideoSession session, int objectId, int frame, ISessionMasks masks,
        CorrectionBlend blend = CorrectionBlend.NearestPrompt, Action<FrameResult, LabelMap>? onChanged = null, CancellationToken cancel = default,
        double settleIoU = DefaultSettleIoU, SegmentationReport? report = null)
    {
        if (settleIoU is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(settleIoU), settleIoU, "Must be in [0, 1].");
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(masks);
        var prompt = session.Prompt(frame, objectId)
            ?? throw new ArgumentException($"Object {objectId} has no prompt on frame {frame}; add one (Refine, AddPoints, AddMask) before re-propagating.", nameof(frame));
        var (first, last) = session.AffectedRange(objectId, frame);
        int previousPrompt = first - 1; // -1 when there is none: every frame before is nearer the correction
        int changed = 0;
        int[] only = [objectId];

        // True when the walk has settled onto the stored masks (see settleIoU) and should stop.
        bool Merge(FrameResult r)
        {
            LabelMap old = masks.Read(r.FrameIndex);
            if (settleIoU > 0 && r.FrameIndex != frame && Iou(old, r.Object(objectId)?.Mask, objectId) >= settleIoU) return true;
            if (report is not null && r.FrameIndex != frame
                && report.Entry(r.FrameIndex, objectId) is { } was && r.Object(objectId)?.Confidence is { } now
                && now.Confidence < was.Confidence)
                return false;
            LabelMap merged = Compose(session, old, r, objectId);
            if (merged.Data.AsSpan().SequenceEqual(old.Data)) return false;
            masks.Write(r.FrameIndex, r.FrameName, merged);
            report?.Merge(r);
            changed++;
            onChanged?.Invoke(r, merged);
            return false;
        }

        await foreach (FrameResult r in session.Propagate(frame, PropagationDirection.Forward, last - frame + 1, cancel: cancel, objectIds: only))
            if (Merge(r)) break;
        if (frame > first)
        {
            await foreach (FrameResult r in session.Propagate(frame, PropagationDirection.Backward, frame - first + 1, cancel: cancel, objectIds: only))
            {
                if (r.FrameIndex == frame) continue; // the forward walk wrote it
                if (blend == CorrectionBlend.NearestPrompt && previousPrompt >= 0 && r.FrameIndex - previousPrompt <= frame - r.FrameIndex) break;
                if (Merge(r)) break;
            }
        }
        return new CorrectionResult(objectId, frame, first, last, changed, prompt.Mask);
    }

    /// <summary>Default <c>settleIoU</c> of <see cref="RepropagateAsync"/>.</summary>
    public const double DefaultSettleIoU = 0.9;

    private static double Iou(LabelMap old, Mask? mask, int objectId)
    {
        if (mask is null) return 0;
        long inter = 0, union = 0;
        byte id = (byte)objectId;
        for (int i = 0; i < mask.Data.Length; i++)
        {
            bool a = old.Data[i] == id, b = mask.Data[i] != 0;
            if (a && b) inter++;
            if (a || b) union++;
        }
        return union == 0 ? 1 : inter / (double)union;
    }

    /// <summary><paramref name="old"/> with object <paramref name="objectId"/>'s pixels replaced by its mask in
    /// <paramref name="r"/>; see <see cref="RepropagateAsync"/> for who wins a pixel.</summary>
    private static LabelMap Compose(VideoSession session, LabelMap old, FrameResult r, int objectId)
    {
        if (old.Width != session.Width || old.Height != session.Height)
            throw new InvalidOperationException($"Stored labels of frame {r.FrameIndex} are {old.Width}x{old.Height}, the video is {session.Width}x{session.Height}.");
        Mask mask = r.Object(objectId)?.Mask ?? throw new InvalidOperationException($"The walk returned no result for object {objectId}.");
        var data = (byte[])old.Data.Clone();
        byte id = (byte)objectId;
        for (int i = 0; i < data.Length; i++)
            if (data[i] == id) data[i] = 0;
        // Other objects' prompt masks on this frame keep their pixels.
        Mask? held = null;
        foreach (int other in session.ObjectIds)
        {
            if (other == objectId || session.Prompt(r.FrameIndex, other) is not { } p) continue;
            held ??= new Mask(session.Width, session.Height);
            for (int i = 0; i < data.Length; i++) held.Data[i] |= p.Mask.Data[i];
        }
        byte[] m = mask.Data;
        for (int i = 0; i < data.Length; i++)
            if (m[i] != 0 && (held is null || held.Data[i] == 0)) data[i] = id;
        return new LabelMap(old.Width, old.Height, data);
    }
}
