namespace EdgeSam.Video.Media;

/// <summary>
/// A per-pixel object-id map (the content of a DAVIS palette PNG): one byte per pixel, row-major,
/// 0 = background, 1..254 = object ids, 255 = void (DAVIS 2017 ground truth only).
/// </summary>
public sealed class LabelMap
{
    public const byte Void = 255;

    public int Width { get; }
    public int Height { get; }

    /// <summary>Object ids, length <c>Width * Height</c>. Owned by this map.</summary>
    public byte[] Data { get; }

    public LabelMap(int width, int height) : this(width, height, new byte[RgbImage.ValidateSize(width, height)]) { }

    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    public LabelMap(int width, int height, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = RgbImage.ValidateSize(width, height);
        if (data.Length != n)
            throw new ArgumentException($"Label buffer holds {data.Length} bytes, a {width}x{height} map needs {n}.", nameof(data));
        Width = width;
        Height = height;
        Data = data;
    }

    /// <summary>Object ids present, ascending, without 0 and <see cref="Void"/>.</summary>
    public IReadOnlyList<int> ObjectIds()
    {
        Span<bool> seen = stackalloc bool[256];
        foreach (byte b in Data) seen[b] = true;
        var ids = new List<int>();
        for (int i = 1; i < 255; i++) if (seen[i]) ids.Add(i);
        return ids;
    }

    /// <summary>The binary mask of one object id.</summary>
    public Mask MaskOf(int objectId)
    {
        var m = new Mask(Width, Height);
        byte id = checked((byte)objectId);
        for (int i = 0; i < Data.Length; i++) m.Data[i] = Data[i] == id ? (byte)1 : (byte)0;
        return m;
    }
}
