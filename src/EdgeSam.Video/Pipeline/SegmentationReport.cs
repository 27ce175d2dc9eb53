using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Pipeline;

/// <summary>A run of frames one object should be reviewed on, with the reasons seen most often there.</summary>
/// <param name="ObjectId">The object.</param>
/// <param name="First">First frame index of the range.</param>
/// <param name="Last">Last frame index (inclusive).</param>
/// <param name="Flagged">Frames of the range flagged (a range bridges gaps of up to <see cref="SegmentationReport.RangeGap"/>
/// unflagged frames).</param>
/// <param name="Reasons">Up to three reasons, the most frequent first, each with its most extreme value in the range.</param>
public sealed record ReviewRange(int ObjectId, int First, int Last, int Flagged, IReadOnlyList<ReviewReason> Reasons)
{
    /// <summary>"object 1: review frames 41-89 (mask grew 2.3x, colours off the prompt)".</summary>
    public string Text =>
        $"object {ObjectId}: review frame{(First == Last ? $" {First}" : $"s {First}-{Last}")} ({string.Join(", ", Reasons.Select(r => r.Text))})";
}

/// <summary>
/// Per-frame, per-object confidence of one segmentation (<see cref="FrameConfidence"/>), as <c>segment</c> writes it to
/// <c>report.json</c> and <c>run</c> to <c>reports/&lt;sequence&gt;.json</c>. Fed every <see cref="FrameResult"/> of a
/// run (any walk order; a frame seen again replaces the earlier entry).
/// <para>
/// JSON schema (<see cref="Schema"/>): <c>{ "schema", "review_threshold", "confidence": what it estimates,
/// "frames": { "&lt;frame name&gt;": { "index": frame index, "objects": { "&lt;object id&gt;": { "confidence": [0, 1],
/// "review": bool, "area": mask pixels, "visible_points": visible positive query points, "event": none | prompted |
/// reinitialized | prior-held | low-score | lost | recovered | redetected, "reasons": [ { "code", "value", "text" } ]
/// (empty unless review), "features": { the model inputs, see <see cref="ConfidenceFeatures"/> } or null on a prompted
/// frame } } } } }</c>. Frames appear in index order; an object appears from the first frame it is segmented on (not
/// before its prompt in the direction of travel).
/// </para>
/// </summary>
public sealed class SegmentationReport
{
    /// <summary>The schema tag written in every report.</summary>
    public const string Schema = "edgesam-video report 1";

    /// <summary>Unflagged frames a review range bridges (so one bad stretch is one range, not many).</summary>
    public const int RangeGap = 2;

    private readonly SortedDictionary<int, (string Name, (int Id, FrameConfidence Confidence)[] Objects)> _frames = new();

    /// <summary>Adds one frame's results.</summary>
    public void Add(FrameResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var objects = result.Objects.Where(o => o.Confidence is not null).Select(o => (o.ObjectId, o.Confidence!)).ToArray();
        _frames[result.FrameIndex] = (result.FrameName, objects);
    }

    /// <summary>Sets one object's entry on one frame, keeping the frame's other objects (a walk of some objects only: a
    /// correction, a UI's re-propagation of one object, a prompt clicked on that frame).</summary>
    public void Set(int frameIndex, string frameName, int objectId, FrameConfidence confidence)
    {
        ArgumentNullException.ThrowIfNull(confidence);
        var objects = _frames.TryGetValue(frameIndex, out var f) ? f.Objects.Where(o => o.Id != objectId).ToList() : [];
        objects.Add((objectId, confidence));
        objects.Sort((a, b) => a.Id.CompareTo(b.Id));
        _frames[frameIndex] = (frameName, objects.ToArray());
    }

    /// <summary>Replaces the entries of the objects <paramref name="result"/> holds on its frame and keeps the other
    /// objects' (a correction re-walks one object; <see cref="Add"/> replaces the whole frame).</summary>
    public void Merge(FrameResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (ObjectFrameResult o in result.Objects)
            if (o.Confidence is not null) Set(result.FrameIndex, result.FrameName, o.ObjectId, o.Confidence);
    }

    /// <summary>Drops one object's entry on one frame (the frame stays listed when other objects remain).</summary>
    public void Remove(int frameIndex, int objectId)
    {
        if (!_frames.TryGetValue(frameIndex, out var f)) return;
        var left = f.Objects.Where(o => o.Id != objectId).ToArray();
        if (left.Length == 0) _frames.Remove(frameIndex);
        else _frames[frameIndex] = (f.Name, left);
    }

    /// <summary>Drops every entry of <paramref name="objectId"/>.</summary>
    public void RemoveObject(int objectId)
    {
        foreach (int index in _frames.Keys.ToArray()) Remove(index, objectId);
    }

    /// <summary>Frames added.</summary>
    public int FrameCount => _frames.Count;

    /// <summary>Whether any object of frame <paramref name="frameIndex"/> is flagged for review.</summary>
    public bool IsFlagged(int frameIndex) =>
        _frames.TryGetValue(frameIndex, out var f) && f.Objects.Any(o => o.Confidence.Review);

