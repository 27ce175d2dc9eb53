using EdgeSam.Video.Onnx;
using EdgeSam.Video.Onnx.Builder;

namespace EdgeSam.Video.Tests.Onnx;

/// <summary>Tiny models built with <see cref="OnnxGraphBuilder"/> for the ONNX Runtime layer tests.</summary>
internal static class OrtTestModels
{
    /// <summary>c = a + b, all float[2,3].</summary>
    public static byte[] Add() =>
        new OnnxGraphBuilder("add")
            .AddInput("a", TensorElementType.Float, 2, 3)
            .AddInput("b", TensorElementType.Float, 2, 3)
            .AddNode("Add", ["a", "b"], ["c"])
            .AddOutput("c", TensorElementType.Float, 2, 3)
            .ToBytes();

    /// <summary>y = x · W with x float[batch,3], W a 3x2 initializer; also z = Transpose(y) via a perm attribute.</summary>
    public static readonly float[] MatMulWeights = [1f, -2f, 0.5f, 4f, -3f, 0.25f];

    public static byte[] MatMulBatch() =>
        new OnnxGraphBuilder("matmul")
            .AddInput("x", TensorElementType.Float, "batch", 3)
            .AddFloatInitializer("W", MatMulWeights, 3, 2)
            .AddNode("MatMul", ["x", "W"], ["y"])
            .AddNode("Transpose", ["y"], ["z"], [OnnxAttribute.Ints("perm", 1, 0)])
            .AddOutput("y", TensorElementType.Float, "batch", 2)
            .AddOutput("z", TensorElementType.Float, 2, "batch")
            .ToBytes();

    /// <summary>out = Identity(in) for int64[n] (symbolic n).</summary>
    public static byte[] IdentityInt64() =>
        new OnnxGraphBuilder("identity")
            .AddInput("in", TensorElementType.Int64, "n")
            .AddNode("Identity", ["in"], ["out"])
            .AddOutput("out", TensorElementType.Int64, "n")
            .ToBytes();

    /// <summary>y = Gemm(x, B, C; alpha, beta) + Constant k (tensor attribute): exercises float and tensor attributes.</summary>
    public static byte[] GemmWithConstant() =>
        new OnnxGraphBuilder("gemm")
            .AddInput("x", TensorElementType.Float, 1, 2)
            .AddFloatInitializer("B", [1f, 2f, 3f, 4f], 2, 2)
            .AddFloatInitializer("C", [10f, 20f], 2)
            .AddNode("Gemm", ["x", "B", "C"], ["g"], [OnnxAttribute.Float("alpha", 2f), OnnxAttribute.Float("beta", 0.5f)])
            .AddNode("Constant", [], ["k"], [OnnxAttribute.Tensor("value", OnnxTensor.Float([100f, 200f], 1, 2))])
            .AddNode("Add", ["g", "k"], ["y"])
            .AddOutput("y", TensorElementType.Float, 1, 2)
            .ToBytes();

    /// <summary>A large elementwise model for the allocation loop: y = x * 2 + 1 over float[256,256] (256 KB per tensor).</summary>
    public static byte[] ScaleShift(int side) =>
        new OnnxGraphBuilder("scale")
            .AddInput("x", TensorElementType.Float, side, side)
            .AddFloatInitializer("two", [2f])
            .AddFloatInitializer("one", [1f])
            .AddNode("Mul", ["x", "two"], ["x2"])
            .AddNode("Add", ["x2", "one"], ["y"])
            .AddOutput("y", TensorElementType.Float, side, side)
            .ToBytes();
}
