using EdgeSam.Video.Media;

namespace EdgeSam.Video.Trackers.Lk;

/// <summary>One pyramid level: grey intensities (0..255) and their Scharr x/y derivatives (intensity per pixel).</summary>
internal sealed class PyramidLevel
{
    public readonly int Width;
    public readonly int Height;
    public readonly float[] I;
    public readonly float[] Ix;
    public readonly float[] Iy;

    public PyramidLevel(int width, int height, float[] intensity)
    {
        Width = width;
        Height = height;
        I = intensity;
        Ix = new float[intensity.Length];
        Iy = new float[intensity.Length];
        ComputeScharr();
    }

    /// <summary>
    /// Scharr derivatives ([3 10 3] smoothing x [-1 0 1] difference, /32 so a unit ramp gives 1), borders replicated.
    /// Computed once per frame: the frame is the tracking target now and the template on the next step.
    /// </summary>
    private void ComputeScharr()
    {
        int w = Width, h = Height;
        for (int y = 0; y < h; y++)
        {
            int ym = Math.Max(y - 1, 0) * w, y0 = y * w, yp = Math.Min(y + 1, h - 1) * w;
            for (int x = 0; x < w; x++)
            {
                int xm = Math.Max(x - 1, 0), xp = Math.Min(x + 1, w - 1);
                float gx = 3 * (I[ym + xp] - I[ym + xm]) + 10 * (I[y0 + xp] - I[y0 + xm]) + 3 * (I[yp + xp] - I[yp + xm]);
                float gy = 3 * (I[yp + xm] - I[ym + xm]) + 10 * (I[yp + x] - I[ym + x]) + 3 * (I[yp + xp] - I[ym + xp]);
                Ix[y0 + x] = gx * (1f / 32);
                Iy[y0 + x] = gy * (1f / 32);
            }
        }
    }
}

/// <summary>
/// A Gaussian pyramid of a frame's grey image (level 0 = full resolution; each next level is the 5-tap binomial
/// blur [1 4 6 4 1]/16 decimated by 2, as OpenCV's pyrDown), with derivatives per level. Immutable once built, so
/// one pyramid can serve several tracks and both directions of the forward-backward check.
/// </summary>
internal sealed class ImagePyramid
{
    public IReadOnlyList<PyramidLevel> Levels { get; }
    public int Width => Levels[0].Width;
    public int Height => Levels[0].Height;

    private ImagePyramid(IReadOnlyList<PyramidLevel> levels) => Levels = levels;

    /// <summary>Builds up to <paramref name="levels"/> levels, stopping before a level narrower than 16 pixels.</summary>
    public static ImagePyramid Build(RgbImage frame, int levels)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (levels < 1) throw new ArgumentOutOfRangeException(nameof(levels));
        int w = frame.Width, h = frame.Height;
        var grey = new float[w * h];
        byte[] px = frame.Pixels;
        for (int i = 0, o = 0; i < grey.Length; i++, o += 3)
            grey[i] = 0.299f * px[o] + 0.587f * px[o + 1] + 0.114f * px[o + 2];
        var list = new List<PyramidLevel> { new(w, h, grey) };
        while (list.Count < levels)
        {
            PyramidLevel last = list[^1];
            int nw = (last.Width + 1) / 2, nh = (last.Height + 1) / 2;
            if (nw < 16 || nh < 16) break;
            list.Add(new PyramidLevel(nw, nh, Downsample(last.I, last.Width, last.Height, nw, nh)));
        }
        return new ImagePyramid(list);
    }

    private static float[] Downsample(float[] src, int w, int h, int nw, int nh)
    {
        // Separable: vertical blur at even rows into tmp (w x nh), then horizontal blur at even columns.
        var tmp = new float[w * nh];
        for (int y = 0; y < nh; y++)
        {
            int sy = 2 * y;
            int r0 = Reflect(sy - 2, h) * w, r1 = Reflect(sy - 1, h) * w, r2 = Reflect(sy, h) * w, r3 = Reflect(sy + 1, h) * w, r4 = Reflect(sy + 2, h) * w;
            int d = y * w;
            for (int x = 0; x < w; x++)
                tmp[d + x] = src[r0 + x] + 4 * src[r1 + x] + 6 * src[r2 + x] + 4 * src[r3 + x] + src[r4 + x];
        }
        var dst = new float[nw * nh];
        for (int y = 0; y < nh; y++)
        {
            int row = y * w, d = y * nw;
            for (int x = 0; x < nw; x++)
            {
                int sx = 2 * x;
                float s = tmp[row + Reflect(sx - 2, w)] + 4 * tmp[row + Reflect(sx - 1, w)] + 6 * tmp[row + sx]
                        + 4 * tmp[row + Reflect(sx + 1, w)] + tmp[row + Reflect(sx + 2, w)];
                dst[d + x] = s * (1f / 256);
            }
        }
        return dst;
    }

    private static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        while ((uint)i >= (uint)n) i = i < 0 ? -i : 2 * n - 2 - i;
        return i;
    }
}
