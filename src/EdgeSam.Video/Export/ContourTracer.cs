using EdgeSam.Video.Media;

namespace EdgeSam.Video.Export;

/// <summary>One closed boundary of a binary mask.</summary>
/// <param name="Points">Midpoints of the boundary's pixel edges ("cracks") in trace order: the marching-squares
/// iso-0.5 line of the mask sampled on the pixel-centre grid. Filling this polygon even-odd at pixel centres gives the
/// mask back exactly. Outer boundaries run clockwise on screen (positive shoelace area with y down), holes the other way.</param>
/// <param name="IsHole">True for the boundary of a hole.</param>
/// <param name="Area">Pixels enclosed by the crack loop (a hole's: the hole's pixel count).</param>
public sealed record TracedContour(Vec2[] Points, bool IsHole, int Area)
{
    /// <summary>Mean of the points.</summary>
    public Vec2 Centroid()
    {
        double x = 0, y = 0;
        foreach (Vec2 p in Points) { x += p.X; y += p.Y; }
        return new Vec2(x / Points.Length, y / Points.Length);
    }
}

/// <summary>
/// Border following on the pixel-corner grid. Every object pixel side that faces a background pixel (or the image
/// border) is a directed unit edge with the object on its right (on screen, y down), so each corner has at most two
/// outgoing edges and the edges link into closed loops. Where two object pixels touch only diagonally (a saddle
/// corner) the loop turns towards the other diagonal pixel, so objects are 8-connected and holes 4-connected, as in
/// Suzuki–Abe border following.
/// </summary>
public static class ContourTracer
{
    private static readonly int[] Dx = [1, 0, -1, 0];
    private static readonly int[] Dy = [0, 1, 0, -1];

    /// <summary>All boundaries of <paramref name="mask"/> whose enclosed area is at least <paramref name="minArea"/> pixels.</summary>
    public static List<TracedContour> Trace(Mask mask, int minArea = 0)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return Trace(mask.Data, mask.Width, mask.Height, 1, minArea);
    }

    /// <summary>Boundaries of the pixels of <paramref name="labels"/> equal to <paramref name="value"/> (row-major, width x height).</summary>
    public static List<TracedContour> Trace(ReadOnlySpan<byte> labels, int width, int height, byte value, int minArea = 0)
    {
        if (labels.Length != width * height) throw new ArgumentException("label buffer does not match the size", nameof(labels));
        int vw = width + 1;
        // Outgoing-edge bits per corner (bit d = edge in direction d: 0 +x, 1 +y, 2 -x, 3 -y).
        var edges = new byte[vw * (height + 1)];
        bool any = false;
        for (int y = 0; y < height; y++)
        {
            int row = y * width;
            for (int x = 0; x < width; x++)
            {
                if (labels[row + x] != value) continue;
                any = true;
                if (y == 0 || labels[row - width + x] != value) edges[y * vw + x] |= 1;                   // top: (x,y) -> +x
                if (x == width - 1 || labels[row + x + 1] != value) edges[y * vw + x + 1] |= 2;           // right: (x+1,y) -> +y
                if (y == height - 1 || labels[row + width + x] != value) edges[(y + 1) * vw + x + 1] |= 4; // bottom: (x+1,y+1) -> -x
                if (x == 0 || labels[row + x - 1] != value) edges[(y + 1) * vw + x] |= 8;                 // left: (x,y+1) -> -y
            }
        }
        var result = new List<TracedContour>();
        if (!any) return result;
        byte[] original = (byte[])edges.Clone();
        var pts = new List<Vec2>();
        for (int v0 = 0; v0 < edges.Length; v0++)
        {
            while (edges[v0] != 0)
            {
                int d0 = System.Numerics.BitOperations.TrailingZeroCount(edges[v0]);
                pts.Clear();
                long twiceArea = 0;
                int v = v0, d = d0;
                while (true)
                {
                    edges[v] &= (byte)~(1 << d);
                    int x = v % vw, y = v / vw;
                    int nx = x + Dx[d], ny = y + Dy[d];
                    pts.Add(new Vec2(x + 0.5 * Dx[d], y + 0.5 * Dy[d]));
                    twiceArea += (long)x * ny - (long)nx * y;
                    v = ny * vw + nx;
                    byte o = original[v];
                    // One outgoing edge, or a saddle: turn to the edge that keeps diagonal object pixels together.
                    int next = System.Numerics.BitOperations.PopCount(o) == 1
                        ? System.Numerics.BitOperations.TrailingZeroCount(o)
                        : (d + 3) & 3;
                    if (v == v0 && next == d0) break;
                    if ((edges[v] & (1 << next)) == 0) break; // defensive: never loops forever on a malformed grid
                    d = next;
                }
                int area = (int)(Math.Abs(twiceArea) / 2);
                if (area >= minArea && pts.Count >= 4)
                    result.Add(new TracedContour(pts.ToArray(), twiceArea < 0, area));
            }
        }
        return result;
    }
}
