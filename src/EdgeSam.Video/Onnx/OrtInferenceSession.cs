using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using EdgeSam.Video.Onnx.Native;

namespace EdgeSam.Video.Onnx;

/// <summary>
/// An ONNX model loaded into ONNX Runtime, ready to run. Thread-safe for concurrent <c>Run</c> calls (ORT's guarantee);
/// dispose once no run is in flight (a run holds a reference, so disposing during one only frees at its end).
/// <para>
/// Inputs are checked before ORT sees them (name, element type, rank, fixed dimensions), so a mistake reads
/// "input 'x' of model 'a.onnx' expects float[1,3,224,320], got float[1,3,224,321]" rather than an ORT internal error.
/// </para>
/// <para>
/// Allocation: <c>Run(inputs, outputs)</c> with caller-created output values makes no per-call allocation besides
/// what ORT does internally; <c>Run(inputs)</c> returns ORT-allocated outputs plus small wrapper objects.
/// </para>
/// </summary>
public sealed unsafe class OrtInferenceSession : IDisposable
{
    private readonly OrtSessionHandle _handle;
    private readonly OrtTensorInfo[] _inputs;
    private readonly OrtTensorInfo[] _outputs;
    private readonly byte[][] _inputNames;   // NUL-terminated UTF-8 on the pinned object heap: stable addresses for Run
    private readonly byte[][] _outputNames;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private readonly string _runContext;

    /// <summary>Opens a model file.</summary>
    /// <exception cref="EdgeSamException">The file is missing ("model file not found: path"), is not a valid model
    /// (ORT's reason, prefixed with the path), or the requested execution device is not available.</exception>
    public OrtInferenceSession(string modelPath, OrtSessionOptions? options = null)
        : this(OpenFile(modelPath, options ?? new OrtSessionOptions()), modelPath)
    {
    }

    private OrtInferenceSession(OrtSessionHandle handle, string modelName)
    {
        _handle = handle;
        ModelName = modelName;
        _runContext = $"running model '{modelName}'";
        try
        {
            (_inputs, _inputNames) = ReadSignature(handle, input: true);
            (_outputs, _outputNames) = ReadSignature(handle, input: false);
        }
        catch
        {
            handle.Dispose();
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
        options ??= new OrtSessionOptions();
        OrtApi api = OrtNative.Api;
        using OrtSessionOptionsHandle nativeOptions = options.CreateNative();
        IntPtr raw;
        fixed (byte* data = model)
            OrtStatusCheck.ThrowIfError(
                api.CreateSessionFromArray(OrtNative.Env.Pointer, data, (nuint)model.Length, nativeOptions.Pointer, &raw),
                $"could not load ONNX model '{name}'");
        return new OrtInferenceSession(new OrtSessionHandle(raw), name);
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
        Span<int> all = _outputs.Length <= 64 ? stackalloc int[_outputs.Length] : new int[_outputs.Length];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        return RunAllocating(inputs, all, runOptions);
    }

    /// <summary>Runs the model and returns the named outputs, ORT-allocated, in the order asked. Dispose the result.</summary>
    public OrtRunOutputs Run(ReadOnlySpan<NamedOrtValue> inputs, ReadOnlySpan<string> outputNames, OrtRunOptions? runOptions = null)
    {
        if (outputNames.IsEmpty) throw new ArgumentException("ask for at least one output", nameof(outputNames));
        Span<int> which = outputNames.Length <= 64 ? stackalloc int[outputNames.Length] : new int[outputNames.Length];
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
        Span<int> which = n <= 64 ? stackalloc int[n] : new int[n];
        IntPtr* values = stackalloc IntPtr[n];
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
        }

        int addedOutputs = 0;
        try
        {
            for (int i = 0; i < n; i++)
            {
                bool ok = false;
                outputs[i].Value.Handle.DangerousAddRef(ref ok);
                if (ok) addedOutputs++;
                values[i] = outputs[i].Value.Handle.DangerousGetHandle();
            }
            RunCore(inputs, which, values, runOptions);
        }
        finally
        {
            for (int i = 0; i < addedOutputs; i++) outputs[i].Value.Handle.DangerousRelease();
        }
    }

