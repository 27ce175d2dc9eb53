using Ort = Microsoft.ML.OnnxRuntime;

namespace EdgeSam.Video.Onnx;

/// <summary>
/// An ONNX model loaded into ONNX Runtime (the package's <c>InferenceSession</c>), ready to run. Thread-safe for
/// concurrent <c>Run</c> calls (ORT's guarantee); dispose only once no run is in flight.
/// <para>
/// Inputs are checked before ORT sees them (name, element type, rank, fixed dimensions), so a mistake reads
/// "input 'x' of model 'a.onnx' expects float[1,3,224,320], got float[1,3,224,321]" rather than an ORT internal error.
/// </para>
/// <para>
/// Allocation: <c>Run(inputs, outputs)</c> with caller-created output values allocates no output tensors, only the
/// small name/value arrays of the call; <c>Run(inputs)</c> returns ORT-allocated outputs plus small wrapper objects.
/// </para>
/// </summary>
public sealed class OrtInferenceSession : IDisposable
{
    // Runs without caller options share one default (ORT only reads it during a run).
    private static readonly Lazy<Ort.RunOptions> DefaultRunOptions = new(() =>
    {
        _ = OrtRuntime.Env;
        return new Ort.RunOptions();
    });

    private readonly Ort.InferenceSession _session;
    private readonly OrtTensorInfo[] _inputs;
    private readonly OrtTensorInfo[] _outputs;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private readonly string _runContext;
    private int _disposed;

    /// <summary>Opens a model file.</summary>
    /// <exception cref="EdgeSamException">The file is missing ("model file not found: path"), is not a valid model
    /// (ORT's reason, prefixed with the path), or the requested execution device is not available.</exception>
    public OrtInferenceSession(string modelPath, OrtSessionOptions? options = null)
        : this(OpenFile(modelPath, options ?? new OrtSessionOptions()), modelPath)
    {
    }

    private OrtInferenceSession(Ort.InferenceSession session, string modelName)
    {
        _session = session;
        ModelName = modelName;
        _runContext = $"running model '{modelName}'";
        try
        {
            _inputs = session.InputNames.Select(n => OrtTensorInfo.FromMetadata(n, session.InputMetadata[n])).ToArray();
            _outputs = session.OutputNames.Select(n => OrtTensorInfo.FromMetadata(n, session.OutputMetadata[n])).ToArray();
        }
        catch
        {
            session.Dispose();
            throw;
        }
        _inputIndex = IndexOf(_inputs);
        _outputIndex = IndexOf(_outputs);
    }

    /// <summary>Loads a model from bytes (e.g. from <see cref="Builder.OnnxGraphBuilder.ToBytes"/>).</summary>
    /// <param name="model">The ModelProto bytes; ORT copies what it needs, the span may be reused afterwards.</param>
    /// <param name="name">Name used in messages in place of a path.</param>
    /// <param name="options">Session settings; default CPU.</param>
    public static OrtInferenceSession FromBytes(ReadOnlySpan<byte> model, string name = "<in-memory model>", OrtSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        byte[] bytes = model.ToArray();
        return new OrtInferenceSession(Open(options ?? new OrtSessionOptions(), name, o => new Ort.InferenceSession(bytes, o)), name);
    }

    /// <summary>The model's path (or the name given to <see cref="FromBytes"/>).</summary>
    public string ModelName { get; }

    /// <summary>The inputs every run must supply, in model order.</summary>
    public IReadOnlyList<OrtTensorInfo> Inputs => _inputs;

    /// <summary>The outputs in model order.</summary>
    public IReadOnlyList<OrtTensorInfo> Outputs => _outputs;

    /// <summary>The input with this name; <see cref="EdgeSamException"/> listing the real names otherwise.</summary>
    public OrtTensorInfo Input(string name) => _inputs[FindInput(name)];

    /// <summary>The output with this name; <see cref="EdgeSamException"/> listing the real names otherwise.</summary>
    public OrtTensorInfo Output(string name) => _outputs[FindOutput(name)];

    /// <summary>Runs the model and returns every output, ORT-allocated, in model order. Dispose the result.</summary>
    public OrtRunOutputs Run(ReadOnlySpan<NamedOrtValue> inputs, OrtRunOptions? runOptions = null)
    {
        var all = new int[_outputs.Length];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        return RunAllocating(inputs, all, runOptions);
    }

