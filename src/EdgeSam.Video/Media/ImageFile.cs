using System.Globalization;

namespace EdgeSam.Video.Media;

/// <summary>Single images through ffmpeg (any format it decodes: JPEG, PNG, BMP, WebP, TIFF...).</summary>
public static class ImageFile
{
    /// <summary>File extensions read as frames of a folder (lower case, with the dot).</summary>
    public static IReadOnlySet<string> FrameExtensions { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp" };

    /// <summary>
    /// Decodes <paramref name="path"/> (the first frame, for videos) to RGB24: through OpenCV's <c>imdecode</c>
    /// (<see cref="CvImage"/>: JPEG pixel for pixel as Pillow decodes it, PNG, BMP, WebP, TIFF), else through ffmpeg.
    /// </summary>
    public static RgbImage ReadRgb(string path, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new EdgeSamException($"image not found: {path}; check the path.");
        byte[] data;
        try
        {
            data = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeSamException($"cannot read {path}: {FfTools.OneLine(e.Message)}", e);
        }
        if (CvImage.TryDecode(data) is { } decoded) return decoded;
        (int w, int h) = Size(full, cancel);
        foreach (RgbImage img in RawFramePipe.Stream(DecodeArgs(["-i", full], w, h), null, w, h, 1, full, cancel))
            return img;
        throw new EdgeSamException($"ffmpeg decoded no picture from {path}; is it an image?");
    }

    /// <summary>Image size from the header (JPEG/PNG/BMP), else from ffprobe.</summary>
    public static (int Width, int Height) Size(string path, CancellationToken cancel = default)
    {
        (int, int)? s;
        try
        {
            s = ImageHeader.TryReadSize(path);
        }
        catch (IOException e)
        {
            throw new EdgeSamException($"cannot read {path}: {FfTools.OneLine(e.Message)}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new EdgeSamException($"cannot read {path}: permission denied.", e);
        }
        if (s is { } known) return known;
        VideoInfo info;
        try
        {
            info = VideoProbe.Probe(path, cancel);
        }
        catch (EdgeSamException e)
        {
            throw new EdgeSamException($"{path} is not an image ffmpeg can decode: {e.Message}", e);
        }
        return (info.Width, info.Height);
    }

    /// <summary>ffmpeg arguments after the input options: one rgb24 frame stream of exactly <paramref name="w"/> x <paramref name="h"/>.</summary>
    internal static List<string> DecodeArgs(IEnumerable<string> input, int w, int h)
    {
        var args = new List<string> { "-hide_banner", "-nostdin", "-v", "error" };
        args.AddRange(input);
        args.AddRange(["-map", "0:v:0", "-an", "-sn", "-dn", "-fps_mode", "passthrough",
            "-vf", string.Create(CultureInfo.InvariantCulture, $"scale={w}:{h}"),
            "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        return args;
    }
}