    private OrtRunOutputs RunAllocating(ReadOnlySpan<NamedOrtValue> inputs, ReadOnlySpan<int> which, OrtRunOptions? runOptions)
    {
        int n = which.Length;
        IntPtr* values = stackalloc IntPtr[n];
        for (int i = 0; i < n; i++) values[i] = IntPtr.Zero;   // null entries: ORT allocates them
        RunCore(inputs, which, values, runOptions);

        var names = new string[n];
        var wrapped = new OrtValue[n];
        int done = 0;
        try
        {
            for (; done < n; done++)
            {
                names[done] = _outputs[which[done]].Name;
                wrapped[done] = OrtValue.FromOrtOutput(values[done]);   // owns values[done] from here, even if it throws
            }
        }
        catch
        {
            for (int i = 0; i < done; i++) wrapped[i].Dispose();
            for (int i = done + 1; i < n; i++) OrtNative.Api.ReleaseValue(values[i]);
            throw;
        }
        return new OrtRunOutputs(names, wrapped);
    }

    /// <summary>Validates the inputs, keeps every handle alive for the call, and runs.</summary>
    private void RunCore(ReadOnlySpan<NamedOrtValue> inputs, ReadOnlySpan<int> outputIndices, IntPtr* outputValues, OrtRunOptions? runOptions)
    {
        int n = inputs.Length;
        byte** inNames = stackalloc byte*[Math.Max(n, 1)];
        IntPtr* inValues = stackalloc IntPtr[Math.Max(n, 1)];
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
            inNames[i] = NamePointer(_inputNames[index]);
        }
        if (n != _inputs.Length)
        {
            var missing = new List<string>();
            for (int i = 0; i < _inputs.Length; i++)
                if (!seen[i]) missing.Add(_inputs[i].ToString());
            throw new EdgeSamException($"model '{ModelName}' needs input(s) {string.Join(", ", missing)} that were not given.");
        }

        byte** outNames = stackalloc byte*[outputIndices.Length];
        for (int i = 0; i < outputIndices.Length; i++) outNames[i] = NamePointer(_outputNames[outputIndices[i]]);

