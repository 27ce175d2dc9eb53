namespace EdgeSam.Video.Onnx.Builder;

/// <summary>
/// Builds a small ONNX model in memory and writes its <c>ModelProto</c> bytes with a hand-written protobuf encoder
/// (no ONNX/protobuf package). Meant for synthetic test and benchmark models: fake encoders/decoders with the real
/// input/output contract, tiny graphs that check the ONNX Runtime layer.
/// <example><code>
/// var b = new OnnxGraphBuilder("add");
/// b.AddInput("x", TensorElementType.Float, "batch", 4)
///  .AddFloatInitializer("bias", [1f, 2f, 3f, 4f], 4)
///  .AddNode("Add", ["x", "bias"], ["y"])
///  .AddOutput("y", TensorElementType.Float, "batch", 4);
/// byte[] model = b.ToBytes();       // or b.Save(path)
/// </code></example>
/// Nodes must be added in topological order (each node's inputs already defined), as ONNX requires; <see cref="ToBytes"/>
/// checks that and the uniqueness of names, so a mistake fails here with a clear message instead of inside ORT.
/// Operators resolve against the default ONNX domain at <see cref="Opset"/> (17 unless set), plus any extra domain
/// imported with <see cref="AddOpsetImport"/>.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly List<ValueInfo> _inputs = [];
    private readonly List<ValueInfo> _outputs = [];
    private readonly List<(string Name, OnnxTensor Tensor)> _initializers = [];
    private readonly List<Node> _nodes = [];
    private readonly List<(string Domain, long Version)> _extraOpsets = [];
    private readonly List<(string Key, string Value)> _metadata = [];

    /// <param name="graphName">GraphProto.name.</param>
    /// <param name="opset">Version of the default ONNX operator set (ai.onnx) the nodes bind to.</param>
    /// <param name="irVersion">ModelProto.ir_version; 8 is what ONNX 1.10-1.12 write for opset up to 17 and every ORT since 1.10 reads.</param>
    public OnnxGraphBuilder(string graphName = "graph", long opset = 17, long irVersion = 8)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        ArgumentOutOfRangeException.ThrowIfLessThan(opset, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(irVersion, 3);
        GraphName = graphName;
        Opset = opset;
        IrVersion = irVersion;
    }

    public string GraphName { get; }
    public long Opset { get; }
    public long IrVersion { get; }
    public string ProducerName { get; set; } = "EdgeSam.Video.OnnxGraphBuilder";

    /// <summary>Declares a graph input; each dim is a fixed size or a symbolic name (see <see cref="OnnxDim"/>).</summary>
    public OnnxGraphBuilder AddInput(string name, TensorElementType elementType, params OnnxDim[] dims)
    {
        _inputs.Add(new ValueInfo(CheckName(name), CheckType(elementType), (OnnxDim[])dims.Clone()));
        return this;
    }

    /// <summary>Declares a graph output (must be produced by a node, or be an input or initializer).</summary>
    public OnnxGraphBuilder AddOutput(string name, TensorElementType elementType, params OnnxDim[] dims)
    {
        _outputs.Add(new ValueInfo(CheckName(name), CheckType(elementType), (OnnxDim[])dims.Clone()));
        return this;
    }

    /// <summary>Adds a constant tensor the nodes can use by name.</summary>
    public OnnxGraphBuilder AddInitializer(string name, OnnxTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        _initializers.Add((CheckName(name), tensor));
        return this;
    }

    /// <summary>Float32 initializer; <paramref name="values"/> in row-major order, prod(dims) of them.</summary>
    public OnnxGraphBuilder AddFloatInitializer(string name, ReadOnlySpan<float> values, params long[] dims) =>
        AddInitializer(name, OnnxTensor.Float(values, dims));

    /// <summary>Int64 initializer (shapes, axes, indices); <paramref name="values"/> in row-major order.</summary>
    public OnnxGraphBuilder AddInt64Initializer(string name, ReadOnlySpan<long> values, params long[] dims) =>
        AddInitializer(name, OnnxTensor.Int64(values, dims));

    /// <summary>Int32 initializer; <paramref name="values"/> in row-major order.</summary>
    public OnnxGraphBuilder AddInt32Initializer(string name, ReadOnlySpan<int> values, params long[] dims) =>
        AddInitializer(name, OnnxTensor.Int32(values, dims));

    /// <summary>
    /// Adds a node of the default ONNX domain. An empty string in <paramref name="inputs"/> marks an omitted optional
    /// input (as ONNX does). The node is named "{opType}_{index}" unless <paramref name="name"/> is given.
    /// </summary>
    public OnnxGraphBuilder AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IReadOnlyList<OnnxAttribute>? attributes = null, string? name = null) =>
        AddNode("", opType, inputs, outputs, attributes, name);

    /// <summary>Adds a node of an operator domain other than the default (import it with <see cref="AddOpsetImport"/>).</summary>
    public OnnxGraphBuilder AddNode(string domain, string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IReadOnlyList<OnnxAttribute>? attributes = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count == 0) throw new ArgumentException($"node {opType} needs at least one output", nameof(outputs));
        foreach (string o in outputs) CheckName(o);
        _nodes.Add(new Node(domain, opType, [.. inputs], [.. outputs], [.. attributes ?? []], name ?? $"{opType}_{_nodes.Count}"));
        return this;
    }

    /// <summary>Adds a ModelProto.metadata_props entry (what <c>onnx.helper.set_model_props</c> writes).</summary>
    public OnnxGraphBuilder AddMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata.Add((key, value));
        return this;
    }

    /// <summary>Imports another operator-set domain (e.g. "com.microsoft", 1) besides the default one.</summary>
    public OnnxGraphBuilder AddOpsetImport(string domain, long version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        _extraOpsets.Add((domain, version));
        return this;
    }

    /// <summary>Validates the graph and encodes the ModelProto.</summary>
    public byte[] ToBytes()
    {
        Validate();

        // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
        var graph = new ProtoWriter();
        foreach (Node n in _nodes) graph.WriteMessage(1, n.Encode());
        graph.WriteString(2, GraphName);
        foreach (var (name, tensor) in _initializers) graph.WriteMessage(5, tensor.Encode(name));
        foreach (ValueInfo v in _inputs) graph.WriteMessage(11, v.Encode());
        foreach (ValueInfo v in _outputs) graph.WriteMessage(12, v.Encode());

        // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8.
        // OperatorSetIdProto: domain = 1 (empty/absent = ai.onnx), version = 2.
        var model = new ProtoWriter();
        model.WriteInt64(1, IrVersion);
        model.WriteString(2, ProducerName);
        model.WriteMessage(7, graph);
        var opset = new ProtoWriter();
        opset.WriteInt64(2, Opset);
        model.WriteMessage(8, opset);
        foreach (var (domain, version) in _extraOpsets)
        {
            var extra = new ProtoWriter();
            extra.WriteString(1, domain);
            extra.WriteInt64(2, version);
            model.WriteMessage(8, extra);
        }
        // metadata_props = 14, each a StringStringEntryProto (key = 1, value = 2).
        foreach (var (key, value) in _metadata)
        {
            var entry = new ProtoWriter();
            entry.WriteString(1, key);
            entry.WriteString(2, value);
            model.WriteMessage(14, entry);
        }
        return model.ToArray();
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically (temporary name, then rename).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = ToBytes();
        string full = Path.GetFullPath(path);
        string tmp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private void Validate()
    {
        if (_outputs.Count == 0) throw new InvalidOperationException($"graph '{GraphName}' has no outputs; call AddOutput.");
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (ValueInfo v in _inputs)
            if (!defined.Add(v.Name)) throw new InvalidOperationException($"graph '{GraphName}': input '{v.Name}' declared twice.");
        foreach (var (name, _) in _initializers)
            if (!defined.Add(name)) throw new InvalidOperationException($"graph '{GraphName}': initializer '{name}' clashes with an input or another initializer.");
        foreach (Node n in _nodes)
        {
            foreach (string i in n.Inputs)
                if (i.Length > 0 && !defined.Contains(i))
                    throw new InvalidOperationException(
                        $"graph '{GraphName}': node {n.Name} ({n.OpType}) reads '{i}', which no input, initializer or earlier node defines (add nodes in topological order).");
            foreach (string o in n.Outputs)
                if (!defined.Add(o)) throw new InvalidOperationException($"graph '{GraphName}': node {n.Name} ({n.OpType}) writes '{o}', which is already defined.");
        }
        var outputNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (ValueInfo v in _outputs)
        {
            if (!outputNames.Add(v.Name)) throw new InvalidOperationException($"graph '{GraphName}': output '{v.Name}' declared twice.");
            if (!defined.Contains(v.Name)) throw new InvalidOperationException($"graph '{GraphName}': output '{v.Name}' is not produced by any node, input or initializer.");
        }
    }

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return name;
    }

    private static TensorElementType CheckType(TensorElementType t)
    {
        if (t == TensorElementType.Undefined || !Enum.IsDefined(t)) throw new ArgumentOutOfRangeException(nameof(t), t, "undefined tensor element type");
        return t;
    }

    private sealed record ValueInfo(string Name, TensorElementType ElementType, OnnxDim[] Dims)
    {
        // ValueInfoProto: name = 1, type = 2. TypeProto: tensor_type = 1. TypeProto.Tensor: elem_type = 1, shape = 2.
        // TensorShapeProto: dim = 1. Dimension: dim_value = 1 (int64) | dim_param = 2 (string).
        public ProtoWriter Encode()
        {
            var shape = new ProtoWriter();
            foreach (OnnxDim d in Dims)
            {
                var dim = new ProtoWriter();
                if (d.IsSymbolic) dim.WriteString(2, d.Symbol!);
                else dim.WriteInt64(1, d.Value);
                shape.WriteMessage(1, dim);
            }
            var tensorType = new ProtoWriter();
            tensorType.WriteInt64(1, (int)ElementType);
            tensorType.WriteMessage(2, shape);
            var type = new ProtoWriter();
            type.WriteMessage(1, tensorType);
            var info = new ProtoWriter();
            info.WriteString(1, Name);
            info.WriteMessage(2, type);
            return info;
        }
    }

    private sealed record Node(string Domain, string OpType, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes, string Name)
    {
        // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.
        public ProtoWriter Encode()
        {
            var w = new ProtoWriter();
            foreach (string i in Inputs) w.WriteString(1, i);
            foreach (string o in Outputs) w.WriteString(2, o);
            w.WriteString(3, Name);
            w.WriteString(4, OpType);
            foreach (OnnxAttribute a in Attributes) w.WriteMessage(5, a.Encode());
            if (Domain.Length > 0) w.WriteString(7, Domain);
            return w;
        }
    }
}
