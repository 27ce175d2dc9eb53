// Frozen copy of src/EdgeSam.Video/Prompts/SamplingRegion.cs from before the sampling-speed work, the reference that
// PointSamplerEquivalenceTests holds the optimised sampler to (see ReferencePointSampler). Do not optimise it.
namespace EdgeSam.Video.Tests.Prompts.Reference;

/// <summary>
/// The pixels a sampler draws from: those of a 0/1 mask buffer equal to <see cref="Target"/> (1 = the object,
/// 0 = its background), so negatives need no complemented copy of the mask.
/// </summary>
internal readonly struct ReferenceSamplingRegion
{
    public readonly byte[] Data;
    public readonly int Width;
    public readonly int Height;
    public readonly byte Target;

    public ReferenceSamplingRegion(byte[] data, int width, int height, byte target)
    {
        Data = data;
        Width = width;
        Height = height;
        Target = target;
    }

    public bool Contains(int x, int y) => Data[y * Width + x] == Target;

    public int Count() => Data.AsSpan().Count(Target);

    /// <summary>Inclusive bounding box of the region's pixels, or null when it is empty.</summary>
    public (int X0, int Y0, int X1, int Y1)? BoundingBox()
    {
        int x0 = int.MaxValue, y0 = -1, x1 = -1, y1 = -1;
        for (int y = 0; y < Height; y++)
        {
            ReadOnlySpan<byte> row = Data.AsSpan(y * Width, Width);
            int first = Target == 0 ? row.IndexOfAnyExcept((byte)1) : row.IndexOfAnyExcept((byte)0);
            if (first < 0) continue;
            int last = Target == 0 ? row.LastIndexOfAnyExcept((byte)1) : row.LastIndexOfAnyExcept((byte)0);
            if (y0 < 0) y0 = y;
            y1 = y;
            if (first < x0) x0 = first;
            if (last > x1) x1 = last;
        }
        return y1 < 0 ? null : (x0, y0, x1, y1);
    }

    /// <summary>
    /// Pixel coordinates of the region's pixels whose raster-order ranks are <paramref name="sortedRanks"/>
    /// (ascending, each in [0, Count())), written to <paramref name="xs"/>/<paramref name="ys"/>.
    /// </summary>
    public void PixelsAtRanks(ReadOnlySpan<int> sortedRanks, Span<int> xs, Span<int> ys)
    {
        int next = 0, rank = 0;
        if (sortedRanks.Length == 0) return;
        byte[] data = Data;
        byte t = Target;
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != t) continue;
            while (next < sortedRanks.Length && sortedRanks[next] == rank)
            {
                xs[next] = i % Width;
                ys[next] = i / Width;
                next++;
            }
            if (next == sortedRanks.Length) return;
            rank++;
        }
        throw new ArgumentOutOfRangeException(nameof(sortedRanks), "A rank lies beyond the region's pixel count.");
    }

    /// <summary>
    /// <paramref name="k"/> distinct ranks in [0, <paramref name="n"/>) drawn uniformly (Floyd's algorithm), sorted.
    /// Uses O(k) memory whatever n is, so a 400k-pixel background costs no index array.
    /// </summary>
    public static int[] DistinctRanks(int n, int k, ref ReferenceSplitMix64 rng)
    {
        if (k > n) throw new ArgumentOutOfRangeException(nameof(k));
        var chosen = new HashSet<int>(k);
        for (int j = n - k; j < n; j++)
        {
            int t = rng.NextInt(j + 1);
            if (!chosen.Add(t)) chosen.Add(j);
        }
        int[] ranks = [.. chosen];
        Array.Sort(ranks);
        return ranks;
    }

    /// <summary>
    /// OpenCV-style erosion with a <paramref name="size"/> x <paramref name="size"/> square (anchor at size/2):
    /// a pixel stays when every pixel of its window is in the region; pixels outside the image count as in the
    /// region (OpenCV's default erosion border). Returns a 0/1 buffer (1 = kept). O(pixels) through a summed-area
    /// table of the pixels NOT in the region.
    /// </summary>
    public byte[] Erode(int size)
    {
        int w = Width, h = Height;
        var result = new byte[w * h];
        if (size <= 1)
        {
            for (int i = 0; i < result.Length; i++) result[i] = Data[i] == Target ? (byte)1 : (byte)0;
            return result;
        }
        int stride = w + 1;
        var sat = new int[(h + 1) * stride];
        for (int y = 0; y < h; y++)
        {
            int rowSum = 0;
            int src = y * w, dst = (y + 1) * stride + 1, up = y * stride + 1;
            for (int x = 0; x < w; x++)
            {
                rowSum += Data[src + x] != Target ? 1 : 0;
                sat[dst + x] = sat[up + x] + rowSum;
            }
        }
        int before = size / 2, after = size - 1 - before;
        for (int y = 0; y < h; y++)
        {
            int ya = Math.Max(0, y - before), yb = Math.Min(h - 1, y + after) + 1;
            for (int x = 0; x < w; x++)
            {
                if (Data[y * w + x] != Target) continue;
                int xa = Math.Max(0, x - before), xb = Math.Min(w - 1, x + after) + 1;
                int outside = sat[yb * stride + xb] - sat[ya * stride + xb] - sat[yb * stride + xa] + sat[ya * stride + xa];
                if (outside == 0) result[y * w + x] = 1;
            }
        }
        return result;
    }
}
