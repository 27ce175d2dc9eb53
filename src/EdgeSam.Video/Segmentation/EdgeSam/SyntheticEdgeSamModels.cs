using EdgeSam.Video.Onnx;
using EdgeSam.Video.Onnx.Builder;

namespace EdgeSam.Video.Segmentation.EdgeSam;

/// <summary>
/// Tiny ONNX models with EdgeSAM's exact encoder/decoder signatures (see models/manifest.json), for tests and
/// benchmarks where the real weights cannot be had. They are NOT EdgeSAM: file names start with
/// <c>synthetic-edgesam-signature-</c> and the graphs compute fixed, documented functions:
/// <list type="bullet">
/// <item>encoder: <c>image</c> [1,3,1024,1024] -> <c>image_embeddings</c> [1,256,64,64] = 1x1 projection of the 16x16
/// average-pooled image (the <see cref="EncoderSize.Benchmark"/> variant first runs a stack of 3x3 convolutions at 256x256 so
/// one run costs about as much as the real encoder, ~40 GFLOP);</item>
/// <item>decoder: <c>image_embeddings</c> [1,256,64,64], <c>point_coords</c> [1,N,2] (1024 frame), <c>point_labels</c> [1,N]
/// -> <c>masks</c> [1,4,256,256], <c>scores</c> [1,4]. Low-res cell (i, j) has centre (4j+2, 4i+2) in the 1024 frame;
/// mask k's logit = min((R_k^2 - d_pos^2) / R_k, (d_neg^2 - r^2) / r) with d_pos / d_neg the distance to the nearest
/// positive (label 1) / negative (label 0) point, R = (64, 48, 64, 80), r = 32; labels -1, 2, 3 are ignored. So mask 0 is a
/// disk of radius 64 input pixels around the positives, minus disks of radius 32 around the negatives. scores = count(logit &gt; 1)
/// / count(logit &gt; -1) per mask, EdgeSAM's stability score (NaN when no logit exceeds -1, as the real export).</item>
/// </list>
/// </summary>
public static class SyntheticEdgeSamModels
{
    public const string EncoderFileName = "synthetic-edgesam-signature-encoder.onnx";
    public const string BenchmarkEncoderFileName = "synthetic-edgesam-signature-encoder-bench.onnx";
    public const string DecoderFileName = "synthetic-edgesam-signature-decoder.onnx";

    /// <summary>Radii (input pixels) of the four decoder masks around positive points.</summary>
    public static readonly float[] PositiveRadii = [64f, 48f, 64f, 80f];

    /// <summary>Radius (input pixels) carved out around negative points.</summary>
    public const float NegativeRadius = 32f;

    public enum EncoderSize
    {
        /// <summary>Pool + 1x1 projection: milliseconds per run.</summary>
        Tiny,
        /// <summary>Adds 3x3 convolutions at 256x256 so a run costs about the real encoder's 40 GFLOP.</summary>
        Benchmark,
    }

    /// <summary>Writes the encoder and decoder into <paramref name="folder"/>; returns their paths.</summary>
    public static (string Encoder, string Decoder) Write(string folder, EncoderSize size = EncoderSize.Tiny)
    {
        Directory.CreateDirectory(folder);
        string enc = Path.Combine(folder, size == EncoderSize.Tiny ? EncoderFileName : BenchmarkEncoderFileName);
        string dec = Path.Combine(folder, DecoderFileName);
        BuildEncoder(size).Save(enc);
        BuildDecoder().Save(dec);
        return (enc, dec);
    }

    /// <summary>Deterministic pseudo-random weights (xorshift), scaled so activations stay O(1).</summary>
    private static float[] Weights(int count, float scale, uint seed)
    {
        var w = new float[count];
        uint s = seed | 1;
        for (int i = 0; i < count; i++)
        {
            s ^= s << 13; s ^= s >> 17; s ^= s << 5;
            w[i] = ((s & 0xFFFFFF) / (float)0xFFFFFF - 0.5f) * 2f * scale;
        }
        return w;
    }

