using System.Diagnostics;
using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// The SAM-PT algorithm over one walk through the frames (one <see cref="VideoSession.Propagate"/> call), fed frame by
/// frame in the direction of travel with each frame's embedding. Single-threaded: the pipeline's processing stage
/// owns it. Frames are held only while some object's result on them may still change (one re-init window at most).
/// </summary>
internal sealed class PropagationRun : IDisposable
{
    private sealed class ObjResult
    {
        public ObjectStatus Status;
        public Mask? Raw;
        public float Score = float.NaN;
        public TrackedPromptPoint[] Points = [];
        public bool Reinit;
        /// <summary>The decode disagreed with the carried previous mask, which was kept instead: not a mask to
        /// re-sample points from.</summary>
        public bool Held;
        /// <summary>Median motion of the visible points onto this frame (what the previous mask is carried by for
        /// <see cref="ConfidenceMeter"/>).</summary>
        public float MotionX, MotionY;
        /// <summary>A recovery or re-detection (re-seeding the object) happened on this frame.</summary>
        public ObjectEvent Found;
    }

    private sealed class Slot(int step, int frame, RgbImage image, IFrameEmbedding embedding, int objects)
    {
        public int Step { get; } = step;
        public int Frame { get; } = frame;
        public RgbImage Image { get; } = image;
        public IFrameEmbedding Embedding { get; } = embedding;
        public ObjResult[] Results { get; } = new ObjResult[objects];
    }

    private sealed class ObjRun(ObjectState state)
    {
        public ObjectState State { get; } = state;
        public bool Active;
        public IPointTrack? Track;
        public PromptPoint[] Points = [];
        public Mask? Prev;
        /// <summary>The frame <see cref="Prev"/> belongs to.</summary>
        public RgbImage? PrevImage;
        /// <summary>The object's prompted mask, for segmenters that keep its appearance.</summary>
        public AppearanceReference? Reference;
        /// <summary>Finds the object by its prompt's colours when it is lost (<see cref="VideoSegmenterOptions.Redetect"/>).</summary>
        public ColorRedetector? Detector;
        /// <summary>Per-frame confidence features, fed in emit order.</summary>
        public ConfidenceMeter Meter { get; } = new();
        /// <summary>Median displacement of the visible points on the latest tracker step (pixels).</summary>
        public float MotionX, MotionY;
        public int StepsSinceSeed;
        /// <summary>How many of <see cref="Points"/> (the last ones) are the user's clicks of the prompt this walk started
        /// from, tracked as query points (<see cref="VideoSegmenterOptions.TrackClicks"/>).</summary>
        public int Clicks;
        /// <summary>Step where the current re-init window starts (the seed); results after it are provisional in
        /// <see cref="ReinitMode.OnSimilarMaskArea"/>.</summary>
        public int WindowStart;
        public int SeedArea;
        /// <summary>Results at steps &lt;= this are final.</summary>
        public int FinalStep;

        public void Stop()
        {
            Track?.Dispose();
            Track = null;
            Active = false;
            Points = [];
            Prev = null;
            PrevImage = null;
            Reference = null;
            Detector = null;
        }
    }

    private readonly VideoSegmenterOptions _options;
    private readonly IPointTracker _tracker;
    private readonly QueryPointSampler _sampler;
    private readonly MaskMotionEstimator _motion = new();
    private readonly ObjRun[] _objects;
    private readonly List<Slot> _pending = new();
    private readonly PropagationStats _stats;
    private readonly Func<int, string> _frameName;
    private readonly int _width, _height;
    private int _step;
    private readonly Dictionary<int, ObjectContinuation> _lastState = new();
    /// <summary>Called on the processing thread with each final frame's per-object state (the dictionary is reused:
    /// copy what you keep).</summary>
    private readonly Action<int, IReadOnlyDictionary<int, ObjectContinuation>>? _stateRecorded;

    public PropagationRun(VideoSegmenterOptions options, IPointTracker tracker, IReadOnlyList<ObjectState> objects,
        Continuation? continuation, int width, int height, Func<int, string> frameName, PropagationStats stats,
        Action<int, IReadOnlyDictionary<int, ObjectContinuation>>? stateRecorded = null)
    {
        _stateRecorded = stateRecorded;
        _options = options;
        _tracker = tracker;
        _sampler = options.EffectiveSampler;
        _stats = stats;
        _width = width;
        _height = height;
        _frameName = frameName;
        _objects = objects.Select(o => new ObjRun(o)).ToArray();
        if (continuation is not null)
        {
            foreach (ObjRun o in _objects)
                if (continuation.Objects.TryGetValue(o.State.Id, out ObjectContinuation? c))
                    Resume(o, continuation, c);
        }
    }

