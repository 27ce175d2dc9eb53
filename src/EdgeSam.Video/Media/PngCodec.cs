namespace EdgeSam.Video.Media;

/// <summary>
/// PNG reading and writing for masks, label maps and mattes, in managed code (zlib via
/// <see cref="System.IO.Compression.ZLibStream"/>). Reads every standard colour type and bit depth, interlaced or not;
/// writes 8-bit palette (DAVIS colours), grey, RGB and RGBA. Errors in files are <see cref="EdgeSamException"/>s
/// naming the file.
/// </summary>
public static partial class PngCodec
{
    /// <summary>Largest PNG file read (bytes); larger files are refused before reading.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Decodes a PNG held in memory; <paramref name="source"/> names it in error messages.</summary>
    public static PngImage Decode(ReadOnlySpan<byte> data, string source) => PngDecoder.Decode(data, source);

    /// <summary>Reads and decodes a PNG file.</summary>
    public static PngImage Read(string path) => PngDecoder.Decode(ReadFile(path), path);

    /// <summary>
    /// Reads a label map: palette images give their indices (any bit depth); grey images their value (16-bit: the high
    /// byte; 1/2/4-bit: the raw level); grey+alpha the grey channel; RGB/RGBA the index of the exact DAVIS palette colour
    /// (<see cref="DavisPalette"/>), any other colour is an error. Alpha is ignored.
    /// </summary>
    public static LabelMap ReadLabels(string path) => ToLabels(Read(path), path);

    /// <summary>
    /// Reads a binary mask: palette images are 1 where the index is nonzero, grey where the value is nonzero, RGB where
    /// the colour is not black. Images with an alpha channel that is not fully opaque everywhere are alpha mattes:
    /// 1 where alpha is nonzero; fully opaque ones are read by colour.
    /// </summary>
    public static Mask ReadMask(string path) => ToMask(Read(path));

    /// <summary>The label map of a decoded image (rules of <see cref="ReadLabels"/>).</summary>
    public static LabelMap ToLabels(PngImage img, string source)
    {
        ArgumentNullException.ThrowIfNull(img);
        int w = img.Width, h = img.Height, n = w * h;
        byte[] s = img.Samples;
        switch (img.ColorType)
        {
            case PngColorType.Palette:
            case PngColorType.Gray when img.BitDepth <= 8:
                return new LabelMap(w, h, s); // one byte per pixel already: wrap, no copy
            case PngColorType.Gray:
            case PngColorType.GrayAlpha:
            {
                var d = new byte[n];
                int step = img.Channels * img.BytesPerSample;
                for (int i = 0; i < n; i++) d[i] = s[i * step]; // grey, or its high byte for 16-bit
                return new LabelMap(w, h, d);
            }
            default:
            {
                var d = new byte[n];
                int bps = img.BytesPerSample, step = img.Channels * bps;
                int lastKey = -1;
                byte lastIndex = 0;
                for (int i = 0; i < n; i++)
                {
                    int p = i * step;
                    int key = DavisPalette.Pack(s[p], s[p + bps], s[p + 2 * bps]);
                    if (key != lastKey)
                    {
                        if (!DavisPalette.TryIndexOf(s[p], s[p + bps], s[p + 2 * bps], out lastIndex))
                            throw new EdgeSamException(
                                $"{source}: pixel ({i % w}, {i / w}) has colour ({s[p]}, {s[p + bps]}, {s[p + 2 * bps]}), which is not a DAVIS palette colour; save label masks as palette or grey PNGs");
                        lastKey = key;
                    }
                    d[i] = lastIndex;
                }
                return new LabelMap(w, h, d);
            }
        }
    }

    /// <summary>The binary mask of a decoded image (rules of <see cref="ReadMask"/>).</summary>
    public static Mask ToMask(PngImage img)
    {
        ArgumentNullException.ThrowIfNull(img);
        int w = img.Width, h = img.Height, n = w * h;
        byte[] s = img.Samples;
        int ch = img.Channels, bps = img.BytesPerSample, step = ch * bps;
        if (bps == 1 && ch == 1)
            return new Mask(w, h, s); // palette index / grey level; the constructor maps nonzero to 1 in place

        var d = new byte[n];
        if (img.HasAlpha)
        {
            int alpha = (ch - 1) * bps;
            bool opaque = true;
            for (int i = 0; i < n && opaque; i++)
                opaque = s[i * step + alpha] == 255 && (bps == 1 || s[i * step + alpha + 1] == 255);
            if (!opaque)
            {
                for (int i = 0; i < n; i++)
                    d[i] = (byte)(s[i * step + alpha] | (bps == 2 ? s[i * step + alpha + 1] : 0));
                return new Mask(w, h, d);
            }
        }
        int colourBytes = (img.HasAlpha ? ch - 1 : ch) * bps;
        for (int i = 0; i < n; i++)
        {
            int p = i * step, any = 0;
            for (int k = 0; k < colourBytes; k++) any |= s[p + k];
            d[i] = (byte)any;
        }
        return new Mask(w, h, d);
    }

    internal static byte[] ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new EdgeSamException($"{path}: PNG file not found; check the path");
            if (info.Length > MaxFileBytes)
                throw new EdgeSamException($"{path}: PNG file of {info.Length >> 20} MB exceeds the {MaxFileBytes >> 20} MB limit");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeSamException($"{path}: cannot read the PNG file ({e.Message.TrimEnd('.')}); check the path and its permissions", e);
        }
    }
}
