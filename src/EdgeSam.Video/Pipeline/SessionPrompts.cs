using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// One user prompt as given (command line, prompt file, a UI): object <see cref="ObjectId"/> on <see cref="Frame"/>
/// with clicks, a box and/or a mask file; at least one of the three. Clicks are Positive or Negative.
/// </summary>
/// <param name="Frame">0-based frame index.</param>
/// <param name="ObjectId">Object id, 1..254.</param>
/// <param name="Points">Clicks (Positive / Negative), original-image pixels.</param>
/// <param name="Box">Box around the object, or null.</param>
/// <param name="MaskFile">A PNG of the frame (palette ids: the pixels of <see cref="ObjectId"/>, or of its only object;
/// grey/RGB: non-zero), relative paths resolved against the prompt file's folder.</param>
public sealed record PromptSpec(int Frame, int ObjectId, IReadOnlyList<PromptPoint> Points, BoxF? Box, string? MaskFile)
{
    /// <summary>Where it came from, for error lines ("--prompt 2", "prompts.json entry 3").</summary>
    public string Origin { get; init; } = "prompt";

    public bool HasPositive => Points.Any(p => p.Label == PointLabel.Positive);
}

/// <summary>
/// Prompt files (<c>segment --prompts FILE</c>) and the prompt list of a stored session. JSON: a list of
/// <c>{"frame": 40, "object": 2, "points": [[x, y, label], ...], "box": [x0, y0, x1, y1], "mask": "m.png"}</c>,
/// label 1 positive and 0 negative as in SAM, pixel coordinates (x right, y down); <c>object</c> defaults to 1, and
/// each entry needs points, a box or a mask. Errors name the file and, for malformed JSON, the line and column.
/// </summary>
public static class PromptFile
{
    public static IReadOnlyList<PromptSpec> Read(string path)
    {
        if (!File.Exists(path))
            throw new EdgeSamException($"prompt file not found: {path}; give a JSON list of {{frame, object, points, box, mask}} entries.");
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Parse(File.ReadAllText(path), path, dir);
    }

