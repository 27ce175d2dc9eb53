using System.Collections;

namespace EdgeSam.Video.Onnx;

/// <summary>
/// The ORT-allocated outputs of one run, in the order requested. Disposing it releases every output (and so the
/// memory behind spans read from them); dispose each run's outputs, or native memory grows with every call.
/// </summary>
public sealed class OrtRunOutputs : IReadOnlyList<OrtValue>, IDisposable
{
    private readonly string[] _names;
    private readonly OrtValue[] _values;

    internal OrtRunOutputs(string[] names, OrtValue[] values)
    {
        _names = names;
        _values = values;
    }

    public IReadOnlyList<string> Names => _names;

    public int Count => _values.Length;

    public OrtValue this[int index] => _values[index];

    /// <summary>The output with this name; throws listing the names present when it is not one of them.</summary>
    public OrtValue this[string name]
    {
        get
        {
            int i = Array.IndexOf(_names, name);
            if (i < 0) throw new KeyNotFoundException($"no output '{name}' in this run; outputs: {string.Join(", ", _names)}");
            return _values[i];
        }
    }

    public IEnumerator<OrtValue> GetEnumerator() => ((IEnumerable<OrtValue>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (OrtValue v in _values) v.Dispose();
    }
}
