using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    /// <see cref="Erode(int)"/> into <paramref name="result"/> (Width * Height bytes). The square is separable.
    /// Down the columns, rows stream through one counter per column: how many region pixels in a row end at the
    /// newest row (never having met another pixel: the top border, all region). A pixel stays when its window's
    /// last row ends a long enough stack. Along the rows, each run of kept pixels loses `before` pixels on the
    /// left and `after` on the right, except where it touches the image edge. Counters saturate at 65,535: exact
    /// for windows of up to that many rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Erode(int size, Span<byte> result)
    {
        int w = Width, h = Height;
        result = result[..(w * h)];
        if (size <= 1)
        {
            Membership(Data, Target, result);
            return;
        }
        int before = size / 2, after = size - 1 - before;
        ushort need = (ushort)Math.Min(size, ushort.MaxValue);
        ushort[] rented = ArrayPool<ushort>.Shared.Rent(w);
        try
        {
            Span<ushort> stack = rented.AsSpan(0, w);
            stack.Fill(ushort.MaxValue);
            // Row r enters; rows past the image are all region. Output row y = r - after has its window complete.
            for (int r = 0; r < h + after; r++)
            {
                bool inside = r < h;
                Stack(stack, inside ? Data.AsSpan(r * w, w) : default, Target, inside);
                if (r >= after) Kept(stack, need, result.Slice((r - after) * w, w));
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(rented);
        }
        for (int y = 0; y < h; y++)
        {
            Span<byte> row = result.Slice(y * w, w);
            for (int a = row.IndexOf((byte)1); a >= 0;)
            {
                int b = row[a..].IndexOf((byte)0);
                b = b < 0 ? w : a + b;
                int keepFrom = a == 0 ? 0 : Math.Min(b, a + before), keepTo = b == w ? w : Math.Max(keepFrom, b - after);
                row[a..keepFrom].Clear();
                row[keepTo..b].Clear();
                if (b == w) break;
                int next = row[b..].IndexOf((byte)1);
                a = next < 0 ? -1 : b + next;
            }
        }
    }

    /// <summary>Counters one row further down: +1 (saturating) where the row is in the region, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Stack(Span<ushort> stack, ReadOnlySpan<byte> row, byte target, bool inside)
    {
        int x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<ushort>.One;
            var t = new Vector<ushort>(target);
            for (; x <= stack.Length - Vector<byte>.Count; x += Vector<byte>.Count)
            {
                Vector<ushort> lo = new(stack[x..]), hi = new(stack[(x + Vector<ushort>.Count)..]);
                lo = Vector.AddSaturate(lo, one);
                hi = Vector.AddSaturate(hi, one);
                if (inside)
                {
                    Vector.Widen(new Vector<byte>(row[x..]), out Vector<ushort> rowLo, out Vector<ushort> rowHi);
                    lo &= Vector.Equals(rowLo, t);
                    hi &= Vector.Equals(rowHi, t);
                }
                lo.CopyTo(stack[x..]);
                hi.CopyTo(stack[(x + Vector<ushort>.Count)..]);
            }
        }
        for (; x < stack.Length; x++)
            stack[x] = !inside || row[x] == target ? (ushort)Math.Min(ushort.MaxValue, stack[x] + 1) : (ushort)0;
    }

    /// <summary>dst[x] = 1 where the counter has reached <paramref name="need"/>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kept(ReadOnlySpan<ushort> stack, ushort need, Span<byte> dst)
    {
        int x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var n = new Vector<ushort>(need);
            var one = Vector<ushort>.One;
            for (; x <= dst.Length - Vector<byte>.Count; x += Vector<byte>.Count)
            {
                Vector<ushort> lo = Vector.GreaterThanOrEqual(new Vector<ushort>(stack[x..]), n) & one;
                Vector<ushort> hi = Vector.GreaterThanOrEqual(new Vector<ushort>(stack[(x + Vector<ushort>.Count)..]), n) & one;
                Vector.Narrow(lo, hi).CopyTo(dst[x..]);
            }
        }
        for (; x < dst.Length; x++) dst[x] = stack[x] >= need ? (byte)1 : (byte)0;
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
