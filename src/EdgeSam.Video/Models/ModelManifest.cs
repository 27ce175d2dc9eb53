using System.Text.Json;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Models;

/// <summary>What a model file does in the pipeline.</summary>
public enum ModelRole
{
    /// <summary>Image encoder: one frame to an embedding (EdgeSAM encoder).</summary>
    Encoder,
    /// <summary>Prompt decoder: embedding + points to masks (EdgeSAM decoder).</summary>
    Decoder,
    /// <summary>Dense per-frame features a tracker matches between frames (XFeat).</summary>
    TrackerFeature,
    /// <summary>A tracker that takes a block of frames and queries at once (onnx-window, CoTracker/PIPs style).</summary>
    TrackerWindow,
    /// <summary>A causal tracker stepped frame by frame with a carried state (TAPIR causal predictor).</summary>
    TrackerOnline,
    /// <summary>Turns query points into query features for an online tracker (TAPIR point encoder).</summary>
    TrackerQueryEncoder,
}

/// <summary>Manifest names of <see cref="ModelRole"/> (<c>tracker-feature</c>...).</summary>
public static class ModelRoles
{
    private static readonly (ModelRole Role, string Name)[] s_names =
    [
        (ModelRole.Encoder, "encoder"), (ModelRole.Decoder, "decoder"), (ModelRole.TrackerFeature, "tracker-feature"),
        (ModelRole.TrackerWindow, "tracker-window"), (ModelRole.TrackerOnline, "tracker-online"),
        (ModelRole.TrackerQueryEncoder, "tracker-query-encoder"),
    ];

    public static string Name(ModelRole role) => s_names.First(r => r.Role == role).Name;

    public static ModelRole? Parse(string name) =>
        s_names.Where(r => r.Name == name).Select(r => (ModelRole?)r.Role).FirstOrDefault();

    public static IEnumerable<string> Names => s_names.Select(r => r.Name);
}

/// <summary>
/// One named tensor of a model's signature. <see cref="Shape"/> holds one string per dimension: a fixed size
/// (<c>"1024"</c>), a symbol (<c>"N"</c>; in a model file, the exporter's dim_param), an expression of a symbol
/// (<c>"H/8"</c>, <c>"R*2"</c>; manifest only), or <c>"?"</c> for a dimension a model file leaves unnamed and dynamic.
/// </summary>
public sealed record TensorSpec(string Name, TensorElementType ElementType, IReadOnlyList<string> Shape)
{
    /// <summary>Manifest only: the model may lack this input (for example a traced constant).</summary>
    public bool Optional { get; init; }

    /// <summary>Manifest only: value range, coordinate frame or meaning.</summary>
    public string? Note { get; init; }

    /// <summary>Builds a spec from ONNX Runtime style dims: -1 (or less) is dynamic, named by <paramref name="symbolicDims"/> when given.</summary>
    public static TensorSpec FromDims(string name, TensorElementType type, ReadOnlySpan<long> dims, IReadOnlyList<string?>? symbolicDims = null)
    {
        var shape = new string[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            string? sym = symbolicDims != null && i < symbolicDims.Count ? symbolicDims[i] : null;
            shape[i] = dims[i] >= 0 ? dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture)
                : string.IsNullOrEmpty(sym) ? "?" : sym;
        }
        return new TensorSpec(name, type, shape);
    }

    /// <summary><c>float32 [1,N,2]</c>.</summary>
    public string Describe() => $"{TypeName(ElementType)} [{string.Join(",", Shape)}]";

    public override string ToString() => $"'{Name}' {Describe()}";

    /// <summary>
    /// Manifest and message name of an element type: numpy-style <c>float32</c>/<c>float64</c> for ONNX's float and
    /// double (what people call them in export scripts), otherwise the lower-case ONNX name (<c>int64</c>, <c>bool</c>).
    /// </summary>
    public static string TypeName(TensorElementType t) => t switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Double => "float64",
        _ => t.ToString().ToLowerInvariant(),
    };

    /// <summary>Inverse of <see cref="TypeName"/>; null for an unknown name.</summary>
    public static TensorElementType? ParseTypeName(string name) =>
        Enum.GetValues<TensorElementType>().Where(t => t != TensorElementType.Undefined)
            .Select(t => (TensorElementType?)t).FirstOrDefault(t => TypeName(t!.Value) == name);

    /// <summary>The spec of a tensor as ONNX Runtime reports it (dynamic dims by their symbolic name, else <c>?</c>).</summary>
    public static TensorSpec FromOrt(OrtTensorInfo info) => FromDims(info.Name, info.ElementType, info.Shape, info.SymbolicDims);

    // Records compare lists by reference; a signature is a value, so compare shapes element-wise.
    public bool Equals(TensorSpec? other) =>
        other is not null && Name == other.Name && ElementType == other.ElementType && Optional == other.Optional
        && Note == other.Note && Shape.SequenceEqual(other.Shape);

    public override int GetHashCode() => HashCode.Combine(Name, ElementType, Shape.Count);
}

/// <summary>The graph inputs and outputs of a model (initialisers excluded).</summary>
public sealed record ModelSignature(IReadOnlyList<TensorSpec> Inputs, IReadOnlyList<TensorSpec> Outputs)
{
    public bool Equals(ModelSignature? other) =>
        other is not null && Inputs.SequenceEqual(other.Inputs) && Outputs.SequenceEqual(other.Outputs);

    public override int GetHashCode() => HashCode.Combine(Inputs.Count, Outputs.Count);
}

