using System.Buffers;
using System.Numerics;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Trackers.Lk;

/// <summary>
/// One pyramid level: grey intensities (0..255) and their Scharr x/y derivatives (intensity per pixel). The derivative
/// images are computed on first use only: Lucas-Kanade needs derivatives in a window around each point
/// (<see cref="ScharrAt"/>), so a whole-level computation (two more full-size arrays per level and frame) is paid
/// only by the consumers that read <see cref="Ix"/>/<see cref="Iy"/> everywhere (the dense flow). Thread-safe.
/// </summary>
internal sealed class PyramidLevel
{
    public readonly int Width;
    public readonly int Height;
    public readonly float[] I;
    private float[]? _ix;
    private float[]? _iy;
    private readonly Lock _gate = new();

    public PyramidLevel(int width, int height, float[] intensity)
    {
        Width = width;
        Height = height;
        I = intensity;
    }

    /// <summary>Scharr x derivative of every pixel (computed on first access).</summary>
    public float[] Ix
    {
        get
        {
            EnsureGradients();
            return _ix!;
        }
    }

    /// <summary>Scharr y derivative of every pixel (computed on first access).</summary>
    public float[] Iy
    {
        get
        {
            EnsureGradients();
            return _iy!;
        }
    }

    /// <summary>
    /// Scharr derivatives at pixel (<paramref name="x"/>, <paramref name="y"/>), which must lie inside the level:
    /// [3 10 3] smoothing x [-1 0 1] difference, /32 so a unit ramp gives 1, borders replicated. The one formula
    /// behind <see cref="Ix"/>/<see cref="Iy"/>, so a value computed here equals the array's bit for bit.
    /// </summary>
    public (float Gx, float Gy) ScharrAt(int x, int y)
    {
        int w = Width;
        int ym = Math.Max(y - 1, 0) * w, y0 = y * w, yp = Math.Min(y + 1, Height - 1) * w;
        int xm = Math.Max(x - 1, 0), xp = Math.Min(x + 1, w - 1);
        float[] img = I;
        float gx = 3 * (img[ym + xp] - img[ym + xm]) + 10 * (img[y0 + xp] - img[y0 + xm]) + 3 * (img[yp + xp] - img[yp + xm]);
        float gy = 3 * (img[yp + xm] - img[ym + xm]) + 10 * (img[yp + x] - img[ym + x]) + 3 * (img[yp + xp] - img[ym + xp]);
        return (gx * (1f / 32), gy * (1f / 32));
    }

