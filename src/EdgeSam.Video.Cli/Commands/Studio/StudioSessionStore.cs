using System.Text.Json;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Cli.Commands.Studio;

/// <summary>An object of the studio session: id (the label-map value), a person's name for it and its display colour
/// (<c>#rrggbb</c>; the mask PNGs keep the DAVIS palette, the colour is the page's).</summary>
internal sealed record StudioObject(int Id, string Name, string Color);

/// <summary>A person's clicks and box for one object on one frame, in frame pixels; points are (x, y, label) with label
/// 1 positive, 0 negative (SAM's convention).</summary>
internal sealed record StudioPrompt(int Object, int Frame, float[][] Points, float[]? Box);

/// <summary>Everything of a session except the masks: objects, prompts and the per-frame report.</summary>
internal sealed record StudioSnapshot
{
    /// <summary>Format version of studio.json.</summary>
    public int Version { get; init; } = 1;
    public required string Input { get; init; }
    public required int Frames { get; init; }
    public List<StudioObject> Objects { get; init; } = [];
    public List<StudioPrompt> Prompts { get; init; } = [];
    /// <summary>Per frame index, each object's entry from the latest result that covered it.</summary>
    public SortedDictionary<int, List<StudioObjectFrame>> Report { get; init; } = [];
}

/// <summary>
/// Where a studio session lives between requests and between runs of the server. The studio's own simple format
/// (<see cref="FolderSessionStore"/>) until issue #27's library persistence (the session saved in <c>--out</c>: prompts +
/// masks, <c>--add</c>) lands on main: then an implementation over that mechanism replaces it, and the server does not
/// change.
/// </summary>
internal interface IStudioSessionStore
{
    /// <summary>The session folder; every file the studio writes or serves lies under it.</summary>
    string Root { get; }

    /// <summary>The folder of the per-frame label maps (what <c>export</c> reads).</summary>
    string MasksDir { get; }

    /// <summary>The saved session, or null for a new one.</summary>
    StudioSnapshot? Load();

    void Save(StudioSnapshot snapshot);

    /// <summary>Frame <paramref name="frame"/>'s label map (object ids per pixel), replacing the earlier one.</summary>
    void WriteLabels(int frame, LabelMap labels);

    /// <summary>Frame <paramref name="frame"/>'s label map, or null when none was written.</summary>
    LabelMap? ReadLabels(int frame);

    /// <summary>The encoded palette PNG of frame <paramref name="frame"/>, or null when none was written.</summary>
    byte[]? ReadLabelsPng(int frame);

    /// <summary>The mask a prompt produced (what the session is re-prompted with on reopening).</summary>
    void WritePromptMask(int objectId, int frame, Mask mask);

    Mask? ReadPromptMask(int objectId, int frame);

    /// <summary>Drops every prompt mask of <paramref name="objectId"/>.</summary>
    void DeletePromptMasks(int objectId);
}

/// <summary>
/// The studio's session format in a folder: <c>masks/&lt;frame name&gt;.png</c> (DAVIS palette PNGs, as <c>segment</c>
/// writes them, so <c>export</c> reads them unchanged), <c>prompts/&lt;object&gt;-&lt;frame&gt;.png</c> (each prompt's mask)
/// and <c>studio.json</c> (objects, clicks, report). Every file is written under a temporary name and renamed, so an
/// interrupted server leaves the previous complete version.
/// </summary>
internal sealed class FolderSessionStore : IStudioSessionStore
{
    public const string StateFile = "studio.json";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        // Messages quote user input ('red'); the API's JSON is never embedded in HTML, so plain quotes are safe to keep.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private readonly IFrameSource _frames;
    private readonly string _prompts;

    public FolderSessionStore(string root, IFrameSource frames)
    {
        Root = Path.GetFullPath(root);
        _frames = frames;
        MasksDir = Path.Combine(Root, "masks");
        _prompts = Path.Combine(Root, "prompts");
        Directory.CreateDirectory(MasksDir);
        Directory.CreateDirectory(_prompts);
    }

    public string Root { get; }
    public string MasksDir { get; }

    public StudioSnapshot? Load()
    {
        string path = Path.Combine(Root, StateFile);
        if (!File.Exists(path)) return null;
        StudioSnapshot? s;
        try
        {
            s = JsonSerializer.Deserialize<StudioSnapshot>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new EdgeSamException($"{path} is not a studio session ({e.Message}); give another --out, or move that file away to start afresh.");
        }
        if (s is null) return null;
        if (s.Frames != _frames.FrameCount)
            throw new EdgeSamException($"{path} belongs to a video of {s.Frames} frames ({s.Input}), this one has {_frames.FrameCount}; give the session's own video, or another --out.");
        return s;
    }

    public void Save(StudioSnapshot snapshot) =>
        AtomicFile.WriteAllText(Path.Combine(Root, StateFile), JsonSerializer.Serialize(snapshot, Json));

    private string MaskPath(int frame) => Path.Combine(MasksDir, _frames.FrameName(frame) + ".png");

    public void WriteLabels(int frame, LabelMap labels) => AtomicFile.WriteAllBytes(MaskPath(frame), PngCodec.EncodeLabels(labels));

    public LabelMap? ReadLabels(int frame)
    {
        string p = MaskPath(frame);
        return File.Exists(p) ? PngCodec.ReadLabels(p) : null;
    }

    public byte[]? ReadLabelsPng(int frame)
    {
        string p = MaskPath(frame);
        return File.Exists(p) ? File.ReadAllBytes(p) : null;
    }

    private string PromptPath(int objectId, int frame) => Path.Combine(_prompts, $"{objectId}-{frame}.png");

    public void WritePromptMask(int objectId, int frame, Mask mask) => AtomicFile.WriteAllBytes(PromptPath(objectId, frame), PngCodec.EncodeMask(mask));

    public Mask? ReadPromptMask(int objectId, int frame)
    {
        string p = PromptPath(objectId, frame);
        return File.Exists(p) ? PngCodec.ReadMask(p) : null;
    }

    public void DeletePromptMasks(int objectId)
    {
        foreach (string f in Directory.GetFiles(_prompts, $"{objectId}-*.png")) File.Delete(f);
    }
}