    /// <summary>Processes the next frame of the walk; appends the frames that became final to <paramref name="ready"/>.
    /// Takes ownership of <paramref name="embedding"/>.</summary>
    public void Process(int frame, RgbImage image, IFrameEmbedding embedding, List<FrameResult> ready)
    {
        if (embedding.Width != image.Width || embedding.Height != image.Height)
            throw new InvalidOperationException($"Embedding is {embedding.Width}x{embedding.Height} for a {image.Width}x{image.Height} frame.");
        var slot = new Slot(_step++, frame, image, embedding, _objects.Length);
        _pending.Add(slot);

        // 1. Seed objects prompted here; move every other active object's points onto this frame.
        var toSegment = new List<int>();
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < _objects.Length; i++)
        {
            ObjRun o = _objects[i];
            if (o.State.Prompts.TryGetValue(frame, out FramePrompt? prompt))
                slot.Results[i] = Seed(o, slot, prompt);
            else if (o.Active)
            {
                slot.Results[i] = Tracked(o, image);
                toSegment.Add(i);
            }
            else
                slot.Results[i] = new ObjResult { Status = ObjectStatus.NotStarted };
        }
        _stats.AddTrack(Stopwatch.GetTimestamp() - t0);

        // 2. Segment the tracked objects, all on the one embedding.
        SegmentObjects(slot, toSegment);

        // 3. Re-initialisation.
        foreach (int i in toSegment)
        {
            ObjRun o = _objects[i];
            switch (_options.Reinit)
            {
                case ReinitMode.None:
                    o.FinalStep = slot.Step;
                    break;
                case ReinitMode.Every:
                    // A mask too small to sample from keeps the old points; retried on every later frame until one is usable.
                    if ((o.StepsSinceSeed >= _options.ReinitHorizon || VisiblePositiveFraction(slot.Results[i]) < _options.ReinitBelowVisibleFraction)
                        && TryReseed(o, slot, i))
                        slot.Results[i].Reinit = true;
                    else if (_options.RecoverLostObjects && slot.Results[i].Status == ObjectStatus.NoVisiblePositive
                        && TryRecover(o, slot, i))
                        (slot.Results[i].Reinit, slot.Results[i].Found) = (true, ObjectEvent.Recovered);
                    else if (_options.Redetect && (IsLost(slot.Results[i]) || LooksWrong(o, slot, slot.Results[i])) && TryRedetect(o, slot, i))
                        (slot.Results[i].Reinit, slot.Results[i].Found) = (true, ObjectEvent.Redetected);
                    o.FinalStep = slot.Step;
                    break;
                case ReinitMode.OnSimilarMaskArea:
                    if (slot.Step - o.WindowStart >= _options.ReinitHorizon - 1)
                        DecideSimilarArea(o, i, slot.Step);
                    break;
            }
        }

