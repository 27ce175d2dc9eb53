using System.Text;
using EdgeSam.Video.Models;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Tests.Models;

public class OnnxSignatureReaderTests
{
    [MirrorTheory]
    [InlineData("xfeat_256x256", 256, 256, "763")]
    [InlineData("xfeat_320x160", 320, 160, "735")]
    [InlineData("xfeat_320x224", 320, 224, "791")]
    public void Reads_the_real_xfeat_signatures(string name, int w, int h, string logitsName)
    {
        ModelSignature s = OnnxSignatureReader.Read(Path.Combine(TestPaths.ModelMirror, "xfeat", name + ".onnx"));
        Assert.Equal([$"'input' float32 [1,3,{h},{w}]"], s.Inputs.Select(t => t.ToString()));
        Assert.Equal([$"'output' float32 [1,64,{h / 8},{w / 8}]", $"'{logitsName}' float32 [1,65,{h / 8},{w / 8}]", $"'268' float32 [1,1,{h / 8},{w / 8}]"],
            s.Outputs.Select(t => t.ToString()));
        Assert.Equal(ModelManifest.Embedded.Get(name).Signature.Outputs.Select(t => t.Name), s.Outputs.Select(t => t.Name));
    }

    [Fact]
    public void Reads_symbolic_dims_and_leaves_out_initialisers_listed_as_inputs()
    {
        var tensor = new ProtoWriter().Str(8, "w").Bytes(9, new byte[1 << 20]); // name, raw_data: 1 MiB of weights
        var model = new ProtoWriter()
            .Varint(1, 3) // ir_version 3: weights are also listed as inputs
            .Message(7, new ProtoWriter()
                .Message(5, tensor)
                .Message(11, ValueInfo("x", 1, ["N", 3L, null]))
                .Message(11, ValueInfo("w", 1, [3L]))
                .Message(12, ValueInfo("y", 7, ["N"]))
                .Message(12, ValueInfo("ok", 9, [])));
        ModelSignature s = OnnxSignatureReader.Read(new MemoryStream(model.ToArray()), "test.onnx");
        Assert.Equal(["'x' float32 [N,3,?]"], s.Inputs.Select(t => t.ToString()));
        Assert.Equal(["'y' int64 [N]", "'ok' bool []"], s.Outputs.Select(t => t.ToString()));
    }

    [MirrorFact]
    public void Truncated_or_foreign_files_give_one_line()
    {
        byte[] real = File.ReadAllBytes(Path.Combine(TestPaths.ModelMirror, "xfeat", "xfeat_256x256.onnx"));
        // Cuts inside the graph (which runs to near the end; only the opset list follows it).
        foreach (int cut in new[] { 20, 1000, real.Length / 2, real.Length * 9 / 10 })
        {
            var ex = Assert.Throws<EdgeSamException>(() => OnnxSignatureReader.Read(new MemoryStream(real[..cut]), "cut.onnx"));
            Assert.StartsWith("cut.onnx is not", ex.Message);
        }
        var text = Assert.Throws<EdgeSamException>(() => OnnxSignatureReader.Read(new MemoryStream(Encoding.ASCII.GetBytes("<html>not found</html>")), "page.onnx"));
        Assert.StartsWith("page.onnx is not", text.Message);
    }

    private static ProtoWriter ValueInfo(string name, int elemType, object?[] dims)
    {
        var shape = new ProtoWriter();
        foreach (object? d in dims)
        {
            var dim = new ProtoWriter();
            if (d is long v) dim.Varint(1, (ulong)v);
            else if (d is string p) dim.Str(2, p);
            shape.Message(1, dim);
        }
        var tensorType = new ProtoWriter().Varint(1, (ulong)elemType).Message(2, shape);
        return new ProtoWriter().Str(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }

    /// <summary>Protobuf writer for hand-built test models.</summary>
    private sealed class ProtoWriter
    {
        private readonly MemoryStream _s = new();
        public byte[] ToArray() => _s.ToArray();
        public ProtoWriter Varint(int field, ulong v) { Raw((ulong)(field << 3)); Raw(v); return this; }
        public ProtoWriter Bytes(int field, byte[] b) { Raw((ulong)(field << 3 | 2)); Raw((ulong)b.Length); _s.Write(b); return this; }
        public ProtoWriter Str(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));
        public ProtoWriter Message(int field, ProtoWriter m) => Bytes(field, m.ToArray());
        private void Raw(ulong v)
        {
            while (v >= 0x80) { _s.WriteByte((byte)(v | 0x80)); v >>= 7; }
            _s.WriteByte((byte)v);
        }
    }
}

/// <summary>The managed reader and ONNX Runtime must see the same signature; the ORT adapter feeds the same check.</summary>
public class OrtSignatureTests
{
    [MirrorTheory]
    [InlineData("xfeat_256x256")]
    [InlineData("xfeat_320x160")]
    [InlineData("xfeat_320x224")]
    public void Ort_and_the_managed_reader_agree_on_real_xfeat_files(string name)
    {
        string path = Path.Combine(TestPaths.ModelMirror, "xfeat", name + ".onnx");
        using var session = new OrtInferenceSession(path);
        ModelSignature fromOrt = SignatureCheck.Of(session);
        Assert.Equal(OnnxSignatureReader.Read(path), fromOrt);
        SignatureCheck.Require(ModelManifest.Embedded.Get(name), session); // does not throw
        Assert.Empty(SignatureCheck.Compare(name, ModelManifest.Embedded.Get(name).Signature, fromOrt));
    }

    [Fact]
    public void Require_names_every_difference_of_a_wrong_decoder_export_in_one_line()
    {
        // A decoder-shaped graph whose point_coords has 3 columns and whose masks output is missing.
        var b = new EdgeSam.Video.Onnx.Builder.OnnxGraphBuilder("fake_decoder");
        b.AddInput("image_embeddings", TensorElementType.Float, 1, 256, 64, 64)
         .AddInput("point_coords", TensorElementType.Float, 1, "num_points", 3)
         .AddInput("point_labels", TensorElementType.Float, 1, "num_points")
         .AddFloatInitializer("s", [0f, 0f, 0f, 0f], 1, 4)
         .AddNode("Identity", ["s"], ["scores"])
         .AddOutput("scores", TensorElementType.Float, 1, 4);
        string path = Path.Combine(TestPaths.NewTempDir("fake-decoder"), "decoder.onnx");
        b.Save(path);

        using var session = new OrtInferenceSession(path);
        var ex = Assert.Throws<EdgeSamException>(() => SignatureCheck.Require(ModelManifest.Embedded.Get("edge_sam_3x_decoder"), session));
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains("edge_sam_3x_decoder input 'point_coords': expected float32 [1,N,2], got float32 [1,num_points,3]", ex.Message);
        Assert.Contains("edge_sam_3x_decoder output 'masks': expected float32 [1,4,256,256], missing", ex.Message);
        Assert.StartsWith($"{path} is not a usable edge_sam_3x_decoder model: ", ex.Message);
    }
}
