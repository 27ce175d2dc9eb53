namespace EdgeSam.Video.Media;

/// <summary>Options for <see cref="FrameSources.Open"/>.</summary>
/// <param name="FolderFrameRate">Frame rate reported for a folder of images (they carry none).</param>
public sealed record FrameSourceOptions(double FolderFrameRate = 24);

/// <summary>Opens the frames of a video file or of a folder of images.</summary>
public static class FrameSources
{
    /// <summary>
    /// A folder becomes a <see cref="FrameFolderSource"/>, a file a <see cref="VideoFrameSource"/> (anything ffmpeg
    /// decodes; a single image is a one-frame video). A missing path, an empty folder or an undecodable file is an
    /// <see cref="EdgeSamException"/> with one line saying which.
    /// </summary>
    public static IFrameSource Open(string path, FrameSourceOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new FrameSourceOptions();
        if (path.Length == 0)
            throw new EdgeSamException("no input given: pass a video file or a folder of frames.");
        if (path == "-")
            throw new EdgeSamException("reading a video from standard input is not supported: it is read more than once (probing, seeking), so save it to a file first (e.g. ffmpeg -i pipe:0 -c copy clip.mkv) and pass that.");
        if (Directory.Exists(path))
            return FrameFolderSource.Open(path, options.FolderFrameRate);
        if (!File.Exists(path))
            throw new EdgeSamException($"input not found: {path}; give an existing video file or folder of frames.");
        // A FIFO, a pipe (/dev/stdin) or a device reports no size: ffprobe and every later read would open it again,
        // hanging on a FIFO without a writer or reading whatever is left of a pipe. An empty regular file is no video.
        if (new FileInfo(path).Length == 0)
            throw new EdgeSamException($"{path} is empty or not a regular file (a pipe, FIFO or device): the video is read more than once, so save it to a regular file first (e.g. ffmpeg -i pipe:0 -c copy clip.mkv) and pass that.");
        try
        {
            return VideoFrameSource.Open(path, cancel);
        }
        catch (EdgeSamException e) when (e.Message.StartsWith("ffprobe failed", StringComparison.Ordinal))
        {
            throw new EdgeSamException($"{path} is not a video ffmpeg can decode ({LastPart(e.Message)}); give a video file or a folder of frames.", e);
        }
    }

    private static string LastPart(string message)
    {
        int colon = message.LastIndexOf(": ", StringComparison.Ordinal);
        return colon >= 0 ? message[(colon + 2)..] : message;
    }
}