    /// <summary>Runs the model and returns the named outputs, ORT-allocated, in the order asked. Dispose the result.</summary>
    public OrtRunOutputs Run(ReadOnlySpan<NamedOrtValue> inputs, ReadOnlySpan<string> outputNames, OrtRunOptions? runOptions = null)
    {
        if (outputNames.IsEmpty) throw new ArgumentException("ask for at least one output", nameof(outputNames));
        var which = new int[outputNames.Length];
        for (int i = 0; i < which.Length; i++)
        {
            which[i] = FindOutput(outputNames[i]);
            for (int j = 0; j < i; j++)
                if (which[j] == which[i]) throw new ArgumentException($"output '{outputNames[i]}' asked for twice", nameof(outputNames));
        }
        return RunAllocating(inputs, which, runOptions);
    }

    /// <summary>
    /// Runs the model writing into caller-created output values (e.g. <see cref="OrtValue.CreateTensor{T}(T[], long[])"/>
    /// over reused buffers): no per-call allocation of output tensors. Each output's type and shape must match the model.
    /// </summary>
    public void Run(ReadOnlySpan<NamedOrtValue> inputs, ReadOnlySpan<NamedOrtValue> outputs, OrtRunOptions? runOptions = null)
    {
        if (outputs.IsEmpty) throw new ArgumentException("pass at least one output value", nameof(outputs));
        int n = outputs.Length;
        var names = new string[n];
        var values = new Ort.OrtValue[n];
        var which = new int[n];
        for (int i = 0; i < n; i++)
        {
            NamedOrtValue o = outputs[i];
            if (o.Value is null) throw new ArgumentNullException(nameof(outputs), $"outputs[{i}] has no value");
            which[i] = FindOutput(o.Name);
            for (int j = 0; j < i; j++)
                if (which[j] == which[i]) throw new ArgumentException($"output '{o.Name}' given twice", nameof(outputs));
            OrtTensorInfo info = _outputs[which[i]];
            if (!info.Accepts(o.Value.ElementType, o.Value.Shape))
                throw new EdgeSamException(
                    $"output '{o.Name}' of model '{ModelName}' is {info.TypeAndShape}, but the buffer given for it is {OrtTensorInfo.Describe(o.Value.ElementType, o.Value.Shape)}.");
            names[i] = info.Name;
            values[i] = o.Value.Native;
        }
        var (inNames, inValues) = CheckInputs(inputs);
        try
        {
            Session.Run(NativeOptions(runOptions), inNames, inValues, names, values);
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw OrtException.From(e, _runContext);
        }
    }

    private OrtRunOutputs RunAllocating(ReadOnlySpan<NamedOrtValue> inputs, int[] which, OrtRunOptions? runOptions)
    {
        var (inNames, inValues) = CheckInputs(inputs);
        var names = new string[which.Length];
        for (int i = 0; i < which.Length; i++) names[i] = _outputs[which[i]].Name;
        Ort.IDisposableReadOnlyCollection<Ort.OrtValue> results;
        try
        {
            results = Session.Run(NativeOptions(runOptions), inNames, inValues, names);
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw OrtException.From(e, _runContext);
        }

        // The collection owns the outputs until each is wrapped; a wrapper then owns (and disposes) its value.
        Ort.OrtValue[] raw = results.ToArray();
        var wrapped = new OrtValue[raw.Length];
        int done = 0;
        try
        {
            for (; done < raw.Length; done++) wrapped[done] = OrtValue.FromOrtOutput(raw[done]);
        }
        catch
        {
            for (int i = 0; i < done; i++) wrapped[i].Dispose();
            for (int i = done + 1; i < raw.Length; i++) raw[i].Dispose();
            throw;
        }
        return new OrtRunOutputs(names, wrapped);
    }

