namespace EdgeSam.Video.Media;

/// <summary>
/// An 8-bit RGB image, interleaved RGBRGB..., rows top to bottom, no row padding:
/// pixel (x, y) channel c is at <c>(y * Width + x) * 3 + c</c>. This is the frame type of the whole data path
/// (ffmpeg rawvideo rgb24 decodes straight into it).
/// </summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }

    /// <summary>Pixel bytes, length <c>Width * Height * 3</c>. Owned by this image.</summary>
    public byte[] Pixels { get; }

    public RgbImage(int width, int height)
        : this(width, height, new byte[checked(ValidateSize(width, height) * 3)]) { }

    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        long n = (long)ValidateSize(width, height) * 3;
        if (pixels.Length != n)
            throw new ArgumentException($"RGB buffer holds {pixels.Length} bytes, a {width}x{height} image needs {n}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public Span<byte> Row(int y) => Pixels.AsSpan(y * Width * 3, Width * 3);

    public RgbImage Clone() => new(Width, Height, (byte[])Pixels.Clone());

    internal static int ValidateSize(int width, int height)
    {
        if (width <= 0 || height <= 0 || (long)width * height > int.MaxValue / 4)
            throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width}x{height} is not supported.");
        return width * height;
    }
}
