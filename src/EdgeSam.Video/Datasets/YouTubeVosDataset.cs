using System.Text.Json;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Datasets;

/// <summary>YouTube-VOS split folders.</summary>
public enum YouTubeVosSplit
{
    /// <summary><c>train/</c>: every 5th frame annotated for all objects.</summary>
    Train,
    /// <summary><c>valid/</c>: only each object's first-appearance frame is annotated; results go to CodaLab.</summary>
    Valid,
    /// <summary><c>test/</c>: as valid.</summary>
    Test,
}

/// <summary>One object of a YouTube-VOS video, from <c>meta.json</c>.</summary>
/// <param name="Id">Object id, the palette index in the annotation PNGs (1..254).</param>
/// <param name="Category">Class name (may be empty where meta.json gives none).</param>
/// <param name="Frames">Frame names listed for the object, ascending; the first is where it first appears and
/// where its given mask is.</param>
public sealed record YouTubeVosObject(int Id, string Category, IReadOnlyList<string> Frames)
{
    public string FirstFrame => Frames[0];
}

/// <summary>
/// A YouTube-VOS 2018/2019 split: <c>&lt;split&gt;/meta.json</c> (videos -> objects -> category, frames),
/// <c>&lt;split&gt;/JPEGImages/&lt;video&gt;/&lt;frame&gt;.jpg</c>, <c>&lt;split&gt;/Annotations/&lt;video&gt;/&lt;frame&gt;.png</c> (palette, sparse).
/// Objects may first appear mid-video: each one carries its own first frame.
/// </summary>
public sealed class YouTubeVosDataset
{
    private readonly Dictionary<string, YouTubeVosVideo> _videos;

    /// <summary>The split folder (holding meta.json).</summary>
    public string SplitFolder { get; }

    public YouTubeVosSplit Split { get; }

    /// <summary>Videos of meta.json, sorted by name.</summary>
    public IReadOnlyList<YouTubeVosVideo> Videos { get; }

