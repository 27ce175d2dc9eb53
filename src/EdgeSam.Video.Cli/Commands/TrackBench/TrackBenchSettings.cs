using EdgeSam.Video.Trackers;

namespace EdgeSam.Video.Cli.Commands.TrackBench;

/// <summary>Settings of <c>edgesam-video track-bench davis</c>.</summary>
internal sealed record TrackBenchSettings
{
    /// <summary>DAVIS root (holding <c>JPEGImages/&lt;resolution&gt;</c> and <c>Annotations/&lt;resolution&gt;</c>).</summary>
    public required string Root { get; init; }

    /// <summary>Sequence names; empty = every annotated sequence under the root.</summary>
    public IReadOnlyList<string> Sequences { get; init; } = [];

    /// <summary>Resolution folder name (DAVIS: 480p or Full-Resolution).</summary>
    public string Resolution { get; init; } = "480p";

    /// <summary>TrackScore horizon h in frames.</summary>
    public int Horizon { get; init; } = 8;

    /// <summary>Trackers to score, in order.</summary>
    public IReadOnlyList<TrackerKind> Trackers { get; init; } = [TrackerKind.Lk];

    /// <summary>Tracker settings (model paths, threads, visibility threshold).</summary>
    public TrackerOptions TrackerOptions { get; init; } = new();

    /// <summary>Where to write the JSON report (atomically); null = none.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Where to write the per-point CSV (atomically); null = none.</summary>
    public string? PointsCsvPath { get; init; }
}
