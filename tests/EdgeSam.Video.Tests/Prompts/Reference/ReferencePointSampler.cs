using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Tests.Prompts.Reference;

/// <summary>
/// Frozen copy of <see cref="EdgeSam.Video.Prompts.PointSampler"/>'s sampling as it stood before the sampling-speed
/// work (plain loops, no reuse between the Mixed method's parts): the ground truth that
/// <c>PointSamplerEquivalenceTests</c> holds the optimised sampler to, point for point. Do not optimise this copy;
/// the pipeline's measured quality figures depend on the exact points it gives.
/// </summary>
internal sealed class ReferencePointSampler
{
    private readonly PointSamplerOptions _options;

    public static ReferencePointSampler Default { get; } = new();

    public ReferencePointSampler(PointSamplerOptions? options = null)
    {
        _options = options ?? new PointSamplerOptions();
        if (_options.KMedoidsSubsample < 1) throw new ArgumentOutOfRangeException(nameof(options), "KMedoidsSubsample must be positive.");
        if (_options.CornerFillSubsample < 1) throw new ArgumentOutOfRangeException(nameof(options), "CornerFillSubsample must be positive.");
        if (_options.KMedoidsMaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(options), "KMedoidsMaxIterations must be positive.");
        if (!(_options.CornerQuality > 0 && _options.CornerQuality < 1)) throw new ArgumentOutOfRangeException(nameof(options), "CornerQuality must be in (0, 1).");
    }

    public PointSamplerOptions Options => _options;

    /// <summary>Pixels (x, y) of the region <c>mask == target</c>, as the production sampler's <c>SamplePixels</c>.</summary>
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
        var region = new ReferenceSamplingRegion(mask.Data, mask.Width, mask.Height, target);
        int area = region.Count();
        if (count == 0 || area == 0) return [];
        if (area <= count) return AllPixels(region);

        var rng = ReferenceSplitMix64.FromSeed(seed, (ulong)method * 2 + target);
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

    private static (float X, float Y)[] AllPixels(ReferenceSamplingRegion region)
    {
        var result = new List<(float, float)>();
        for (int i = 0; i < region.Data.Length; i++)
            if (region.Data[i] == region.Target) result.Add((i % region.Width, i / region.Width));
        return [.. result];
    }

    private static List<(int X, int Y)> RandomPixels(ReferenceSamplingRegion region, int area, int count, ref ReferenceSplitMix64 rng)
    {
        int k = Math.Min(count, area);
        int[] ranks = ReferenceSamplingRegion.DistinctRanks(area, k, ref rng);
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

    private List<(int X, int Y)> KMedoidPixels(ReferenceSamplingRegion region, int area, int count, int subsample, ref ReferenceSplitMix64 rng)
    {
        if (count <= 0) return [];
        int n = Math.Min(area, Math.Max(subsample, count));
        int[] ranks = ReferenceSamplingRegion.DistinctRanks(area, n, ref rng);
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
        int[] medoids = ReferenceKMedoidsClustering.Fit(xs, ys, count, _options.KMedoidsMaxIterations);
        var pts = new List<(int, int)>(count);
        foreach (int m in medoids) pts.Add((xi[m], yi[m]));
        return pts;
    }

    private List<(int X, int Y)> CornerPixels(ReferenceSamplingRegion region, int area, int count, RgbImage image, ref ReferenceSplitMix64 rng)
    {
        if (count <= 0) return [];
        // Erode by a share of the region's diameter (its bounding-box diagonal) so corners sit inside, not on the
        // outline, where the tracked content would be the other side's.
        var (x0, y0, x1, y1) = region.BoundingBox()!.Value;
        double diameter = Math.Sqrt((double)(x1 - x0) * (x1 - x0) + (double)(y1 - y0) * (y1 - y0));
        byte[]? eroded = null;
        foreach (double share in _options.CornerErosions)
        {
            int size = (int)(diameter * share);
            // OpenCV replaces an empty kernel (size 0) with a 3x3 square.
            byte[] e = region.Erode(size == 0 ? 3 : size);
            if (e.AsSpan().Count((byte)1) >= _options.MinErodedPixels) { eroded = e; break; }
        }
        eroded ??= region.Erode(1);
        var er = new ReferenceSamplingRegion(eroded, region.Width, region.Height, 1);
        var (ex0, ey0, ex1, ey1) = er.BoundingBox()!.Value;
        double erodedDiameter = Math.Sqrt((double)(ex1 - ex0) * (ex1 - ex0) + (double)(ey1 - ey0) * (ey1 - ey0));
        List<(int X, int Y)> corners = ReferenceShiTomasiCorners.Detect(image, eroded, count, _options.CornerQuality, erodedDiameter / count);
        if (corners.Count < count)
            corners.AddRange(KMedoidPixels(region, area, count - corners.Count, _options.CornerFillSubsample, ref rng));
        return corners;
    }

    private List<(int X, int Y)> MixedPixels(ReferenceSamplingRegion region, int area, int count, RgbImage? image, ref ReferenceSplitMix64 rng)
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
    private static void TopUp(ReferenceSamplingRegion region, int area, int count, List<(int X, int Y)> pts, ref ReferenceSplitMix64 rng)
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
