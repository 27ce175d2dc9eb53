namespace EdgeSam.Video.Media;

/// <summary>
/// The colour map of DAVIS result PNGs: the PASCAL VOC map, where the bits of index i are spread over R, G, B from the
/// most significant bit down (bit 0 of i -> bit 7 of R, bit 1 -> bit 7 of G, bit 2 -> bit 7 of B, bit 3 -> bit 6 of R,
/// ...). Index 0 is black, 1 = (128,0,0), 2 = (0,128,0), 3 = (128,128,0). All 256 entries are written, as the DAVIS
/// toolkit (and every result in the official OSVOS DAVIS 2017 set) does.
/// </summary>
/// <remarks>
/// The DAVIS 2017 ground-truth annotations carry a slightly different PLTE: entries 9, 11, 13, 15, 18 and 19 use 191
/// where VOC has 192, and entries 22..255 are the grey ramp (i, i, i). Readers take palette PNGs by index, so both
/// decode alike; <see cref="TryIndexOf"/> also accepts those six ground-truth colours for RGB masks.
/// </remarks>
public static class DavisPalette
{
    /// <summary>Number of entries (the full 8-bit range).</summary>
    public const int Count = 256;

    private static readonly byte[] s_rgb = Build();
    private static readonly Dictionary<int, byte> s_index = BuildIndex();

    /// <summary>The palette, 256 x (R, G, B) bytes.</summary>
    public static ReadOnlySpan<byte> Rgb => s_rgb;

    /// <summary>The colour of one object id.</summary>
    public static (byte R, byte G, byte B) Color(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, Count - 1);
        return (s_rgb[index * 3], s_rgb[index * 3 + 1], s_rgb[index * 3 + 2]);
    }

    /// <summary>The index whose colour is exactly (r, g, b), if any.</summary>
    public static bool TryIndexOf(byte r, byte g, byte b, out byte index) => s_index.TryGetValue(Pack(r, g, b), out index);

    internal static int Pack(byte r, byte g, byte b) => (r << 16) | (g << 8) | b;

    private static byte[] Build()
    {
        var rgb = new byte[Count * 3];
        for (int i = 0; i < Count; i++)
        {
            int r = 0, g = 0, b = 0, c = i;
            for (int bit = 7; bit >= 0; bit--)
            {
                r |= (c & 1) << bit;
                g |= ((c >> 1) & 1) << bit;
                b |= ((c >> 2) & 1) << bit;
                c >>= 3;
            }
            rgb[i * 3] = (byte)r;
            rgb[i * 3 + 1] = (byte)g;
            rgb[i * 3 + 2] = (byte)b;
        }
        return rgb;
    }

    private static Dictionary<int, byte> BuildIndex()
    {
        var d = new Dictionary<int, byte>(Count + 8);
        for (int i = 0; i < Count; i++)
            d.TryAdd(Pack(s_rgb[i * 3], s_rgb[i * 3 + 1], s_rgb[i * 3 + 2]), (byte)i);
        // DAVIS 2017 ground-truth variants (191 instead of 192); these colours appear nowhere in the VOC map.
        foreach (int i in (ReadOnlySpan<int>)[9, 11, 13, 15, 18, 19])
        {
            static byte V(byte x) => x == 192 ? (byte)191 : x;
            d.TryAdd(Pack(V(s_rgb[i * 3]), V(s_rgb[i * 3 + 1]), V(s_rgb[i * 3 + 2])), (byte)i);
        }
        return d;
    }
}
