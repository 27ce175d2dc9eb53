using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Cli.Commands.Studio;

/// <summary>An object as the studio shows it: id (the label-map value), a person's name for it and its display colour
/// (<c>#rrggbb</c>; the mask PNGs keep the DAVIS palette, the colour is the page's).</summary>
internal sealed record StudioObject(int Id, string Name, string Color);

/// <summary>A prompt made since its object's last walk: the next "Propagate" re-walks from it.</summary>
internal sealed record StudioPending(int Object, int Frame);

/// <summary>
/// What the studio keeps beside <c>segment</c>'s session (<see cref="Pipeline.SessionFolder"/>: session.json, prompts/,
/// masks/, report.json), which knows nothing of it: the objects' names and colours (an object may exist before its
/// first click), which objects a walk has covered, and the prompts no walk has followed yet. <c>objects.json</c> in
/// the session folder, written atomically after every change; <c>segment --add</c> leaves it alone, and an object it
/// does not list (one a <c>segment</c> run made) gets a default name and counts as walked.
/// </summary>
internal sealed class StudioObjects
{
    public const string FileName = "objects.json";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        // Messages quote user input ('red'); the API's JSON is never embedded in HTML, so plain quotes are safe to keep.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public int Version { get; init; } = 1;
    public List<StudioObject> Objects { get; init; } = [];
    /// <summary>Objects some walk has segmented: a new prompt of theirs is a correction (re-propagated the way
    /// <c>segment --add</c> does), a first prompt of another object is walked afresh.</summary>
    public SortedSet<int> Walked { get; init; } = [];
    public List<StudioPending> Pending { get; init; } = [];

    /// <summary>The file of <paramref name="root"/>, or null when there is none.</summary>
    public static StudioObjects? Load(string root)
    {
        string path = Path.Combine(root, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<StudioObjects>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new EdgeSamException($"{path} is damaged ({e.Message.Split('.')[0]}); move it away (the objects keep their masks and prompts, only names and colours are lost) and start the studio again.");
        }
    }

    public void Save(string root) => AtomicFile.WriteAllText(Path.Combine(root, FileName), JsonSerializer.Serialize(this, Json));
}
