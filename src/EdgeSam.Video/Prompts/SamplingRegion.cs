using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OpenCvSharp;

namespace EdgeSam.Video.Prompts;

/// <summary>
/// The pixels a sampler draws from: those of a 0/1 mask buffer equal to <see cref="Target"/> (1 = the object,
/// 0 = its background), so negatives need no complemented copy of the mask.
/// Hot loops are compiled fully optimised at first use (<see cref="MethodImplOptions.AggressiveOptimization"/>): a
/// sampler runs a few times per re-initialisation, too rarely for tiered compilation to promote its loops before
/// they have run many times as slow tier-0 vector code.
/// </summary>
internal readonly struct SamplingRegion
{
    public readonly byte[] Data;
    public readonly int Width;
    public readonly int Height;
    public readonly byte Target;

    public SamplingRegion(byte[] data, int width, int height, byte target)
    {
        Data = data;
        Width = width;
        Height = height;
        Target = target;
    }

    public bool Contains(int x, int y) => Data[y * Width + x] == Target;

    public int Count() => Data.AsSpan().Count(Target);

    /// <summary>Inclusive bounding box of the region's pixels, or null when it is empty.</summary>
    public (int X0, int Y0, int X1, int Y1)? BoundingBox() => BoundingBox(Data, Width, Height, Target);

    /// <summary>Inclusive bounding box of the pixels of a 0/1 buffer equal to <paramref name="target"/>, or null when there are none.</summary>
    public static (int X0, int Y0, int X1, int Y1)? BoundingBox(ReadOnlySpan<byte> data, int width, int height, byte target)
    {
        int x0 = int.MaxValue, y0 = -1, x1 = -1, y1 = -1;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = data.Slice(y * width, width);
            int first = target == 0 ? row.IndexOfAnyExcept((byte)1) : row.IndexOfAnyExcept((byte)0);
            if (first < 0) continue;
            int last = target == 0 ? row.LastIndexOfAnyExcept((byte)1) : row.LastIndexOfAnyExcept((byte)0);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PixelsAtRanks(ReadOnlySpan<int> sortedRanks, Span<int> xs, Span<int> ys)
    {
        int next = 0, rank = 0;
        if (sortedRanks.Length == 0) return;
        ReadOnlySpan<byte> data = Data;
        byte t = Target;
        int i = 0;
        // Ranks are sparse next to the pixels: a 16-pixel block is a bit mask of region pixels, skipped whole
        // unless the next rank falls in it, then read off bit by bit.
        if (Vector128.IsHardwareAccelerated)
        {
            var target = Vector128.Create(t);
            for (; i <= data.Length - 16; i += 16)
            {
                uint bits = Vector128.ExtractMostSignificantBits(Vector128.Equals(Vector128.Create(data.Slice(i, 16)), target));
                int inBlock = BitOperations.PopCount(bits);
                for (; next < sortedRanks.Length && sortedRanks[next] < rank + inBlock; next++)
                {
                    uint b = bits;
                    for (int skip = sortedRanks[next] - rank; skip > 0; skip--) b &= b - 1;
                    int at = i + BitOperations.TrailingZeroCount(b);
                    xs[next] = at % Width;
                    ys[next] = at / Width;
                }
                if (next == sortedRanks.Length) return;
                rank += inBlock;
            }
        }
        for (; i < data.Length; i++)
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
    /// Memory is O(k) when n is large next to k (a few draws from a 400k-pixel background cost no index array);
    /// otherwise the draws are marked in a pooled bit set of n bits, whose scan gives them sorted for less than
    /// sorting them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[] DistinctRanks(int n, int k, ref SplitMix64 rng)
    {
        if (k > n) throw new ArgumentOutOfRangeException(nameof(k));
        int words = (int)(((long)n + 63) >> 6);
        if (words > 16 * (long)k + 64)
        {
            var chosen = new HashSet<int>(k);
            for (int j = n - k; j < n; j++)
            {
                int t = rng.NextInt(j + 1);
                if (!chosen.Add(t)) chosen.Add(j);
            }
            int[] sorted = [.. chosen];
            Array.Sort(sorted);
            return sorted;
        }
        ulong[] bits = ArrayPool<ulong>.Shared.Rent(words);
        try
        {
            Span<ulong> set = bits.AsSpan(0, words);
            set.Clear();
            for (int j = n - k; j < n; j++)
            {
                int t = rng.NextInt(j + 1);
                ref ulong word = ref set[t >> 6];
                ulong bit = 1UL << t;
                // Floyd: t already drawn means j joins instead (j itself is new: every earlier draw is below j).
                if ((word & bit) == 0) word |= bit;
                else set[j >> 6] |= 1UL << j;
            }
            var ranks = new int[k];
            int count = 0;
            for (int wi = 0; wi < words; wi++)
                for (ulong word = set[wi]; word != 0; word &= word - 1)
                    ranks[count++] = (wi << 6) + BitOperations.TrailingZeroCount(word);
            return ranks;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(bits);
        }
    }

    /// <summary>
    /// OpenCV-style erosion with a <paramref name="size"/> x <paramref name="size"/> square (anchor at size/2):
    /// a pixel stays when every pixel of its window is in the region; pixels outside the image count as in the
    /// region (OpenCV's default erosion border). Returns a 0/1 buffer (1 = kept).
    /// </summary>
    public byte[] Erode(int size)
    {
        var result = new byte[Width * Height];
        Erode(size, result);
        return result;
    }

    /// <summary>
    /// <see cref="Erode(int)"/> into <paramref name="result"/> (Width * Height bytes): OpenCV's <c>erode</c> with a
    /// size x size rectangle, in place on the region's 0/1 membership. Its anchor is the square's centre
    /// (size / 2 pixels before, the rest after, as the window's definition) and its default border counts pixels
    /// past the image as region, so a region touching the image edge is not eroded from there.
    /// </summary>
    public unsafe void Erode(int size, Span<byte> result)
    {
        int w = Width, h = Height;
        result = result[..(w * h)];
        Membership(Data, Target, result);
        if (size <= 1) return;
        fixed (byte* p = result)
        {
            using var m = Mat.FromPixelData(h, w, MatType.CV_8UC1, (IntPtr)p);
            using Mat kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(size, size));
            Cv2.Erode(m, m, kernel);
        }
    }

    /// <summary>dst[i] = 1 where src[i] == target, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Membership(ReadOnlySpan<byte> src, byte target, Span<byte> dst)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var t = new Vector<byte>(target);
            for (; i <= src.Length - Vector<byte>.Count; i += Vector<byte>.Count)
                (Vector.Equals(new Vector<byte>(src[i..]), t) & Vector<byte>.One).CopyTo(dst[i..]);
        }
        for (; i < src.Length; i++) dst[i] = src[i] == target ? (byte)1 : (byte)0;
    }
}