        Emit(ready, final: false);
    }

    /// <summary>The walk ended: every held frame is final.</summary>
    public void Finish(List<FrameResult> ready) => Emit(ready, final: true);

    public void Dispose()
    {
        foreach (ObjRun o in _objects) o.Stop();
        foreach (Slot s in _pending) s.Embedding.Dispose();
        _pending.Clear();
    }

    /// <summary>The references a walk seeding from the mask prompt <paramref name="mask"/> on <paramref name="image"/>
    /// would build (so a session reopened from disk, or one whose walks have not reached the prompt yet, anchors its
    /// corrections as a session that walked from it does).</summary>
    internal static ObjectAnchor MakeAnchor(VideoSegmenterOptions options, RgbImage image, Mask mask)
    {
        AppearanceReference? reference = options.ReferenceAppearance ? new AppearanceReference(image, mask) : null;
        ColorRedetector? detector = options.Redetect && mask.Area() < mask.Data.Length ? new ColorRedetector(image, mask) : null;
        return new ObjectAnchor(reference, detector, new ConfidenceReference(image, mask, detector));
    }

    private ObjResult Seed(ObjRun o, Slot slot, FramePrompt prompt)
    {
        Mask mask = prompt.Mask;
        o.Stop();
        int area = mask.Area();
        var result = new ObjResult { Status = ObjectStatus.Prompted, Raw = mask, Score = float.PositiveInfinity };
        o.FinalStep = slot.Step;
        o.WindowStart = slot.Step;
        if (area == 0) return result; // the prompt says the object is absent from here on
        PromptPoint[] points = Sample(mask, slot.Image, slot.Frame, o.State.Id);
        if (!HasPositive(points)) return result;
        StartTrack(o, slot.Image, points, _options.TrackClicks ? prompt.Points : null);
        o.Prev = mask;
        o.PrevImage = slot.Image;
        if (prompt.Points is not null && o.State.Anchor is { } anchor)
        {
            // A prompt made from clicks (a correction) is a guess at the object's shape; the user's mask prompt is what
            // the object looks like. Walks from a correction keep that mask's colours as their reference (so a
            // correction that missed part of the object, or took in some background, does not teach the walk those
            // colours), and their confidence is measured against the same reference as the walks they may replace.
            o.Reference = _options.ReferenceAppearance ? anchor.Reference : null;
            o.Detector = _options.Redetect ? anchor.Detector : null;
            o.State.ConfidenceReference = anchor.Confidence;
        }
        else
        {
            o.Reference = _options.ReferenceAppearance ? new AppearanceReference(slot.Image, mask) : null;
            o.Detector = _options.Redetect && area < mask.Data.Length ? new ColorRedetector(slot.Image, mask) : null;
            o.State.ConfidenceReference = new ConfidenceReference(slot.Image, mask, o.Detector);
            if (prompt.Points is null) o.State.Anchor = new ObjectAnchor(o.Reference, o.Detector, o.State.ConfidenceReference);
        }
        o.State.Reference = o.Reference;
        o.State.Detector = o.Detector;
        o.SeedArea = area;
        result.Points = Snapshot(points, null);
        return result;
    }

    private void Resume(ObjRun o, Continuation c, ObjectContinuation oc)
    {
        PromptPoint[] points = oc.Points;
        int seedArea = oc.SeedArea;
        if (_options.Reinit != ReinitMode.None)
        {
            int area = oc.LastMask.Area();
            if (area > _options.MinReinitArea)
            {
                PromptPoint[] fresh = Sample(oc.LastMask, c.Image, c.LastFrame, o.State.Id);
                if (HasPositive(fresh)) { points = fresh; seedArea = area; }
            }
        }
        StartTrack(o, c.Image, points);
        o.Prev = oc.LastMask;
        o.PrevImage = c.Image;
        o.Reference = _options.ReferenceAppearance ? o.State.Reference : null;
        o.Detector = _options.Redetect ? o.State.Detector : null;
        o.SeedArea = seedArea;
        o.Meter.Start(o.State.ConfidenceReference, oc.LastMask);
        o.WindowStart = -1; // the continuation frame plays the seed, one step before this walk's first frame
        o.FinalStep = -1;
    }

    /// <summary>Starts tracking <paramref name="points"/> followed by the user's <paramref name="clicks"/> (none by default:
    /// a seed from a mask alone, a recovery or a re-detection starts from sampled points only).</summary>
    private void StartTrack(ObjRun o, RgbImage image, PromptPoint[] points, IReadOnlyList<PromptPoint>? clicks = null)
    {
        if (clicks is { Count: > 0 }) points = [.. points, .. clicks];
        // One query set per object, positives and negatives together. Two sets (so a tracker that fits one group motion
        // per set, like lk, fits the object's and the background's apart) scored lower: J&F 0.559 / 0.571 on sampler
        // seeds 0 / 1 against 0.570 / 0.613 (graph cut + lk, 10 DAVIS 2016 val; libby 0.47 / 0.54 -> 0.34 / 0.38). Why
        // is not established; the graph cut's negatives lie in a band next to the object, where much moves with it.
        o.Track?.Dispose();
        var xy = new (float X, float Y)[points.Length];
        for (int k = 0; k < points.Length; k++) xy[k] = (points[k].X, points[k].Y);
        o.Track = _tracker.Start(image, xy);
        o.Points = points;
        o.Clicks = clicks?.Count ?? 0;
        o.Active = true;
        o.StepsSinceSeed = 0;
    }

    private ObjResult Tracked(ObjRun o, RgbImage image)
    {
        TrackedPromptPoint[] points = StepTrack(o, image);
        return new ObjResult { Points = points, MotionX = o.MotionX, MotionY = o.MotionY };
    }

    private TrackedPromptPoint[] StepTrack(ObjRun o, RgbImage image)
    {
        TrackedPoint[] tp = o.Track!.Step(image);
        if (tp.Length != o.Points.Length)
            throw new InvalidOperationException($"Tracker '{_tracker.Name}' returned {tp.Length} points for {o.Points.Length}.");
        var moved = new PromptPoint[tp.Length];
        for (int k = 0; k < tp.Length; k++) moved[k] = new PromptPoint(tp[k].X, tp[k].Y, o.Points[k].Label);
        var dx = new List<float>(tp.Length);
        var dy = new List<float>(tp.Length);
        for (int k = 0; k < tp.Length; k++)
        {
            if (tp[k].Visibility < _tracker.VisibilityThreshold) continue;
            dx.Add(tp[k].X - o.Points[k].X);
            dy.Add(tp[k].Y - o.Points[k].Y);
        }
        if (dx.Count == 0)
            for (int k = 0; k < tp.Length; k++)
            {
                // No visible point: the tracker's guesses (lost points move with their neighbours) are all there is.
                dx.Add(tp[k].X - o.Points[k].X);
                dy.Add(tp[k].Y - o.Points[k].Y);
            }
        (o.MotionX, o.MotionY) = dx.Count == 0 ? (0f, 0f) : (Median(dx), Median(dy));
        o.Points = moved;
        o.StepsSinceSeed++;
        return Snapshot(moved, tp);
    }

    private TrackedPromptPoint[] Snapshot(PromptPoint[] points, TrackedPoint[]? tracked)
    {
        var s = new TrackedPromptPoint[points.Length];
        float threshold = _tracker.VisibilityThreshold;
        for (int k = 0; k < points.Length; k++)
        {
            float v = tracked?[k].Visibility ?? 1f;
            s[k] = new TrackedPromptPoint(points[k].X, points[k].Y, points[k].Label, v, tracked is null || v >= threshold);
        }
        return s;
    }

    private void SegmentObjects(Slot slot, IReadOnlyList<int> indices)
    {
        if (indices.Count == 0) return;
        var requests = new List<PromptRefiner.Request>(indices.Count);
        var asked = new List<int>(indices.Count);
        var carriedOf = new List<Mask?>(indices.Count);
        foreach (int i in indices)
        {
            ObjResult r = slot.Results[i];
            var points = new List<PromptPoint>();
            bool anyPositive = false;
            foreach (TrackedPromptPoint p in r.Points)
            {
                if (!p.Visible) continue;
                points.Add(new PromptPoint(p.X, p.Y, p.Label));
                anyPositive |= p.Label == PointLabel.Positive;
            }
            if (!anyPositive)
            {
                // SAM-PT: no visible point, no mask. Negatives alone would make the decoder guess an arbitrary object.
                r.Status = ObjectStatus.NoVisiblePositive;
                r.Raw = new Mask(_width, _height);
                // The prior and a recovery go on from the last mask seen, carried along with the object's motion.
                _objects[i].Prev = _objects[i].Prev is { IsEmpty: false } ? Carry(_objects[i], slot.Image) : r.Raw;
                _objects[i].PrevImage = slot.Image;
                continue;
            }
            Mask? carried = (_options.PreviousMaskAsPrior || _options.PointGate > 0 || _options.MinPriorAgreement > 0 || _options.MotionEvidence) && _objects[i].Prev is { IsEmpty: false }
                ? Carry(_objects[i], slot.Image) : null;
            if (carried is not null && _options.PointGate > 0)
                GatePoints(points, carried, _options.PointGate);
            if (_options.OtherObjectsPositivesAsNegatives)
                AddOtherObjectsNegatives(slot, i, points);
            Mask? prior = _options.PreviousMaskAsPrior ? carried : null;
            ObjectEvidence? evidence = _options.MotionEvidence && carried is not null ? MotionEvidenceOf(_objects[i], slot.Image, carried) : null;
            requests.Add(new PromptRefiner.Request(points, null, prior, _objects[i].Reference, evidence));
            asked.Add(i);
            carriedOf.Add(carried);
        }
        var results = PromptRefiner.Run(slot.Embedding, requests, _options.RefinementPasses, _stats);
        for (int k = 0; k < asked.Count; k++)
        {
            int i = asked[k];
            ObjResult r = slot.Results[i];
            (Mask mask, float score) = results[k];
            if (score < _options.MinMaskScore) // false for NaN
            {
                r.Status = ObjectStatus.LowScore;
                r.Raw = new Mask(_width, _height);
            }
            else
            {
                r.Status = ObjectStatus.Segmented;
                r.Raw = mask;
                if (_options.MinPriorAgreement > 0 && carriedOf[k] is { } carried && IoU(mask, carried) < _options.MinPriorAgreement)
                {
                    r.Raw = carried;
                    r.Held = true;
                }
            }
            r.Score = score;
            _objects[i].Prev = r.Raw;
            _objects[i].PrevImage = slot.Image;
        }
    }

    private void AddOtherObjectsNegatives(Slot slot, int self, List<PromptPoint> points)
    {
        int budget = _options.MaxOtherObjectsPositives ?? int.MaxValue;
        for (int j = 0; j < slot.Results.Length && budget > 0; j++)
        {
            if (j == self || slot.Results[j] is not { } other) continue;
            foreach (TrackedPromptPoint p in other.Points)
            {
                if (budget == 0) break;
                if (!p.Visible || p.Label != PointLabel.Positive) continue;
                points.Add(new PromptPoint(p.X, p.Y, PointLabel.Negative));
                budget--;
            }
        }
    }

    /// <summary>Re-samples <paramref name="o"/>'s points from its mask on <paramref name="slot"/> and restarts the
    /// tracker there; false (nothing changed) when the mask is too small to sample from.</summary>
    private bool TryReseed(ObjRun o, Slot slot, int index)
    {
        Mask? raw = slot.Results[index].Raw;
        if (raw is null || slot.Results[index].Held) return false;
        int area = raw.Area();
        if (area <= _options.MinReinitArea) return false;
        long t0 = Stopwatch.GetTimestamp();
        PromptPoint[] points = Sample(raw, slot.Image, slot.Frame, o.State.Id);
        if (!HasPositive(points)) return false;
        // The user's clicks stay query points for the whole walk while the tracker sees them: a re-initialisation
        // re-samples what the masks say, and the clicks say what the masks got wrong.
        var clicks = new List<PromptPoint>(o.Clicks);
        TrackedPromptPoint[] now = slot.Results[index].Points;
        for (int k = now.Length - o.Clicks; k < now.Length; k++)
            if (now[k].Visible) clicks.Add(new PromptPoint(now[k].X, now[k].Y, now[k].Label));
        StartTrack(o, slot.Image, points, clicks);
        _stats.AddTrack(Stopwatch.GetTimestamp() - t0);
        o.SeedArea = area;
        return true;
    }

    /// <summary>Decodes the object from all its positives' tracked positions (visible or not) and re-samples from the
    /// result when usable; the frame's result is left as it is.</summary>
    private bool TryRecover(ObjRun o, Slot slot, int index)
    {
        var points = new List<PromptPoint>();
        foreach (TrackedPromptPoint p in slot.Results[index].Points)
            if (p.Label == PointLabel.Positive || p.Visible) points.Add(new PromptPoint(p.X, p.Y, p.Label));
        if (_options.OtherObjectsPositivesAsNegatives) AddOtherObjectsNegatives(slot, index, points);
        Mask? prior = _options.PreviousMaskAsPrior && o.Prev is { IsEmpty: false } carried ? carried : null;
        var (mask, score) = PromptRefiner.Run(slot.Embedding, [new PromptRefiner.Request(points, null, prior, o.Reference)], _options.RefinementPasses, _stats)[0];
        if (score < _options.MinMaskScore) return false;
        int area = mask.Area();
        if (area <= _options.MinReinitArea) return false;
        // Guesses from unreliable positions: accept only a mask of about the object's last known size, so a decode that
        // grabbed the background (or a speck) does not become the object.
        if (o.SeedArea > 0 && (area > 3L * o.SeedArea || 3L * area < o.SeedArea)) return false;
        return Reseed(o, slot, index, mask, score, area);
    }

    /// <summary>The object found again on <paramref name="slot"/> as <paramref name="mask"/> (a recovery or a
    /// re-detection): with <see cref="VideoSegmenterOptions.ShowRecovered"/> it is the frame's result; the points are
    /// re-sampled from it and the tracker restarts there. False when no positive could be sampled.</summary>
    private bool Reseed(ObjRun o, Slot slot, int index, Mask mask, float score, int area)
    {
        if (_options.ShowRecovered)
        {
            ObjResult r = slot.Results[index];
            r.Status = ObjectStatus.Recovered;
            r.Raw = mask;
            r.Score = score;
        }
        PromptPoint[] fresh = Sample(mask, slot.Image, slot.Frame, o.State.Id);
        if (!HasPositive(fresh)) return false;
        StartTrack(o, slot.Image, fresh);
        o.SeedArea = area;
        o.Prev = mask;
        o.PrevImage = slot.Image;
        return true;
    }

    /// <summary>Whether the object has no mask on this frame that points could be re-sampled from (and none was held).</summary>
    private bool IsLost(ObjResult r) => !r.Held && r.Status is ObjectStatus.NoVisiblePositive or ObjectStatus.LowScore or ObjectStatus.Segmented
        && (r.Raw is null || r.Raw.Area() <= _options.MinReinitArea);

    /// <summary>Whether the object's segmented mask is, on average, of colours its prompt frame showed more around the
    /// object than on it (<see cref="VideoSegmenterOptions.RedetectBelowLogOdds"/>): it has moved onto the background.</summary>
    private bool LooksWrong(ObjRun o, Slot slot, ObjResult r) =>
        o.Detector is { } det && r.Status == ObjectStatus.Segmented && r.Raw is { IsEmpty: false } raw
        && det.MeanLogOdds(slot.Image, raw) < _options.RedetectBelowLogOdds;

    /// <summary>
    /// The window the search for a lost object uses is sized from its last seed area held within this factor of its prompt
    /// area (a mask that leaked over the frame, or shrank to a part, before the loss does not set the scale); a found mask
    /// is kept when it is at most this factor larger than the larger of the two (a decode that spilt over the background
    /// is not the object). No lower bound: a lost object is often found from a part of it (a rider's shirt) that
    /// re-initialisations grow back.
    /// </summary>
    private const int RedetectAreaFactor = 4;

    /// <summary>
    /// Looks for a lost object by its prompt's colours (<see cref="ColorRedetector"/>) and, when found, re-seeds it there:
    /// the best window of <see cref="VideoSegmenterOptions.RedetectWindow"/> * sqrt(area) px on a side, its object-coloured
    /// pixels the region positives are sampled from (negatives around it as usual), one decode from those points alone
    /// (no prior: the carried mask is what was lost).
    /// </summary>
    private bool TryRedetect(ObjRun o, Slot slot, int index)
    {
        if (o.Detector is not { } det) return false;
        int reference = det.ReferenceArea;
        int area = o.SeedArea > 0 ? o.SeedArea : reference;
        int scale = Math.Clamp(area, reference / RedetectAreaFactor, reference * RedetectAreaFactor);
        int side = Math.Max(8, (int)MathF.Round(_options.RedetectWindow * MathF.Sqrt(scale)));
        if (det.Find(slot.Image, side) is not var (x0, y0, score) || score < _options.RedetectMinScore) return false;
        Mask region = det.ObjectColoured(slot.Image, x0, y0, side);
        if (region.Area() <= _options.MinReinitArea) return false;
        PromptPoint[] seeds = Sample(region, slot.Image, slot.Frame, o.State.Id);
        if (!HasPositive(seeds)) return false;
        var points = new List<PromptPoint>(seeds);
        if (_options.OtherObjectsPositivesAsNegatives) AddOtherObjectsNegatives(slot, index, points);
        var (mask, maskScore) = PromptRefiner.Run(slot.Embedding, [new PromptRefiner.Request(points, null, null, o.Reference)], _options.RefinementPasses, _stats)[0];
        if (maskScore < _options.MinMaskScore) return false;
        int got = mask.Area();
        if (got <= _options.MinReinitArea || got > (long)RedetectAreaFactor * Math.Max(area, reference)) return false;
        return Reseed(o, slot, index, mask, maskScore, got);
    }

    /// <summary>
    /// SAM-PT "reinit-on-similar-mask-area": the window holds steps WindowStart..now (ReinitHorizon frames). Candidates
    /// are the last three quarters of it (steps WindowStart+1+h/4 .. now) whose mask has more than MinReinitArea pixels;
    /// the one whose area is closest to the seed's area becomes the new seed and the frames after it are re-tracked and
    /// re-segmented from the new points on their kept embeddings.
    /// </summary>
    private void DecideSimilarArea(ObjRun o, int index, int now)
    {
        int h = _options.ReinitHorizon;
        int best = -1;
        long bestDiff = long.MaxValue;
        for (int step = o.WindowStart + 1 + h / 4; step <= now; step++)
        {
            Slot? s = SlotAt(step);
            if (s?.Results[index].Raw is not { } raw) continue;
            int area = raw.Area();
            if (area <= _options.MinReinitArea) continue;
            long diff = Math.Abs((long)area - o.SeedArea);
            if (diff < bestDiff) { bestDiff = diff; best = step; }
        }
        Slot? chosen = best >= 0 ? SlotAt(best) : null;
        if (chosen is null || !TryReseed(o, chosen, index))
        {
            // Nothing to re-sample from: keep the points, accept the window as is, look again one window later.
            o.WindowStart = now;
            o.FinalStep = now;
            return;
        }
        chosen.Results[index].Reinit = true;
        o.Prev = chosen.Results[index].Raw;
        o.PrevImage = chosen.Image;
        o.WindowStart = best;
        o.FinalStep = best;
        for (int step = best + 1; step <= now; step++)
        {
            Slot s = SlotAt(step)!;
            long t0 = Stopwatch.GetTimestamp();
            s.Results[index] = Tracked(o, s.Image);
            _stats.AddTrack(Stopwatch.GetTimestamp() - t0);
            SegmentObjects(s, [index]);
        }
    }

    private Slot? SlotAt(int step)
    {
        if (_pending.Count == 0) return null;
        int k = step - _pending[0].Step;
        return k >= 0 && k < _pending.Count ? _pending[k] : null;
    }

    private void Emit(List<FrameResult> ready, bool final)
    {
        int limit = int.MaxValue;
        if (!final)
            foreach (ObjRun o in _objects)
                if (o.Active) limit = Math.Min(limit, o.FinalStep);
        while (_pending.Count > 0 && _pending[0].Step <= limit)
        {
            Slot s = _pending[0];
            _pending.RemoveAt(0);
            ready.Add(BuildResult(s));
            s.Embedding.Dispose();
            RememberState(s);
        }
    }

    private FrameResult BuildResult(Slot s)
    {
        var claims = new List<(int Id, Mask? Mask, float Score)>(_objects.Length);
        for (int i = 0; i < _objects.Length; i++)
            claims.Add((_objects[i].State.Id, s.Results[i].Raw, s.Results[i].Score));
        LabelMap labels = OverlapResolver.Resolve(_width, _height, claims);
        var objects = new ObjectFrameResult[_objects.Length];
        for (int i = 0; i < _objects.Length; i++)
        {
            ObjResult r = s.Results[i];
            Mask resolved = labels.MaskOf(_objects[i].State.Id);
            FrameConfidence? confidence = Assess(_objects[i], s, r, resolved);
            objects[i] = new ObjectFrameResult
            {
                ObjectId = _objects[i].State.Id,
                Status = r.Status,
                Mask = resolved,
                RawMask = r.Raw ?? new Mask(_width, _height),
                Score = r.Score,
                Points = r.Points,
                Reinitialized = r.Reinit,
                Confidence = confidence,
            };
        }
        _stats.AddFrame();
        return new FrameResult { FrameIndex = s.Frame, FrameName = _frameName(s.Frame), Image = s.Image, Labels = labels, Objects = objects };
    }

    /// <summary>The object's confidence on a frame being emitted (frames reach this in walk order); null when it has
    /// not started.</summary>
    private static FrameConfidence? Assess(ObjRun o, Slot s, ObjResult r, Mask resolved)
    {
        int visible = 0;
        foreach (TrackedPromptPoint p in r.Points)
            if (p.Visible && p.Label == PointLabel.Positive) visible++;
        switch (r.Status)
        {
            case ObjectStatus.NotStarted:
                return null;
            case ObjectStatus.Prompted:
                o.Meter.Start(o.State.ConfidenceReference, resolved);
                return FrameConfidence.Prompted(resolved.Area(), visible);
        }
        ConfidenceFeatures f = o.Meter.Measure(s.Image, resolved, r.Points, r.Score, r.MotionX, r.MotionY, r.Found != ObjectEvent.None);
        return ConfidenceModel.Assess(f, EventOf(r, f.Empty), resolved.Area(), visible);
    }

    /// <summary>The most telling event of a frame: found again, then lost, then a held prior, then a re-initialisation.</summary>
    private static ObjectEvent EventOf(ObjResult r, bool empty)
    {
        if (r.Found != ObjectEvent.None) return r.Found;
        if (r.Status == ObjectStatus.LowScore) return ObjectEvent.LowScore;
        if (r.Status == ObjectStatus.NoVisiblePositive || empty) return ObjectEvent.Lost;
        if (r.Held) return ObjectEvent.PriorHeld;
        return r.Reinit ? ObjectEvent.Reinitialized : ObjectEvent.None;
    }

    private void RememberState(Slot s)
    {
        if (_stateRecorded is null) return;
        _lastState.Clear();
        for (int i = 0; i < _objects.Length; i++)
        {
            ObjResult r = s.Results[i];
            if (r.Points.Length == 0 || r.Raw is null) continue;
            var pts = new PromptPoint[r.Points.Length];
            for (int k = 0; k < pts.Length; k++) pts[k] = new PromptPoint(r.Points[k].X, r.Points[k].Y, r.Points[k].Label);
            _lastState[_objects[i].State.Id] = new ObjectContinuation(pts, r.Raw, _objects[i].SeedArea);
        }
        _stateRecorded?.Invoke(s.Frame, _lastState);
    }

    private PromptPoint[] Sample(Mask mask, RgbImage image, int frame, int objectId)
    {
        // A fixed mix (not HashCode, which is randomised per process) so runs are reproducible.
        int seed = unchecked(_options.Seed * 1_000_003 + frame * 7_919 + objectId * 104_729);
        IReadOnlyList<PromptPoint> got = _sampler(mask, image, _options.PositivePoints, _options.NegativePoints, seed);
        // Positives first: SAM-PT keeps the positive block at the head, other objects read only that block's labels.
        return got.Where(p => p.Label == PointLabel.Positive).Concat(got.Where(p => p.Label == PointLabel.Negative)).ToArray();
    }

    private static float VisiblePositiveFraction(ObjResult r)
    {
        int positives = 0, visible = 0;
        foreach (TrackedPromptPoint p in r.Points)
        {
            if (p.Label != PointLabel.Positive) continue;
            positives++;
            if (p.Visible) visible++;
        }
        return positives == 0 ? 1f : visible / (float)positives;
    }

    private static float Median(List<float> v)
    {
        v.Sort();
        int n = v.Count;
        return n % 2 == 1 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
    }

    /// <summary>
    /// The object's previous mask carried onto <paramref name="image"/>: moved by the median motion of its visible
    /// points (<see cref="PriorMotion.PointMedian"/>), or by the motion that best matches its appearance, searched
    /// around that median (<see cref="PriorMotion.Appearance"/>), then, with <see cref="PriorMotion.DenseFlow"/>, pixel by
    /// pixel along the dense motion field searched around that rigid motion.
    /// </summary>
    private Mask Carry(ObjRun o, RgbImage image)
    {
        Mask prev = o.Prev!;
        if (_options.PriorMotion == PriorMotion.PointMedian || o.PrevImage is null || ReferenceEquals(o.PrevImage, image))
            return Shift(prev, o.MotionX, o.MotionY);
        long t0 = Stopwatch.GetTimestamp();
        var found = _motion.Estimate(o.PrevImage, prev, image, o.MotionX, o.MotionY);
        Mask carried = found is { } f ? f.Motion.Warp(prev) : Shift(prev, o.MotionX, o.MotionY);
        if (_options.PriorMotion == PriorMotion.DenseFlow && _options.DenseMotion is { } dense && carried.BoundingBox() is var (cx0, cy0, cx1, cy1))
        {
            // The flow runs from this frame back to the previous one over the box of the rigidly carried mask (grown
            // by a margin for the parts that moved unlike the whole), centred on the inverse of that rigid motion.
            int pad = (int)MathF.Ceiling(Math.Max(DenseRegionMinMargin, DenseRegionMargin * MathF.Sqrt(carried.Area())));
            var region = (Math.Max(0, cx0 - pad), Math.Max(0, cy0 - pad), Math.Min(_width - 1, cx1 + pad), Math.Min(_height - 1, cy1 + pad));
            Func<float, float, (float, float)> predict = found is { } g
                ? (x, y) => { var m = g.Motion; float px = m.Cx + (x - m.Cx - m.Dx) / m.Scale, py = m.Cy + (y - m.Cy - m.Dy) / m.Scale; return (px - x, py - y); }
                : (_, _) => (-o.MotionX, -o.MotionY);
            carried = DenseMaskWarp.Warp(prev, dense.Estimate(image, o.PrevImage, predict, region), region);
            if (_options.DenseSplatGuard && prev.BoundingBox() is var (px0, py0, px1, py1))
            {
                // The forward flow over the previous mask's box: only pixels some object pixel lands on stay.
                int ppad = (int)MathF.Ceiling(Math.Max(DenseRegionMinMargin, DenseRegionMargin * MathF.Sqrt(prev.Area())));
                Func<float, float, (float, float)> forward = found is { } h
                    ? (x, y) => { var (tx, ty) = h.Motion.Apply(x, y); return (tx - x, ty - y); }
                    : (_, _) => (o.MotionX, o.MotionY);
                Mask splat = DenseMaskWarp.Splat(prev, dense.Estimate(o.PrevImage, image, forward, (px0 - ppad, py0 - ppad, px1 + ppad, py1 + ppad)));
                for (int k = 0; k < carried.Data.Length; k++) carried.Data[k] &= splat.Data[k];
            }
        }
        _stats.AddTrack(Stopwatch.GetTimestamp() - t0);
        return carried;
    }

    /// <summary>
    /// The object's motion evidence on <paramref name="image"/> (<see cref="VideoSegmenterOptions.MotionEvidence"/>): the
    /// flow from this frame back to the previous one over the carried mask's box grown by 16 px + sqrt(area) / 2 (the
    /// background ring the motions are told apart on), its search centred on the inverse of the points' median motion.
    /// </summary>
    private ObjectEvidence? MotionEvidenceOf(ObjRun o, RgbImage image, Mask carried)
    {
        if (o.PrevImage is null || ReferenceEquals(o.PrevImage, image) || !MotionEvidence.AppliesTo(carried.Area())
            || carried.BoundingBox() is not var (cx0, cy0, cx1, cy1)) return null;
        long t0 = Stopwatch.GetTimestamp();
        int pad = (int)MathF.Ceiling(16 + 0.5f * MathF.Sqrt(carried.Area()));
        var region = (Math.Max(0, cx0 - pad), Math.Max(0, cy0 - pad), Math.Min(_width - 1, cx1 + pad), Math.Min(_height - 1, cy1 + pad));
        float mx = o.MotionX, my = o.MotionY;
        DenseMotionField flow = _options.DenseMotion!.Estimate(image, o.PrevImage, (_, _) => (-mx, -my), region);
        ObjectEvidence? evidence = MotionEvidence.Compute(flow, carried, image, region);
        _stats.AddTrack(Stopwatch.GetTimestamp() - t0);
        return evidence;
    }

    /// <summary>Margin of the dense-flow region around the rigidly carried mask: this fraction of sqrt(area), at least
    /// <see cref="DenseRegionMinMargin"/> px.</summary>
    private const float DenseRegionMargin = 0.25f, DenseRegionMinMargin = 16f;

    /// <summary>
    /// Leaves out of the prompt the positives lying more than <paramref name="fraction"/> * sqrt(area) outside the
    /// carried mask and the negatives that deep inside it: points the tracker let slide across the object's border
    /// would otherwise become hard seeds on the wrong side. When no positive would be left the points stay as they are
    /// (the tracker and the carried mask disagree entirely; neither is trusted over the other).
    /// </summary>
    internal static void GatePoints(List<PromptPoint> points, Mask carried, float fraction)
    {
        int area = carried.Area();
        if (area == 0 || carried.BoundingBox() is not var (bx0, by0, bx1, by1)) return;
        float margin = fraction * MathF.Sqrt(area);
        int pad = (int)MathF.Ceiling(margin) + 2;
        int w = carried.Width, h = carried.Height;
        int x0 = Math.Max(0, bx0 - pad), y0 = Math.Max(0, by0 - pad), x1 = Math.Min(w - 1, bx1 + pad), y1 = Math.Min(h - 1, by1 + pad);
        var border = BorderDistance.Of(carried, x0, y0, x1, y1);
        int cw = border.Width;
        byte[] crop = border.Inside;
        float[] dist = border.Distance;
        bool Keep(PromptPoint p)
        {
            int x = (int)MathF.Round(p.X), y = (int)MathF.Round(p.Y);
            bool inside = x >= x0 && x <= x1 && y >= y0 && y <= y1 && crop[(y - y0) * cw + x - x0] != 0;
            bool positive = p.Label == PointLabel.Positive;
            if (inside == positive) return true;
            // Outside the crop is farther than the margin from the mask by construction.
            if (x < x0 || x > x1 || y < y0 || y > y1) return !positive;
            return dist[(y - y0) * cw + x - x0] <= margin;
        }
        var kept = points.Where(Keep).ToList();
        if (!kept.Any(p => p.Label == PointLabel.Positive)) return;
        points.Clear();
        points.AddRange(kept);
    }

    /// <summary><paramref name="mask"/> translated by the rounded (dx, dy); pixels moved in from outside are 0.</summary>
    private static Mask Shift(Mask mask, float dx, float dy)
    {
        int sx = (int)MathF.Round(dx), sy = (int)MathF.Round(dy);
        if (sx == 0 && sy == 0) return mask;
        int w = mask.Width, h = mask.Height;
        var shifted = new Mask(w, h);
        for (int y = Math.Max(0, sy); y < Math.Min(h, h + sy); y++)
        {
            int from = (y - sy) * w, to = y * w;
            int x0 = Math.Max(0, sx), x1 = Math.Min(w, w + sx);
            if (x1 > x0) mask.Data.AsSpan(from + x0 - sx, x1 - x0).CopyTo(shifted.Data.AsSpan(to + x0, x1 - x0));
        }
        return shifted;
    }

    /// <summary>Intersection over union (1 when both are empty).</summary>
    internal static float IoU(Mask a, Mask b)
    {
        int inter = 0, union = 0;
        byte[] x = a.Data, y = b.Data;
        for (int k = 0; k < x.Length; k++)
        {
            int p = x[k], q = y[k];
            inter += p & q;
            union += p | q;
        }
        return union == 0 ? 1f : inter / (float)union;
    }

    private static bool HasPositive(PromptPoint[] points)
    {
        foreach (PromptPoint p in points) if (p.Label == PointLabel.Positive) return true;
        return false;
    }
}
