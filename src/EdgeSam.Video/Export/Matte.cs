using EdgeSam.Video.Media;

namespace EdgeSam.Video.Export;

/// <summary>
/// Alpha mattes from label maps: the union of the chosen objects as 0/255, optionally antialiased
/// (<see cref="EdgeMode.Soft"/>) and feathered with a separable Gaussian.
/// </summary>
public static class Matte
{
    /// <summary>Alpha (0..255, one byte per pixel) of the pixels whose label is in <paramref name="ids"/>.</summary>
    /// <param name="labels">The frame's labels.</param>
    /// <param name="ids">Objects forming the matte.</param>
    /// <param name="featherPx">Feather width: Gaussian sigma = featherPx / 2, kernel radius ceil(3 sigma); 0 = none.</param>
    /// <param name="edge">Soft adds a [1 2 1]/4 blur in x and y before the feather.</param>
    public static byte[] Alpha(LabelMap labels, IReadOnlyCollection<int> ids, double featherPx, EdgeMode edge)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(featherPx >= 0) || featherPx > 500) throw new ArgumentOutOfRangeException(nameof(featherPx));
        Span<bool> take = stackalloc bool[256];
        foreach (int id in ids) if (id is > 0 and < 255) take[id] = true;
        int n = labels.Data.Length;
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = take[labels.Data[i]] ? 1f : 0f;
        int w = labels.Width, h = labels.Height;
        if (edge == EdgeMode.Soft) BlurSeparable(a, w, h, [0.25f, 0.5f, 0.25f]);
        if (featherPx > 0) BlurSeparable(a, w, h, GaussianKernel(featherPx / 2));
        var alpha = new byte[n];
        for (int i = 0; i < n; i++) alpha[i] = (byte)Math.Clamp((int)MathF.Round(a[i] * 255f), 0, 255);
        return alpha;
    }

    /// <summary>Normalised Gaussian taps for sigma, radius ceil(3 sigma).</summary>
    public static float[] GaussianKernel(double sigma)
    {
        int r = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += Math.Exp(-i * i / (2 * sigma * sigma));
        for (int i = -r; i <= r; i++) k[i + r] = (float)(Math.Exp(-i * i / (2 * sigma * sigma)) / sum);
        return k;
    }

    /// <summary>
    /// In-place convolution with an odd, symmetric kernel along rows then columns; the border pixel is repeated
    /// (so a matte touching the frame edge stays opaque there).
    /// </summary>
    public static void BlurSeparable(float[] a, int w, int h, float[] kernel)
    {
        int r = kernel.Length / 2;
        var line = new float[Math.Max(w, h) + 2 * r];
        for (int y = 0; y < h; y++)
        {
            for (int i = -r; i < w + r; i++) line[i + r] = a[y * w + Math.Clamp(i, 0, w - 1)];
            for (int x = 0; x < w; x++)
            {
                float s = 0;
                for (int k = 0; k < kernel.Length; k++) s += kernel[k] * line[x + k];
                a[y * w + x] = s;
            }
        }
        for (int x = 0; x < w; x++)
        {
            for (int i = -r; i < h + r; i++) line[i + r] = a[Math.Clamp(i, 0, h - 1) * w + x];
            for (int y = 0; y < h; y++)
            {
                float s = 0;
                for (int k = 0; k < kernel.Length; k++) s += kernel[k] * line[y + k];
                a[y * w + x] = s;
            }
        }
    }
}
