namespace EdgeSam.Video.Onnx.Builder;

/// <summary>Kinds of node attribute the builder writes (values of ONNX's <c>AttributeProto.AttributeType</c>).</summary>
public enum OnnxAttributeKind
{
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Floats = 6,
    Ints = 7,
}

/// <summary>
/// A named node attribute, e.g. <c>OnnxAttribute.Int("axis", 1)</c>, <c>OnnxAttribute.Ints("perm", 0, 2, 1)</c>,
/// <c>OnnxAttribute.Tensor("value", OnnxTensor.Float([1f], 1))</c>.
/// </summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(string name, OnnxAttributeKind kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Kind = kind;
    }

    public string Name { get; }
    public OnnxAttributeKind Kind { get; }

    private float _float;
    private long _int;
    private string? _string;
    private float[]? _floats;
    private long[]? _ints;
    private OnnxTensor? _tensor;

    public static OnnxAttribute Float(string name, float value) => new(name, OnnxAttributeKind.Float) { _float = value };
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeKind.Int) { _int = value };
    public static OnnxAttribute String(string name, string value) =>
        new(name, OnnxAttributeKind.String) { _string = value ?? throw new ArgumentNullException(nameof(value)) };
    public static OnnxAttribute Floats(string name, params float[] values) =>
        new(name, OnnxAttributeKind.Floats) { _floats = (float[])(values ?? throw new ArgumentNullException(nameof(values))).Clone() };
    public static OnnxAttribute Ints(string name, params long[] values) =>
        new(name, OnnxAttributeKind.Ints) { _ints = (long[])(values ?? throw new ArgumentNullException(nameof(values))).Clone() };
    public static OnnxAttribute Tensor(string name, OnnxTensor value) =>
        new(name, OnnxAttributeKind.Tensor) { _tensor = value ?? throw new ArgumentNullException(nameof(value)) };

    // AttributeProto: name = 1, f = 2, i = 3, s = 4 (bytes), t = 5, floats = 7, ints = 8, type = 20.
    // Repeated scalars are written unpacked (one key per element), the proto2 default onnx.proto declares.
    internal ProtoWriter Encode()
    {
        var w = new ProtoWriter();
        w.WriteString(1, Name);
        w.WriteInt64(20, (int)Kind);
        switch (Kind)
        {
            case OnnxAttributeKind.Float: w.WriteFloat(2, _float); break;
            case OnnxAttributeKind.Int: w.WriteInt64(3, _int); break;
            case OnnxAttributeKind.String: w.WriteString(4, _string!); break;
            case OnnxAttributeKind.Tensor: w.WriteMessage(5, _tensor!.Encode(null)); break;
            case OnnxAttributeKind.Floats: foreach (float f in _floats!) w.WriteFloat(7, f); break;
            case OnnxAttributeKind.Ints: foreach (long i in _ints!) w.WriteInt64(8, i); break;
        }
        return w;
    }
}