/// <summary>
/// One model the tool knows. <see cref="Url"/>, <see cref="Size"/> and <see cref="Sha256"/> are null for
/// user-supplied models (exports the user makes); <see cref="Obtain"/> then says how to get one.
/// </summary>
public sealed record ModelEntry
{
    /// <summary>Stable id used on the command line (<c>edge_sam_3x_encoder</c>).</summary>
    public required string Name { get; init; }
    /// <summary>File name in the cache and the mirror (no folders).</summary>
    public required string File { get; init; }
    /// <summary>Model family (<c>EdgeSAM-3x</c>, <c>XFeat</c>...), for listings.</summary>
    public required string Family { get; init; }
    public required ModelRole Role { get; init; }
    /// <summary>Sub-folder of the mirror where the file may also be found (<c>xfeat</c>).</summary>
    public string? MirrorFolder { get; init; }
    public required string License { get; init; }
    /// <summary>Official download address (https), or null when user-supplied.</summary>
    public string? Url { get; init; }
    /// <summary>Size in bytes of the official file.</summary>
    public long? Size { get; init; }
    /// <summary>Lower-case hex sha256 of the official file.</summary>
    public string? Sha256 { get; init; }
    public string Description { get; init; } = "";
    /// <summary>For user-supplied models: how to export or obtain the file.</summary>
    public string? Obtain { get; init; }
    public required ModelSignature Signature { get; init; }

    /// <summary>True when the tool cannot download the file (no official URL).</summary>
    public bool UserSupplied => Url is null;
}

/// <summary>The list of models the tool knows (<c>models/manifest.json</c>, embedded in the library).</summary>
public sealed class ModelManifest
{
    /// <summary>Name of the embedded copy of <c>models/manifest.json</c>.</summary>
    public const string ResourceName = "EdgeSam.Video.Models.manifest.json";

    private static readonly Lazy<ModelManifest> s_embedded = new(() =>
    {
        using Stream s = OpenEmbedded();
        using var r = new StreamReader(s);
        return Parse(r.ReadToEnd(), "embedded models/manifest.json");
    });

    public ModelManifest(IReadOnlyList<ModelEntry> models) => Models = models;

    public IReadOnlyList<ModelEntry> Models { get; }

    /// <summary>The manifest built into the library (works from any working directory).</summary>
    public static ModelManifest Embedded => s_embedded.Value;

    /// <summary>The raw embedded <c>manifest.json</c> bytes.</summary>
    public static Stream OpenEmbedded() =>
        typeof(ModelManifest).Assembly.GetManifestResourceStream(ResourceName)
        ?? throw new InvalidOperationException($"embedded resource {ResourceName} missing from {typeof(ModelManifest).Assembly.GetName().Name}");

    /// <summary>The entry named <paramref name="name"/>, or an <see cref="EdgeSamException"/> listing the known names.</summary>
    public ModelEntry Get(string name) =>
        Find(name) ?? throw new EdgeSamException(
            $"unknown model '{name}': known models are {string.Join(", ", Models.Select(m => m.Name))} (see 'edgesam-video models list').");

    public ModelEntry? Find(string name) =>
        Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal))
        ?? Models.FirstOrDefault(m => string.Equals(m.File, name, StringComparison.Ordinal));

    /// <summary>Parses and validates manifest JSON; <paramref name="source"/> names it in error messages.</summary>
    public static ModelManifest Parse(string json, string source)
    {
        ManifestDto dto;
        try
        {
            dto = ManifestJson.Read(json);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new EdgeSamException($"model manifest {source} is malformed: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        if (dto.SchemaVersion != 1)
            throw new EdgeSamException($"model manifest {source} has schemaVersion {dto.SchemaVersion}; this build reads version 1 (update the tool).");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (ModelEntry m in dto.Models)
        {
            string where = $"model manifest {source}, model '{m.Name}'";
            if (m.Name.Length == 0 || !m.Name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
                throw new EdgeSamException($"{where}: the name must be lower-case letters, digits and '_'.");
            if (!seen.Add(m.Name))
                throw new EdgeSamException($"{where}: the name appears twice.");
            if (m.File.Length == 0 || m.File != Path.GetFileName(m.File) || !seenFiles.Add(m.File))
                throw new EdgeSamException($"{where}: file '{m.File}' must be a bare, unique file name.");
            if (m.MirrorFolder is { } f && (f.Length == 0 || f.Contains('/') || f.Contains('\\') || f == ".."))
                throw new EdgeSamException($"{where}: mirrorFolder '{f}' must be one folder name.");
            if (m.Url is null)
            {
                if (m.Size is not null || m.Sha256 is not null || string.IsNullOrWhiteSpace(m.Obtain))
                    throw new EdgeSamException($"{where}: a model without url is user-supplied: it needs \"obtain\" and no size/sha256.");
            }
            else
            {
                if (!m.Url.StartsWith("https://", StringComparison.Ordinal))
                    throw new EdgeSamException($"{where}: url must be https.");
                if (m.Size is not > 0)
                    throw new EdgeSamException($"{where}: a downloadable model needs its size in bytes.");
                if (m.Sha256 is not { Length: 64 } || !m.Sha256.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
                    throw new EdgeSamException($"{where}: sha256 must be 64 lower-case hex digits.");
            }
            if (m.Signature.Inputs.Count == 0 || m.Signature.Outputs.Count == 0)
                throw new EdgeSamException($"{where}: the signature needs inputs and outputs.");
            foreach (TensorSpec t in m.Signature.Inputs.Concat(m.Signature.Outputs))
                foreach (string d in t.Shape)
                    if (!ShapeExpression.TryParse(d, out _))
                        throw new EdgeSamException($"{where}: tensor '{t.Name}' dimension '{d}' is not a size, a symbol or symbol/k, symbol*k.");
        }
        return new ModelManifest(dto.Models);
    }
}
