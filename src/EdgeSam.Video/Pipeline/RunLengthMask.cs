using EdgeSam.Video.Media;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// A mask kept as alternating run lengths in raster order (background first, so the first run may be 0), for the
/// per-frame state a session remembers: a blob-like object costs a few runs per row (~4 KB at 854x480) instead of
/// one byte per pixel (410 KB).
/// </summary>
internal sealed class RunLengthMask
{
    private readonly int[] _runs;

    private RunLengthMask(int width, int height, int[] runs)
    {
        Width = width;
        Height = height;
        _runs = runs;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Number of runs stored (memory is 4 bytes per run).</summary>
    public int RunCount => _runs.Length;

    public static RunLengthMask From(Mask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var runs = new List<int>();
        ReadOnlySpan<byte> data = mask.Data;
        int pos = 0;
        bool inside = false;
        while (pos < data.Length)
        {
            // Vectorised search for the end of the current run (0 = background, anything else = object).
            int len = inside ? data[pos..].IndexOf((byte)0) : data[pos..].IndexOfAnyExcept((byte)0);
            if (len < 0) len = data.Length - pos;
            runs.Add(len);
            pos += len;
            inside = !inside;
        }
        return new RunLengthMask(mask.Width, mask.Height, [.. runs]);
    }

    public Mask ToMask()
    {
        var data = new byte[Width * Height];
        int pos = 0;
        for (int i = 0; i < _runs.Length; i++)
        {
            if ((i & 1) == 1) data.AsSpan(pos, _runs[i]).Fill(1);
            pos += _runs[i];
        }
        return new Mask(Width, Height, data);
    }
}