    public static OnnxGraphBuilder BuildEncoder(EncoderSize size)
    {
        var b = new OnnxGraphBuilder("synthetic_edgesam_signature_encoder") { ProducerName = "EdgeSam.Video synthetic (not EdgeSAM)" };
        b.AddInput("image", TensorElementType.Float, 1, 3, 1024, 1024);
        string x = "image";
        if (size == EncoderSize.Benchmark)
        {
            // 4x4/4 patchify to 64 channels at 256x256, then 3x3 convolutions: each 64*64*9*256*256 = 2.4 G multiply-adds,
            // so 8 of them plus the patchify make ~20 G multiply-adds (~40 GFLOP), the real encoder's measured cost.
            const int ch = 64, layers = 8;
            b.AddFloatInitializer("patch_w", Weights(ch * 3 * 16, 0.1f, 7), ch, 3, 4, 4);
            b.AddNode("Conv", ["image", "patch_w"], ["p0"], [OnnxAttribute.Ints("kernel_shape", 4, 4), OnnxAttribute.Ints("strides", 4, 4)]);
            x = "p0";
            for (int l = 0; l < layers; l++)
            {
                b.AddFloatInitializer($"conv{l}_w", Weights(ch * ch * 9, 1f / 24f, (uint)(100 + l)), ch, ch, 3, 3);
                b.AddNode("Conv", [x, $"conv{l}_w"], [$"c{l}"], [OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("pads", 1, 1, 1, 1)]);
                b.AddNode("Relu", [$"c{l}"], [$"r{l}"]);
                x = $"r{l}";
            }
            b.AddFloatInitializer("head_w", Weights(256 * ch * 16, 0.05f, 9), 256, ch, 4, 4);
            b.AddNode("Conv", [x, "head_w"], ["image_embeddings"], [OnnxAttribute.Ints("kernel_shape", 4, 4), OnnxAttribute.Ints("strides", 4, 4)]);
        }
        else
        {
            b.AddNode("AveragePool", ["image"], ["pooled"], [OnnxAttribute.Ints("kernel_shape", 16, 16), OnnxAttribute.Ints("strides", 16, 16)]);
            b.AddFloatInitializer("proj_w", Weights(256 * 3, 1f, 3), 256, 3, 1, 1);
            b.AddNode("Conv", ["pooled", "proj_w"], ["image_embeddings"]);
        }
        b.AddOutput("image_embeddings", TensorElementType.Float, 1, 256, 64, 64);
        return b;
    }

