using System.Runtime.InteropServices;
using EdgeSam.Video.Onnx;
using EdgeSam.Video.Onnx.Builder;

namespace EdgeSam.Video.Tests.Onnx;

/// <summary>
/// The builder's wire format, decoded with a separate test-side reader against the field numbers of onnx/onnx.proto.
/// (That ORT accepts and runs what it writes is covered by the session tests.)
/// </summary>
public class OnnxGraphBuilderTests
{
    [Theory]
    [InlineData(0L, new byte[] { 0x00 })]
    [InlineData(1L, new byte[] { 0x01 })]
    [InlineData(127L, new byte[] { 0x7F })]
    [InlineData(128L, new byte[] { 0x80, 0x01 })]
    [InlineData(300L, new byte[] { 0xAC, 0x02 })]
    [InlineData(-1L, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    public void Varints_follow_the_protobuf_encoding(long value, byte[] expected)
    {
        var w = new ProtoWriter();
        w.WriteVarint(unchecked((ulong)value));
        Assert.Equal(expected, w.ToArray());
    }

    [Fact]
    public void Keys_and_payloads_are_encoded_per_wire_type()
    {
        var w = new ProtoWriter();
        w.WriteInt64(1, 150);      // key 0x08, varint 150 = 96 01 (the protobuf documentation's example)
        w.WriteString(2, "testing"); // key 0x12, length 7
        w.WriteFloat(5, 1.0f);     // key 0x2D, fixed32 little-endian 0x3F800000
        Assert.Equal(
            new byte[] { 0x08, 0x96, 0x01, 0x12, 0x07, (byte)'t', (byte)'e', (byte)'s', (byte)'t', (byte)'i', (byte)'n', (byte)'g', 0x2D, 0x00, 0x00, 0x80, 0x3F },
            w.ToArray());
    }

    [Fact]
    public void Model_structure_matches_onnx_proto_field_numbers()
    {
        var b = new OnnxGraphBuilder("g", opset: 17, irVersion: 8);
        b.AddInput("x", TensorElementType.Float, "batch", 3)
         .AddFloatInitializer("w", [1f, 2f, 3f, 4f, 5f, 6f], 3, 2)
         .AddInt64Initializer("shape", [-1, 2], 2)
         .AddNode("MatMul", ["x", "w"], ["y"])
         .AddNode("Reshape", ["y", "shape"], ["z"], [OnnxAttribute.Int("allowzero", 0)], name: "reshape")
         .AddNode("Transpose", ["z"], ["t"], [OnnxAttribute.Ints("perm", 1, 0), OnnxAttribute.Float("unused_f", 0.5f),
             OnnxAttribute.String("unused_s", "abc"), OnnxAttribute.Floats("unused_fs", 1f, 2f)])
         .AddOutput("t", TensorElementType.Float, 2, "batch");

        var model = ProtoMessage.Parse(b.ToBytes());
        Assert.Equal(8, model.Varint(1));                        // ir_version
        Assert.Equal(17, model.Message(8).Varint(2));            // opset_import.version
        Assert.False(model.Message(8).Has(1));                   // default domain
        var graph = model.Message(7);
        Assert.Equal("g", graph.String(2));

        var nodes = graph.Messages(1).ToList();
        Assert.Equal(["MatMul", "Reshape", "Transpose"], nodes.Select(n => n.String(4)));
        Assert.Equal(["x", "w"], nodes[0].Strings(1));
        Assert.Equal(["y"], nodes[0].Strings(2));
        Assert.Equal("MatMul_0", nodes[0].String(3));
        Assert.Equal("reshape", nodes[1].String(3));
        var allowzero = nodes[1].Message(5);
        Assert.Equal("allowzero", allowzero.String(1));
        Assert.Equal(2, allowzero.Varint(20));                   // AttributeType.INT
        Assert.Equal(0, allowzero.Varint(3));
        var attrs = nodes[2].Messages(5).ToList();
        Assert.Equal(7, attrs[0].Varint(20));                    // INTS
        Assert.Equal([1L, 0L], attrs[0].Varints(8));
        Assert.Equal(1, attrs[1].Varint(20));                    // FLOAT
        Assert.Equal(0.5f, attrs[1].Float(2));
        Assert.Equal(3, attrs[2].Varint(20));                    // STRING
        Assert.Equal("abc", attrs[2].String(4));
        Assert.Equal(6, attrs[3].Varint(20));                    // FLOATS
        Assert.Equal(2, attrs[3].Fields.Count(f => f.Field == 7));

        var inits = graph.Messages(5).ToList();
        Assert.Equal("w", inits[0].String(8));
        Assert.Equal([3L, 2L], inits[0].Varints(1));
        Assert.Equal(1, inits[0].Varint(2));                     // FLOAT
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, MemoryMarshal.Cast<byte, float>(inits[0].Bytes(9)).ToArray());
        Assert.Equal(7, inits[1].Varint(2));                     // INT64
        Assert.Equal(new long[] { -1, 2 }, MemoryMarshal.Cast<byte, long>(inits[1].Bytes(9)).ToArray());

        var input = graph.Message(11);
        Assert.Equal("x", input.String(1));
        var tensorType = input.Message(2).Message(1);
        Assert.Equal(1, tensorType.Varint(1));
        var dims = tensorType.Message(2).Messages(1).ToList();
        Assert.Equal("batch", dims[0].String(2));
        Assert.False(dims[0].Has(1));
        Assert.Equal(3, dims[1].Varint(1));
        Assert.False(dims[1].Has(2));
        var output = graph.Message(12);
        Assert.Equal("t", output.String(1));
    }

    [Fact]
    public void Extra_opset_domains_are_imported()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", TensorElementType.Float, 1).AddNode("Identity", ["x"], ["y"]).AddOutput("y", TensorElementType.Float, 1)
         .AddOpsetImport("com.microsoft", 1);
        var opsets = ProtoMessage.Parse(b.ToBytes()).Messages(8).ToList();
        Assert.Equal(2, opsets.Count);
        Assert.Equal("com.microsoft", opsets[1].String(1));
        Assert.Equal(1, opsets[1].Varint(2));
    }

