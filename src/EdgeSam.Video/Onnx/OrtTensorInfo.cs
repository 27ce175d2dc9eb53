using System.Text;
using EdgeSam.Video.Onnx.Native;

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

    /// <summary>Reads type and shape from an OrtTensorTypeAndShapeInfo (not released here).</summary>
    internal static unsafe (TensorElementType Type, long[] Shape, string?[] Symbols) ReadTypeAndShape(IntPtr info, bool symbols)
    {
        OrtApi api = OrtNative.Api;
        int type;
        nuint rank;
        OrtStatusCheck.ThrowIfError(api.GetTensorElementType(info, &type), "reading a tensor element type");
        OrtStatusCheck.ThrowIfError(api.GetDimensionsCount(info, &rank), "reading a tensor rank");
        var shape = new long[(int)rank];
        var names = symbols ? new string?[(int)rank] : [];
        if (rank > 0)
        {
            fixed (long* s = shape)
                OrtStatusCheck.ThrowIfError(api.GetDimensions(info, s, rank), "reading tensor dimensions");
            if (symbols)
            {
                byte** p = stackalloc byte*[(int)rank];
                OrtStatusCheck.ThrowIfError(api.GetSymbolicDimensions(info, p, rank), "reading symbolic dimensions");
                for (int i = 0; i < (int)rank; i++)
                {
                    string s = OrtApi.Utf8(p[i]);
                    names[i] = s.Length == 0 ? null : s;
                }
            }
        }
        return ((TensorElementType)type, shape, names);
    }
}
