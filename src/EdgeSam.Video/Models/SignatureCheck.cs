using System.Globalization;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Models;

/// <summary>
/// One dimension of a manifest shape: a fixed size, a symbol (<c>N</c>), a symbol scaled by an integer
/// (<c>H/8</c>, <c>R*2</c>), or <c>?</c> (anything).
/// </summary>
internal readonly record struct ShapeExpression(long? Fixed, string? Symbol, long Multiply, long Divide)
{
    public bool IsAny => Fixed is null && Symbol is null;

    public static bool TryParse(string text, out ShapeExpression e)
    {
        e = default;
        if (text == "?") { e = new ShapeExpression(null, null, 1, 1); return true; }
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            e = new ShapeExpression(n, null, 1, 1);
            return true;
        }
        int op = text.IndexOfAny(['/', '*']);
        string sym = op < 0 ? text : text[..op];
        if (!IsSymbol(sym)) return false;
        if (op < 0) { e = new ShapeExpression(null, sym, 1, 1); return true; }
        if (!long.TryParse(text.AsSpan(op + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long k) || k <= 0)
            return false;
        e = text[op] == '/' ? new ShapeExpression(null, sym, 1, k) : new ShapeExpression(null, sym, k, 1);
        return true;
    }

    /// <summary>The size this expression takes when its symbol is <paramref name="value"/>; null when it does not divide.</summary>
    public long? Evaluate(long value) => value * Multiply % Divide == 0 ? value * Multiply / Divide : null;

    private static bool IsSymbol(string s) =>
        s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');
}

/// <summary>
/// Compares the signature a model file actually has with the one the manifest expects, and says precisely what
/// differs. Rules: every expected input must exist (unless optional) and every expected output must exist, with the
/// same element type and rank; a fixed expected size must match a fixed actual size; a dynamic actual dimension
/// accepts anything (the model is more general than needed); a symbol binds to the first fixed size it meets,
/// across all tensors (or, if it only appears in expressions, to the value the first expression implies), and
/// every other use of it (including <c>H/8</c>-style expressions) must agree. Actual inputs the manifest does not
/// know are errors (nobody would feed them); extra outputs are ignored.
/// </summary>
public static class SignatureCheck
{
    /// <summary>
    /// The differences, one line each (<c>edge_sam_3x_decoder input 'point_coords': expected float32 [1,N,2], got float32 [1,N,3]</c>);
    /// empty when <paramref name="actual"/> satisfies <paramref name="expected"/>.
    /// </summary>
    /// <param name="what">Prefix naming the model in the messages.</param>
    /// <param name="expected">The manifest's signature (symbols and expressions allowed).</param>
    /// <param name="actual">The file's signature (fixed sizes, dim_param names or <c>?</c>).</param>
    public static IReadOnlyList<string> Compare(string what, ModelSignature expected, ModelSignature actual)
    {
        var problems = new List<string>();
        var pairs = new List<(string Kind, TensorSpec Exp, TensorSpec Act)>();
        Match("input", expected.Inputs, actual.Inputs, pairs, problems, what);
        Match("output", expected.Outputs, actual.Outputs, pairs, problems, what);
        foreach (TensorSpec a in actual.Inputs)
            if (!expected.Inputs.Any(e => e.Name == a.Name))
                problems.Add($"{what} has an unexpected input {a} (expected inputs: {string.Join(", ", expected.Inputs.Select(e => $"'{e.Name}'"))})");

        // Pass 1: bind plain symbols to fixed actual sizes; pass 2: check every dimension against the bindings.
        var bindings = new Dictionary<string, long>(StringComparer.Ordinal);
        var badTensors = new HashSet<TensorSpec>(ReferenceEqualityComparer.Instance);
        foreach (var (kind, e, a) in pairs)
        {
            if (e.ElementType != a.ElementType || e.Shape.Count != a.Shape.Count)
            {
                badTensors.Add(e);
                continue;
            }
            for (int i = 0; i < e.Shape.Count; i++)
            {
                ShapeExpression.TryParse(e.Shape[i], out ShapeExpression x);
                if (x.Symbol != null && x.Multiply == 1 && x.Divide == 1 && TryFixed(a.Shape[i], out long v))
                    bindings.TryAdd(x.Symbol, v);
            }
        }
        // A symbol seen only through expressions (TAPIR's R/8 and R/4) binds from the first one, read exactly.
        foreach (var (kind, e, a) in pairs)
        {
            if (badTensors.Contains(e)) continue;
            for (int i = 0; i < e.Shape.Count; i++)
            {
                ShapeExpression.TryParse(e.Shape[i], out ShapeExpression x);
                if (x.Symbol != null && !bindings.ContainsKey(x.Symbol) && TryFixed(a.Shape[i], out long v) && v * x.Divide % x.Multiply == 0)
                    bindings[x.Symbol] = v * x.Divide / x.Multiply;
            }
        }
        foreach (var (kind, e, a) in pairs)
        {
            string? context = null;
            bool ok = !badTensors.Contains(e);
            for (int i = 0; ok && i < e.Shape.Count; i++)
            {
                if (!TryFixed(a.Shape[i], out long got))
                    continue;
                ShapeExpression.TryParse(e.Shape[i], out ShapeExpression x);
                if (x.Fixed is { } f)
                    ok = f == got;
                else if (x.Symbol != null && bindings.TryGetValue(x.Symbol, out long b))
                {
                    // Evaluate is null when the expression has no integer value (H/8 with H=250).
                    ok = x.Evaluate(b) == got;
                    if (!ok) context = $" with {x.Symbol}={b}";
                }
            }
            if (!ok)
                problems.Add($"{what} {kind} '{e.Name}': expected {e.Describe()}{context}, got {a.Describe()}");
        }
        return problems;
    }

    /// <summary>The signature ONNX Runtime reports for an open session.</summary>
    public static ModelSignature Of(OrtInferenceSession session) =>
        new(session.Inputs.Select(TensorSpec.FromOrt).ToArray(), session.Outputs.Select(TensorSpec.FromOrt).ToArray());

    /// <summary>
    /// Throws <see cref="EdgeSamException"/> (one line, every difference) unless the open session satisfies the
    /// manifest contract of <paramref name="model"/>. Call it right after opening a model file.
    /// </summary>
    public static void Require(ModelEntry model, OrtInferenceSession session) => Require(model, Of(session), session.ModelName);

    /// <summary>As <see cref="Require(ModelEntry, OrtInferenceSession)"/> for a signature read another way.</summary>
    public static void Require(ModelEntry model, ModelSignature actual, string path)
    {
        IReadOnlyList<string> problems = Compare(model.Name, model.Signature, actual);
        if (problems.Count > 0)
            throw new EdgeSamException($"{path} is not a usable {model.Name} model: {string.Join("; ", problems)} (the expected contract is in models/README.md).");
    }

    private static void Match(string kind, IReadOnlyList<TensorSpec> expected, IReadOnlyList<TensorSpec> actual,
        List<(string, TensorSpec, TensorSpec)> pairs, List<string> problems, string what)
    {
        foreach (TensorSpec e in expected)
        {
            TensorSpec? a = actual.FirstOrDefault(t => t.Name == e.Name);
            if (a != null)
                pairs.Add((kind, e, a));
            else if (!e.Optional)
                problems.Add($"{what} {kind} '{e.Name}': expected {e.Describe()}, missing (the file has {kind}s {string.Join(", ", actual.Select(t => t.ToString()))})");
        }
    }

    private static bool TryFixed(string dim, out long v) =>
        long.TryParse(dim, NumberStyles.None, CultureInfo.InvariantCulture, out v);
}
