using System.Runtime.InteropServices;
using OpenCvSharp;

namespace EdgeSam.Video.Media;

/// <summary>
/// Image decoding through OpenCV (<c>Cv2.ImDecode</c>: libjpeg-turbo, libpng, BMP...), and conversions between
/// OpenCV's <see cref="Mat"/> and <see cref="RgbImage"/>. OpenCV's JPEG decode of DAVIS frames equals Pillow's pixel for
/// pixel (the golden test in EdgeSamGoldenTests checks it), which is what EdgeSAM's reference preprocessing sees.
/// </summary>
public static class CvImage
{
    /// <summary>
    /// Decodes an encoded image (<paramref name="data"/>) to RGB, or null when OpenCV cannot decode it. The EXIF
    /// orientation is ignored, as Pillow's <c>Image.open</c> (which the reference pipelines use) ignores it; 16-bit
    /// samples are reduced to 8 bits and an alpha channel is dropped.
    /// </summary>
    public static RgbImage? TryDecode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return null;
        using Mat bgr = Cv2.ImDecode(data, ImreadModes.Color | ImreadModes.IgnoreOrientation);
        if (bgr.Empty()) return null;
        return FromBgr(bgr);
    }

    /// <summary>Decodes the image file <paramref name="path"/> (see <see cref="TryDecode"/>); a failure is an
    /// <see cref="EdgeSamException"/> naming the file.</summary>
    public static RgbImage Decode(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeSamException($"cannot read {path}: {FfTools.OneLine(e.Message)}", e);
        }
        return TryDecode(data)
            ?? throw new EdgeSamException($"{path} is not an image OpenCV can decode (damaged or truncated?); replace the file.");
    }

    /// <summary>Baseline JPEG of an RGB image at <paramref name="quality"/> (1-100) through OpenCV's <c>imencode</c>
    /// (libjpeg-turbo).</summary>
    public static byte[] EncodeJpeg(RgbImage image, int quality)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        // OpenCV encodes BGR; the RGB bytes are wrapped in place and swapped into a scratch Mat.
        GCHandle pin = GCHandle.Alloc(image.Pixels, GCHandleType.Pinned);
        try
        {
            using var rgb = Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC3, pin.AddrOfPinnedObject());
            using var bgr = new Mat();
            Cv2.CvtColor(rgb, bgr, ColorConversionCodes.RGB2BGR);
            Cv2.ImEncode(".jpg", bgr, out byte[] jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
            return jpeg;
        }
        finally
        {
            pin.Free();
        }
    }

    /// <summary>A copy of an 8-bit 3-channel BGR <see cref="Mat"/> (OpenCV's channel order) as an RGB image.</summary>
    public static RgbImage FromBgr(Mat bgr)
    {
        if (bgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"expected an 8-bit 3-channel image, got {bgr.Type()}.", nameof(bgr));
        var img = new RgbImage(bgr.Width, bgr.Height);
        // The destination Mat wraps the image's own array, so cvtColor writes the RGB bytes in place (no row padding).
        GCHandle pin = GCHandle.Alloc(img.Pixels, GCHandleType.Pinned);
        try
        {
            using var rgb = Mat.FromPixelData(img.Height, img.Width, MatType.CV_8UC3, pin.AddrOfPinnedObject());
            Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        }
        finally
        {
            pin.Free();
        }
        return img;
    }

    /// <summary>
    /// Runs <paramref name="use"/> with a <see cref="Mat"/> header over <paramref name="pixels"/> (pinned for the
    /// call, no copy): <paramref name="height"/> rows of <paramref name="width"/> elements of <paramref name="type"/>,
    /// no row padding. The Mat must not escape <paramref name="use"/>.
    /// </summary>
    public static T Over<TElement, T>(TElement[] pixels, int width, int height, MatType type, Func<Mat, T> use)
        where TElement : unmanaged
    {
        ArgumentNullException.ThrowIfNull(pixels);
        long need = (long)width * height * type.Channels;
        if (pixels.Length < need)
            throw new ArgumentException($"buffer of {pixels.Length} elements is smaller than {width}x{height}x{type.Channels}.", nameof(pixels));
        GCHandle pin = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            using var m = Mat.FromPixelData(height, width, type, pin.AddrOfPinnedObject());
            return use(m);
        }
        finally
        {
            pin.Free();
        }
    }
}