    /// <param name="root">The dataset root holding <c>train/</c>, <c>valid/</c>..., or a split folder itself.</param>
    /// <param name="split">Which split folder to read under <paramref name="root"/>.</param>
    public YouTubeVosDataset(string root, YouTubeVosSplit split = YouTubeVosSplit.Valid)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        string full = Path.GetFullPath(root);
        string splitName = split switch { YouTubeVosSplit.Train => "train", YouTubeVosSplit.Valid => "valid", _ => "test" };
        string folder = File.Exists(Path.Combine(full, "meta.json")) ? full : Path.Combine(full, splitName);
        string meta = Path.Combine(folder, "meta.json");
        if (!File.Exists(meta))
            throw new EdgeSamException($"{root}: no {splitName}/meta.json; pass the YouTube-VOS root (holding {splitName}/) or the split folder itself");
        SplitFolder = folder;
        Split = split;
        _videos = Parse(meta, folder);
        Videos = _videos.Values.OrderBy(v => v.Name, StringComparer.Ordinal).ToArray();
    }

    public YouTubeVosVideo Video(string name) =>
        _videos.TryGetValue(name, out var v) ? v : throw new EdgeSamException($"{SplitFolder}: video '{name}' is not in meta.json");

    private static Dictionary<string, YouTubeVosVideo> Parse(string meta, string folder)
    {
        JsonDocument doc;
        try
        {
            using var stream = File.OpenRead(meta);
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new EdgeSamException($"{meta}: not valid JSON ({e.Message.TrimEnd('.')}); re-download the split", e);
        }
        catch (IOException e)
        {
            throw new EdgeSamException($"{meta}: cannot read ({e.Message.TrimEnd('.')})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("videos", out JsonElement videos) || videos.ValueKind != JsonValueKind.Object)
                throw new EdgeSamException($"{meta}: no \"videos\" object; is this a YouTube-VOS meta.json?");
            var result = new Dictionary<string, YouTubeVosVideo>(StringComparer.Ordinal);
            foreach (JsonProperty video in videos.EnumerateObject())
            {
                string name = DatasetPaths.CheckName(video.Name, "video", meta);
                if (video.Value.ValueKind != JsonValueKind.Object
                    || !video.Value.TryGetProperty("objects", out JsonElement objects) || objects.ValueKind != JsonValueKind.Object)
                    throw new EdgeSamException($"{meta}: video '{name}' has no \"objects\" object");
                var list = new List<YouTubeVosObject>();
                foreach (JsonProperty obj in objects.EnumerateObject())
                {
                    if (!int.TryParse(obj.Name, out int id) || id < 1 || id > 254)
                        throw new EdgeSamException($"{meta}: video '{name}' has object id '{obj.Name}', expected 1..254");
                    if (obj.Value.ValueKind != JsonValueKind.Object
                        || !obj.Value.TryGetProperty("frames", out JsonElement frames) || frames.ValueKind != JsonValueKind.Array)
                        throw new EdgeSamException($"{meta}: object {id} of video '{name}' has no \"frames\" list");
                    string[] frameNames = frames.EnumerateArray()
                        .Select(f => f.ValueKind == JsonValueKind.String ? f.GetString()! : throw new EdgeSamException($"{meta}: object {id} of video '{name}' lists a frame that is not a string"))
                        .Select(f => DatasetPaths.CheckName(f, "frame", meta))
                        .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
                    if (frameNames.Length == 0)
                        throw new EdgeSamException($"{meta}: object {id} of video '{name}' lists no frames");
                    string category = obj.Value.TryGetProperty("category", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
                    list.Add(new YouTubeVosObject(id, category, frameNames));
                }
                list.Sort((a, b) => a.Id.CompareTo(b.Id));
                result[name] = new YouTubeVosVideo(folder, name, list);
            }
            return result;
        }
    }
}

/// <summary>
/// One YouTube-VOS video. <see cref="FrameNames"/> are the JPEG frames on disk (falling back to the frames named in
/// meta.json when the folder is absent); <see cref="RequiredFrames"/> are the frames a submission must contain.
/// </summary>
public sealed class YouTubeVosVideo
{
    private string[]? _frames;

    public string Name { get; }
    public IReadOnlyList<YouTubeVosObject> Objects { get; }

    /// <summary><c>JPEGImages/&lt;video&gt;</c>; open it with the media layer's frame sources.</summary>
    public string FramesFolder { get; }

    /// <summary><c>Annotations/&lt;video&gt;</c>.</summary>
    public string AnnotationsFolder { get; }

    internal YouTubeVosVideo(string splitFolder, string name, IReadOnlyList<YouTubeVosObject> objects)
    {
        Name = name;
        Objects = objects;
        FramesFolder = Path.Combine(splitFolder, "JPEGImages", name);
        AnnotationsFolder = Path.Combine(splitFolder, "Annotations", name);
    }

    /// <summary>Frame names in order: the .jpg files of <see cref="FramesFolder"/>, or, without that folder, every
    /// frame meta.json names for any object.</summary>
    public IReadOnlyList<string> FrameNames => _frames ??= Directory.Exists(FramesFolder)
        ? DatasetPaths.FrameNames(FramesFolder, ".jpg")
        : Objects.SelectMany(o => o.Frames).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Frames the CodaLab submission needs a PNG for: every frame of the split's <c>JPEGImages/&lt;video&gt;</c> (the
    /// 5-frame-step frames in <c>valid/</c>), or the meta.json frames when the folder is absent.
    /// </summary>
    public IReadOnlyList<string> RequiredFrames => FrameNames;

    public string FramePath(string frame) => Path.Combine(FramesFolder, DatasetPaths.CheckName(frame, "frame") + ".jpg");

    public string AnnotationPath(string frame) => Path.Combine(AnnotationsFolder, DatasetPaths.CheckName(frame, "frame") + ".png");

    /// <summary>The annotation PNG of one frame (palette indices = object ids; in valid/, only first-appearance frames exist).</summary>
    public LabelMap ReadAnnotation(string frame)
    {
        string path = AnnotationPath(frame);
        if (!File.Exists(path))
            throw new EdgeSamException($"{path}: no annotation for frame {frame} of YouTube-VOS video '{Name}'");
        return PngCodec.ReadLabels(path);
    }

    /// <summary>The given mask of one object: its pixels in the annotation of its first frame.</summary>
    public Mask ReadFirstMask(YouTubeVosObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        LabelMap map = ReadAnnotation(obj.FirstFrame);
        Mask mask = map.MaskOf(obj.Id);
        if (mask.IsEmpty)
            throw new EdgeSamException($"{AnnotationPath(obj.FirstFrame)}: object {obj.Id} of video '{Name}' is not in its first-frame annotation");
        return mask;
    }

    /// <summary>Index of a frame name in <see cref="FrameNames"/>, or -1.</summary>
    public int IndexOf(string frame)
    {
        var frames = FrameNames;
        for (int i = 0; i < frames.Count; i++)
            if (string.Equals(frames[i], frame, StringComparison.Ordinal)) return i;
        return -1;
    }
}
