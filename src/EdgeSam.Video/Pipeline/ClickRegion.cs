using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// What one click says about the pixels around it, read with the colours of the object as the user last showed it
/// (a prompt mask on another frame). A negative click on a leak says "this stuff is not the object": the leak is the
/// part of the current mask, connected to the click, whose colours are likelier under the clicked spot's colours than
/// under the object's. A positive click outside the mask says "the object goes on here": the missed part is the region
/// connected to the click, within the object's radius, whose colours are likelier under the object's colours than under
/// its surroundings' on the prompt frame. The graph cut alone cannot draw either conclusion from one seed: its colour
/// models are fitted to the current mask (leak included) and its soft unary keeps the current mask's extent.
/// </summary>
internal static class ClickRegion
{
    /// <summary>Bits per channel of the colour histograms (16 levels: robust with a few hundred samples).</summary>
    private const int Bits = 4;
    private const int Bins = 1 << (3 * Bits);

    /// <summary>Radius in pixels of the disk around a negative click whose colours model "what the user pointed at".</summary>
    public const int SpotRadius = 12;

    /// <summary>Least share of the trusted shape's area the prior must keep after a negative click's region is removed;
    /// below it the click is read as a disk carve only (a negative click never empties a mask).</summary>
    public const double MinKeep = 0.1;

    /// <summary>Normalised colour histogram with add-one smoothing over the pixels where <paramref name="take"/> is true.</summary>
    private static double[] Histogram(RgbImage image, Func<int, bool> take)
    {
        var h = new double[Bins];
        byte[] px = image.Pixels;
        int n = image.Width * image.Height;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            if (!take(i)) continue;
            h[Bin(px, i)]++;
            total++;
        }
        for (int b = 0; b < Bins; b++) h[b] = (h[b] + 1) / (total + Bins);
        return h;
    }

    private static int Bin(byte[] px, int i)
    {
        int s = 8 - Bits;
        return (px[3 * i] >> s) << (2 * Bits) | (px[3 * i + 1] >> s) << Bits | (px[3 * i + 2] >> s);
    }

    /// <summary>
    /// The pixels of <paramref name="prior"/> 4-connected to <paramref name="click"/> (the click's pixel included) whose
    /// colour on <paramref name="image"/> is likelier under the colours of a <see cref="SpotRadius"/> disk around the click
    /// than under the object's colours on <paramref name="shapeImage"/> inside <paramref name="shape"/>. Empty when the
    /// click lies outside the prior.
    /// </summary>
    public static Mask Leak(RgbImage image, Mask prior, PromptPoint click, RgbImage shapeImage, Mask shape)
    {
        int w = prior.Width, h = prior.Height;
        var region = new Mask(w, h);
        int cx = Math.Clamp((int)MathF.Round(click.X), 0, w - 1), cy = Math.Clamp((int)MathF.Round(click.Y), 0, h - 1);
        if (!prior[cx, cy]) return region;
        double[] spot = Histogram(image, i =>
        {
            int dx = i % w - cx, dy = i / w - cy;
            return dx * dx + dy * dy <= SpotRadius * SpotRadius && prior.Data[i] != 0;
        });
        double[] obj = Histogram(shapeImage, i => shape.Data[i] != 0);
        Fill(w, h, cy * w + cx, region.Data, i => prior.Data[i] != 0 && spot[Bin(image.Pixels, i)] > obj[Bin(image.Pixels, i)], _ => true);
        return region;
    }

    /// <summary>
    /// The pixels outside <paramref name="prior"/> 4-connected to <paramref name="click"/> (its pixel included), no
    /// farther from it than the radius of <paramref name="shape"/> (sqrt(area / pi)), whose colour on
    /// <paramref name="image"/> is likelier under the object's colours inside <paramref name="shape"/> on
    /// <paramref name="shapeImage"/> than under the colours around it there (outside the shape, within its box grown by
    /// its own size). Empty when the click lies inside the prior.
    /// </summary>
    public static Mask Missed(RgbImage image, Mask prior, PromptPoint click, RgbImage shapeImage, Mask shape)
    {
        int w = prior.Width, h = prior.Height;
        var region = new Mask(w, h);
        int cx = Math.Clamp((int)MathF.Round(click.X), 0, w - 1), cy = Math.Clamp((int)MathF.Round(click.Y), 0, h - 1);
        if (prior[cx, cy] || shape.BoundingBox() is not var (x0, y0, x1, y1)) return region;
        int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
        double[] obj = Histogram(shapeImage, i => shape.Data[i] != 0);
        double[] around = Histogram(shapeImage, i =>
        {
            int x = i % w, y = i / w;
            return shape.Data[i] == 0 && x >= x0 - bw && x <= x1 + bw && y >= y0 - bh && y <= y1 + bh;
        });
        double r2 = shape.Area() / Math.PI;
        Fill(w, h, cy * w + cx, region.Data,
            i => prior.Data[i] == 0 && obj[Bin(image.Pixels, i)] > around[Bin(image.Pixels, i)],
            i => { int dx = i % w - cx, dy = i / w - cy; return dx * dx + dy * dy <= r2; });
        return region;
    }

    /// <summary>4-connected flood fill from <paramref name="seed"/> (always taken) over pixels that pass both tests.</summary>
    private static void Fill(int w, int h, int seed, byte[] into, Func<int, bool> like, Func<int, bool> near)
    {
        var stack = new Stack<int>();
        into[seed] = 1;
        stack.Push(seed);
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            int x = i % w, y = i / w;
            Span<int> next = [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1];
            foreach (int j in next)
            {
                if (j < 0 || into[j] != 0 || !near(j) || !like(j)) continue;
                into[j] = 1;
                stack.Push(j);
            }
        }
    }
}