    /// <summary>The entry of one object on one frame, or null.</summary>
    public FrameConfidence? Entry(int frameIndex, int objectId) =>
        _frames.TryGetValue(frameIndex, out var f) ? f.Objects.FirstOrDefault(o => o.Id == objectId).Confidence : null;

    /// <summary>Frames with at least one object flagged.</summary>
    public int FlaggedFrames => _frames.Values.Count(f => f.Objects.Any(o => o.Confidence.Review));

    /// <summary>The lowest confidence of any object on any frame: (confidence, frame index, object id); null when empty.</summary>
    public (float Confidence, int Frame, int ObjectId)? Lowest()
    {
        (float, int, int)? low = null;
        foreach (var (index, f) in _frames)
            foreach (var (id, c) in f.Objects)
                if (low is null || c.Confidence < low.Value.Item1) low = (c.Confidence, index, id);
        return low;
    }

    /// <summary>Per object, the runs of flagged frames (gaps of up to <see cref="RangeGap"/> bridged), by object then frame.</summary>
    public IReadOnlyList<ReviewRange> ReviewRanges()
    {
        var ranges = new List<ReviewRange>();
        var ids = _frames.Values.SelectMany(f => f.Objects.Select(o => o.Id)).Distinct().Order();
        foreach (int id in ids)
        {
            int first = -1, last = -1;
            var flagged = new List<FrameConfidence>();
            foreach (var (index, f) in _frames)
            {
                FrameConfidence? c = f.Objects.FirstOrDefault(o => o.Id == id).Confidence;
                if (c is null || !c.Review) continue;
                if (first >= 0 && index - last - 1 > RangeGap)
                {
                    ranges.Add(Range(id, first, last, flagged));
                    flagged = new List<FrameConfidence>();
                    first = -1;
                }
                if (first < 0) first = index;
                last = index;
                flagged.Add(c);
            }
            if (first >= 0) ranges.Add(Range(id, first, last, flagged));
        }
        return ranges;
    }

