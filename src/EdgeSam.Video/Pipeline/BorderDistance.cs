using EdgeSam.Video.Media;
using EdgeSam.Video.Segmentation.GraphCut;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// A mask cropped to a box, with every crop pixel's chamfer distance (px) to the mask's border, inside and outside
/// alike: how far a point or a flow sample lies from where the object's edge is believed to be. The point gate and the
/// motion evidence both keep their samples this far from the carried mask's edge.
/// </summary>
internal sealed class BorderDistance
{
    private BorderDistance(int x0, int y0, int width, int height, byte[] inside, float[] distance)
    {
        X0 = x0; Y0 = y0; Width = width; Height = height; Inside = inside; Distance = distance;
    }

    /// <summary>Frame pixel of the crop's top-left corner.</summary>
    public int X0 { get; }
    public int Y0 { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>The mask over the crop, row-major [Height, Width]; non-zero = object.</summary>
    public byte[] Inside { get; }

    /// <summary>Distance (px) to the mask's border, row-major [Height, Width].</summary>
    public float[] Distance { get; }

    /// <summary>Crops <paramref name="mask"/> to the inclusive frame-pixel box (already clipped to the frame) and
    /// measures the distances there; the border is the mask's within the crop.</summary>
    public static BorderDistance Of(Mask mask, int x0, int y0, int x1, int y1)
    {
        int w = mask.Width, cw = x1 - x0 + 1, ch = y1 - y0 + 1;
        if (x0 < 0 || y0 < 0 || x1 >= w || y1 >= mask.Height || cw <= 0 || ch <= 0)
            throw new ArgumentOutOfRangeException(nameof(x0), $"Box ({x0},{y0})-({x1},{y1}) is not inside the {w}x{mask.Height} mask.");
        var crop = new byte[cw * ch];
        for (int y = 0; y < ch; y++) Array.Copy(mask.Data, (y + y0) * w + x0, crop, y * cw, cw);
        var dist = new float[crop.Length];
        ChamferDistance.ToBoundary(crop, cw, ch, dist);
        return new BorderDistance(x0, y0, cw, ch, crop, dist);
    }
}
