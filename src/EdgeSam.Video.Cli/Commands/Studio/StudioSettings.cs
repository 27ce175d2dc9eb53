using EdgeSam.Video.Cli.Commands.Segment;

namespace EdgeSam.Video.Cli.Commands.Studio;

/// <summary>Settings of <c>edgesam-video studio</c>.</summary>
internal sealed record StudioSettings
{
    /// <summary>Video file or folder of frames.</summary>
    public required string Input { get; init; }

    /// <summary>Session folder in <c>segment</c>'s layout (<see cref="Pipeline.SessionFolder"/>), plus objects.json and export/; reopened when it holds a session.</summary>
    public required string Out { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Open the page in the default browser once the server listens.</summary>
    public bool Open { get; init; }

    /// <summary>Access token; null draws a random one (tests pass their own).</summary>
    public string? Token { get; init; }

    /// <summary>The same pipeline options as <c>segment</c> (one <see cref="PipelineFactory"/> builds both).</summary>
    public PipelineSettings Pipeline { get; init; } = new();
}
