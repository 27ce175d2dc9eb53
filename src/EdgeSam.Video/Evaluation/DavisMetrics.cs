using EdgeSam.Video.Media;

namespace EdgeSam.Video.Evaluation;

/// <summary>Mean, Recall and Decay of one object's per-frame J (or F) values, as the toolkit's <c>db_statistics</c>.</summary>
public readonly record struct ObjectStatistics(double Mean, double Recall, double Decay);

/// <summary>
/// The DAVIS semi-supervised measures (davisvideochallenge/davis2017-evaluation): per-frame J and F on binary masks
/// and the per-object statistics. Arithmetic follows the toolkit line by line, including its edge cases.
/// </summary>
public static class DavisMetrics
{
    /// <summary>The toolkit's <c>bound_th</c>: tolerance = ceil(0.008 * image diagonal) pixels.</summary>
    public const double DefaultBoundaryThreshold = 0.008;

    /// <summary>Region similarity J of two binary masks (nonzero = object); 1 when both are empty.</summary>
    public static double Jaccard(Mask groundTruth, Mask prediction)
    {
        CheckSizes(groundTruth, prediction);
        return FrameScorer.Jaccard(groundTruth.Data, prediction.Data, 1, groundTruth.Width);
    }

    /// <summary>Boundary F-measure of two binary masks, tolerance from <paramref name="boundaryThreshold"/>.</summary>
    public static double BoundaryF(Mask groundTruth, Mask prediction, double boundaryThreshold = DefaultBoundaryThreshold)
    {
        CheckSizes(groundTruth, prediction);
        return new FrameScorer(groundTruth.Width, groundTruth.Height, boundaryThreshold).Score(groundTruth.Data, prediction.Data, 1).F;
    }

    /// <summary>J and F of two binary masks in one call (allocates a scorer; use <see cref="FrameScorer"/> in loops).</summary>
    public static FrameScore Score(Mask groundTruth, Mask prediction, double boundaryThreshold = DefaultBoundaryThreshold)
    {
        CheckSizes(groundTruth, prediction);
        return new FrameScorer(groundTruth.Width, groundTruth.Height, boundaryThreshold).Score(groundTruth.Data, prediction.Data, 1);
    }

    /// <summary>
    /// Boundary tolerance in pixels: <c>bound_th</c> itself when &gt;= 1, else ceil(bound_th * sqrt(h² + w²))
    /// (<c>np.ceil(bound_th * np.linalg.norm(shape))</c>). 854x480 gives 8.
    /// </summary>
    public static int BoundaryRadius(int width, int height, double boundaryThreshold = DefaultBoundaryThreshold)
    {
        if (!(boundaryThreshold > 0) || double.IsInfinity(boundaryThreshold))
            throw new ArgumentOutOfRangeException(nameof(boundaryThreshold), boundaryThreshold, "Boundary threshold must be a positive finite number.");
        double r;
        if (boundaryThreshold >= 1)
        {
            // disk() of a fractional radius samples a non-integer grid; the toolkit never uses one.
            if (boundaryThreshold != Math.Floor(boundaryThreshold))
                throw new ArgumentOutOfRangeException(nameof(boundaryThreshold), boundaryThreshold, "A boundary threshold >= 1 is a radius in pixels and must be a whole number.");
            r = boundaryThreshold;
        }
        else
        {
            r = Math.Ceiling(boundaryThreshold * Math.Sqrt((double)height * height + (double)width * width));
        }
        return checked((int)r);
    }

