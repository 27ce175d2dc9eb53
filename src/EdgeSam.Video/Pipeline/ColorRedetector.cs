using EdgeSam.Video.Media;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// Looks for a lost object by the colours it showed on its prompt frame: a table of per-colour log-odds
/// log(P(colour | object) / P(colour | background)) from the prompt mask against the rest of the prompt frame
/// (<see cref="BinsPerChannel"/>^3 RGB bins, add-epsilon smoothing, clamped to +-<see cref="MaxLogOdds"/>), and on a
/// later frame the square window with the highest mean log-odds. The window is small against the object (a part of it
/// the colours single out, such as a shirt), because a window of the object's whole box is mostly background on thin or
/// articulated objects (a rider and the bike's wheels). Colours the prompt frame never showed score 0: neither side.
/// </summary>
internal sealed class ColorRedetector
{
    /// <summary>Bins per channel: 16 (4,096 colours): the object's few hundred to thousands of pixels still fill its
    /// main bins, and neighbouring shades of object and background (a white shirt, a grey path) fall apart.</summary>
    public const int BinsPerChannel = 16;

    /// <summary>Largest magnitude of a colour's log-odds (nats): one colour the background never showed cannot outweigh
    /// the rest of a window.</summary>
    public const float MaxLogOdds = 3f;

    private const int Shift = 4; // 256 / 16 levels per bin
    private const double Epsilon = 1e-4;
    private readonly float[] _logOdds = new float[BinsPerChannel * BinsPerChannel * BinsPerChannel];

    /// <param name="frame">The prompt frame.</param>
    /// <param name="mask">The object's mask on it (same size, neither empty nor the whole frame).</param>
    public ColorRedetector(RgbImage frame, Mask mask)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(mask);
        CheckSize(frame, mask);
        var obj = new double[_logOdds.Length];
        var bg = new double[_logOdds.Length];
        ReadOnlySpan<byte> rgb = frame.Pixels;
        int nObj = 0, nBg = 0;
        for (int i = 0; i < mask.Data.Length; i++)
        {
            int b = Bin(rgb, i);
            if (mask.Data[i] != 0) { obj[b]++; nObj++; }
            else { bg[b]++; nBg++; }
        }
        if (nObj == 0 || nBg == 0) throw new ArgumentException("The mask must be neither empty nor the whole frame.", nameof(mask));
        for (int b = 0; b < _logOdds.Length; b++)
            _logOdds[b] = (float)Math.Clamp(Math.Log((obj[b] / nObj + Epsilon) / (bg[b] / nBg + Epsilon)), -MaxLogOdds, MaxLogOdds);
        ReferenceArea = nObj;
    }

    /// <summary>Pixels of the prompt mask.</summary>
    public int ReferenceArea { get; }

    /// <summary>Log-odds of one pixel's colour (interleaved RGB at pixel index <paramref name="i"/>).</summary>
    public float LogOdds(ReadOnlySpan<byte> rgb, int i) => _logOdds[Bin(rgb, i)];

    /// <summary>Mean log-odds over the pixels of <paramref name="mask"/> on <paramref name="frame"/> (NaN when empty).</summary>
    public float MeanLogOdds(RgbImage frame, Mask mask)
    {
        CheckSize(frame, mask);
        ReadOnlySpan<byte> rgb = frame.Pixels;
        double s = 0;
        int n = 0;
        for (int i = 0; i < mask.Data.Length; i++)
        {
            if (mask.Data[i] == 0) continue;
            s += _logOdds[Bin(rgb, i)];
            n++;
        }
        return n == 0 ? float.NaN : (float)(s / n);
    }

    /// <summary>The pixels of the window (<paramref name="x0"/>, <paramref name="y0"/>, <paramref name="side"/>, clipped
    /// to the frame) whose colour is object-like (log-odds &gt; 0), as a mask of the whole frame.</summary>
    public Mask ObjectColoured(RgbImage frame, int x0, int y0, int side)
    {
        int w = frame.Width, h = frame.Height;
        var region = new Mask(w, h);
        ReadOnlySpan<byte> rgb = frame.Pixels;
        for (int y = Math.Max(0, y0); y < Math.Min(h, y0 + side); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(w, x0 + side); x++)
                if (_logOdds[Bin(rgb, y * w + x)] > 0) region.Data[y * w + x] = 1;
        return region;
    }

    /// <summary>
    /// The <paramref name="side"/> x <paramref name="side"/> window of <paramref name="frame"/> (searched every 2 px) whose
    /// pixels' mean log-odds is highest: its top-left corner and that mean. Null when the frame is smaller than the window.
    /// </summary>
    public (int X0, int Y0, float Score)? Find(RgbImage frame, int side)
    {
        ArgumentNullException.ThrowIfNull(frame);
        int w = frame.Width, h = frame.Height;
        if (side < 1 || side > w || side > h) return null;
        // Summed-area table of the log-odds, (w + 1) x (h + 1) with a zero first row and column.
        var sat = new double[(w + 1) * (h + 1)];
        ReadOnlySpan<byte> rgb = frame.Pixels;
        for (int y = 0; y < h; y++)
        {
            double row = 0;
            int o = (y + 1) * (w + 1) + 1, above = y * (w + 1) + 1;
            for (int x = 0; x < w; x++)
            {
                row += _logOdds[Bin(rgb, y * w + x)];
                sat[o + x] = sat[above + x] + row;
            }
        }
        double best = double.NegativeInfinity;
        int bx = 0, by = 0;
        for (int y = 0; y + side <= h; y += 2)
            for (int x = 0; x + side <= w; x += 2)
            {
                double s = sat[(y + side) * (w + 1) + x + side] - sat[y * (w + 1) + x + side] - sat[(y + side) * (w + 1) + x] + sat[y * (w + 1) + x];
                if (s > best) { best = s; bx = x; by = y; }
            }
        return (bx, by, (float)(best / ((double)side * side)));
    }

    private static void CheckSize(RgbImage frame, Mask mask)
    {
        if (frame.Width != mask.Width || frame.Height != mask.Height)
            throw new ArgumentException($"The mask is {mask.Width}x{mask.Height} but the frame is {frame.Width}x{frame.Height}.", nameof(mask));
    }

    private static int Bin(ReadOnlySpan<byte> rgb, int i)
    {
        int p = 3 * i;
        return ((rgb[p] >> Shift) * BinsPerChannel + (rgb[p + 1] >> Shift)) * BinsPerChannel + (rgb[p + 2] >> Shift);
    }
}
