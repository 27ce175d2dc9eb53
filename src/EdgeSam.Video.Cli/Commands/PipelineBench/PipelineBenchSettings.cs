namespace EdgeSam.Video.Cli.Commands.PipelineBench;

/// <summary>Settings of <c>edgesam-video bench pipeline</c>: the cost model of the simulated stages.</summary>
internal sealed record PipelineBenchSettings
{
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
}
