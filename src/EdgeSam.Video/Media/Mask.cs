namespace EdgeSam.Video.Media;

/// <summary>
/// A binary mask of one object: one byte per pixel, row-major, 0 = background, 1 = object.
/// Constructors normalise any nonzero byte to 1, so code may test <c>!= 0</c> or <c>== 1</c> alike.
/// </summary>
public sealed class Mask
{
    public int Width { get; }
    public int Height { get; }

    /// <summary>Pixel values (0 or 1), length <c>Width * Height</c>. Owned by this mask.</summary>
    public byte[] Data { get; }

    public Mask(int width, int height)
    {
        Data = new byte[RgbImage.ValidateSize(width, height)];
        Width = width;
        Height = height;
    }

    /// <summary>Wraps <paramref name="data"/> (not copied); nonzero values become 1.</summary>
    public Mask(int width, int height, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = RgbImage.ValidateSize(width, height);
        if (data.Length != n)
            throw new ArgumentException($"Mask buffer holds {data.Length} bytes, a {width}x{height} mask needs {n}.", nameof(data));
        for (int i = 0; i < data.Length; i++)
            if (data[i] > 1) data[i] = 1;
        Width = width;
        Height = height;
        Data = data;
    }

    public bool this[int x, int y]
    {
        get => Data[y * Width + x] != 0;
        set => Data[y * Width + x] = value ? (byte)1 : (byte)0;
    }

    /// <summary>Number of object pixels.</summary>
    public int Area()
    {
        int n = 0;
        foreach (byte b in Data) n += b;
        return n;
    }

    public bool IsEmpty => Data.AsSpan().IndexOfAnyExcept((byte)0) < 0;

    /// <summary>Tight bounding box of the object pixels, inclusive pixel coordinates; null when empty.</summary>
    public (int X0, int Y0, int X1, int Y1)? BoundingBox()
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int y = 0; y < Height; y++)
        {
            ReadOnlySpan<byte> row = Data.AsSpan(y * Width, Width);
            int first = row.IndexOfAnyExcept((byte)0);
            if (first < 0) continue;
            int last = row.LastIndexOfAnyExcept((byte)0);
            if (y < y0) y0 = y;
            y1 = y;
            if (first < x0) x0 = first;
            if (last > x1) x1 = last;
        }
        return y1 < 0 ? null : (x0, y0, x1, y1);
    }

    public Mask Clone() => new(Width, Height, (byte[])Data.Clone());
}
