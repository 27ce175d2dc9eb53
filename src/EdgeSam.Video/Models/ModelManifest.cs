using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Models;

/// <summary>What a model file does in the pipeline.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelRole>))]
public enum ModelRole
{
    /// <summary>Image encoder: one frame to an embedding (EdgeSAM encoder).</summary>
    [JsonStringEnumMemberName("encoder")] Encoder,
    /// <summary>Prompt decoder: embedding + points to masks (EdgeSAM decoder).</summary>
    [JsonStringEnumMemberName("decoder")] Decoder,
    /// <summary>Dense per-frame features a tracker matches between frames (XFeat).</summary>
    [JsonStringEnumMemberName("tracker-feature")] TrackerFeature,
    /// <summary>A tracker that takes a block of frames and queries at once (onnx-window, CoTracker/PIPs style).</summary>
    [JsonStringEnumMemberName("tracker-window")] TrackerWindow,
    /// <summary>A causal tracker stepped frame by frame with a carried state (TAPIR causal predictor).</summary>
    [JsonStringEnumMemberName("tracker-online")] TrackerOnline,
    /// <summary>Turns query points into query features for an online tracker (TAPIR point encoder).</summary>
    [JsonStringEnumMemberName("tracker-query-encoder")] TrackerQueryEncoder,
}

/// <summary>
/// One named tensor of a model's signature. <see cref="Shape"/> holds one string per dimension: a fixed size
/// (<c>"1024"</c>), a symbol (<c>"N"</c>; in a model file, the exporter's dim_param), an expression of a symbol
/// (<c>"H/8"</c>, <c>"R*2"</c>; manifest only), or <c>"?"</c> for a dimension a model file leaves unnamed and dynamic.
/// </summary>
public sealed record TensorSpec(string Name, [property: JsonPropertyName("type")] TensorElementType ElementType, IReadOnlyList<string> Shape)
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

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new ShapeConverter(), new ElementTypeConverter() },
    };

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
        ManifestDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<ManifestDto>(json, s_json);
        }
        catch (JsonException e)
        {
            throw new EdgeSamException($"model manifest {source} is malformed: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        if (dto?.Models is null)
            throw new EdgeSamException($"model manifest {source} has no \"models\" array.");
        if (dto.SchemaVersion != 1)
            throw new EdgeSamException($"model manifest {source} has schemaVersion {dto.SchemaVersion}; this build reads version 1 (update the tool).");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (ModelEntry m in dto.Models)
        {
            string where = $"model manifest {source}, model '{m.Name}'";
            if (!Regex.IsMatch(m.Name, "^[a-z0-9_]+$"))
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
                if (m.Sha256 is null || !Regex.IsMatch(m.Sha256, "^[0-9a-f]{64}$"))
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

    private sealed class ManifestDto
    {
        public int SchemaVersion { get; init; }
        public List<ModelEntry>? Models { get; init; }
    }

    /// <summary>Element types are written <c>float32</c>, <c>int64</c>, <c>bool</c>... (see <see cref="TensorSpec.TypeName"/>).</summary>
    private sealed class ElementTypeConverter : JsonConverter<TensorElementType>
    {
        public override TensorElementType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string? name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            return (name is null ? null : TensorSpec.ParseTypeName(name))
                ?? throw new JsonException($"unknown element type '{name}' (float32, float16, int64, int32, uint8, bool...)");
        }

        public override void Write(Utf8JsonWriter writer, TensorElementType value, JsonSerializerOptions options) =>
            writer.WriteStringValue(TensorSpec.TypeName(value));
    }

    /// <summary>Shapes are JSON arrays mixing numbers (fixed sizes) and strings (symbols).</summary>
    private sealed class ShapeConverter : JsonConverter<IReadOnlyList<string>>
    {
        public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
                throw new JsonException("a shape must be an array of sizes and symbols");
            var dims = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                dims.Add(reader.TokenType switch
                {
                    JsonTokenType.Number => reader.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    JsonTokenType.String => reader.GetString()!,
                    _ => throw new JsonException("a shape dimension must be a number or a string"),
                });
            }
            return dims;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (string d in value)
            {
                if (long.TryParse(d, out long n)) writer.WriteNumberValue(n);
                else writer.WriteStringValue(d);
            }
            writer.WriteEndArray();
        }
    }
}
