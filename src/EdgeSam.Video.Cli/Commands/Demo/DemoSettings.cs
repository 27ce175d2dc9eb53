using EdgeSam.Video.Cli.Commands.Segment;

namespace EdgeSam.Video.Cli.Commands.Demo;

/// <summary>Settings of <c>edgesam-video demo</c>.</summary>
internal sealed record DemoSettings
{
    /// <summary>Output folder (masks/ and preview.mp4).</summary>
    public string Out { get; init; } = "demo-output";
    /// <summary>Use only the first frames of the sample (0 = all).</summary>
    public int Frames { get; init; }
    /// <summary>Use the generated clip even when the DAVIS mirror is present.</summary>
    public bool Synthetic { get; init; }
    public PipelineSettings Pipeline { get; init; } = new();
}
