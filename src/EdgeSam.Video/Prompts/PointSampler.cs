using System.Buffers;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Prompts;

/// <summary>Tunables of <see cref="PointSampler"/>; the defaults are SAM-PT's.</summary>
public sealed record PointSamplerOptions
{
    /// <summary>Pixels drawn at random from the region before K-Medoids (SAM-PT: 1,800).</summary>
    public int KMedoidsSubsample { get; init; } = 1800;

    /// <summary>Subsample of the K-Medoids points that fill missing Shi-Tomasi corners (SAM-PT: 2,000).</summary>
    public int CornerFillSubsample { get; init; } = 2000;

    /// <summary>K-Medoids iteration cap (scikit-learn-extra's default <c>max_iter</c>: 300).</summary>
    public int KMedoidsMaxIterations { get; init; } = 300;

    /// <summary>Shi-Tomasi quality level relative to the strongest corner inside the region (SAM-PT: 0.001).</summary>
    public double CornerQuality { get; init; } = 0.001;

    /// <summary>
    /// Erosion tries before corner detection, as fractions of the region's bounding-box diagonal; the first erosion
    /// that leaves at least <see cref="MinErodedPixels"/> pixels is used, else the region itself (SAM-PT: 6%, 2%, 1%).
    /// </summary>
    public IReadOnlyList<double> CornerErosions { get; init; } = [0.06, 0.02, 0.01];

    /// <summary>Fewest pixels an eroded region may keep to be used for corners (SAM-PT: 10).</summary>
    public int MinErodedPixels { get; init; } = 10;
}

/// <summary>How many query points of each kind to sample for one object (SAM-PT's prompt recipe).</summary>
/// <param name="Positives">Points inside the mask (SAM-PT's DAVIS setting: 8 per mask in its TrackScore, 16 in its VOS config).</param>
/// <param name="PositiveMethod">SAM-PT: <see cref="SamplingMethod.KMedoids"/>.</param>
/// <param name="Negatives">Points in the background (SAM-PT: 1; its re-initialisation variant: 72).</param>
/// <param name="NegativeMethod">SAM-PT: <see cref="SamplingMethod.Mixed"/>.</param>
public sealed record PointSamplingSpec(
    int Positives = 8,
    SamplingMethod PositiveMethod = SamplingMethod.KMedoids,
    int Negatives = 1,
    SamplingMethod NegativeMethod = SamplingMethod.Mixed);

/// <summary>
/// Samples SAM-PT query points from a mask: positives inside the object, negatives in its background
/// (the complement of the mask, sampled with the same methods). Deterministic for a seed.
/// <para>
/// Points are pixel centres (integers) of distinct pixels of the region. When the region has fewer pixels than
/// requested, every pixel of it is returned once (fewer points, never repeats: a repeated point adds no information
/// to the decoder and costs tracking time). An empty region gives no points. Regions touching the image border are
/// sampled like any other (corner detection never reports the outermost pixel ring, as OpenCV's).
/// </para>
/// Thread-safe: instances hold only options.
/// </summary>
public sealed class PointSampler
{
    private readonly PointSamplerOptions _options;

    public static PointSampler Default { get; } = new();

    public PointSampler(PointSamplerOptions? options = null)
    {
        _options = options ?? new PointSamplerOptions();
        if (_options.KMedoidsSubsample < 1) throw new ArgumentOutOfRangeException(nameof(options), "KMedoidsSubsample must be positive.");
        if (_options.CornerFillSubsample < 1) throw new ArgumentOutOfRangeException(nameof(options), "CornerFillSubsample must be positive.");
        if (_options.KMedoidsMaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(options), "KMedoidsMaxIterations must be positive.");
        if (!(_options.CornerQuality > 0 && _options.CornerQuality < 1)) throw new ArgumentOutOfRangeException(nameof(options), "CornerQuality must be in (0, 1).");
    }

    public PointSamplerOptions Options => _options;

    /// <summary>
    /// Up to <paramref name="count"/> positive points inside <paramref name="mask"/>.
    /// <paramref name="image"/> (same size) is needed by <see cref="SamplingMethod.ShiTomasi"/> and by
    /// <see cref="SamplingMethod.Mixed"/> when <c>count &gt;= 3</c>.
    /// </summary>
    public PromptPoint[] Positives(Mask mask, int count, SamplingMethod method, int seed, RgbImage? image = null)
        => Label(SamplePixels(mask, 1, count, method, seed, image), PointLabel.Positive);

    /// <summary>Up to <paramref name="count"/> negative points in the background of <paramref name="mask"/> (pixels equal to 0).</summary>
    public PromptPoint[] Negatives(Mask mask, int count, SamplingMethod method, int seed, RgbImage? image = null)
        => Label(SamplePixels(mask, 0, count, method, seed, image), PointLabel.Negative);

