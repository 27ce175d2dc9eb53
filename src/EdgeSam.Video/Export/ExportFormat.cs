namespace EdgeSam.Video.Export;

/// <summary>What <see cref="RotoExporter"/> writes. CLI names in brackets (<see cref="ExportFormats.Parse"/>).</summary>
public enum ExportFormat
{
    /// <summary>[alpha-png] RGBA PNG sequence: original pixels (or white with <c>MatteOnly</c>) with the matte as alpha.</summary>
    AlphaPng,

    /// <summary>[prores] ProRes 4444 .mov with alpha. One alpha per file, so one file per object unless combined.</summary>
    ProRes,

    /// <summary>[webm] VP9 WebM with alpha. One alpha per file, so one file per object unless combined.</summary>
    WebM,

    /// <summary>[svg] One SVG per frame, one layer (<c>&lt;g&gt;</c>) per object, cubic Bézier paths, even-odd holes.</summary>
    Svg,

    /// <summary>[ae] After Effects ExtendScript (.jsx) that builds a comp with a keyframed mask path per contour.</summary>
    AfterEffects,

    /// <summary>[nuke] Nuke script (.nk) with a Roto node holding one keyframed Bézier shape per contour.</summary>
    Nuke,

    /// <summary>[coco] COCO instance-segmentation JSON: the exact mask as compressed RLE (or exact pixel-edge polygons).</summary>
    Coco,

    /// <summary>[json] Plain JSON of the Bézier shapes (schema in <see cref="JsonShapeWriter"/>).</summary>
    Json,

    /// <summary>[ytvis] YouTube-VIS JSON: one annotation per object with a compressed RLE (or null) per frame.</summary>
    Ytvis,
}

/// <summary>Which frames of the editable roto formats (ae, nuke, json, svg) carry a key.</summary>
public enum KeyMode
{
    /// <summary>A key only where interpolating linearly between the neighbouring keys would move the outline by more
    /// than the tolerance; the frames between keys show the interpolation.</summary>
    Auto,

    /// <summary>A key on every frame (a baked trace).</summary>
    All,
}

/// <summary>How the matte edge is treated before feathering.</summary>
public enum EdgeMode
{
    /// <summary>Binary alpha (0/255), then the optional feather.</summary>
    Hard,

    /// <summary>A slight antialias (a [1 2 1]/4 blur in x and y, about 0.7 px sigma) before the optional feather.</summary>
    Soft,
}

/// <summary>CLI names of <see cref="ExportFormat"/>.</summary>
public static class ExportFormats
{
    private static readonly (string Name, ExportFormat Format)[] Names =
    [
        ("alpha-png", ExportFormat.AlphaPng), ("prores", ExportFormat.ProRes), ("webm", ExportFormat.WebM),
        ("svg", ExportFormat.Svg), ("ae", ExportFormat.AfterEffects), ("nuke", ExportFormat.Nuke),
        ("coco", ExportFormat.Coco), ("json", ExportFormat.Json), ("ytvis", ExportFormat.Ytvis),
    ];

    /// <summary>All CLI names, in enum order.</summary>
    public static IReadOnlyList<string> AllNames { get; } = Names.Select(n => n.Name).ToArray();

    public static string Name(ExportFormat f) => Names.First(n => n.Format == f).Name;

    /// <summary>Parses a CLI name (case-insensitive); an unknown name is an <see cref="EdgeSamException"/>.</summary>
    public static ExportFormat Parse(string name)
    {
        foreach (var (n, f) in Names)
            if (string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase)) return f;
        throw new EdgeSamException($"unknown export format '{name}'; use one of {string.Join(", ", AllNames)}.");
    }

    /// <summary>True for the formats made of shapes (contours fitted with Béziers) rather than pixels.</summary>
    public static bool IsShape(ExportFormat f) => f is ExportFormat.Svg or ExportFormat.AfterEffects or ExportFormat.Nuke
        or ExportFormat.Json;

    /// <summary>True for the dataset formats (COCO, YouTube-VIS): written from the exact masks, never fitted or smoothed.</summary>
    public static bool IsDataset(ExportFormat f) => f is ExportFormat.Coco or ExportFormat.Ytvis;
}