    public static OnnxGraphBuilder BuildDecoder()
    {
        var b = new OnnxGraphBuilder("synthetic_edgesam_signature_decoder") { ProducerName = "EdgeSam.Video synthetic (not EdgeSAM)" };
        b.AddInput("image_embeddings", TensorElementType.Float, 1, 256, 64, 64);
        b.AddInput("point_coords", TensorElementType.Float, 1, "num_points", 2);
        b.AddInput("point_labels", TensorElementType.Float, 1, "num_points");

        var g = new float[256];
        for (int i = 0; i < 256; i++) g[i] = 4 * i + 2;
        b.AddFloatInitializer("grid_x", g, 1, 1, 256);
        b.AddFloatInitializer("grid_y", g, 1, 256, 1);
        b.AddInt64Initializer("shape_n11", [-1, 1, 1], 3);
        b.AddInt64Initializer("idx0", [0], 1);
        b.AddInt64Initializer("idx1", [1], 1);
        b.AddFloatInitializer("one", [1f], 1);
        b.AddFloatInitializer("zero", [0f], 1);
        b.AddFloatInitializer("minus_one", [-1f], 1);
        b.AddFloatInitializer("far", [1e8f], 1);
        b.AddFloatInitializer("pos_r2", PositiveRadii.Select(r => r * r).ToArray(), 4, 1, 1);
        b.AddFloatInitializer("pos_inv_r", PositiveRadii.Select(r => 1f / r).ToArray(), 4, 1, 1);
        b.AddFloatInitializer("neg_r2", [NegativeRadius * NegativeRadius], 1);
        b.AddFloatInitializer("neg_inv_r", [1f / NegativeRadius], 1);

        // Point coordinates as [N,1,1] columns so they broadcast against the [1,1,256] / [1,256,1] grids.
        b.AddNode("Gather", ["point_coords", "idx0"], ["px_raw"], [OnnxAttribute.Int("axis", 2)]);
        b.AddNode("Gather", ["point_coords", "idx1"], ["py_raw"], [OnnxAttribute.Int("axis", 2)]);
        b.AddNode("Reshape", ["px_raw", "shape_n11"], ["px"]);
        b.AddNode("Reshape", ["py_raw", "shape_n11"], ["py"]);
        b.AddNode("Reshape", ["point_labels", "shape_n11"], ["lab"]);
        b.AddNode("Sub", ["grid_x", "px"], ["dx"]);
        b.AddNode("Sub", ["grid_y", "py"], ["dy"]);
        b.AddNode("Mul", ["dx", "dx"], ["dx2"]);
        b.AddNode("Mul", ["dy", "dy"], ["dy2"]);
        b.AddNode("Add", ["dx2", "dy2"], ["d2"]);                       // [N,256,256]

        // Distances to points of other labels are pushed out of reach before the minimum over points.
        foreach ((string name, string label) in new[] { ("pos", "one"), ("neg", "zero") })
        {
            b.AddNode("Equal", ["lab", label], [$"{name}_is"]);
            b.AddNode("Not", [$"{name}_is"], [$"{name}_not"]);
            b.AddNode("Cast", [$"{name}_not"], [$"{name}_notf"], [OnnxAttribute.Int("to", (long)TensorElementType.Float)]);
            b.AddNode("Mul", [$"{name}_notf", "far"], [$"{name}_pen"]);
            b.AddNode("Add", ["d2", $"{name}_pen"], [$"{name}_d2all"]);
            b.AddNode("ReduceMin", [$"{name}_d2all"], [$"{name}_d2"], [OnnxAttribute.Ints("axes", 0), OnnxAttribute.Int("keepdims", 1)]);
        }
        b.AddNode("Sub", ["pos_r2", "pos_d2"], ["pos_num"]);            // [4,256,256]
        b.AddNode("Mul", ["pos_num", "pos_inv_r"], ["pos_term"]);
        b.AddNode("Sub", ["neg_d2", "neg_r2"], ["neg_num"]);            // [1,256,256]
        b.AddNode("Mul", ["neg_num", "neg_inv_r"], ["neg_term"]);
        b.AddNode("Min", ["pos_term", "neg_term"], ["logits4"]);
        // Tie the embeddings in (times zero) so the input is used, as the real decoder's is.
        b.AddNode("ReduceMean", ["image_embeddings"], ["emb_mean"], [OnnxAttribute.Int("keepdims", 0)]);
        b.AddNode("Mul", ["emb_mean", "zero"], ["emb_zero"]);
        b.AddNode("Add", ["logits4", "emb_zero"], ["logits4e"]);
        b.AddNode("Unsqueeze", ["logits4e", "idx0"], ["masks"]);       // [1,4,256,256]

        b.AddNode("Greater", ["masks", "one"], ["hi"]);
        b.AddNode("Greater", ["masks", "minus_one"], ["lo"]);
        b.AddNode("Cast", ["hi"], ["hif"], [OnnxAttribute.Int("to", (long)TensorElementType.Float)]);
        b.AddNode("Cast", ["lo"], ["lof"], [OnnxAttribute.Int("to", (long)TensorElementType.Float)]);
        b.AddInt64Initializer("axes23", [2, 3], 2);
        b.AddNode("ReduceSum", ["hif", "axes23"], ["hisum"], [OnnxAttribute.Int("keepdims", 0)]);
        b.AddNode("ReduceSum", ["lof", "axes23"], ["losum"], [OnnxAttribute.Int("keepdims", 0)]);
        b.AddNode("Div", ["hisum", "losum"], ["scores"]);
        b.AddOutput("scores", TensorElementType.Float, 1, 4);
        b.AddOutput("masks", TensorElementType.Float, 1, 4, 256, 256);
        return b;
    }
}
