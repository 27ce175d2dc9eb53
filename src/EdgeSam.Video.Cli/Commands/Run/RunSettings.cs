using EdgeSam.Video.Cli.Commands.Segment;

namespace EdgeSam.Video.Cli.Commands.Run;

/// <summary>Which benchmark <c>run</c> segments.</summary>
internal enum RunBenchmark
{
    Davis,
    YouTubeVos,
}

/// <summary>What prompts a DAVIS sequence: its first-frame ground truth, or that ground truth's bounding boxes.</summary>
internal enum RunPrompt
{
    /// <summary>The first-frame masks (the semi-supervised benchmark).</summary>
    Mask,
    /// <summary>Each object's tight bounding box on the first frame.</summary>
    Box,
    /// <summary>The tight box grown by <see cref="RunSettings.BoxMargin"/> of its width and height on every side.</summary>
    BoxMargin,
}

/// <summary>Settings of <c>edgesam-video run davis|ytvos</c>.</summary>
internal sealed record RunSettings
{
    public required RunBenchmark Benchmark { get; init; }
    /// <summary>Dataset root (DAVIS: holds JPEGImages/ and Annotations/; YouTube-VOS: holds valid/ or is the split folder).</summary>
    public required string Root { get; init; }
    public required string Out { get; init; }
    /// <summary>DAVIS year (2016: one object; 2017: several).</summary>
    public int Year { get; init; } = 2017;
    /// <summary>Sequence/video names to run (default: all of the split).</summary>
    public IReadOnlyList<string>? Sequences { get; init; }
    /// <summary>This machine's part of the work: (index, count), 0 &lt;= index &lt; count.</summary>
    public (int Index, int Count) Shard { get; init; } = (0, 1);
    /// <summary>Redo sequences whose results exist already.</summary>
    public bool Overwrite { get; init; }
    /// <summary>What prompts each sequence (DAVIS only).</summary>
    public RunPrompt Prompt { get; init; } = RunPrompt.Mask;
    /// <summary>Share of the box's width/height added on each side for <see cref="RunPrompt.BoxMargin"/>.</summary>
    public const float BoxMargin = 0.05f;
    public PipelineSettings Pipeline { get; init; } = new();
}
