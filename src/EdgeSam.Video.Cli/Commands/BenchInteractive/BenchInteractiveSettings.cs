using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Cli.Commands.BenchInteractive;

/// <summary>Settings of <c>edgesam-video bench interactive</c>.</summary>
internal sealed record BenchInteractiveSettings
{
    /// <summary>DAVIS root (JPEGImages/, Annotations/, ImageSets/).</summary>
    public required string Root { get; init; }
    public int Year { get; init; } = 2017;
    /// <summary>Sequences to run (null: the year's val split).</summary>
    public IReadOnlyList<string>? Sequences { get; init; }
    /// <summary>Correction rounds after round 0.</summary>
    public int Rounds { get; init; } = 8;
    public string? Json { get; init; }
    /// <summary>How a correction's backward walk is merged with the masks before it.</summary>
    public CorrectionBlend Blend { get; init; } = CorrectionBlend.NearestPrompt;
    /// <summary>What the clicked frame's decode gets besides the click and the current mask.</summary>
    public CorrectionPrompt Correction { get; init; } = CorrectionPrompt.QueryPoints;
    /// <summary>Folder for before/after overlays of each clicked frame, or null.</summary>
    public string? Overlays { get; init; }
    /// <summary>How far a click's word reaches into the clicked frame's current mask.</summary>
    public ClickExtent Extent { get; init; } = ClickExtent.Region;
    /// <summary>Replace each click by the clicked frame's ground-truth mask (the ceiling of any one-frame correction).</summary>
    public bool Oracle { get; init; }
    /// <summary>IoU with the stored mask at which a correction's walk stops (0: never).</summary>
    public double SettleIoU { get; init; } = SessionCorrection.DefaultSettleIoU;
    /// <summary>A run davis results folder to start from instead of segmenting round 0, or null.</summary>
    public string? StartMasks { get; init; }
    public PipelineSettings Pipeline { get; init; } = new();
}
