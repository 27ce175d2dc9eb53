using System.Globalization;
using System.Text.Json;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Models;

internal sealed record ManifestDto(int SchemaVersion, List<ModelEntry> Models);

/// <summary>
/// Reads <c>manifest.json</c> with <see cref="JsonDocument"/>. Hand-written rather than the reflection or
/// source-generated serializer because the manifest is read at every CLI start: the serializer's first use
/// measured 300-450 ms here (2 loaded cores) against ~3 ms for a document walk. Unknown keys are errors, so a typo
/// in the manifest cannot silently drop a field.
/// </summary>
internal static class ManifestJson
{
    private static readonly string[] s_modelKeys =
        ["name", "file", "family", "role", "mirrorFolder", "license", "url", "size", "sha256", "description", "obtain", "signature"];
    private static readonly string[] s_tensorKeys = ["name", "type", "shape", "optional", "note"];

    public static ManifestDto Read(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        JsonElement root = Object(doc.RootElement, "the top level");
        CheckKeys(root, ["schemaVersion", "models"], "the top level");
        int version = root.TryGetProperty("schemaVersion", out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32()
            : throw new FormatException("\"schemaVersion\" (a number) is missing");
        if (!root.TryGetProperty("models", out JsonElement models) || models.ValueKind != JsonValueKind.Array)
            throw new FormatException("\"models\" (an array) is missing");
        var list = new List<ModelEntry>();
        int index = 0;
        foreach (JsonElement m in models.EnumerateArray())
            list.Add(ReadModel(m, index++));
        return new ManifestDto(version, list);
    }

    private static ModelEntry ReadModel(JsonElement m, int index)
    {
        string where = $"models[{index}]";
        Object(m, where);
        string name = RequiredString(m, "name", where);
        where = $"model '{name}'";
        CheckKeys(m, s_modelKeys, where);
        string roleName = RequiredString(m, "role", where);
        ModelRole role = ModelRoles.Parse(roleName)
            ?? throw new FormatException($"{where}: unknown role '{roleName}' (one of {string.Join(", ", ModelRoles.Names)})");
        JsonElement sig = m.TryGetProperty("signature", out JsonElement s) ? Object(s, $"{where} signature")
            : throw new FormatException($"{where}: \"signature\" is missing");
        CheckKeys(sig, ["inputs", "outputs"], $"{where} signature");
        return new ModelEntry
        {
            Name = name,
            File = RequiredString(m, "file", where),
            Family = RequiredString(m, "family", where),
            Role = role,
            MirrorFolder = OptionalString(m, "mirrorFolder", where),
            License = RequiredString(m, "license", where),
            Url = OptionalString(m, "url", where),
            Size = m.TryGetProperty("size", out JsonElement size) && size.ValueKind != JsonValueKind.Null
                ? (size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out long n) ? n : throw new FormatException($"{where}: \"size\" must be a whole number of bytes"))
                : null,
            Sha256 = OptionalString(m, "sha256", where),
            Description = OptionalString(m, "description", where) ?? "",
            Obtain = OptionalString(m, "obtain", where),
            Signature = new ModelSignature(Tensors(sig, "inputs", where), Tensors(sig, "outputs", where)),
        };
    }

    private static TensorSpec[] Tensors(JsonElement sig, string key, string where)
    {
        if (!sig.TryGetProperty(key, out JsonElement arr) || arr.ValueKind != JsonValueKind.Array)
            throw new FormatException($"{where}: signature \"{key}\" (an array) is missing");
        var result = new List<TensorSpec>();
        foreach (JsonElement t in arr.EnumerateArray())
        {
            Object(t, $"{where} {key}");
            string name = RequiredString(t, "name", $"{where} {key}");
            string tw = $"{where} tensor '{name}'";
            CheckKeys(t, s_tensorKeys, tw);
            string typeName = RequiredString(t, "type", tw);
            TensorElementType type = TensorSpec.ParseTypeName(typeName)
                ?? throw new FormatException($"{tw}: unknown element type '{typeName}' (float32, float16, int64, int32, uint8, bool...)");
            if (!t.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array)
                throw new FormatException($"{tw}: \"shape\" (an array of sizes and symbols) is missing");
            var dims = new List<string>();
            foreach (JsonElement d in shape.EnumerateArray())
                dims.Add(d.ValueKind switch
                {
                    JsonValueKind.Number when d.TryGetInt64(out long n) => n.ToString(CultureInfo.InvariantCulture),
                    JsonValueKind.String => d.GetString()!,
                    _ => throw new FormatException($"{tw}: a dimension must be a whole number or a string"),
                });
            bool optional = t.TryGetProperty("optional", out JsonElement o) && (o.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? o.GetBoolean() : throw new FormatException($"{tw}: \"optional\" must be true or false"));
            result.Add(new TensorSpec(name, type, dims) { Optional = optional, Note = OptionalString(t, "note", tw) });
        }
        return result.ToArray();
    }

    private static JsonElement Object(JsonElement e, string where) =>
        e.ValueKind == JsonValueKind.Object ? e : throw new FormatException($"{where} must be a JSON object");

    private static void CheckKeys(JsonElement e, string[] allowed, string where)
    {
        foreach (JsonProperty p in e.EnumerateObject())
            if (Array.IndexOf(allowed, p.Name) < 0)
                throw new FormatException($"{where}: unknown key \"{p.Name}\" (allowed: {string.Join(", ", allowed)})");
    }

    private static string RequiredString(JsonElement e, string key, string where) =>
        OptionalString(e, key, where) ?? throw new FormatException($"{where}: \"{key}\" (a string) is missing");

    private static string? OptionalString(JsonElement e, string key, string where)
    {
        if (!e.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new FormatException($"{where}: \"{key}\" must be a string");
    }
}
