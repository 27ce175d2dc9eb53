using EdgeSam.Video.Media;

namespace EdgeSam.Video.Export;

/// <summary>
/// Scanline fill of closed polygons and Bézier paths with the even-odd rule, sampled at pixel centres: pixel (x, y) is
/// inside when the horizontal line y + 0.5 crosses the outlines an odd number of times left of x + 0.5. Used to check
/// exported shapes against their masks and to rasterise COCO polygons.
/// </summary>
public static class ShapeRasterizer
{
    /// <summary>Fills the Bézier paths (each flattened to <paramref name="stepsPerSegment"/> chords per segment).</summary>
    public static Mask Fill(int width, int height, IEnumerable<BezierPath> paths, int stepsPerSegment = 16) =>
        FillPolygons(width, height, paths.Select(p => p.Flatten(stepsPerSegment)));

    /// <summary>Fills closed polygons together (even-odd over all of them, so holes given as separate rings cut out).</summary>
    public static Mask FillPolygons(int width, int height, IEnumerable<Vec2[]> polygons)
    {
        var mask = new Mask(width, height);
        var crossings = new List<double>[height];
        foreach (Vec2[] poly in polygons)
        {
            int n = poly.Length;
            if (n < 3) continue;
            for (int i = 0; i < n; i++)
            {
                Vec2 a = poly[i], b = poly[(i + 1) % n];
                if (a.Y == b.Y) continue;
                double y0 = Math.Min(a.Y, b.Y), y1 = Math.Max(a.Y, b.Y);
                // Rows whose centre line yc = r + 0.5 lies in [y0, y1): half-open so shared vertices count once.
                int r0 = Math.Max(0, (int)Math.Ceiling(y0 - 0.5));
                int r1 = Math.Min(height - 1, (int)Math.Ceiling(y1 - 0.5) - 1);
                for (int r = r0; r <= r1; r++)
                {
                    double yc = r + 0.5;
                    double x = a.X + (yc - a.Y) * (b.X - a.X) / (b.Y - a.Y);
                    (crossings[r] ??= new List<double>()).Add(x);
                }
            }
        }
        byte[] d = mask.Data;
        for (int r = 0; r < height; r++)
        {
            List<double>? xs = crossings[r];
            if (xs == null) continue;
            xs.Sort();
            for (int k = 0; k + 1 < xs.Count; k += 2)
            {
                // Pixels whose centre x + 0.5 is in [xs[k], xs[k+1]).
                int c0 = Math.Max(0, (int)Math.Ceiling(xs[k] - 0.5));
                int c1 = Math.Min(width - 1, (int)Math.Ceiling(xs[k + 1] - 0.5) - 1);
                for (int c = c0; c <= c1; c++) d[r * width + c] = 1;
            }
        }
        return mask;
    }

    /// <summary>Intersection over union of two masks of one size (1 when both are empty).</summary>
    public static double IoU(Mask a, Mask b)
    {
        if (a.Width != b.Width || a.Height != b.Height) throw new ArgumentException("masks differ in size");
        long inter = 0, union = 0;
        for (int i = 0; i < a.Data.Length; i++)
        {
            int x = a.Data[i], y = b.Data[i];
            inter += x & y;
            union += x | y;
        }
        return union == 0 ? 1 : (double)inter / union;
    }
}