    private void EnsureGradients()
    {
        if (Volatile.Read(ref _iy) is not null) return;
        lock (_gate)
        {
            if (_iy is not null) return;
            int w = Width, h = Height;
            var ix = new float[I.Length];
            var iy = new float[I.Length];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    (ix[y * w + x], iy[y * w + x]) = ScharrAt(x, y);
            _ix = ix;
            // Published last: a reader that sees _iy also sees _ix.
            Volatile.Write(ref _iy, iy);
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
        // Every element is written below: no need to pay for zeroing 1.6 MB per frame.
        float[] grey = GC.AllocateUninitializedArray<float>(w * h);
        Grey(frame.Pixels.AsSpan(0, 3 * w * h), grey);
        var list = new List<PyramidLevel> { new(w, h, grey) };
        while (list.Count < levels)
        {
            PyramidLevel last = list[^1];
            int nw = (last.Width + 1) / 2, nh = (last.Height + 1) / 2;
            if (nw < 16 || nh < 16) break;
            float[] next = GC.AllocateUninitializedArray<float>(nw * nh);
            Downsample(last.I, last.Width, last.Height, next, nw, nh);
            list.Add(new PyramidLevel(nw, nh, next));
        }
        return new ImagePyramid(list);
    }

    // The products 0.299 R, 0.587 G and 0.114 B for every byte value.
    private static readonly float[] s_red = Products(0.299f), s_green = Products(0.587f), s_blue = Products(0.114f);

    private static float[] Products(float weight)
    {
        var t = new float[256];
        for (int v = 0; v < 256; v++) t[v] = weight * v;
        return t;
    }

    /// <summary>
    /// Grey = 0.299 R + 0.587 G + 0.114 B of interleaved RGB24 pixels. The three products come from per-byte
    /// tables and are summed in the formula's order, so each value equals the formula's float result bit for bit,
    /// without the conversions and multiplies (a third of the pyramid's cost when computed directly).
    /// </summary>
    internal static void Grey(ReadOnlySpan<byte> rgb, Span<float> grey)
    {
        if (rgb.Length != 3 * grey.Length) throw new ArgumentException($"{rgb.Length} bytes are not 3 x {grey.Length} pixels.", nameof(rgb));
        float[] red = s_red, green = s_green, blue = s_blue;
        for (int i = 0, o = 0; i < grey.Length; i++, o += 3)
            grey[i] = red[rgb[o]] + green[rgb[o + 1]] + blue[rgb[o + 2]];
    }

    /// <summary>
    /// pyrDown: the 5-tap binomial blur [1 4 6 4 1]/16 in y then x (borders reflected, OpenCV's BORDER_REFLECT_101),
    /// sampled at even rows and columns: <paramref name="src"/> (<paramref name="w"/> x <paramref name="h"/>) into
    /// <paramref name="dst"/> (<paramref name="nw"/> x <paramref name="nh"/> = half, rounded up). One output row at a
    /// time through a row buffer; the vertical taps, two thirds of the work, vectorised (same operations in the same
    /// order per element, so the result does not depend on the vector width).
    /// </summary>
    internal static void Downsample(ReadOnlySpan<float> src, int w, int h, Span<float> dst, int nw, int nh)
    {
        if (src.Length < w * h || dst.Length < nw * nh || nw != (w + 1) / 2 || nh != (h + 1) / 2)
            throw new ArgumentException($"Downsample {w}x{h} -> {nw}x{nh}: sizes do not match.");
        float[] rented = ArrayPool<float>.Shared.Rent(w);
        try
        {
            Span<float> tmp = rented.AsSpan(0, w);
            for (int y = 0; y < nh; y++)
            {
                int sy = 2 * y;
                VerticalTaps(src.Slice(Reflect(sy - 2, h) * w, w), src.Slice(Reflect(sy - 1, h) * w, w), src.Slice(Reflect(sy, h) * w, w),
                    src.Slice(Reflect(sy + 1, h) * w, w), src.Slice(Reflect(sy + 2, h) * w, w), tmp);
                Span<float> d = dst.Slice(y * nw, nw);
                for (int x = 0; x < nw; x++)
                {
                    int sx = 2 * x;
                    float s = sx >= 2 && sx + 2 < w
                        ? tmp[sx - 2] + 4 * tmp[sx - 1] + 6 * tmp[sx] + 4 * tmp[sx + 1] + tmp[sx + 2]
                        : tmp[Reflect(sx - 2, w)] + 4 * tmp[Reflect(sx - 1, w)] + 6 * tmp[sx] + 4 * tmp[Reflect(sx + 1, w)] + tmp[Reflect(sx + 2, w)];
                    d[x] = s * (1f / 256);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>t = r0 + 4 r1 + 6 r2 + 4 r3 + r4 per element, summed left to right.</summary>
    private static void VerticalTaps(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, ReadOnlySpan<float> r2, ReadOnlySpan<float> r3, ReadOnlySpan<float> r4, Span<float> t)
    {
        int n = t.Length, x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int step = Vector<float>.Count;
            for (; x <= n - step; x += step)
            {
                var s = new Vector<float>(r0[x..]) + new Vector<float>(r1[x..]) * 4f + new Vector<float>(r2[x..]) * 6f
                      + new Vector<float>(r3[x..]) * 4f + new Vector<float>(r4[x..]);
                s.CopyTo(t[x..]);
            }
        }
        for (; x < n; x++)
            t[x] = r0[x] + 4 * r1[x] + 6 * r2[x] + 4 * r3[x] + r4[x];
    }

    internal static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        while ((uint)i >= (uint)n) i = i < 0 ? -i : 2 * n - 2 - i;
        return i;
    }
}
