namespace EdgeSam.Video.Media;

/// <summary>Versions of the media libraries the tool stands on, for <c>info</c> and bug reports.</summary>
public static class MediaVersions
{
    /// <summary>OpenCV's version string (<c>4.13.0</c>), loading its native library: a missing shared library
    /// (e.g. GTK 3) is an <see cref="EdgeSamException"/> saying so.</summary>
    public static string OpenCv()
    {
        try
        {
            return OpenCvSharp.Cv2.GetVersionString() ?? "?";
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            throw new EdgeSamException($"OpenCV's native library (libOpenCvSharpExtern.so) could not be loaded: {FfTools.OneLine((e.InnerException ?? e).Message)}; run src/bootstrap.sh (it installs libgtk-3-0).", e);
        }
    }

    /// <summary>The version ffmpeg reports (<c>5.1.6-0+deb12u1</c>), from the first line of <c>ffmpeg -version</c>.</summary>
    public static string Ffmpeg(CancellationToken cancel = default)
    {
        string text = FfmpegProcess.RunForText("ffmpeg", ["-hide_banner", "-version"], "-version", cancel, TimeSpan.FromSeconds(20));
        string first = text.Split('\n', 2)[0].Trim();
        const string prefix = "ffmpeg version ";
        if (!first.StartsWith(prefix, StringComparison.Ordinal)) return first;
        string rest = first[prefix.Length..];
        int space = rest.IndexOf(' ');
        return space < 0 ? rest : rest[..space];
    }
}