    /// <summary>Parses <paramref name="json"/>; <paramref name="source"/> names it in errors, relative mask paths are
    /// resolved against <paramref name="baseDir"/>.</summary>
    public static IReadOnlyList<PromptSpec> Parse(string json, string source, string baseDir)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            // LineNumber and BytePositionInLine are 0-based; people count from 1.
            string at = e.LineNumber is { } line ? $"line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "unknown position";
            throw new EdgeSamException($"{source}: malformed JSON at {at}: {FirstSentence(e.Message)}");
        }
        using (doc)
        {
            JsonElement list = doc.RootElement;
            if (list.ValueKind == JsonValueKind.Object && list.TryGetProperty("prompts", out JsonElement inner)) list = inner;
            if (list.ValueKind != JsonValueKind.Array)
                throw new EdgeSamException($"{source}: expected a JSON list of prompts [{{\"frame\": 0, \"object\": 1, \"points\": [[x, y, 1]]}}, ...], found {list.ValueKind}.");
            var specs = new List<PromptSpec>();
            int k = 0;
            foreach (JsonElement e in list.EnumerateArray())
                specs.Add(ParseEntry(e, $"{source} entry {++k}", baseDir));
            if (specs.Count == 0) throw new EdgeSamException($"{source}: the list is empty; give at least one prompt.");
            return specs;
        }
    }

    private static PromptSpec ParseEntry(JsonElement e, string where, string baseDir)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new EdgeSamException($"{where}: expected an object {{frame, object, points, box, mask}}, found {e.ValueKind}.");
        foreach (JsonProperty p in e.EnumerateObject())
            if (p.Name is not ("frame" or "object" or "points" or "box" or "mask"))
                throw new EdgeSamException($"{where}: unknown key '{p.Name}' (keys: frame, object, points, box, mask).");
        int frame = e.TryGetProperty("frame", out JsonElement f) && f.TryGetInt32(out int fv) ? fv
            : throw new EdgeSamException($"{where}: 'frame' is missing or not an integer (0-based frame index).");
        int obj = 1;
        if (e.TryGetProperty("object", out JsonElement o) && !o.TryGetInt32(out obj))
            throw new EdgeSamException($"{where}: 'object' is not an integer (ids 1..254).");
        var points = new List<PromptPoint>();
        if (e.TryGetProperty("points", out JsonElement pts))
        {
            if (pts.ValueKind != JsonValueKind.Array) throw new EdgeSamException($"{where}: 'points' must be a list of [x, y, label].");
            int i = 0;
            foreach (JsonElement pt in pts.EnumerateArray())
            {
                i++;
                if (pt.ValueKind != JsonValueKind.Array || pt.GetArrayLength() != 3 || !Num(pt[0], out float x) || !Num(pt[1], out float y)
                    || !pt[2].TryGetInt32(out int label) || label is not (0 or 1))
                    throw new EdgeSamException($"{where}: point {i} is not [x, y, label] with label 1 (positive) or 0 (negative).");
                points.Add(new PromptPoint(x, y, label == 1 ? PointLabel.Positive : PointLabel.Negative));
            }
        }
        BoxF? box = null;
        if (e.TryGetProperty("box", out JsonElement b) && b.ValueKind != JsonValueKind.Null)
        {
            if (b.ValueKind != JsonValueKind.Array || b.GetArrayLength() != 4 || !Num(b[0], out float x0) || !Num(b[1], out float y0) || !Num(b[2], out float x1) || !Num(b[3], out float y1))
                throw new EdgeSamException($"{where}: 'box' is not [x0, y0, x1, y1] (pixel corners).");
            if (x1 <= x0 || y1 <= y0) throw new EdgeSamException($"{where}: 'box' [{x0}, {y0}, {x1}, {y1}] is empty; the second corner must be right of and below the first.");
            box = new BoxF(x0, y0, x1, y1);
        }
        string? mask = null;
        if (e.TryGetProperty("mask", out JsonElement m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(m.GetString()))
                throw new EdgeSamException($"{where}: 'mask' must be the path of a PNG.");
            mask = Path.IsPathRooted(m.GetString()!) ? m.GetString() : Path.Combine(baseDir, m.GetString()!);
        }
        if (points.Count == 0 && box is null && mask is null)
            throw new EdgeSamException($"{where}: give 'points', 'box' or 'mask'.");
        return new PromptSpec(frame, obj, points, box, mask) { Origin = where };
    }

    private static bool Num(JsonElement e, out float v)
    {
        v = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetSingle(out v) && float.IsFinite(v);
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }

    /// <summary>Prompts as the JSON <see cref="Parse"/> reads (mask paths written as given).</summary>
    public static string Write(IEnumerable<PromptSpec> prompts)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (PromptSpec p in prompts) WriteEntry(w, p);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal static void WriteEntry(Utf8JsonWriter w, PromptSpec p)
    {
        w.WriteStartObject();
        w.WriteNumber("frame", p.Frame);
        w.WriteNumber("object", p.ObjectId);
        if (p.Points.Count > 0)
        {
            w.WriteStartArray("points");
            foreach (PromptPoint pt in p.Points)
            {
                w.WriteStartArray();
                w.WriteNumberValue(pt.X);
                w.WriteNumberValue(pt.Y);
                w.WriteNumberValue(pt.Label == PointLabel.Positive ? 1 : 0);
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        if (p.Box is { } b)
        {
            w.WriteStartArray("box");
            w.WriteNumberValue(b.X0); w.WriteNumberValue(b.Y0); w.WriteNumberValue(b.X1); w.WriteNumberValue(b.Y1);
            w.WriteEndArray();
        }
        if (p.MaskFile is not null) w.WriteString("mask", p.MaskFile);
        w.WriteEndObject();
    }

    /// <summary>
    /// Checks <paramref name="specs"/> against the video before anything slow runs: frame in range, object id in
    /// 1..254, clicks and box inside the frame, a mask file that exists. One line per problem, the first thrown.
    /// </summary>
    public static void Validate(IReadOnlyList<PromptSpec> specs, int frameCount, int width, int height)
    {
        foreach (PromptSpec s in specs)
        {
            if (s.Frame < 0 || s.Frame >= frameCount)
                throw new EdgeSamException($"{s.Origin}: frame {s.Frame} is outside the video, which has frames 0..{frameCount - 1}.");
            if (s.ObjectId is < 1 or > 254)
                throw new EdgeSamException($"{s.Origin}: object {s.ObjectId} is out of range; object ids are 1..254.");
            foreach (PromptPoint p in s.Points)
                if (p.X < 0 || p.Y < 0 || p.X > width - 1 || p.Y > height - 1)
                    throw new EdgeSamException($"{s.Origin}: point ({p.X.ToString(CultureInfo.InvariantCulture)}, {p.Y.ToString(CultureInfo.InvariantCulture)}) lies outside the {width}x{height} frame.");
            if (s.Box is { } b && (b.X0 < 0 || b.Y0 < 0 || b.X1 > width - 1 || b.Y1 > height - 1))
                throw new EdgeSamException($"{s.Origin}: box ({b.X0}, {b.Y0})-({b.X1}, {b.Y1}) leaves the {width}x{height} frame.");
            if (s.MaskFile is not null && !File.Exists(s.MaskFile))
                throw new EdgeSamException($"{s.Origin}: mask not found: {s.MaskFile}.");
        }
    }

    /// <summary>
    /// The object's mask from a prompt PNG: palette ids take the pixels of <paramref name="objectId"/> (or of the
    /// file's only object); a DAVIS 2016 0/255 mask or any single-value mask is the object.
    /// </summary>
    public static Mask ReadMask(string path, int objectId, int width, int height, string origin)
    {
        LabelMap labels = PngCodec.ReadLabels(path);
        if (labels.Width != width || labels.Height != height)
            throw new EdgeSamException($"{origin}: mask {path} is {labels.Width}x{labels.Height} but the video is {width}x{height}.");
        IReadOnlyList<int> ids = labels.ObjectIds();
        if (ids.Contains(objectId)) return labels.MaskOf(objectId);
        if (ids.Count == 1) return labels.MaskOf(ids[0]);
        if (ids.Count == 0)
        {
            var m = new Mask(width, height);
            for (int i = 0; i < m.Data.Length; i++) m.Data[i] = labels.Data[i] == LabelMap.Void ? (byte)1 : (byte)0;
            if (!m.IsEmpty) return m;
            throw new EdgeSamException($"{origin}: mask {path} is empty (all background); mark the object with non-zero pixels.");
        }
        throw new EdgeSamException($"{origin}: mask {path} has objects {string.Join(",", ids)} but not {objectId}; give the object id that is in the mask.");
    }
}