    private static ReviewRange Range(int id, int first, int last, List<FrameConfidence> flagged)
    {
        // Per kind: how often, and the most extreme value (growth and shrinkage: the largest factor; shares, scores
        // and overlaps: the smallest).
        var byKind = new Dictionary<ReviewReasonKind, (int Count, float Value)>();
        foreach (FrameConfidence c in flagged)
            foreach (ReviewReason r in c.Reasons)
            {
                bool larger = r.Kind is ReviewReasonKind.MaskGrew or ReviewReasonKind.MaskShrank;
                byKind[r.Kind] = byKind.TryGetValue(r.Kind, out var e)
                    ? (e.Count + 1, larger ? Math.Max(e.Value, r.Value) : Math.Min(e.Value, r.Value))
                    : (1, r.Value);
            }
        if (byKind.Count > 1) byKind.Remove(ReviewReasonKind.LowConfidence);
        var top = byKind.OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Key).Take(3)
            .Select(kv => new ReviewReason(kv.Key, kv.Value.Value)).ToList();
        return new ReviewRange(id, first, last, flagged.Count, top);
    }

    /// <summary>The report as JSON (schema in the class remarks).</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteNumber("review_threshold", ConfidenceModel.ReviewThreshold);
            w.WriteString("confidence", "estimated probability that the mask's IoU with a true mask is at least 0.5 (logistic model, see ConfidenceModel)");
            w.WriteStartObject("frames");
            foreach (var (index, f) in _frames)
            {
                w.WriteStartObject(f.Name);
                w.WriteNumber("index", index);
                w.WriteStartObject("objects");
                foreach (var (id, c) in f.Objects)
                {
                    w.WriteStartObject(id.ToString(CultureInfo.InvariantCulture));
                    w.WriteNumber("confidence", Round(c.Confidence));
                    w.WriteBoolean("review", c.Review);
                    w.WriteNumber("area", c.Area);
                    w.WriteNumber("visible_points", c.VisiblePoints);
                    w.WriteString("event", EventCode(c.Event));
                    w.WriteStartArray("reasons");
                    foreach (ReviewReason r in c.Reasons)
                    {
                        w.WriteStartObject();
                        w.WriteString("code", r.Code);
                        w.WriteNumber("value", Round(r.Value));
                        w.WriteString("text", r.Text);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    if (c.Features is { } x)
                    {
                        w.WriteStartObject("features");
                        w.WriteNumber("visible_positives", Round(x.VisiblePositives));
                        w.WriteNumber("score", Round(x.Score));
                        w.WriteNumber("log_area_to_prompt", Round(x.LogAreaToPrompt));
                        w.WriteNumber("log_area_step", Round(x.LogAreaStep));
                        w.WriteNumber("carried_iou", Round(x.CarriedIoU));
                        w.WriteNumber("appearance", Round(x.Appearance));
                        w.WriteNumber("colour_log_odds", Round(x.ColourLogOdds));
                        w.WriteBoolean("empty", x.Empty);
                        w.WriteBoolean("found_again", x.FoundAgain);
                        w.WriteEndObject();
                    }
                    else w.WriteNull("features");
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <see cref="ToJson"/> under a temporary name and renames it onto <paramref name="path"/>.</summary>
    public void WriteJson(string path)
    {
        using AtomicFile f = AtomicFile.Create(path);
        f.Stream.Write(Encoding.UTF8.GetBytes(ToJson() + "\n"));
        f.Commit();
    }

    /// <summary>
    /// Reads a report file back into a report that can be updated and written again (a session reopened by
    /// <c>segment --add</c> or a UI): every entry with its confidence, flag, reasons, event, area, visible points and
    /// features. Throws <see cref="EdgeSamException"/> with the file and the problem when it is not a report.
    /// </summary>
    public static SegmentationReport Load(string path)
    {
        var report = new SegmentationReport();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = doc.RootElement;
            if (!root.TryGetProperty("schema", out JsonElement schema) || schema.GetString() != Schema)
                throw new EdgeSamException($"{path} is not an edgesam-video report (schema '{Schema}' expected).");
            foreach (JsonProperty frame in root.GetProperty("frames").EnumerateObject())
            {
                int index = frame.Value.GetProperty("index").GetInt32();
                foreach (JsonProperty o in frame.Value.GetProperty("objects").EnumerateObject())
                {
                    JsonElement e = o.Value;
                    var reasons = new List<ReviewReason>();
                    foreach (JsonElement r in e.GetProperty("reasons").EnumerateArray())
                        if (ReviewReason.TryParseCode(r.GetProperty("code").GetString() ?? "", out ReviewReasonKind kind))
                            reasons.Add(new ReviewReason(kind, r.GetProperty("value").GetSingle()));
                    var c = new FrameConfidence
                    {
                        Confidence = e.GetProperty("confidence").GetSingle(),
                        Review = e.GetProperty("review").GetBoolean(),
                        Reasons = reasons,
                        Event = ParseEvent(e.GetProperty("event").GetString() ?? ""),
                        Area = e.GetProperty("area").GetInt32(),
                        VisiblePoints = e.GetProperty("visible_points").GetInt32(),
                        Features = ReadFeatures(e.GetProperty("features")),
                    };
                    report.Set(index, frame.Name, int.Parse(o.Name, CultureInfo.InvariantCulture), c);
                }
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException)
        {
            throw new EdgeSamException($"{path} is not a readable edgesam-video report: {e.Message}", e);
        }
        return report;
    }

    private static ConfidenceFeatures? ReadFeatures(JsonElement x) => x.ValueKind != JsonValueKind.Object ? null
        : new ConfidenceFeatures(
            x.GetProperty("visible_positives").GetSingle(), x.GetProperty("score").GetSingle(),
            x.GetProperty("log_area_to_prompt").GetSingle(), x.GetProperty("log_area_step").GetSingle(),
            x.GetProperty("carried_iou").GetSingle(), x.GetProperty("appearance").GetSingle(),
            x.GetProperty("colour_log_odds").GetSingle(), x.GetProperty("empty").GetBoolean(),
            x.GetProperty("found_again").GetBoolean());

    /// <summary>One object on one frame as read back from a report file.</summary>
    public sealed record FileEntry(string Frame, int Index, int ObjectId, float Confidence, bool Review, ObjectEvent Event, ConfidenceFeatures? Features);

    /// <summary>Reads the entries of a report file (for calibration and tests); throws <see cref="EdgeSamException"/>
    /// with the file and the problem when it is not a report.</summary>
    public static IReadOnlyList<FileEntry> Read(string path) =>
        Load(path)._frames.SelectMany(kv => kv.Value.Objects.Select(o =>
            new FileEntry(kv.Value.Name, kv.Key, o.Id, o.Confidence.Confidence, o.Confidence.Review, o.Confidence.Event, o.Confidence.Features))).ToList();

    /// <summary>An independent copy (entries are immutable, so only the frame table is copied): a walk on another thread
    /// can update it while readers keep the original.</summary>
    public SegmentationReport Copy()
    {
        var copy = new SegmentationReport();
        foreach (var (index, frame) in _frames) copy._frames[index] = frame;
        return copy;
    }

    /// <summary>The file code of an event ("prior-held", ...).</summary>
    public static string EventCode(ObjectEvent e) => e switch
    {
        ObjectEvent.None => "none",
        ObjectEvent.Prompted => "prompted",
        ObjectEvent.Reinitialized => "reinitialized",
        ObjectEvent.PriorHeld => "prior-held",
        ObjectEvent.LowScore => "low-score",
        ObjectEvent.Lost => "lost",
        ObjectEvent.Recovered => "recovered",
        _ => "redetected",
    };

    private static ObjectEvent ParseEvent(string code)
    {
        foreach (ObjectEvent e in Enum.GetValues<ObjectEvent>())
            if (EventCode(e) == code) return e;
        throw new FormatException($"unknown event '{code}'");
    }

    private static double Round(float v) => Math.Round(v, 4);
}