    /// <summary>Positives followed by negatives for one object, as <paramref name="spec"/> says.</summary>
    public PromptPoint[] Sample(Mask mask, PointSamplingSpec spec, int seed, RgbImage? image = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        PromptPoint[] pos = Positives(mask, spec.Positives, spec.PositiveMethod, seed, image);
        PromptPoint[] neg = Negatives(mask, spec.Negatives, spec.NegativeMethod, unchecked(seed * 31 + 17), image);
        return [.. pos, .. neg];
    }

    /// <summary>
    /// Pixels (x, y) of the region <c>mask == target</c> (target 1 = object, 0 = background).
    /// The worker behind <see cref="Positives"/> and <see cref="Negatives"/>, for callers that want bare coordinates.
    /// </summary>
    public (float X, float Y)[] SamplePixels(Mask mask, byte target, int count, SamplingMethod method, int seed, RgbImage? image = null)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (target > 1) throw new ArgumentOutOfRangeException(nameof(target), "target must be 0 (background) or 1 (object).");
        if (!Enum.IsDefined(method)) throw new ArgumentOutOfRangeException(nameof(method));
        bool needsImage = method == SamplingMethod.ShiTomasi || (method == SamplingMethod.Mixed && count / 3 > 0);
        if (needsImage)
        {
            if (image is null) throw new ArgumentException($"{method} sampling needs the frame image.", nameof(image));
            if (image.Width != mask.Width || image.Height != mask.Height)
                throw new ArgumentException($"Image {image.Width}x{image.Height} and mask {mask.Width}x{mask.Height} differ in size.", nameof(image));
        }
        var region = new SamplingRegion(mask.Data, mask.Width, mask.Height, target);
        int area = region.Count();
        if (count == 0 || area == 0) return [];
        if (area <= count) return AllPixels(region);

