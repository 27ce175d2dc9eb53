namespace EdgeSam.Video.Media;

/// <summary>
/// Orders names the way people number frames: runs of digits compare by value (<c>frame2</c> before <c>frame10</c>),
/// everything else ordinally, ignoring case; ties (<c>007</c> vs <c>7</c>) fall back to ordinal order so the order is total.
/// </summary>
public sealed class NaturalSort : IComparer<string>
{
    public static NaturalSort Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                int si = i, sj = j;
                while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
                while (j < y.Length && char.IsAsciiDigit(y[j])) j++;
                // Compare digit runs by value without parsing (any length): strip leading zeros, then length, then digits.
                ReadOnlySpan<char> a = x.AsSpan(si, i - si).TrimStart('0'), b = y.AsSpan(sj, j - sj).TrimStart('0');
                if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
                int c = a.SequenceCompareTo(b);
                if (c != 0) return c;
            }
            else
            {
                int c = char.ToLowerInvariant(x[i]).CompareTo(char.ToLowerInvariant(y[j]));
                if (c != 0) return c;
                i++;
                j++;
            }
        }
        if (i < x.Length || j < y.Length) return (x.Length - i).CompareTo(y.Length - j);
        return string.CompareOrdinal(x, y);
    }
}
