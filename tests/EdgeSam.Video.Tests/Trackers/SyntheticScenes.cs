using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Trackers;

/// <summary>Procedural frames with exactly known motion for tracker tests.</summary>
internal static class SyntheticScenes
{
    /// <summary>A smooth, richly textured intensity (sum of oblique sinusoids), continuous so sub-pixel shifts are exact.</summary>
    public static double Texture(double x, double y, int seed = 0)
    {
        double v = 128;
        for (int k = 0; k < 6; k++)
        {
            double a = 0.7 + 0.9 * k + seed * 0.13, fx = 0.05 + 0.045 * k, fy = 0.09 - 0.011 * k;
            v += 18 * Math.Sin(fx * x * Math.Cos(a) + fy * y * Math.Sin(a) * 1.3 + k * 1.7 + seed);
        }
        return v;
    }

    /// <summary>A frame whose content at (x, y) is <see cref="Texture"/>(x - dx, y - dy): the scene moved by (dx, dy).</summary>
    public static RgbImage Shifted(int w, int h, double dx, double dy, int seed = 0)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte b = (byte)Math.Clamp(Math.Round(Texture(x - dx, y - dy, seed)), 0, 255);
                int o = (y * w + x) * 3;
                img.Pixels[o] = img.Pixels[o + 1] = img.Pixels[o + 2] = b;
            }
        return img;
    }

    /// <summary>Paints a flat grey square (an occluder) over <paramref name="img"/>.</summary>
    public static RgbImage WithOccluder(RgbImage img, int x0, int y0, int size, byte value = 20)
    {
        var copy = img.Clone();
        for (int y = Math.Max(0, y0); y < Math.Min(img.Height, y0 + size); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(img.Width, x0 + size); x++)
            {
                int o = (y * img.Width + x) * 3;
                copy.Pixels[o] = copy.Pixels[o + 1] = copy.Pixels[o + 2] = value;
            }
        return copy;
    }
}
