using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Datasets;

namespace EdgeSam.Video.Cli.Commands.Eval;

/// <summary>Settings of <c>edgesam-video eval davis</c>.</summary>
internal sealed record EvalDavisSettings(
    string Root,
    string Results,
    DavisYear Year,
    IReadOnlyList<string>? Sequences,
    string? Json,
    string? Plot,
    int Threads);

/// <summary>Settings of <c>edgesam-video bench eval</c>.</summary>
internal sealed record EvalBenchSettings(
    string Root,
    string? Results,
    DavisYear Year,
    IReadOnlyList<string>? Sequences,
    int Runs,
    int Threads,
    double? BaselineSeconds);

/// <summary>Settings of <c>edgesam-video eval review</c>.</summary>
internal sealed record EvalReviewSettings(
    string Root,
    string Results,
    string Reports,
    DavisYear Year,
    IReadOnlyList<string>? Sequences,
    bool Fit,
    string? Json,
    int Threads);
