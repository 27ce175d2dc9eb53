namespace EdgeSam.Video.Media;

public static partial class PngCodec
{
    /// <summary>A label map as an 8-bit palette PNG with the full 256-entry <see cref="DavisPalette"/> (the DAVIS result format).</summary>
    public static byte[] EncodeLabels(LabelMap map, PngWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        return PngEncoder.Encode(map.Width, map.Height, PngColorType.Palette, map.Data, DavisPalette.Rgb, options ?? PngWriteOptions.Default);
    }

    /// <summary>Writes <see cref="EncodeLabels"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void WriteLabels(string path, LabelMap map, PngWriteOptions? options = null) =>
        PngEncoder.WriteAtomic(path, EncodeLabels(map, options));

    /// <summary>8-bit greyscale, <paramref name="gray"/> is <c>width * height</c> bytes row-major.</summary>
    public static byte[] EncodeGray(int width, int height, ReadOnlySpan<byte> gray, PngWriteOptions? options = null) =>
        PngEncoder.Encode(width, height, PngColorType.Gray, gray, [], options ?? PngWriteOptions.Default);

    public static void WriteGray(string path, int width, int height, ReadOnlySpan<byte> gray, PngWriteOptions? options = null) =>
        PngEncoder.WriteAtomic(path, EncodeGray(width, height, gray, options));

    /// <summary>A binary mask as 8-bit grey 0/255 (the DAVIS 2016 annotation format).</summary>
    public static byte[] EncodeMask(Mask mask, PngWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var g = new byte[mask.Data.Length];
        for (int i = 0; i < g.Length; i++) g[i] = mask.Data[i] != 0 ? (byte)255 : (byte)0;
        return EncodeGray(mask.Width, mask.Height, g, options);
    }

    public static void WriteMask(string path, Mask mask, PngWriteOptions? options = null) =>
        PngEncoder.WriteAtomic(path, EncodeMask(mask, options));

    /// <summary>8-bit RGB, <paramref name="rgb"/> interleaved, <c>width * height * 3</c> bytes.</summary>
    public static byte[] EncodeRgb(int width, int height, ReadOnlySpan<byte> rgb, PngWriteOptions? options = null) =>
        PngEncoder.Encode(width, height, PngColorType.Rgb, rgb, [], options ?? PngWriteOptions.Default);

    public static byte[] EncodeRgb(RgbImage image, PngWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return EncodeRgb(image.Width, image.Height, image.Pixels, options);
    }

    public static void WriteRgb(string path, int width, int height, ReadOnlySpan<byte> rgb, PngWriteOptions? options = null) =>
        PngEncoder.WriteAtomic(path, EncodeRgb(width, height, rgb, options));

    public static void WriteRgb(string path, RgbImage image, PngWriteOptions? options = null) =>
        PngEncoder.WriteAtomic(path, EncodeRgb(image, options));

    /// <summary>8-bit RGBA (straight, not premultiplied, alpha), interleaved, <c>width * height * 4</c> bytes.</summary>
    public static byte[] EncodeRgba(int width, int height, ReadOnlySpan<byte> rgba, PngWriteOptions? options = null) =>
        PngEncoder.Encode(width, height, PngColorType.Rgba, rgba, [], options ?? PngWriteOptions.Default);

    public static void WriteRgba(string path, int width, int height, ReadOnlySpan<byte> rgba, PngWriteOptions? options = null) =>
        PngEncoder.WriteAtomic(path, EncodeRgba(width, height, rgba, options));
}
