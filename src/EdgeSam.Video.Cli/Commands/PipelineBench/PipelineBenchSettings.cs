namespace EdgeSam.Video.Cli.Commands.PipelineBench;

/// <summary>What <c>bench pipeline</c> runs.</summary>
internal enum PipelineBenchWorkload
{
    /// <summary>Busy-waiting stand-ins of configurable cost for the encoder, decoder and tracker over an in-memory clip:
    /// the pipeline's scheduling alone.</summary>
    CostModel,
    /// <summary><c>segment</c> with EdgeSAM-contract ONNX models (the synthetic ~40 GFLOP benchmark encoder unless
    /// --encoder/--decoder are given), lk, palette PNG masks and the H.264 preview.</summary>
    EdgeSam,
    /// <summary><c>segment</c> on the weights-free path: graph cut + lk, masks and preview.</summary>
    GraphCut,
}

/// <summary>Settings of <c>edgesam-video bench pipeline</c>.</summary>
internal sealed record PipelineBenchSettings
{
    public PipelineBenchWorkload Workload { get; init; } = PipelineBenchWorkload.CostModel;
    public int Frames { get; init; } = 60;
    public int Width { get; init; } = 854;
    public int Height { get; init; } = 480;
    public int Objects { get; init; } = 1;
    /// <summary>Busy time of one encoder run (EdgeSAM on 2 CPU cores: ~220 ms).</summary>
    public double EncoderMs { get; init; } = 220;
    /// <summary>Busy time of one decoder call (EdgeSAM on 2 CPU cores: ~33 ms).</summary>
    public double DecoderMs { get; init; } = 33;
    /// <summary>Busy time of one tracker step per object.</summary>
    public double TrackerMs { get; init; } = 10;
    public int RefinementPasses { get; init; } = 2;

    /// <summary>Model workloads: a video or frame folder instead of the generated clip (with <see cref="Mask"/>).</summary>
    public string? Input { get; init; }
    /// <summary>Model workloads: the first frame's mask of <see cref="Input"/>.</summary>
    public string? Mask { get; init; }
    /// <summary>EdgeSAM-contract files instead of the synthetic benchmark models.</summary>
    public string? Encoder { get; init; }
    public string? Decoder { get; init; }
    /// <summary>Model workloads: encoder-only / sequential / overlapped triples to run.</summary>
    public int Repeats { get; init; } = 3;
    /// <summary>Model workloads: write the H.264 preview as <c>segment</c> does.</summary>
    public bool Preview { get; init; } = true;
    /// <summary>ONNX Runtime thread overrides (null: what <c>segment</c> uses).</summary>
    public int? EncoderThreads { get; init; }
    /// <summary>Frames in the encoder at once (null: what <c>segment</c> uses); the encoder-only run uses the same.</summary>
    public int? EncoderWorkers { get; init; }
    public int? DecoderThreads { get; init; }
    public bool? OrtSpinning { get; init; }
    /// <summary>Preview encoding (null: <c>segment</c>'s).</summary>
    public Media.VideoWriterOptions? PreviewOptions { get; init; }
    /// <summary>Mask PNG compression (null: <c>segment</c>'s).</summary>
    public System.IO.Compression.CompressionLevel? MaskCompression { get; init; }
}
