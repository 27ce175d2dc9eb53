using EdgeSam.Video.Media;

namespace EdgeSam.Video.Export;

/// <summary>One object on one frame for the dataset formats, taken from the exact mask.</summary>
/// <param name="Area">Mask pixels.</param>
/// <param name="BBox">Bounding box <c>[x, y, w, h]</c> in pixels (pixel (x, y) spans [x, x+1) x [y, y+1)).</param>
/// <param name="Rle">Compressed COCO RLE counts (<see cref="CocoRle"/>).</param>
/// <param name="Polygons">Exact pixel-edge polygons (<see cref="PixelEdgePolygons"/>), or null when not asked for.</param>
public sealed record DatasetObject(long Area, int[] BBox, string Rle, IReadOnlyList<Vec2[]>? Polygons)
{
    public static DatasetObject Of(Mask m, bool polygons)
    {
        var (x0, y0, x1, y1) = m.BoundingBox() ?? throw new ArgumentException("empty mask", nameof(m));
        return new DatasetObject(m.Area(), [x0, y0, x1 - x0 + 1, y1 - y0 + 1], CocoRle.Encode(m),
            polygons ? PixelEdgePolygons(ContourTracer.Trace(m, minArea: 0)) : null);
    }

    /// <summary>
    /// The traced boundaries as polygons through the pixel corners where the boundary turns (integer coordinates,
    /// pixel (x, y) spanning [x, x+1] x [y, y+1]), outer boundaries and holes alike: filled even-odd at pixel
    /// centres they give the mask back exactly. A traced point is the midpoint of a pixel edge; a horizontal edge has
    /// an integer y, a vertical one an integer x, so the corner between a horizontal and a vertical edge takes its y
    /// from the first and its x from the second (or the other way round).
    /// </summary>
    public static List<Vec2[]> PixelEdgePolygons(IReadOnlyList<TracedContour> contours)
    {
        var result = new List<Vec2[]>(contours.Count);
        foreach (TracedContour c in contours)
        {
            Vec2[] p = c.Points;
            var corners = new List<Vec2>();
            for (int i = 0; i < p.Length; i++)
            {
                Vec2 a = p[i], b = p[(i + 1) % p.Length];
                bool aHorizontal = a.Y == Math.Floor(a.Y), bHorizontal = b.Y == Math.Floor(b.Y);
                if (aHorizontal == bHorizontal) continue; // straight on: no corner
                corners.Add(aHorizontal ? new Vec2(b.X, a.Y) : new Vec2(a.X, b.Y));
            }
            result.Add(corners.ToArray());
        }
        return result;
    }
}

/// <summary>One frame of a dataset export: its name and the exported objects present on it.</summary>
public sealed record DatasetFrame(string Name, IReadOnlyDictionary<int, DatasetObject> Objects);

/// <summary>What the COCO and YouTube-VIS writers need.</summary>
/// <param name="Width">Frame width.</param>
/// <param name="Height">Frame height.</param>
/// <param name="FrameRate">Frames per second.</param>
/// <param name="VideoName">The video's name (the folder of its frames in YouTube-VIS <c>file_names</c>).</param>
/// <param name="ImageExtension">Extension of the frame images (<c>.jpg</c>).</param>
/// <param name="ObjectIds">Exported objects, ascending.</param>
/// <param name="Frames">Per frame, in order.</param>
public sealed record DatasetScene(int Width, int Height, double FrameRate, string VideoName, string ImageExtension,
    IReadOnlyList<int> ObjectIds, IReadOnlyList<DatasetFrame> Frames);