        var rng = SplitMix64.FromSeed(seed, (ulong)method * 2 + target);
        List<(int X, int Y)> pts = method switch
        {
            SamplingMethod.KMedoids => KMedoidPixels(region, area, count, _options.KMedoidsSubsample, ref rng),
            SamplingMethod.Random => RandomPixels(region, area, count, ref rng),
            SamplingMethod.ShiTomasi => CornerPixels(region, area, count, image!, ref rng),
            SamplingMethod.Mixed => MixedPixels(region, area, count, image, ref rng),
            _ => throw new ArgumentOutOfRangeException(nameof(method)),
        };
        pts = Distinct(pts);
        if (pts.Count < count) TopUp(region, area, count, pts, ref rng);
        var result = new (float X, float Y)[pts.Count];
        for (int i = 0; i < pts.Count; i++) result[i] = (pts[i].X, pts[i].Y);
        return result;
    }

    /// <summary>
    /// SAM-PT's <c>add_other_objects_positive_points_as_negative_points</c>: <paramref name="own"/> followed by the
    /// positive points of every other object relabelled negative. With <paramref name="maxOther"/>, at most that many
    /// of them, drawn without replacement (deterministic for <paramref name="seed"/>).
    /// </summary>
    public static PromptPoint[] WithOtherObjectsAsNegatives(IReadOnlyList<PromptPoint> own, IEnumerable<IReadOnlyList<PromptPoint>> others, int? maxOther = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(others);
        if (maxOther is < 0) throw new ArgumentOutOfRangeException(nameof(maxOther));
        var extra = new List<PromptPoint>();
        foreach (IReadOnlyList<PromptPoint> other in others)
            foreach (PromptPoint p in other)
                if (p.Label == PointLabel.Positive) extra.Add(p with { Label = PointLabel.Negative });
        if (maxOther is int max && extra.Count > max)
        {
            var rng = SplitMix64.FromSeed(seed, 99);
            int[] keep = SamplingRegion.DistinctRanks(extra.Count, max, ref rng);
            extra = [.. keep.Select(i => extra[i])];
        }
        return [.. own, .. extra];
    }

    private static PromptPoint[] Label((float X, float Y)[] pts, PointLabel label)
    {
        var result = new PromptPoint[pts.Length];
        for (int i = 0; i < pts.Length; i++) result[i] = new PromptPoint(pts[i].X, pts[i].Y, label);
        return result;
    }

    private static (float X, float Y)[] AllPixels(SamplingRegion region)
    {
        var result = new List<(float, float)>();
        for (int i = 0; i < region.Data.Length; i++)
            if (region.Data[i] == region.Target) result.Add((i % region.Width, i / region.Width));
        return [.. result];
    }

    private static List<(int X, int Y)> RandomPixels(SamplingRegion region, int area, int count, ref SplitMix64 rng)
    {
        int k = Math.Min(count, area);
        int[] ranks = SamplingRegion.DistinctRanks(area, k, ref rng);
        var xs = new int[k];
        var ys = new int[k];
        region.PixelsAtRanks(ranks, xs, ys);
        var pts = new List<(int, int)>(k);
        for (int i = 0; i < k; i++) pts.Add((xs[i], ys[i]));
        // Ranks come sorted (raster order); shuffle so any prefix of the result is itself a uniform draw.
        for (int i = k - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (pts[i], pts[j]) = (pts[j], pts[i]);
        }
        return pts;
    }

    private List<(int X, int Y)> KMedoidPixels(SamplingRegion region, int area, int count, int subsample, ref SplitMix64 rng)
    {
        if (count <= 0) return [];
        int n = Math.Min(area, Math.Max(subsample, count));
        int[] ranks = SamplingRegion.DistinctRanks(area, n, ref rng);
        var xi = new int[n];
        var yi = new int[n];
        region.PixelsAtRanks(ranks, xi, yi);
        if (n <= count)
        {
            var all = new List<(int, int)>(n);
            for (int i = 0; i < n; i++) all.Add((xi[i], yi[i]));
            return all;
        }
        // Clustering on a shuffled subsample would only change tie-breaking; raster order keeps it reproducible.
        var xs = new float[n];
        var ys = new float[n];
        for (int i = 0; i < n; i++) { xs[i] = xi[i]; ys[i] = yi[i]; }
        int[] medoids = KMedoidsClustering.Fit(xs, ys, count, _options.KMedoidsMaxIterations);
        var pts = new List<(int, int)>(count);
        foreach (int m in medoids) pts.Add((xi[m], yi[m]));
        return pts;
    }

    private List<(int X, int Y)> CornerPixels(SamplingRegion region, int area, int count, RgbImage image, ref SplitMix64 rng)
    {
        if (count <= 0) return [];
        // Erode by a share of the region's diameter (its bounding-box diagonal) so corners sit inside, not on the
        // outline, where the tracked content would be the other side's.
        var (x0, y0, x1, y1) = region.BoundingBox()!.Value;
        double diameter = Math.Sqrt((double)(x1 - x0) * (x1 - x0) + (double)(y1 - y0) * (y1 - y0));
        // The eroded mask is pooled: a frame-sized array per call would land on the large-object heap.
        int pixels = region.Width * region.Height;
        byte[] rented = ArrayPool<byte>.Shared.Rent(pixels);
        List<(int X, int Y)> corners;
        try
        {
            Span<byte> eroded = rented.AsSpan(0, pixels);
            bool kept = false;
            foreach (double share in _options.CornerErosions)
            {
                int size = (int)(diameter * share);
                // OpenCV replaces an empty kernel (size 0) with a 3x3 square.
                region.Erode(size == 0 ? 3 : size, eroded);
                if (eroded.Count((byte)1) >= _options.MinErodedPixels) { kept = true; break; }
            }
            if (!kept) region.Erode(1, eroded);
            var (ex0, ey0, ex1, ey1) = SamplingRegion.BoundingBox(eroded, region.Width, region.Height, 1)!.Value;
            double erodedDiameter = Math.Sqrt((double)(ex1 - ex0) * (ex1 - ex0) + (double)(ey1 - ey0) * (ey1 - ey0));
            corners = ShiTomasiCorners.Detect(image, eroded, count, _options.CornerQuality, erodedDiameter / count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        if (corners.Count < count)
            corners.AddRange(KMedoidPixels(region, area, count - corners.Count, _options.CornerFillSubsample, ref rng));
        return corners;
    }

    private List<(int X, int Y)> MixedPixels(SamplingRegion region, int area, int count, RgbImage? image, ref SplitMix64 rng)
    {
        int nKMedoids = count / 4, nCorners = count / 3, nRandom = count - nKMedoids - nCorners;
        var pts = new List<(int X, int Y)>(count);
        pts.AddRange(KMedoidPixels(region, area, nKMedoids, _options.KMedoidsSubsample, ref rng));
        if (nCorners > 0) pts.AddRange(CornerPixels(region, area, nCorners, image!, ref rng));
        pts.AddRange(RandomPixels(region, area, nRandom, ref rng));
        return pts;
    }

    private static List<(int X, int Y)> Distinct(List<(int X, int Y)> pts)
    {
        var seen = new HashSet<(int, int)>();
        var result = new List<(int X, int Y)>(pts.Count);
        foreach (var p in pts) if (seen.Add(p)) result.Add(p);
        return result;
    }

    /// <summary>Adds random region pixels not yet chosen until <paramref name="count"/> (the methods' parts may coincide).</summary>
    private static void TopUp(SamplingRegion region, int area, int count, List<(int X, int Y)> pts, ref SplitMix64 rng)
    {
        var seen = new HashSet<(int, int)>(pts);
        int missing = count - pts.Count;
        // Draw a few more candidates than missing; retry with a larger draw on the rare collision-heavy case.
        for (int extra = missing * 2; pts.Count < count; extra *= 2)
        {
            int k = Math.Min(area, pts.Count + extra);
            foreach (var p in RandomPixels(region, area, k, ref rng))
            {
                if (pts.Count == count) break;
                if (seen.Add(p)) pts.Add(p);
            }
            if (k == area) break;
        }
    }
}
