using EdgeSam.Video.Media;

namespace EdgeSam.Video.Segmentation.EdgeSam;

/// <summary>
/// Bilinear resize of 8-bit RGB with the arithmetic of Pillow's <c>Image.resize(..., BILINEAR)</c>, which is what
/// EdgeSAM's <c>ResizeLongestSide</c> uses (torchvision <c>resize</c> on a PIL image). Reproducing it (rather than any
/// bilinear) keeps the encoder input identical to the authors' pipeline:
/// separable, horizontal pass first into an 8-bit intermediate, then vertical; a triangle filter whose support widens by
/// the scale factor when shrinking (antialiasing); weights normalised per output pixel, then quantised to 22-bit fixed
/// point (32 - 8 - 2 bits); accumulation starts at half an LSB and the result is clipped to 0..255.
/// </summary>
public static class PilBilinear
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes <paramref name="src"/> to <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static RgbImage Resize(RgbImage src, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(src);
        var dst = new RgbImage(width, height);
        Resize(src, dst);
        return dst;
    }

    /// <summary>Resizes into a caller-owned image (its size is the target size).</summary>
    public static void Resize(RgbImage src, RgbImage dst)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        if (src.Width == dst.Width && src.Height == dst.Height)
        {
            src.Pixels.CopyTo(dst.Pixels, 0);
            return;
        }
        // Pillow skips a pass whose size does not change; passing through it would be the identity anyway except for
        // the extra rounding, which it does not do.
        if (src.Width == dst.Width)
        {
            Vertical(src.Pixels, src.Width, src.Height, dst.Pixels, dst.Height);
            return;
        }
        if (src.Height == dst.Height)
        {
            Horizontal(src.Pixels, src.Width, src.Height, dst.Pixels, dst.Width);
            return;
        }
        byte[] tmp = new byte[dst.Width * src.Height * 3];
        Horizontal(src.Pixels, src.Width, src.Height, tmp, dst.Width);
        Vertical(tmp, dst.Width, src.Height, dst.Pixels, dst.Height);
    }

    /// <summary>Per output index: first input index, tap count, and fixed-point weights (<c>ksize</c> apart).</summary>
    internal readonly record struct Coefficients(int[] Start, int[] Count, int[] Weights, int KernelSize);

    /// <summary>
    /// Pillow's coefficient precomputation for a triangle filter (support 1) from <paramref name="inSize"/> samples to
    /// <paramref name="outSize"/>: centre = (i + 0.5) * scale, support = max(scale, 1), taps from
    /// trunc(centre - support + 0.5) to trunc(centre + support + 0.5) (clamped), weight = tri((j - centre + 0.5) / filterscale).
    /// All in double, as in C.
    /// </summary>
    internal static Coefficients Precompute(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale;
        int ksize = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * ksize];
        var k = new double[ksize];
        double ss = 1.0 / filterScale;
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double t = Math.Abs((x + xmin - center + 0.5) * ss);
                double w = t < 1.0 ? 1.0 - t : 0.0;
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++)
            {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                // Round half away from zero, as Pillow's normalize_coeffs_8bpc.
                weights[o * ksize + x] = v < 0 ? (int)(-0.5 + v * (1 << PrecisionBits)) : (int)(0.5 + v * (1 << PrecisionBits));
            }
            start[o] = xmin;
            count[o] = xmax;
        }
        return new Coefficients(start, count, weights, ksize);
    }

    private static byte Clip8(int acc)
    {
        int v = acc >> PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    private static unsafe void Horizontal(byte[] src, int inW, int h, byte[] dst, int outW)
    {
        Coefficients c = Precompute(inW, outW);
        const int half = 1 << (PrecisionBits - 1);
        Parallel.For(0, h, y =>
        {
            // Pointers: the tap loop is the hot spot and bounds checks doubled its cost (measured).
            fixed (byte* sp = src, dp = dst)
            fixed (int* wp = c.Weights, st = c.Start, ct = c.Count)
            {
                byte* srow = sp + (long)y * inW * 3;
                byte* d = dp + (long)y * outW * 3;
                for (int o = 0; o < outW; o++, d += 3)
                {
                    byte* s = srow + st[o] * 3;
                    int* w = wp + o * c.KernelSize;
                    int n = ct[o];
                    int r = half, g = half, b = half;
                    for (int j = 0; j < n; j++, s += 3)
                    {
                        int wj = w[j];
                        r += s[0] * wj;
                        g += s[1] * wj;
                        b += s[2] * wj;
                    }
                    d[0] = Clip8(r);
                    d[1] = Clip8(g);
                    d[2] = Clip8(b);
                }
            }
        });
    }

    private static void Vertical(byte[] src, int w, int inH, byte[] dst, int outH)
    {
        Coefficients c = Precompute(inH, outH);
        int stride = w * 3;
        // Rows in chunks per worker, one accumulator row per worker (a row per output line was 7 MB of garbage a frame).
        int workers = Math.Max(1, Math.Min(Environment.ProcessorCount, outH));
        int chunk = (outH + workers - 1) / workers;
        Parallel.For(0, workers, wk =>
        {
            int[] acc = new int[stride];
            for (int o = wk * chunk; o < Math.Min(outH, (wk + 1) * chunk); o++)
            {
                int kb = o * c.KernelSize, n = c.Count[o], y0 = c.Start[o];
                Array.Fill(acc, 1 << (PrecisionBits - 1));
                for (int j = 0; j < n; j++)
                    MultiplyAdd(src.AsSpan((y0 + j) * stride, stride), c.Weights[kb + j], acc);
                ClipToBytes(acc, dst.AsSpan(o * stride, stride));
            }
        });
    }

    /// <summary>dst[i] = clamp(acc[i] &gt;&gt; 22, 0, 255): vector body (shift, clamp, two narrowings), scalar tail.</summary>
    internal static void ClipToBytes(ReadOnlySpan<int> acc, Span<byte> dst)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int il = System.Numerics.Vector<int>.Count, bl = System.Numerics.Vector<byte>.Count;
            var zero = System.Numerics.Vector<int>.Zero;
            var max = new System.Numerics.Vector<int>(255);
            for (; i <= acc.Length - bl; i += bl)
            {
                var v0 = Clamp(new System.Numerics.Vector<int>(acc[i..]), zero, max);
                var v1 = Clamp(new System.Numerics.Vector<int>(acc[(i + il)..]), zero, max);
                var v2 = Clamp(new System.Numerics.Vector<int>(acc[(i + 2 * il)..]), zero, max);
                var v3 = Clamp(new System.Numerics.Vector<int>(acc[(i + 3 * il)..]), zero, max);
                var s01 = System.Numerics.Vector.Narrow(System.Numerics.Vector.AsVectorUInt32(v0), System.Numerics.Vector.AsVectorUInt32(v1));
                var s23 = System.Numerics.Vector.Narrow(System.Numerics.Vector.AsVectorUInt32(v2), System.Numerics.Vector.AsVectorUInt32(v3));
                System.Numerics.Vector.Narrow(s01, s23).CopyTo(dst[i..]);
            }
        }
        for (; i < acc.Length; i++) dst[i] = Clip8(acc[i]);
    }

    private static System.Numerics.Vector<int> Clamp(System.Numerics.Vector<int> acc, System.Numerics.Vector<int> zero, System.Numerics.Vector<int> max) =>
        System.Numerics.Vector.Min(max, System.Numerics.Vector.Max(zero, System.Numerics.Vector.ShiftRightArithmetic(acc, PrecisionBits)));

    /// <summary>acc[i] += row[i] * weight, widening bytes to int lanes (vector body, scalar tail); exact integer arithmetic.</summary>
    internal static void MultiplyAdd(ReadOnlySpan<byte> row, int weight, Span<int> acc)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int lanes = System.Numerics.Vector<byte>.Count;
            var wv = new System.Numerics.Vector<int>(weight);
            int intLanes = System.Numerics.Vector<int>.Count;
            for (; i <= row.Length - lanes; i += lanes)
            {
                var bytes = new System.Numerics.Vector<byte>(row[i..]);
                System.Numerics.Vector.Widen(bytes, out System.Numerics.Vector<ushort> lo16, out System.Numerics.Vector<ushort> hi16);
                System.Numerics.Vector.Widen(lo16, out System.Numerics.Vector<uint> a, out System.Numerics.Vector<uint> b);
                System.Numerics.Vector.Widen(hi16, out System.Numerics.Vector<uint> cc, out System.Numerics.Vector<uint> d);
                Span<int> t = acc[i..];
                (System.Numerics.Vector.AsVectorInt32(a) * wv + new System.Numerics.Vector<int>(t)).CopyTo(t);
                (System.Numerics.Vector.AsVectorInt32(b) * wv + new System.Numerics.Vector<int>(t[intLanes..])).CopyTo(t[intLanes..]);
                (System.Numerics.Vector.AsVectorInt32(cc) * wv + new System.Numerics.Vector<int>(t[(2 * intLanes)..])).CopyTo(t[(2 * intLanes)..]);
                (System.Numerics.Vector.AsVectorInt32(d) * wv + new System.Numerics.Vector<int>(t[(3 * intLanes)..])).CopyTo(t[(3 * intLanes)..]);
            }
        }
        for (; i < row.Length; i++) acc[i] += row[i] * weight;
    }
}
