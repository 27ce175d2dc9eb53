namespace EdgeSam.Video.Cli.Commands.BenchBox;

/// <summary>Settings of <c>edgesam-video bench box</c>.</summary>
internal sealed record BenchBoxSettings
{
    /// <summary>DAVIS 2016 root.</summary>
    public required string Root { get; init; }
    /// <summary>Sequences to run (empty: all of the val split).</summary>
    public IReadOnlyList<string> Sequences { get; init; } = [];
    /// <summary>Margins to try, as shares of the box's width and height added on each side (0 = the tight box).</summary>
    public IReadOnlyList<float> Margins { get; init; } = [0f, 0.05f];
    /// <summary>Iterations of OpenCV's GrabCut (the reference).</summary>
    public int GrabCutIterations { get; init; } = 5;
}