        bool sessionAdded = false, optionsAdded = false;
        int addedInputs = 0;
        try
        {
            _handle.DangerousAddRef(ref sessionAdded);
            for (int i = 0; i < n; i++)
            {
                bool ok = false;
                inputs[i].Value.Handle.DangerousAddRef(ref ok);
                if (ok) addedInputs++;
                inValues[i] = inputs[i].Value.Handle.DangerousGetHandle();
            }
            IntPtr ro = IntPtr.Zero;
            if (runOptions != null)
            {
                runOptions.Handle.DangerousAddRef(ref optionsAdded);
                ro = runOptions.Handle.DangerousGetHandle();
            }
            OrtStatusCheck.ThrowIfError(
                OrtNative.Api.Run(_handle.DangerousGetHandle(), ro, inNames, inValues, (nuint)n, outNames, (nuint)outputIndices.Length, outputValues),
                _runContext);
        }
        finally
        {
            if (optionsAdded) runOptions!.Handle.DangerousRelease();
            for (int i = 0; i < addedInputs; i++) inputs[i].Value.Handle.DangerousRelease();
            if (sessionAdded) _handle.DangerousRelease();
        }
    }

    /// <summary>
    /// The value stored under <paramref name="key"/> in the model's custom metadata (ONNX <c>metadata_props</c>, set by an
    /// exporter with e.g. <c>onnx.helper.set_model_props</c>); null when the model has no such key.
    /// </summary>
    public string? CustomMetadata(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        OrtApi api = OrtNative.Api;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            IntPtr raw;
            OrtStatusCheck.ThrowIfError(api.SessionGetModelMetadata(_handle.DangerousGetHandle(), &raw), "reading the model metadata");
            using var metadata = new OrtModelMetadataHandle(raw);
            IntPtr allocator = OrtNative.DefaultAllocator;
            byte[] k = OrtNative.PinnedUtf8(key);
            byte* value;
            fixed (byte* pk = k)
                OrtStatusCheck.ThrowIfError(api.ModelMetadataLookupCustomMetadataMap(metadata.Pointer, allocator, pk, &value), $"reading model metadata '{key}'");
            if (value == null) return null;
            using var text = new OrtAllocatedStringHandle(allocator, (IntPtr)value);
            return text.Value;
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    public void Dispose() => _handle.Dispose();

    public bool IsDisposed => _handle.IsClosed;

    public override string ToString() =>
        $"{ModelName}: inputs {string.Join(", ", _inputs.Select(i => i.ToString()))}; outputs {string.Join(", ", _outputs.Select(o => o.ToString()))}";

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

    private static byte* NamePointer(byte[] pinnedName) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedName));

    private static OrtSessionHandle OpenFile(string modelPath, OrtSessionOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        string full = Path.GetFullPath(modelPath);
        if (!File.Exists(full))
            throw new EdgeSamException(Directory.Exists(full)
                ? $"model file not found: {modelPath} is a directory; pass the .onnx file inside it."
                : $"model file not found: {modelPath}");
        OrtApi api = OrtNative.Api;
        using OrtSessionOptionsHandle nativeOptions = options.CreateNative();
        IntPtr raw;
        // ORTCHAR_T: char (UTF-8) on Linux/macOS, wchar_t (UTF-16) on Windows.
        byte[] path = OperatingSystem.IsWindows() ? Encoding.Unicode.GetBytes(full + "\0") : OrtNative.PinnedUtf8(full);
        fixed (byte* p = path)
            OrtStatusCheck.ThrowIfError(api.CreateSession(OrtNative.Env.Pointer, p, nativeOptions.Pointer, &raw), $"could not load ONNX model '{modelPath}'");
        return new OrtSessionHandle(raw);
    }

    private static (OrtTensorInfo[] Infos, byte[][] Names) ReadSignature(OrtSessionHandle session, bool input)
    {
        OrtApi api = OrtNative.Api;
        IntPtr s = session.Pointer;
        string what = input ? "input" : "output";
        nuint count;
        OrtStatusCheck.ThrowIfError(input ? api.SessionGetInputCount(s, &count) : api.SessionGetOutputCount(s, &count), $"counting model {what}s");
        var infos = new OrtTensorInfo[(int)count];
        var names = new byte[(int)count][];
        IntPtr allocator = OrtNative.DefaultAllocator;
        for (int i = 0; i < (int)count; i++)
        {
            byte* rawName;
            OrtStatusCheck.ThrowIfError(
                input ? api.SessionGetInputName(s, (nuint)i, allocator, &rawName) : api.SessionGetOutputName(s, (nuint)i, allocator, &rawName),
                $"reading model {what} name {i}");
            string name;
            using (var nameHandle = new OrtAllocatedStringHandle(allocator, (IntPtr)rawName))
                name = nameHandle.Value;

            IntPtr typeInfo;
            OrtStatusCheck.ThrowIfError(
                input ? api.SessionGetInputTypeInfo(s, (nuint)i, &typeInfo) : api.SessionGetOutputTypeInfo(s, (nuint)i, &typeInfo),
                $"reading model {what} '{name}' type");
            using (var typeHandle = new OrtTypeInfoHandle(typeInfo))
                infos[i] = ReadInfo(name, typeHandle.Pointer);
            names[i] = OrtNative.PinnedUtf8(name);
        }
        return (infos, names);
    }

    private static OrtTensorInfo ReadInfo(string name, IntPtr typeInfo)
    {
        OrtApi api = OrtNative.Api;
        int onnxType;
        OrtStatusCheck.ThrowIfError(api.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType), $"reading the kind of '{name}'");
        const int OnnxTypeTensor = 1;
        if (onnxType != OnnxTypeTensor) return new OrtTensorInfo(name, TensorElementType.Undefined, [], []);
        IntPtr tensorInfo;   // owned by typeInfo
        OrtStatusCheck.ThrowIfError(api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), $"reading the tensor type of '{name}'");
        var (type, shape, symbols) = OrtTensorInfo.ReadTypeAndShape(tensorInfo, symbols: true);
        return new OrtTensorInfo(name, type, shape, symbols);
    }

    private static Dictionary<string, int> IndexOf(OrtTensorInfo[] infos)
    {
        var d = new Dictionary<string, int>(infos.Length, StringComparer.Ordinal);
        for (int i = 0; i < infos.Length; i++) d[infos[i].Name] = i;
        return d;
    }
}
