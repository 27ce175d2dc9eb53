using EdgeSam.Video.Media;

namespace EdgeSam.Video.Cli.Commands.Bench;

/// <summary>Settings of <c>bench decode</c>.</summary>
/// <param name="Frames">Frames of the generated clip (ignored with <paramref name="Input"/>).</param>
/// <param name="Width">Width of the generated clip.</param>
/// <param name="Height">Height of the generated clip.</param>
/// <param name="Input">Decode this video or frame folder instead of a generated clip.</param>
/// <param name="Start">First frame to read.</param>
public sealed record DecodeBenchSettings(int Frames = 2000, int Width = 854, int Height = 480, string? Input = null, int Start = 0);

/// <summary>Settings of <c>bench encode</c>.</summary>
/// <param name="Frames">Frames written per codec.</param>
/// <param name="Width">Frame width.</param>
/// <param name="Height">Frame height.</param>
/// <param name="Codecs">Codecs to time, in order.</param>
public sealed record EncodeBenchSettings(int Frames = 200, int Width = 854, int Height = 480, IReadOnlyList<VideoCodec>? Codecs = null);
