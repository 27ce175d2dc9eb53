using EdgeSam.Video.Export;

namespace EdgeSam.Video.Cli.Commands.Export;

/// <summary>Settings of <c>export</c>: the CLI spelling of an <see cref="ExportRequest"/>.</summary>
/// <param name="Masks">Folder of per-frame mask PNGs.</param>
/// <param name="Format">Output format.</param>
/// <param name="Out">Output folder (or file for ae/nuke/coco/json).</param>
/// <param name="Frames">Video or frame folder.</param>
/// <param name="Objects">Object ids; null = all.</param>
/// <param name="Feather">Feather in pixels.</param>
/// <param name="Edge">Hard or soft edge.</param>
/// <param name="MatteOnly">White RGB instead of the original pixels.</param>
/// <param name="Combine">One matte for all objects.</param>
/// <param name="Smooth">Temporal smoothing radius in frames.</param>
/// <param name="Tolerance">Bézier fitting tolerance in pixels.</param>
/// <param name="MinArea">Speck threshold in pixels.</param>
/// <param name="Fps">Frame rate override.</param>
/// <param name="Name">Base name of the outputs.</param>
/// <param name="Measure">Report the IoU of the rasterised shapes against the masks.</param>
/// <param name="Keys">Roto keys on every frame or only where interpolation misses by more than the tolerance.</param>
/// <param name="MaxVertices">Most vertices per roto shape (0 = no bound).</param>
/// <param name="CocoPolygons">COCO: exact pixel-edge polygons instead of RLE.</param>
public sealed record ExportSettings(
    string Masks, ExportFormat Format, string Out, string? Frames = null, IReadOnlyList<int>? Objects = null,
    double Feather = 0, EdgeMode Edge = EdgeMode.Hard, bool MatteOnly = false, bool Combine = false, int Smooth = 2,
    double Tolerance = 1.0, int MinArea = 16, double? Fps = null, string? Name = null, bool Measure = false,
    KeyMode Keys = KeyMode.Auto, int MaxVertices = 0, bool CocoPolygons = false)
{
    public ExportRequest ToRequest() => new(Masks, Format, Out, Frames, Objects, Feather, Edge, MatteOnly, Combine, Smooth,
        Tolerance, MinArea, Fps, Name, Measure, Keys, MaxVertices, CocoPolygons);
}
