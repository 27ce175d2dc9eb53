namespace EdgeSam.Video.Media;

/// <summary>PNG colour types (IHDR byte 9), numbered as the PNG specification numbers them.</summary>
public enum PngColorType : byte
{
    Gray = 0,
    Rgb = 2,
    Palette = 3,
    GrayAlpha = 4,
    Rgba = 6,
}

/// <summary>
/// A decoded PNG with its samples as stored, unpacked to whole bytes: pixel (x, y), channel c starts at byte
/// <c>((y * Width + x) * Channels + c) * BytesPerSample</c>. Bit depths 1/2/4 become one byte per pixel holding the raw
/// value (a palette index, or a grey level in <c>0 .. 2^BitDepth - 1</c>, not rescaled); 16-bit samples keep PNG's
/// big-endian byte order. Interlaced files come out de-interlaced.
/// </summary>
public sealed class PngImage
{
    public int Width { get; }
    public int Height { get; }
    public PngColorType ColorType { get; }

    /// <summary>Bits per sample in the file: 1, 2, 4, 8 or 16.</summary>
    public int BitDepth { get; }

    /// <summary>Whether the file was Adam7-interlaced (the samples are always in plain raster order).</summary>
    public bool Interlaced { get; }

    /// <summary>Samples, see the class remarks for the layout. Owned by this image.</summary>
    public byte[] Samples { get; }

    /// <summary>PLTE entries as R, G, B triples (empty when the file has none).</summary>
    public byte[] Palette { get; }

    /// <summary>
    /// tRNS content: for palette images one alpha byte per leading palette entry; for grey the transparent grey level,
    /// for RGB the transparent colour (16-bit values in raw sample units); null when absent.
    /// </summary>
    public ushort[]? Transparency { get; }

    internal PngImage(int width, int height, PngColorType colorType, int bitDepth, bool interlaced,
                      byte[] samples, byte[] palette, ushort[]? transparency)
    {
        Width = width;
        Height = height;
        ColorType = colorType;
        BitDepth = bitDepth;
        Interlaced = interlaced;
        Samples = samples;
        Palette = palette;
        Transparency = transparency;
    }

    /// <summary>Samples per pixel: 1 grey/palette, 2 grey+alpha, 3 RGB, 4 RGBA.</summary>
    public int Channels => ChannelsOf(ColorType);

    /// <summary>Bytes per unpacked sample: 2 for 16-bit files, else 1.</summary>
    public int BytesPerSample => BitDepth == 16 ? 2 : 1;

    /// <summary>Whether the image has an alpha channel (tRNS not counted).</summary>
    public bool HasAlpha => ColorType is PngColorType.GrayAlpha or PngColorType.Rgba;

    internal static int ChannelsOf(PngColorType t) => t switch
    {
        PngColorType.Gray => 1,
        PngColorType.Rgb => 3,
        PngColorType.Palette => 1,
        PngColorType.GrayAlpha => 2,
        PngColorType.Rgba => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>
    /// The image as 8-bit RGBA (grey replicated, low bit depths scaled to 0..255, 16-bit reduced to the high byte,
    /// palette looked up, tRNS applied). <paramref name="source"/> names the file in errors (a palette index beyond
    /// the PLTE is an error here).
    /// </summary>
    public byte[] ToRgba(string source = "PNG")
    {
        int n = Width * Height;
        var rgba = new byte[checked(n * 4)];
        int ch = Channels, bps = BytesPerSample;
        byte[] s = Samples;
        switch (ColorType)
        {
            case PngColorType.Palette:
            {
                int entries = Palette.Length / 3;
                Span<byte> lut = stackalloc byte[256 * 4];
                for (int i = 0; i < 256; i++)
                {
                    if (i < entries)
                    {
                        lut[i * 4] = Palette[i * 3];
                        lut[i * 4 + 1] = Palette[i * 3 + 1];
                        lut[i * 4 + 2] = Palette[i * 3 + 2];
                    }
                    lut[i * 4 + 3] = Transparency is { } t && i < t.Length ? (byte)t[i] : (byte)255;
                }
                for (int i = 0; i < n; i++)
                {
                    int v = s[i];
                    if (v >= entries)
                        throw PngDecoder.Fail(source, $"pixel ({i % Width}, {i / Width}) uses palette index {v}, the PLTE has {entries} entries");
                    lut.Slice(v * 4, 4).CopyTo(rgba.AsSpan(i * 4, 4));
                }
                return rgba;
            }
            case PngColorType.Gray:
            case PngColorType.GrayAlpha:
            {
                int max = (1 << BitDepth) - 1;
                int key = ColorType == PngColorType.Gray && Transparency is { } t ? t[0] : -1;
                for (int i = 0; i < n; i++)
                {
                    int raw = bps == 2 ? (s[i * ch * 2] << 8) | s[i * ch * 2 + 1] : s[i * ch];
                    byte g = bps == 2 ? s[i * ch * 2] : BitDepth == 8 ? (byte)raw : (byte)(raw * 255 / max);
                    rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = g;
                    rgba[i * 4 + 3] = ColorType == PngColorType.GrayAlpha ? s[(i * ch + 1) * bps] : raw == key ? (byte)0 : (byte)255;
                }
                return rgba;
            }
            default:
            {
                ushort[]? t = ColorType == PngColorType.Rgb ? Transparency : null;
                for (int i = 0; i < n; i++)
                {
                    int p = i * ch * bps;
                    rgba[i * 4] = s[p];
                    rgba[i * 4 + 1] = s[p + bps];
                    rgba[i * 4 + 2] = s[p + 2 * bps];
                    if (ColorType == PngColorType.Rgba)
                        rgba[i * 4 + 3] = s[p + 3 * bps];
                    else if (t != null && Raw(s, p, bps) == t[0] && Raw(s, p + bps, bps) == t[1] && Raw(s, p + 2 * bps, bps) == t[2])
                        rgba[i * 4 + 3] = 0;
                    else
                        rgba[i * 4 + 3] = 255;
                }
                return rgba;
            }
        }

        static int Raw(byte[] s, int p, int bps) => bps == 2 ? (s[p] << 8) | s[p + 1] : s[p];
    }

    /// <summary>The image as 8-bit RGB (<see cref="ToRgba"/> without its alpha).</summary>
    public RgbImage ToRgb(string source = "PNG")
    {
        byte[] rgba = ToRgba(source);
        var img = new RgbImage(Width, Height);
        Span<byte> dst = img.Pixels;
        for (int i = 0, n = Width * Height; i < n; i++)
        {
            dst[i * 3] = rgba[i * 4];
            dst[i * 3 + 1] = rgba[i * 4 + 1];
            dst[i * 3 + 2] = rgba[i * 4 + 2];
        }
        return img;
    }
}