    /// <summary>
    /// skimage.morphology.disk(radius): the (2r+1)² grid with x² + y² &lt;= r², indexed [dy + r, dx + r].
    /// </summary>
    public static bool[,] Disk(int radius)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        var d = new bool[2 * radius + 1, 2 * radius + 1];
        for (int y = -radius; y <= radius; y++)
            for (int x = -radius; x <= radius; x++)
                d[y + radius, x + radius] = x * x + y * y <= radius * radius;
        return d;
    }

    /// <summary>Half-width of the disk row at |dy| = 0..r: the largest k with k² + dy² &lt;= r² (exact, integer).</summary>
    internal static int[] DiskHalfWidths(int radius)
    {
        var hw = new int[radius + 1];
        for (int dy = 0; dy <= radius; dy++)
        {
            int k = radius;
            while (k * k + dy * dy > radius * radius) k--;
            hw[dy] = k;
        }
        return hw;
    }

    /// <summary>The toolkit's <c>_seg2bmap</c> at the mask's own resolution: a 1-pixel boundary offset towards the origin.</summary>
    public static Mask Seg2Bmap(Mask segmentation)
    {
        ArgumentNullException.ThrowIfNull(segmentation);
        int w = segmentation.Width, h = segmentation.Height;
        var bits = new FrameScorer.BoundaryBits(w, h, 0);
        FrameScorer.ExtractBoundary(segmentation.Data, w, h, 1, FrameScorer.RowSpans.Of(segmentation.Data, w, h, 1), bits, System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated);
        var b = new Mask(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (bits.Get(y, x)) b.Data[y * w + x] = 1;
        return b;
    }

    /// <summary>
    /// <c>db_statistics</c>: Mean = nanmean(v), Recall = nanmean(v &gt; 0.5), Decay = nanmean(bin 0) - nanmean(bin 3)
    /// with the bins of <see cref="DecayBins"/>. An empty series gives NaN for all three, as numpy does.
    /// </summary>
    public static ObjectStatistics Statistics(ReadOnlySpan<double> perFrame)
    {
        double mean = NanMean(perFrame);
        // v > 0.5 is a boolean array (NaN > 0.5 is False), so its nanmean is a plain count ratio.
        double recall = double.NaN;
        if (perFrame.Length > 0)
        {
            int above = 0;
            foreach (double v in perFrame) if (v > 0.5) above++;
            recall = above / (double)perFrame.Length;
        }
        var bins = DecayBins(perFrame.Length);
        double decay = NanMean(Slice(perFrame, bins[0])) - NanMean(Slice(perFrame, bins[3]));
        return new ObjectStatistics(mean, recall, decay);
    }

    private static ReadOnlySpan<double> Slice(ReadOnlySpan<double> v, (int Start, int End) bin)
    {
        // Python slice v[start:end] clamps to the length and is empty when end <= start.
        int s = Math.Min(bin.Start, v.Length), e = Math.Min(bin.End, v.Length);
        return e <= s ? [] : v[s..e];
    }

    /// <summary>
    /// The toolkit's four decay bins over n per-frame values, as Python slices [start, end):
    /// ids = uint8(round(linspace(1, n, 5) + 1e-10) - 1), bin i = v[ids[i] : ids[i+1] + 1]. Bins overlap at their
    /// edges (this is not np.array_split). The uint8 cast, and the uint8 "+ 1", wrap modulo 256 exactly as numpy
    /// 1.24 does, which only matters for series longer than 255 frames.
    /// </summary>
    public static (int Start, int End)[] DecayBins(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var ids = new int[5];
        // np.linspace(1, n, 5): step = (n-1)/4; y = i*step + 1 (i/4*0 + 1 when the step is 0); last = n exactly.
        double step = (n - 1) / 4.0;
        for (int i = 0; i < 5; i++)
        {
            double y = step == 0 ? i / 4.0 * (n - 1) + 1 : i * step + 1;
            if (i == 4) y = n;
            double id = Math.Round(y + 1e-10, MidpointRounding.ToEven) - 1;
            ids[i] = (int)((long)id & 0xFF);
        }
        var bins = new (int, int)[4];
        for (int i = 0; i < 4; i++)
            bins[i] = (ids[i], (ids[i + 1] + 1) & 0xFF);
        return bins;
    }

    /// <summary>np.nanmean: the mean of the non-NaN values, NaN when there are none.</summary>
    public static double NanMean(ReadOnlySpan<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) continue;
            sum += v;
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }

    private static void CheckSizes(Mask a, Mask b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Width != b.Width || a.Height != b.Height)
            throw new ArgumentException($"Mask sizes differ: {a.Width}x{a.Height} vs {b.Width}x{b.Height}.");
    }
}
