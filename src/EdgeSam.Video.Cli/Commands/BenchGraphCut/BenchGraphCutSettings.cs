namespace EdgeSam.Video.Cli.Commands.BenchGraphCut;

/// <summary>Settings of <c>edgesam-video bench graphcut</c>.</summary>
internal sealed record BenchGraphCutSettings
{
    /// <summary>DAVIS root (holds JPEGImages/&lt;res&gt; and Annotations/&lt;res&gt;).</summary>
    public required string Root { get; init; }

    /// <summary>Score frames 0, every, 2*every, ... of each sequence.</summary>
    public int Every { get; init; } = 10;

    /// <summary>Sequences to run; empty = every annotated sequence folder.</summary>
    public IReadOnlyList<string> Sequences { get; init; } = [];

    public string Resolution { get; init; } = "480p";
    public int Positives { get; init; } = 8;
    public int Negatives { get; init; } = 8;
    public int Seed { get; init; }

    /// <summary>Negatives come from background pixels within this many sqrt(object area) of the object.</summary>
    public float NegativeBand { get; init; } = Video.Segmentation.GraphCut.GraphCutBenchmark.DefaultNegativeBand;

    /// <summary>Override of <see cref="Video.Segmentation.GraphCut.GraphCutOptions.WorkingLongSide"/>.</summary>
    public int? WorkingLongSide { get; init; }

    public string? JsonPath { get; init; }
}
