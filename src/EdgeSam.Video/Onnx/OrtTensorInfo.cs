using System.Text;
using Ort = Microsoft.ML.OnnxRuntime;

namespace EdgeSam.Video.Onnx;

/// <summary>
/// A model input or output as the session reports it.
/// </summary>
/// <param name="Name">The graph input/output name.</param>
/// <param name="ElementType">Element type; <see cref="TensorElementType.Undefined"/> for a non-tensor value (sequence, map).</param>
/// <param name="Shape">Dimensions; -1 where the model leaves a dimension dynamic (symbolic or unknown).</param>
/// <param name="SymbolicDims">Per dimension, the model's symbolic name (e.g. "batch"), or null for a fixed or unnamed one.</param>
public sealed record OrtTensorInfo(string Name, TensorElementType ElementType, long[] Shape, string?[] SymbolicDims)
{
    public int Rank => Shape.Length;

    public bool IsTensor => ElementType != TensorElementType.Undefined;

    public bool HasDynamicDims => Shape.Any(d => d < 0);

    /// <summary>Type and shape as in messages: <c>float[batch,3,224,320]</c>, '?' for an unnamed dynamic dimension.</summary>
    public string TypeAndShape
    {
        get
        {
            var sb = new StringBuilder(TensorElementTypes.Name(ElementType)).Append('[');
            for (int i = 0; i < Shape.Length; i++)
            {
                if (i > 0) sb.Append(',');
                if (Shape[i] >= 0) sb.Append(Shape[i]);
                else sb.Append(SymbolicDims[i] ?? "?");
            }
            return sb.Append(']').ToString();
        }
    }

    public override string ToString() => $"{Name}: {TypeAndShape}";

    /// <summary>Whether a tensor of this type and shape fits (same type and rank; fixed dims equal).</summary>
    internal bool Accepts(TensorElementType type, ReadOnlySpan<long> shape)
    {
        if (type != ElementType || shape.Length != Shape.Length) return false;
        for (int i = 0; i < shape.Length; i++)
            if (Shape[i] >= 0 && Shape[i] != shape[i]) return false;
        return true;
    }

    internal static string Describe(TensorElementType type, ReadOnlySpan<long> shape)
    {
        var sb = new StringBuilder(TensorElementTypes.Name(type)).Append('[');
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    /// <summary>An input or output as the package's session metadata describes it (dims -1 where dynamic).</summary>
    internal static OrtTensorInfo FromMetadata(string name, Ort.NodeMetadata meta)
    {
        if (meta.OnnxValueType != Ort.OnnxValueType.ONNX_TYPE_TENSOR) return new OrtTensorInfo(name, TensorElementType.Undefined, [], []);
        int[] dims = meta.Dimensions;
        string[] symbols = meta.SymbolicDimensions;
        var shape = new long[dims.Length];
        var names = new string?[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            shape[i] = dims[i] < 0 ? -1 : dims[i];
            names[i] = i < symbols.Length && !string.IsNullOrEmpty(symbols[i]) ? symbols[i] : null;
        }
        return new OrtTensorInfo(name, (TensorElementType)(int)meta.ElementDataType, shape, names);
    }
}
