using EdgeSam.Video.Models;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Tests.Models;

public class ManifestTests
{
    private static string ManifestPath => Path.Combine(TestPaths.RepoRoot, "models", "manifest.json");

    [Fact]
    public void Embedded_manifest_equals_models_manifest_json()
    {
        using Stream s = ModelManifest.OpenEmbedded();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        Assert.Equal(File.ReadAllBytes(ManifestPath), ms.ToArray());
    }

    [Fact]
    public void Manifest_lists_every_model_with_the_documented_contracts()
    {
        ModelManifest m = ModelManifest.Embedded;
        Assert.Equal(
            ["edge_sam_3x_encoder", "edge_sam_3x_decoder", "edge_sam_encoder", "edge_sam_decoder",
             "xfeat_256x256", "xfeat_320x160", "xfeat_320x224", "cotracker_window", "tapir_pointencoder", "tapir"],
            m.Models.Select(e => e.Name));

        ModelEntry enc = m.Get("edge_sam_3x_encoder");
        Assert.Equal(ModelRole.Encoder, enc.Role);
        Assert.Equal(22098300, enc.Size);
        Assert.Equal("https://huggingface.co/spaces/chongzhou/EdgeSAM/resolve/main/weights/edge_sam_3x_encoder.onnx", enc.Url);
        Assert.Equal("float32 [1,3,1024,1024]", enc.Signature.Inputs.Single(t => t.Name == "image").Describe());
        Assert.Equal("float32 [1,256,64,64]", enc.Signature.Outputs.Single(t => t.Name == "image_embeddings").Describe());

        ModelEntry dec = m.Get("edge_sam_3x_decoder");
        Assert.Equal(["image_embeddings", "point_coords", "point_labels"], dec.Signature.Inputs.Select(t => t.Name));
        Assert.Equal("float32 [1,N,2]", dec.Signature.Inputs[1].Describe());
        Assert.Equal("float32 [1,N]", dec.Signature.Inputs[2].Describe());
        Assert.Equal(["scores", "masks"], dec.Signature.Outputs.Select(t => t.Name));
        Assert.Equal("float32 [1,4,256,256]", dec.Signature.Outputs[1].Describe());

        Assert.All(m.Models.Where(e => e.Family.StartsWith("EdgeSAM", StringComparison.Ordinal)),
            e => Assert.Contains("non-commercial", e.License));
        Assert.All(m.Models.Where(e => e.Family == "XFeat"), e =>
        {
            Assert.Equal(ModelRole.TrackerFeature, e.Role);
            Assert.Equal("Apache-2.0", e.License);
            Assert.StartsWith("https://github.com/Kazuhito00/XFeat-Image-Matching-ONNX-Sample/raw/6eb24aad8997243881f275a5963acc5d19f7c332/onnx_model/", e.Url);
            Assert.EndsWith("/" + e.File, e.Url);
        });

        ModelEntry window = m.Get("cotracker_window");
        Assert.True(window.UserSupplied);
        Assert.Equal(ModelRole.TrackerWindow, window.Role);
        Assert.Equal("float32 [1,T,3,H,W]", window.Signature.Inputs.Single(t => t.Name == "video").Describe());
        Assert.Equal("float32 [1,T,N,2]", window.Signature.Outputs.Single(t => t.Name == "tracks").Describe());
        Assert.True(m.Get("tapir").UserSupplied);
        Assert.Equal(TensorElementType.Bool, m.Get("tapir").Signature.Outputs.Single(t => t.Name == "visibles").ElementType);
        Assert.True(m.Get("tapir_pointencoder").Signature.Inputs.Single(t => t.Name == "input_resolution").Optional);
        Assert.Same(m.Get("tapir"), m.Find("tapir.onnx"));
    }

    [Fact]
    public void Unknown_model_name_lists_the_known_ones()
    {
        var ex = Assert.Throws<EdgeSamException>(() => ModelManifest.Embedded.Get("sam2"));
        Assert.Contains("unknown model 'sam2'", ex.Message);
        Assert.Contains("edge_sam_3x_encoder", ex.Message);
    }

    [MirrorFact]
    public void Mirror_xfeat_files_match_size_sha256_and_signature()
    {
        var store = new ModelStore(new ModelStoreOptions { CacheDirectory = TestPaths.NewTempDir("emptycache"), MirrorDirectory = TestPaths.ModelMirror });
        foreach (ModelEntry e in store.Manifest.Models.Where(e => e.Family == "XFeat"))
        {
            ModelVerification v = store.Verify(e);
            Assert.True(v.Health == ModelHealth.Ok, $"{e.Name}: {v.Health} {string.Join("; ", v.Problems)}");
            Assert.Equal(ModelSource.Mirror, v.Source);
            Assert.Equal(Path.Combine(TestPaths.ModelMirror, "xfeat", e.File), v.Path);
        }
    }

    private const string Valid = """
        { "schemaVersion": 1, "models": [ { "name": "m", "file": "m.onnx", "family": "f", "role": "decoder", "license": "l",
          "url": "https://x/m.onnx", "size": 10, "sha256": "0000000000000000000000000000000000000000000000000000000000000000",
          "signature": { "inputs": [ { "name": "a", "type": "float32", "shape": [1, "N", "H/8"] } ],
                         "outputs": [ { "name": "b", "type": "uint8", "shape": ["?"] } ] } } ] }
        """;

    [Fact]
    public void Parse_reads_mixed_shapes_and_types()
    {
        ModelManifest m = ModelManifest.Parse(Valid, "test");
        ModelEntry e = m.Models.Single();
        Assert.Equal(ModelRole.Decoder, e.Role);
        Assert.Equal(["1", "N", "H/8"], e.Signature.Inputs[0].Shape);
        Assert.Equal(TensorElementType.UInt8, e.Signature.Outputs[0].ElementType);
    }

    [Theory]
    [InlineData("\"role\": \"decoder\"", "\"role\": \"segmenter\"", "malformed")]
    [InlineData("\"size\": 10", "\"size\": 0", "needs its size")]
    [InlineData("\"sha256\": \"0000", "\"sha256\": \"zz00", "64 lower-case hex")]
    [InlineData("https://x/m.onnx", "http://x/m.onnx", "url must be https")]
    [InlineData("\"file\": \"m.onnx\"", "\"file\": \"sub/m.onnx\"", "bare, unique file name")]
    [InlineData("\"H/8\"", "\"H/0\"", "dimension 'H/0'")]
    [InlineData("\"schemaVersion\": 1", "\"schemaVersion\": 2", "schemaVersion 2")]
    [InlineData("\"license\": \"l\",", "\"license\": \"l\", \"licence\": \"typo\",", "malformed")]
    public void Parse_rejects_bad_manifests_with_one_line(string find, string replace, string expected)
    {
        string json = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);
        var ex = Assert.Throws<EdgeSamException>(() => ModelManifest.Parse(json, "test.json"));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("test.json", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void User_supplied_entry_needs_obtain_text()
    {
        string json = Valid.Replace("\"url\": \"https://x/m.onnx\", \"size\": 10, \"sha256\": \"0000000000000000000000000000000000000000000000000000000000000000\",",
            "\"url\": null,", StringComparison.Ordinal);
        var ex = Assert.Throws<EdgeSamException>(() => ModelManifest.Parse(json, "t"));
        Assert.Contains("obtain", ex.Message);
        ModelManifest ok = ModelManifest.Parse(json.Replace("\"url\": null,", "\"url\": null, \"obtain\": \"export it\",", StringComparison.Ordinal), "t");
        Assert.True(ok.Models[0].UserSupplied);
    }
}
