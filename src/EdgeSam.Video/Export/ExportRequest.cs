namespace EdgeSam.Video.Export;

/// <summary>
/// One export job for <see cref="RotoExporter.Export"/>.
/// </summary>
/// <param name="MasksDir">Folder of mask PNGs (or a <c>segment</c> output folder holding <c>masks/</c>), one per frame in natural name order: DAVIS palette PNGs (index = object
/// id, 255 = void) or grey masks (any nonzero grey = object 1, as DAVIS 2016 ground truth).</param>
/// <param name="Format">What to write.</param>
/// <param name="OutPath">A folder (created); for the single-file formats (ae, nuke, coco, json, ytvis) a path with the
/// format's extension (.jsx, .nk, .json) is taken as the file itself; for prores / webm a path ending in .mov / .webm
/// names the file (one output) or the stem of <c>stem_obj&lt;id&gt;.ext</c> beside it (several objects).</param>
/// <param name="Frames">The video or frame folder the masks belong to (frame i of the masks = frame i of the video).
/// Needed for original pixels in mattes; for ae/nuke it gives the comp size and frame rate.</param>
/// <param name="ObjectIds">Objects to export; null = every id that appears in any mask.</param>
/// <param name="FeatherPx">Matte feather: Gaussian blur of the alpha with sigma = FeatherPx / 2 (0 = none).</param>
/// <param name="Edge">Hard or slightly antialiased matte edge.</param>
/// <param name="MatteOnly">Mattes carry white RGB instead of the original pixels.</param>
/// <param name="Combine">Mattes: one output whose alpha is the union of the objects instead of one per object.</param>
/// <param name="Smooth">Temporal smoothing radius of shapes in frames (vertex positions averaged over [t-k, t+k]); 0 = off.</param>
/// <param name="Tolerance">Shape fitting tolerance in pixels (Bézier error bound against the traced contour), and with
/// <see cref="KeyMode.Auto"/> the most an interpolated frame's outline may differ from its own fit.</param>
/// <param name="MinArea">Contours (outer or hole) enclosing fewer pixels than this are ignored as specks.</param>
/// <param name="FrameRate">Frame rate when <paramref name="Frames"/> gives none (default 24).</param>
/// <param name="Name">Base name of the outputs; null = the masks folder's name.</param>
/// <param name="MeasureFidelity">Shapes: rasterise the fitted shapes back (even-odd, pixel centres) and report their IoU
/// against the source masks in <see cref="ShapeStats"/>.</param>
/// <param name="Keys">Roto formats: a key on every frame, or only where interpolation would miss by more than the tolerance.</param>
/// <param name="MaxVertices">Roto formats: most vertices per shape (0 = as many as the tolerance needs); every key of a
/// shape keeps one vertex count, so vertex i corresponds across keys.</param>
/// <param name="CocoPolygons">COCO: exact pixel-edge polygons in <c>segmentation</c> instead of compressed RLE.</param>
public sealed record ExportRequest(
    string MasksDir,
    ExportFormat Format,
    string OutPath,
    string? Frames = null,
    IReadOnlyList<int>? ObjectIds = null,
    double FeatherPx = 0,
    EdgeMode Edge = EdgeMode.Hard,
    bool MatteOnly = false,
    bool Combine = false,
    int Smooth = 2,
    double Tolerance = 1.0,
    int MinArea = 16,
    double? FrameRate = null,
    string? Name = null,
    bool MeasureFidelity = false,
    KeyMode Keys = KeyMode.Auto,
    int MaxVertices = 0,
    bool CocoPolygons = false);

/// <summary>What an export wrote and measured.</summary>
/// <param name="Files">Files written (sequences: every file), in order.</param>
/// <param name="Frames">Frames exported.</param>
/// <param name="ObjectIds">Objects exported.</param>
/// <param name="Shapes">Shape statistics (shape formats only).</param>
/// <param name="Dataset">COCO / YouTube-VIS read back against the masks (with <see cref="ExportRequest.MeasureFidelity"/>).</param>
public sealed record ExportResult(IReadOnlyList<string> Files, int Frames, IReadOnlyList<int> ObjectIds, ShapeStats? Shapes,
    DatasetStats? Dataset = null);

/// <summary>A dataset export read back from its file and compared with the masks, object-frame by object-frame.</summary>
/// <param name="ObjectFrames">Annotated object-frames.</param>
/// <param name="Exact">Those whose segmentation decodes (RLE) or fills (polygons, even-odd at pixel centres) to the mask exactly.</param>
/// <param name="MeanIoU">Mean IoU against the masks.</param>
/// <param name="MinIoU">Lowest IoU.</param>
public sealed record DatasetStats(int ObjectFrames, int Exact, double MeanIoU, double MinIoU);

/// <summary>Figures of the shape extraction.</summary>
/// <param name="MeanSegmentsPerObjectFrame">Mean Bézier segments per object per frame (over frames where the object is present).</param>
/// <param name="JitterBefore">Mean vertex jitter of the resampled contours before temporal smoothing (see <see cref="ShapeTrackBuilder"/>).</param>
/// <param name="JitterAfter">The same after smoothing.</param>
/// <param name="Runs">Runs of constant topology (keyframeable stretches), over all objects and contours.</param>
/// <param name="MeanIoU">Mean IoU of the rasterised shapes against the source masks over object-frames (NaN unless measured).</param>
/// <param name="MinIoU">Lowest such IoU (NaN unless measured).</param>
/// <param name="KeysPer100Frames">Path keys per 100 frames of shape life: keys over all shapes divided by the frames
/// the shapes span, times 100 (100 with <see cref="KeyMode.All"/>).</param>
/// <param name="MeanVerticesPerShape">Mean vertex count of a shape (a track), over shapes.</param>
/// <param name="Shapes">Shapes (tracks) written.</param>
public sealed record ShapeStats(double MeanSegmentsPerObjectFrame, double JitterBefore, double JitterAfter, int Runs,
    double MeanIoU = double.NaN, double MinIoU = double.NaN, double KeysPer100Frames = 100, double MeanVerticesPerShape = 0,
    int Shapes = 0);

/// <summary>Progress of an export: frames done of the total for the current stage.</summary>
public readonly record struct ExportProgress(string Stage, int Done, int Total);
