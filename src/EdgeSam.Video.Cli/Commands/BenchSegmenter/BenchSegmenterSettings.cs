namespace EdgeSam.Video.Cli.Commands.BenchSegmenter;

/// <summary>
/// <c>bench segmenter [--encoder onnx --decoder onnx] [--frame image] [--iterations n] [--threads t] [--json file]</c>.
/// Without models, the synthetic EdgeSAM-signature benchmark models (about the real encoder's 40 GFLOP) are generated.
/// </summary>
internal sealed record BenchSegmenterSettings(string? Encoder, string? Decoder, string? Frame, int Iterations, int Threads, string? Json);
