using System.Globalization;
using System.Text.Json;

namespace EdgeSam.Video.Media;

/// <summary>
/// What <c>ffprobe</c> says about the first video stream of a file.
/// </summary>
/// <param name="Width">Display width: the coded width, swapped with the height for a 90/270 degree rotation
/// (ffmpeg's autorotate, on by default, turns the decoded pixels the same way).</param>
/// <param name="Height">Display height (see <paramref name="Width"/>).</param>
/// <param name="FrameRate">Frames per second from <c>avg_frame_rate</c>, else <c>r_frame_rate</c>; 0 when neither is known.</param>
/// <param name="FrameCount">Frames in the stream: <c>nb_frames</c>, else the number of video packets counted by demuxing.</param>
/// <param name="Rotation">Display rotation in degrees as ffprobe reports it (display matrix, else the <c>rotate</c> tag),
/// normalised to 0, 90, 180 or 270.</param>
/// <param name="Codec">Codec name (<c>h264</c>, <c>prores</c>, <c>vp9</c>...).</param>
/// <param name="PixelFormat">Decoder pixel format (<c>yuv420p</c>, <c>yuva444p10le</c>...).</param>
/// <param name="StartTime">The container's start time in seconds (ffmpeg's input <c>-ss</c> counts from it).</param>
/// <param name="Duration">Duration in seconds, 0 when unknown.</param>
/// <param name="StreamIndex">Index of the stream in the file.</param>
/// <param name="Tags">The stream's tags (e.g. <c>alpha_mode</c> for VP9 with alpha in WebM).</param>
/// <param name="FormatName">ffprobe's container name (<c>mov,mp4,m4a,3gp,3g2,mj2</c>, <c>matroska,webm</c>, <c>mpegts</c>...).</param>
public sealed record VideoInfo(
    int Width, int Height, double FrameRate, int FrameCount, int Rotation, string Codec, string PixelFormat,
    double StartTime, double Duration, int StreamIndex, IReadOnlyDictionary<string, string> Tags, string FormatName = "")
{
    /// <summary>
    /// True for containers with a keyframe index (MP4/MOV, Matroska/WebM), where ffmpeg's input seek lands on a
    /// keyframe at or before the target and accurate seeking is exact. MPEG-TS, raw streams and the like seek by
    /// byte position and may land after the target.
    /// </summary>
    public bool HasSeekIndex => FormatName.Split(',').Any(f => f is "mov" or "mp4" or "matroska" or "webm");

    /// <summary>True when the stream carries an alpha channel: a pixel format with alpha, or WebM's <c>alpha_mode=1</c> tag.</summary>
    public bool HasAlpha =>
        PixelFormat.StartsWith("yuva", StringComparison.Ordinal) || PixelFormat.Contains("rgba", StringComparison.Ordinal)
        || PixelFormat.StartsWith("gbrap", StringComparison.Ordinal) || PixelFormat.Contains("argb", StringComparison.Ordinal)
        || PixelFormat.Contains("bgra", StringComparison.Ordinal)
        || (Tags.TryGetValue("alpha_mode", out string? a) && a == "1");
}

/// <summary><c>ffprobe -print_format json</c> over the first video stream of a file.</summary>
public static class VideoProbe
{
    /// <summary>Probes <paramref name="path"/>; a missing file, a file without video or one ffprobe cannot read is an <see cref="EdgeSamException"/>.</summary>
    public static VideoInfo Probe(string path, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new EdgeSamException($"video not found: {path}; check the path.");
        string json = FfmpegProcess.RunForText("ffprobe",
            ["-v", "error", "-hide_banner", "-print_format", "json", "-show_format", "-show_streams", "-select_streams", "v:0", path],
            path, cancel);
        VideoInfo info;
        try
        {
            info = Parse(json, path);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new EdgeSamException($"cannot read ffprobe's answer for {path}: {e.Message}", e);
        }
        if (info.FrameCount <= 0)
            info = info with { FrameCount = CountPackets(path, cancel) };
        if (info.FrameCount <= 0)
            throw new EdgeSamException($"{path} has a video stream with no frames; is the file truncated?");
        return info;
    }