    /// <summary>Every model input given once, each of the model's type and a shape it accepts; names and values in call order.</summary>
    private (string[] Names, Ort.OrtValue[] Values) CheckInputs(ReadOnlySpan<NamedOrtValue> inputs)
    {
        int n = inputs.Length;
        var names = new string[n];
        var values = new Ort.OrtValue[n];
        Span<bool> seen = _inputs.Length <= 256 ? stackalloc bool[_inputs.Length] : new bool[_inputs.Length];
        seen.Clear();   // stackalloc is only zeroed while the assembly does not opt into SkipLocalsInit
        for (int i = 0; i < n; i++)
        {
            NamedOrtValue v = inputs[i];
            if (v.Value is null) throw new ArgumentNullException(nameof(inputs), $"inputs[{i}] has no value");
            int index = FindInput(v.Name);
            if (seen[index]) throw new ArgumentException($"input '{v.Name}' given twice", nameof(inputs));
            seen[index] = true;
            OrtTensorInfo info = _inputs[index];
            if (!info.Accepts(v.Value.ElementType, v.Value.Shape))
                throw new EdgeSamException(
                    $"input '{v.Name}' of model '{ModelName}' expects {info.TypeAndShape}, got {OrtTensorInfo.Describe(v.Value.ElementType, v.Value.Shape)}.");
            names[i] = info.Name;
            values[i] = v.Value.Native;
        }
        if (n != _inputs.Length)
        {
            var missing = new List<string>();
            for (int i = 0; i < _inputs.Length; i++)
                if (!seen[i]) missing.Add(_inputs[i].ToString());
            throw new EdgeSamException($"model '{ModelName}' needs input(s) {string.Join(", ", missing)} that were not given.");
        }
        return (names, values);
    }

    /// <summary>
    /// The value stored under <paramref name="key"/> in the model's custom metadata (ONNX <c>metadata_props</c>, set by an
    /// exporter with e.g. <c>onnx.helper.set_model_props</c>); null when the model has no such key.
    /// </summary>
    public string? CustomMetadata(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        try
        {
            return Session.ModelMetadata.CustomMetadataMap.TryGetValue(key, out string? value) ? value : null;
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw OrtException.From(e, $"reading model metadata '{key}' of '{ModelName}'");
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _session.Dispose();
    }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public override string ToString() =>
        $"{ModelName}: inputs {string.Join(", ", _inputs.Select(i => i.ToString()))}; outputs {string.Join(", ", _outputs.Select(o => o.ToString()))}";

    private Ort.InferenceSession Session
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return _session;
        }
    }

    private static Ort.RunOptions NativeOptions(OrtRunOptions? options) => options?.Native ?? DefaultRunOptions.Value;

    private int FindInput(string name)
    {
        if (name != null && _inputIndex.TryGetValue(name, out int i)) return i;
        throw new EdgeSamException($"model '{ModelName}' has no input '{name}'; its inputs are {string.Join(", ", _inputs.Select(x => x.ToString()))}.");
    }

    private int FindOutput(string name)
    {
        if (name != null && _outputIndex.TryGetValue(name, out int i)) return i;
        throw new EdgeSamException($"model '{ModelName}' has no output '{name}'; its outputs are {string.Join(", ", _outputs.Select(x => x.ToString()))}.");
    }

    private static Ort.InferenceSession OpenFile(string modelPath, OrtSessionOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        string full = Path.GetFullPath(modelPath);
        if (!File.Exists(full))
            throw new EdgeSamException(Directory.Exists(full)
                ? $"model file not found: {modelPath} is a directory; pass the .onnx file inside it."
                : $"model file not found: {modelPath}");
        return Open(options, modelPath, o => new Ort.InferenceSession(full, o));
    }

    /// <summary>Builds the package's options, opens the session, and releases the options (the session keeps what it needs).</summary>
    private static Ort.InferenceSession Open(OrtSessionOptions options, string name, Func<Ort.SessionOptions, Ort.InferenceSession> open)
    {
        using Ort.SessionOptions native = options.CreateNative();
        try
        {
            return open(native);
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw OrtException.From(e, $"could not load ONNX model '{name}'");
        }
    }

    private static Dictionary<string, int> IndexOf(OrtTensorInfo[] infos)
    {
        var d = new Dictionary<string, int>(infos.Length, StringComparer.Ordinal);
        for (int i = 0; i < infos.Length; i++) d[infos[i].Name] = i;
        return d;
    }
}
