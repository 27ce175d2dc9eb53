namespace EdgeSam.Video.Onnx.Builder;

/// <summary>
/// One dimension of a graph input/output shape: a fixed size (<c>dim_value</c>) or a symbolic name
/// (<c>dim_param</c>, e.g. "batch" or "num_points") that ORT resolves per run. Converts implicitly from
/// <see cref="int"/>, <see cref="long"/> and <see cref="string"/>, so shapes read naturally:
/// <c>builder.AddInput("points", TensorElementType.Float, 1, "n", 2)</c>.
/// </summary>
public readonly struct OnnxDim : IEquatable<OnnxDim>
{
    private OnnxDim(long value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>The fixed size, or -1 when the dimension is symbolic.</summary>
    public long Value { get; }

    /// <summary>The symbolic name, or null when the dimension is fixed.</summary>
    public string? Symbol { get; }

    public bool IsSymbolic => Symbol != null;

    public static OnnxDim Fixed(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new OnnxDim(value, null);
    }

    public static OnnxDim Symbolic(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new OnnxDim(-1, name);
    }

    public static implicit operator OnnxDim(long value) => Fixed(value);
    public static implicit operator OnnxDim(int value) => Fixed(value);
    public static implicit operator OnnxDim(string name) => Symbolic(name);

    public bool Equals(OnnxDim other) => Value == other.Value && Symbol == other.Symbol;
    public override bool Equals(object? obj) => obj is OnnxDim d && Equals(d);
    public override int GetHashCode() => HashCode.Combine(Value, Symbol);
    public static bool operator ==(OnnxDim a, OnnxDim b) => a.Equals(b);
    public static bool operator !=(OnnxDim a, OnnxDim b) => !a.Equals(b);

    public override string ToString() => Symbol ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