    /// <summary>Demuxes (does not decode) the video stream to count its packets: the frame count when the container does not store it.</summary>
    internal static int CountPackets(string path, CancellationToken cancel)
    {
        string json = FfmpegProcess.RunForText("ffprobe",
            ["-v", "error", "-print_format", "json", "-count_packets", "-select_streams", "v:0", "-show_entries", "stream=nb_read_packets", path],
            path, cancel);
        using var doc = JsonDocument.Parse(json);
        foreach (JsonElement s in doc.RootElement.GetProperty("streams").EnumerateArray())
            if (s.TryGetProperty("nb_read_packets", out JsonElement n))
                return int.Parse(n.GetString() ?? "0", CultureInfo.InvariantCulture);
        return 0;
    }

    internal static VideoInfo Parse(string json, string path)
    {
        using var doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        if (!root.TryGetProperty("streams", out JsonElement streams) || streams.GetArrayLength() == 0)
            throw new EdgeSamException($"{path} has no video stream; give a video file or a folder of frames.");
        JsonElement s = streams[0];
        int w = s.GetProperty("width").GetInt32();
        int h = s.GetProperty("height").GetInt32();
        if (w <= 0 || h <= 0)
            throw new EdgeSamException($"{path}: ffprobe reports a {w}x{h} video stream; the file may be damaged.");

        double fps = Rational(Str(s, "avg_frame_rate"));
        if (fps <= 0 || double.IsNaN(fps)) fps = Rational(Str(s, "r_frame_rate"));
        if (fps <= 0 || double.IsNaN(fps) || fps > 10000) fps = 0;

        int frames = int.TryParse(Str(s, "nb_frames"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int nf) ? nf : 0;

        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (s.TryGetProperty("tags", out JsonElement t) && t.ValueKind == JsonValueKind.Object)
            foreach (JsonProperty p in t.EnumerateObject())
                tags[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.ToString();

        // Rotation: the display matrix side data (ffmpeg >= 5 reports its angle as "rotation"); older demuxers give a
        // "rotate" tag instead. Only the angle modulo 180 matters here (the display size); the pixels are turned by
        // ffmpeg's autorotate when decoding.
        double rot = 0;
        bool haveRot = false;
        if (s.TryGetProperty("side_data_list", out JsonElement sd) && sd.ValueKind == JsonValueKind.Array)
            foreach (JsonElement d in sd.EnumerateArray())
                if (d.TryGetProperty("rotation", out JsonElement r) && r.ValueKind == JsonValueKind.Number)
                {
                    rot = r.GetDouble();
                    haveRot = true;
                }
        if (!haveRot && tags.TryGetValue("rotate", out string? tag) &&
            double.TryParse(tag, NumberStyles.Float, CultureInfo.InvariantCulture, out double tr))
            rot = tr;
        int rotation = (((int)Math.Round(rot / 90.0) * 90) % 360 + 360) % 360;
        if (rotation is 90 or 270) (w, h) = (h, w);

        double start = 0, duration = 0;
        string formatName = "";
        if (root.TryGetProperty("format", out JsonElement f))
        {
            start = Number(Str(f, "start_time"));
            duration = Number(Str(f, "duration"));
            formatName = Str(f, "format_name") ?? "";
        }
        if (duration <= 0) duration = Number(Str(s, "duration"));

        return new VideoInfo(w, h, fps, frames, rotation, Str(s, "codec_name") ?? "?", Str(s, "pix_fmt") ?? "?",
            start, duration, s.TryGetProperty("index", out JsonElement ix) ? ix.GetInt32() : 0, tags, formatName);
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString()) : null;

    private static double Number(string? s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) ? d : 0;

    /// <summary>ffprobe's <c>num/den</c> rates; <c>0/0</c> is unknown (NaN).</summary>
    internal static double Rational(string? s)
    {
        if (string.IsNullOrEmpty(s)) return double.NaN;
        int slash = s.IndexOf('/');
        if (slash < 0) return Number(s);
        double num = Number(s[..slash]), den = Number(s[(slash + 1)..]);
        return den == 0 ? double.NaN : num / den;
    }
}
