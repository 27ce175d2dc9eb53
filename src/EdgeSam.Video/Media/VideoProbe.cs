using System.Globalization;
using System.Text.Json;
using FFMpegCore;
using FFMpegCore.Exceptions;

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
/// <param name="TimeBase">The stream's time base in seconds per tick (packet timestamps are counted in it); 0 when unknown.</param>
public sealed record VideoInfo(
    int Width, int Height, double FrameRate, int FrameCount, int Rotation, string Codec, string PixelFormat,
    double StartTime, double Duration, int StreamIndex, IReadOnlyDictionary<string, string> Tags, string FormatName = "",
    double TimeBase = 0)
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

/// <summary>One video packet as the demuxer delivers it: presentation time in stream ticks (null when the stream has
/// none, as a raw H.264 stream) and whether the demuxer discards it (an edit list hides it).</summary>
internal readonly record struct VideoPacket(long? Pts, bool Discarded);

/// <summary>The first video stream of a file, through FFMpegCore's <see cref="FFProbe"/>.</summary>
public static class VideoProbe
{
    /// <summary>Probes <paramref name="path"/>; a missing file, a file without video or one ffprobe cannot read is an
    /// <see cref="EdgeSamException"/>. ffprobe is killed past <paramref name="timeout"/> (default two minutes).</summary>
    public static VideoInfo Probe(string path, CancellationToken cancel = default, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new EdgeSamException($"video not found: {path}; check the path.");
        // FFMpegCore hands ffprobe one command-line string with the name in double quotes, so a quote in it would end
        // the name early (ffprobe then reports a different, missing file).
        if (path.Contains('"'))
            throw new EdgeSamException($"{path}: a video name with a double quote cannot be passed to ffprobe; rename the file.");
        IMediaAnalysis analysis = Run(path, timeout, cancel, token => FFProbe.AnalyseAsync(path, FfTools.Options(), null, token));
        VideoInfo info = FromAnalysis(analysis, path);
        if (info.FrameCount <= 0)
            info = info with { FrameCount = Packets(path, info.StreamIndex, cancel).Count };
        if (info.FrameCount <= 0)
            throw new EdgeSamException($"{path} has a video stream with no frames; is the file truncated?");
        return info;
    }

    /// <summary>The packets of stream <paramref name="streamIndex"/> in decode order, demuxed (not decoded): the frame
    /// count when the container stores none, and the timestamps a seek needs.</summary>
    internal static List<VideoPacket> Packets(string path, int streamIndex, CancellationToken cancel, TimeSpan? timeout = null)
    {
        // Only the fields used: the full packet listing is ~30x the size of these, all parsed as JSON.
        string select = "-select_streams " + streamIndex.ToString(CultureInfo.InvariantCulture) + " -show_entries packet=stream_index,pts,pts_time,flags";
        FFProbePackets packets = Run(path, timeout, cancel, token => FFProbe.GetPacketsAsync(path, FfTools.Options(), select, token));
        var list = new List<VideoPacket>(packets.Packets?.Count ?? 0);
        foreach (FFProbePacket p in packets.Packets ?? [])
        {
            if (p.StreamIndex != streamIndex) continue;
            // ffprobe leaves "pts" out where the stream has no timestamps; the model then reads 0 and no pts_time.
            bool hasPts = !string.IsNullOrEmpty(p.PtsTime) && p.PtsTime != "N/A";
            list.Add(new VideoPacket(hasPts ? p.Pts : null, p.Flags?.Contains('D') == true));
        }
        return list;
    }

    /// <summary>Runs one FFProbe call under <paramref name="timeout"/> and turns its failures into one line each.</summary>
    private static T Run<T>(string path, TimeSpan? timeout, CancellationToken cancel, Func<CancellationToken, Task<T>> call)
    {
        TimeSpan limit = timeout ?? FfTools.ProbeTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(limit);
        try
        {
            return call(deadline.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new EdgeSamException($"ffprobe did not finish within {limit.TotalSeconds:0} s on {path}; is it a pipe, a device or a stalled network path? Give a regular video file.");
        }
        catch (FFProbeProcessException e)
        {
            cancel.ThrowIfCancellationRequested();
            throw new EdgeSamException($"ffprobe failed on {path} (exit code {e.ExitCode}): {FfTools.LastMessage(e.StandardError, "ffprobe")}", e);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or FFMpegException or FFProbeException or InvalidOperationException)
        {
            cancel.ThrowIfCancellationRequested();
            throw new EdgeSamException(FfTools.Missing("ffprobe", e), e);
        }
        catch (Exception e) when (e is JsonException or FormatException or OverflowException)
        {
            throw new EdgeSamException($"cannot read ffprobe's answer for {path}: {FfTools.OneLine(e.Message)}", e);
        }
    }

    internal static VideoInfo FromAnalysis(IMediaAnalysis analysis, string path)
    {
        FFProbeStream? s = analysis.Raw?.Streams?.FirstOrDefault(x => x.CodecType == "video");
        VideoStream? v = analysis.VideoStreams.FirstOrDefault(x => s != null && x.Index == s.Index);
        if (s is null || v is null)
            throw new EdgeSamException($"{path} has no video stream; give a video file or a folder of frames.");
        int w = s.Width ?? 0, h = s.Height ?? 0;
        if (w <= 0 || h <= 0)
            throw new EdgeSamException($"{path}: ffprobe reports a {w}x{h} video stream; the file may be damaged.");

        double fps = Rational(s.AvgFrameRate);
        if (!(fps > 0)) fps = Rational(s.FrameRate);
        if (!(fps > 0) || fps > 10000) fps = 0;

        int frames = int.TryParse(Extra(s, "nb_frames"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int nf) ? nf : 0;
        var tags = new Dictionary<string, string>(s.Tags ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);

        // FFMpegCore reads the display matrix's angle, else the older "rotate" tag. Only the angle modulo 180 matters
        // here (the display size); the pixels are turned by ffmpeg's autorotate when decoding.
        int rotation = ((int)Math.Round(v.Rotation / 90.0) * 90 % 360 + 360) % 360;
        if (rotation is 90 or 270) (w, h) = (h, w);

        double start = analysis.Format?.StartTime.TotalSeconds ?? 0;
        double duration = analysis.Format?.Duration.TotalSeconds ?? 0;
        if (!(duration > 0)) duration = v.Duration.TotalSeconds;
        double timeBase = Rational(Extra(s, "time_base"));

        return new VideoInfo(w, h, fps, frames, rotation, s.CodecName ?? "?", s.PixelFormat ?? "?",
            start, Math.Max(0, duration), s.Index, tags, analysis.Format?.FormatName ?? "", timeBase > 0 ? timeBase : 0);
    }

    /// <summary>A stream field the FFMpegCore model has no property for (it keeps them as extension data).</summary>
    private static string? Extra(FFProbeStream s, string name) =>
        s.ExtensionData is { } x && x.TryGetValue(name, out JsonElement e)
            ? (e.ValueKind == JsonValueKind.String ? e.GetString() : e.ToString())
            : null;

    /// <summary>ffprobe's <c>num/den</c> rates; <c>0/0</c> is unknown (NaN).</summary>
    internal static double Rational(string? s)
    {
        if (string.IsNullOrEmpty(s)) return double.NaN;
        int slash = s.IndexOf('/');
        if (slash < 0) return Number(s);
        double num = Number(s[..slash]), den = Number(s[(slash + 1)..]);
        return den == 0 ? double.NaN : num / den;
    }

    private static double Number(string? s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) ? d : double.NaN;
}