    [Fact]
    public void Graph_mistakes_fail_in_the_builder_with_the_name_at_fault()
    {
        var undefined = new OnnxGraphBuilder("g").AddInput("x", TensorElementType.Float, 1)
            .AddNode("Add", ["x", "nope"], ["y"]).AddOutput("y", TensorElementType.Float, 1);
        Assert.Contains("'nope'", Assert.Throws<InvalidOperationException>(() => undefined.ToBytes()).Message);

        var twice = new OnnxGraphBuilder("g").AddInput("x", TensorElementType.Float, 1)
            .AddNode("Identity", ["x"], ["x"]).AddOutput("x", TensorElementType.Float, 1);
        Assert.Contains("already defined", Assert.Throws<InvalidOperationException>(() => twice.ToBytes()).Message);

        var orphan = new OnnxGraphBuilder("g").AddInput("x", TensorElementType.Float, 1).AddOutput("z", TensorElementType.Float, 1);
        Assert.Contains("'z'", Assert.Throws<InvalidOperationException>(() => orphan.ToBytes()).Message);

        Assert.Throws<ArgumentException>(() => OnnxTensor.Float([1f, 2f, 3f], 2, 2));
    }

    [Fact]
    public void Save_writes_the_same_bytes_atomically()
    {
        var b = new OnnxGraphBuilder().AddInput("x", TensorElementType.Float, 2).AddNode("Identity", ["x"], ["y"]).AddOutput("y", TensorElementType.Float, 2);
        string dir = TestPaths.NewTempDir("onnx-save");
        string path = Path.Combine(dir, "m.onnx");
        b.Save(path);
        Assert.Equal(b.ToBytes(), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir));
    }
}
