using EdgeSam.Video.Media;

namespace EdgeSam.Video.Segmentation.EdgeSam;

/// <summary>
/// EdgeSAM's input and output geometry, reproducing the authors' <c>ResizeLongestSide</c> and the ONNX predictor's
/// postprocessing (see ../shared/reference/edgesam-contract). Coordinate frames:
/// <list type="bullet">
/// <item>original: the frame's pixels, H x W;</item>
/// <item>input: the resized image, long side 1024 (<see cref="PreprocessShape"/>), zero-padded bottom/right to 1024 x 1024;</item>
/// <item>low-res: the decoder's 256 x 256 logits, covering the padded 1024 x 1024 input (4 input pixels per cell).</item>
/// </list>
/// </summary>
public static class EdgeSamTransforms
{
    public const int InputSize = 1024;
    public const int LowResSize = 256;

    /// <summary>Per-channel normalisation of the encoder input (ImageNet statistics in 0..255 units).</summary>
    internal static readonly float[] PixelMean = [123.675f, 116.28f, 103.53f];
    internal static readonly float[] PixelStd = [58.395f, 57.12f, 57.375f];

    /// <summary>
    /// Target (height, width) with the long side at <paramref name="longSide"/>:
    /// scale = long / max(h, w); each side = int(side * scale + 0.5), in double as the Python original.
    /// </summary>
    public static (int Height, int Width) PreprocessShape(int height, int width, int longSide = InputSize)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"image size {width}x{height} is empty");
        double scale = longSide * 1.0 / Math.Max(height, width);
        return ((int)(height * scale + 0.5), (int)(width * scale + 0.5));
    }

    /// <summary>Maps an original-frame point into the input frame: x * (newW / oldW), y * (newH / oldH) (double).</summary>
    public static (double X, double Y) ApplyCoords(double x, double y, int originalHeight, int originalWidth)
    {
        (int nh, int nw) = PreprocessShape(originalHeight, originalWidth);
        return (x * ((double)nw / originalWidth), y * ((double)nh / originalHeight));
    }

    /// <summary>
    /// Fills the encoder input <c>image</c> [1,3,1024,1024] (CHW, float32) from an already resized RGB image:
    /// (v - mean) / std per channel over the image, zeros in the bottom/right padding.
    /// </summary>
    /// <param name="resized">The image at <see cref="PreprocessShape"/> size.</param>
    /// <param name="tensor">Destination of length 3 * 1024 * 1024.</param>
    public static void FillInputTensor(RgbImage resized, Span<float> tensor)
    {
        ArgumentNullException.ThrowIfNull(resized);
        const int plane = InputSize * InputSize;
        if (tensor.Length != 3 * plane)
            throw new ArgumentException($"encoder input must hold 3x{InputSize}x{InputSize} floats, got {tensor.Length}", nameof(tensor));
        if (resized.Width > InputSize || resized.Height > InputSize)
            throw new ArgumentException($"resized image {resized.Width}x{resized.Height} exceeds {InputSize}", nameof(resized));
        int w = resized.Width, h = resized.Height;
        byte[] px = resized.Pixels;
        Span<float> lut = stackalloc float[256];
        for (int c = 0; c < 3; c++)
        {
            Span<float> p = tensor.Slice(c * plane, plane);
            float mean = PixelMean[c], std = PixelStd[c];
            // Precomputed per byte value: the same float ops (subtract, then divide) as torch, so results are bit-identical.
            for (int v = 0; v < 256; v++) lut[v] = (v - mean) / std;
            for (int y = 0; y < h; y++)
            {
                Span<float> row = p.Slice(y * InputSize, InputSize);
                int s = y * w * 3 + c;
                for (int x = 0; x < w; x++, s += 3) row[x] = lut[px[s]];
                row[w..].Clear();
            }
            p[(h * InputSize)..].Clear();
        }
    }

    /// <summary>
    /// Takes one mask's low-res logits [256,256] back to the original frame as the authors' ONNX predictor does
    /// (OpenCV INTER_LINEAR, float): 256 -> 1024 x 1024, crop to the input size, then to the original size.
    /// Writes logits (threshold at 0 for the binary mask) into <paramref name="output"/> [H*W].
    /// </summary>
    public static void PostprocessLogits(ReadOnlySpan<float> lowRes, int originalHeight, int originalWidth, Span<float> output)
    {
        if (lowRes.Length != LowResSize * LowResSize)
            throw new ArgumentException($"low-res logits must be {LowResSize}x{LowResSize}, got {lowRes.Length} values", nameof(lowRes));
        if (output.Length != originalHeight * originalWidth)
            throw new ArgumentException($"output must hold {originalHeight}x{originalWidth} values, got {output.Length}", nameof(output));
        (int ih, int iw) = PreprocessShape(originalHeight, originalWidth);
        // Stage 1 only needs the top-left ih x iw of the 1024 x 1024 upsampling: the crop discards the rest, and
        // OpenCV's taps for a destination pixel depend only on that pixel's position.
        // The intermediate is 2.4 MB for a 16:9 frame, and there is one per decoder call: pooled, not garbage.
        float[] mid = System.Buffers.ArrayPool<float>.Shared.Rent(ih * iw);
        try
        {
            ResizeLinear(lowRes, LowResSize, LowResSize, InputSize, InputSize, mid.AsSpan(0, ih * iw), iw, ih);
            ResizeLinear(mid.AsSpan(0, ih * iw), iw, ih, originalWidth, originalHeight, output, originalWidth, originalHeight);
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(mid); }
    }

    /// <summary>
    /// The binary mask of <see cref="PostprocessLogits"/> followed by <see cref="ToMask"/>, bit for bit, without
    /// computing every logit. Each output pixel is a convex combination (weights in [0, 1], one of each pair at least
    /// 1/2) of at most 3 x 3 low-res logits; when all of them are finite and at least <see cref="SureMagnitude"/> with
    /// one sign, every partial sum keeps that sign without underflow (the smallest possible result is 2^-4 of that
    /// magnitude, far above float's normal range), so the pixel is 1 or 0 without arithmetic. Only pixels near a
    /// sign change (the mask's boundary) or near zero are computed, with exactly the operations of
    /// <see cref="PostprocessLogits"/> in the same order. Typically a tenth of the time.
    /// </summary>
    public static Mask PostprocessMask(ReadOnlySpan<float> lowRes, int originalHeight, int originalWidth)
    {
        if (lowRes.Length != LowResSize * LowResSize)
            throw new ArgumentException($"low-res logits must be {LowResSize}x{LowResSize}, got {lowRes.Length} values", nameof(lowRes));
        int W = originalWidth, H = originalHeight;
        (int ih, int iw) = PreprocessShape(H, W);
        (int[] x1i, float[] x1a) = Taps(LowResSize, InputSize, iw);
        (int[] y1i, float[] y1a) = Taps(LowResSize, InputSize, ih);
        (int[] x2i, float[] x2a) = Taps(iw, W, W);
        (int[] y2i, float[] y2a) = Taps(ih, H, H);

        // Sign class of every low-res logit: 1 sure positive, 0 sure negative, Unsure otherwise (tiny, zero, NaN, inf).
        const byte Unsure = 2;
        var cls = new byte[lowRes.Length];
        for (int i = 0; i < cls.Length; i++)
        {
            float v = lowRes[i];
            cls[i] = v >= SureMagnitude && v <= float.MaxValue ? (byte)1 : v <= -SureMagnitude && v >= float.MinValue ? (byte)0 : Unsure;
        }
        // Low-res columns each output column reads: mid columns c, c + 1 (clamped), each from low-res j, j + 1 (clamped).
        var colLo = new int[W];
        var colHi = new int[W];
        for (int x = 0; x < W; x++)
        {
            int c0 = x2i[x], c1 = Math.Min(c0 + 1, iw - 1);
            colLo[x] = x1i[c0];
            colHi[x] = Math.Min(x1i[c1] + 1, LowResSize - 1);
        }

        var mask = new Mask(W, H);
        byte[] m = mask.Data;
        var rowCls = new byte[LowResSize];
        var outCls = new byte[W];
        int cachedLo = -1, cachedHi = -1;
        for (int y = 0; y < H; y++)
        {
            int m0 = y2i[y], m1 = Math.Min(m0 + 1, ih - 1);
            int rLo = y1i[m0], rHi = Math.Min(y1i[m1] + 1, LowResSize - 1);
            if (rLo != cachedLo || rHi != cachedHi)
            {
                // Per low-res column: the class shared by rows rLo..rHi; then per output column over its columns.
                for (int j = 0; j < LowResSize; j++)
                {
                    byte c = cls[rLo * LowResSize + j];
                    for (int r = rLo + 1; r <= rHi && c != Unsure; r++)
                        if (cls[r * LowResSize + j] != c) c = Unsure;
                    rowCls[j] = c;
                }
                for (int x = 0; x < W; x++)
                {
                    byte c = rowCls[colLo[x]];
                    for (int j = colLo[x] + 1; j <= colHi[x] && c != Unsure; j++)
                        if (rowCls[j] != c) c = Unsure;
                    outCls[x] = c;
                }
                (cachedLo, cachedHi) = (rLo, rHi);
            }
            Span<byte> row = m.AsSpan(y * W, W);
            outCls.CopyTo(row);
            for (int x = row.IndexOf(Unsure); x >= 0; x = NextUnsure(row, x + 1))
                row[x] = ExactLogit(lowRes, x, y, ih, iw, x1i, x1a, y1i, y1a, x2i, x2a, y2i, y2a) > 0f ? (byte)1 : (byte)0;
        }
        return mask;

        static int NextUnsure(Span<byte> row, int from)
        {
            if (from >= row.Length) return -1;
            int k = row[from..].IndexOf(Unsure);
            return k < 0 ? -1 : from + k;
        }
    }

    /// <summary>Magnitude from which a low-res logit's sign decides its pixels (see <see cref="PostprocessMask"/>).</summary>
    internal const float SureMagnitude = 1e-30f;

    /// <summary>One output logit of <see cref="PostprocessLogits"/>, with its operations in its order (no fused
    /// multiply-add; .NET does not contract float expressions).</summary>
    private static float ExactLogit(ReadOnlySpan<float> low, int x, int y, int ih, int iw,
        int[] x1i, float[] x1a, int[] y1i, float[] y1a, int[] x2i, float[] x2a, int[] y2i, float[] y2a)
    {
        int m0 = y2i[y], m1 = Math.Min(m0 + 1, ih - 1);
        float h0 = Horizontal2(low, m0, x, iw, x1i, x1a, y1i, y1a, x2i, x2a);
        float h1 = Horizontal2(low, m1, x, iw, x1i, x1a, y1i, y1a, x2i, x2a);
        float b1 = y2a[y], b0 = 1f - b1;
        return h0 * b0 + h1 * b1;
    }

    /// <summary>Stage 2's horizontal pass at output column <paramref name="x"/> of mid row <paramref name="m"/>.</summary>
    private static float Horizontal2(ReadOnlySpan<float> low, int m, int x, int iw,
        int[] x1i, float[] x1a, int[] y1i, float[] y1a, int[] x2i, float[] x2a)
    {
        int i = x2i[x];
        float a = x2a[x];
        if (i >= iw - 1) return Mid(low, m, iw - 1, x1i, x1a, y1i, y1a);
        return Mid(low, m, i, x1i, x1a, y1i, y1a) * (1f - a) + Mid(low, m, i + 1, x1i, x1a, y1i, y1a) * a;
    }

    /// <summary>Stage 1's value at mid row <paramref name="m"/>, column <paramref name="c"/>: vertical pass of two
    /// horizontal passes (multiply, multiply, add, as <see cref="ResizeLinear"/>).</summary>
    private static float Mid(ReadOnlySpan<float> low, int m, int c, int[] x1i, float[] x1a, int[] y1i, float[] y1a)
    {
        int r0 = y1i[m], r1 = Math.Min(r0 + 1, LowResSize - 1);
        float b1 = y1a[m], b0 = 1f - b1;
        return Horizontal1(low, r0, c, x1i, x1a) * b0 + Horizontal1(low, r1, c, x1i, x1a) * b1;
    }

    private static float Horizontal1(ReadOnlySpan<float> low, int r, int c, int[] x1i, float[] x1a)
    {
        ReadOnlySpan<float> s = low.Slice(r * LowResSize, LowResSize);
        int i = x1i[c];
        float a = x1a[c];
        return i >= LowResSize - 1 ? s[LowResSize - 1] : s[i] * (1f - a) + s[i + 1] * a;
    }

    /// <summary>Thresholds postprocessed logits at 0 (strictly greater, as <c>masks &gt; mask_threshold</c>).</summary>
    public static Mask ToMask(ReadOnlySpan<float> logits, int width, int height)
    {
        var m = new Mask(width, height);
        for (int i = 0; i < logits.Length; i++) m.Data[i] = logits[i] > 0f ? (byte)1 : (byte)0;
        return m;
    }

    /// <summary>
    /// OpenCV's INTER_LINEAR for float images, from a <paramref name="sw"/> x <paramref name="sh"/> source to a
    /// <paramref name="dw"/> x <paramref name="dh"/> destination, writing only the top-left <paramref name="outW"/> x
    /// <paramref name="outH"/> block. Per axis: f = (float)((d + 0.5) * s/d - 0.5), i = floor(f), a = f - i; below 0 or at
    /// the last sample the index is clamped with a = 0; weights (1 - a, a) in float; horizontal pass then vertical.
    /// </summary>
    internal static void ResizeLinear(ReadOnlySpan<float> src, int sw, int sh, int dw, int dh, Span<float> dst, int outW, int outH)
    {
        (int[] xi, float[] xa) = Taps(sw, dw, outW);
        (int[] yi, float[] ya) = Taps(sh, dh, outH);
        // Horizontal pass for the source rows the vertical pass touches, cached two at a time in walking order.
        float[] rowA = new float[outW], rowB = new float[outW], tmpRow = new float[outW];
        int cachedA = -1, cachedB = -1;
        for (int dy = 0; dy < outH; dy++)
        {
            int y0 = yi[dy], y1 = Math.Min(y0 + 1, sh - 1);
            if (cachedA != y0)
            {
                if (cachedB == y0) { (rowA, rowB) = (rowB, rowA); cachedA = y0; cachedB = -1; }
                else { HorizontalRow(src.Slice(y0 * sw, sw), xi, xa, rowA); cachedA = y0; }
            }
            if (cachedB != y1)
            {
                HorizontalRow(src.Slice(y1 * sw, sw), xi, xa, rowB);
                cachedB = y1;
            }
            float b1 = ya[dy], b0 = 1f - b1;
            Span<float> d = dst.Slice(dy * outW, outW);
            // Two roundings (multiply, then multiply-add of the products' sum) as OpenCV's float path; a fused
            // multiply-add would differ in the last bit and could flip pixels at the 0 threshold.
            System.Numerics.Tensors.TensorPrimitives.Multiply(rowA, b0, d);
            System.Numerics.Tensors.TensorPrimitives.Multiply(rowB, b1, tmpRow);
            System.Numerics.Tensors.TensorPrimitives.Add(d, tmpRow, d);
        }
    }

    private static void HorizontalRow(ReadOnlySpan<float> s, int[] xi, float[] xa, float[] d)
    {
        int last = s.Length - 1;
        for (int x = 0; x < d.Length; x++)
        {
            int i = xi[x];
            float a = xa[x];
            d[x] = i >= last ? s[last] : s[i] * (1f - a) + s[i + 1] * a;
        }
    }

    private static (int[] Index, float[] Alpha) Taps(int srcSize, int dstSize, int count)
    {
        double scale = (double)srcSize / dstSize;
        var idx = new int[count];
        var alpha = new float[count];
        for (int d = 0; d < count; d++)
        {
            float f = (float)((d + 0.5) * scale - 0.5);
            int i = (int)MathF.Floor(f);
            f -= i;
            if (i < 0) { f = 0; i = 0; }
            if (i >= srcSize - 1) { f = 0; i = srcSize - 1; }
            idx[d] = i;
            alpha[d] = f;
        }
        return (idx, alpha);
    }
}
