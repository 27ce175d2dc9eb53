using System.Globalization;

namespace EdgeSam.Video.Media;

/// <summary>
/// Frames of a video file, decoded by one ffmpeg process per <see cref="Read"/> (rawvideo rgb24 over stdout).
/// A read from frame <c>s &gt; 0</c> seeks: the presentation timestamps of all frames are indexed once (demuxing only,
/// no decoding) and ffmpeg's accurate input seek is pointed half a frame before frame <c>s</c>, so it decodes from the
/// preceding keyframe, drops what comes before <c>s</c>, and the first frame out is exactly frame <c>s</c>.
/// Only containers with a keyframe index seek (<see cref="VideoInfo.HasSeekIndex"/>: MP4/MOV, Matroska/WebM); for
/// others (MPEG-TS seeks by byte position and can land past the target) or when the timestamps cannot be indexed
/// (missing or non-increasing), a read decodes from the start and selects by frame number: exact, but linear in <c>s</c>.
/// <para>Why not OpenCV's <c>VideoCapture</c> (measured with OpenCvSharp4 4.13, its bundled FFmpeg 7.1): seeking with
/// <c>CAP_PROP_POS_FRAMES</c> maps frames to times through the average rate, so it lands on the wrong frame for 10 of 60
/// starts in a variable-rate MP4 (23 of 60 in Matroska, 12 of 50 on DAVIS blackswan re-timed), 11 of 60 in MPEG-TS and
/// 59 of 60 in a raw H.264 stream; its frame count includes an edit list's hidden frames (75 for 65 shown); it cannot
/// decode AV1 (no software decoder in that build); and with the BGR-to-RGB copy it was no faster (306-416 against
/// 409-450 frames/s on 2,000 854x480 H.264 frames, same loaded machine). It is exact, and turns rotated video, on
/// constant-rate MP4/MKV/WebM only: not enough to replace this reader. Nor FFMpegCore's output pipe: it closes the
/// pipe as soon as ffmpeg exits, so frames still in the pipe are lost (6 of 60 with a consumer taking 50 ms a frame,
/// FFMpegCore 6.0.0); the process layer here (<see cref="RawFramePipe"/>) reads to the end of ffmpeg's stdout.</para>
/// </summary>
public sealed class VideoFrameSource : IFrameSource
{
    private readonly string _path;
    private double[]? _ptsIndex;
    private bool _indexTried;
    private readonly Lock _indexLock = new();

    /// <summary>The probe this source was opened with.</summary>
    public VideoInfo Info { get; }

    public int Width => Info.Width;
    public int Height => Info.Height;
    public int FrameCount => Info.FrameCount;

    /// <summary>The stream's frame rate; 25 when the container does not say.</summary>
    public double FrameRate => Info.FrameRate > 0 ? Info.FrameRate : 25;

    /// <summary>The file this source reads.</summary>
    public string Path => _path;

    private VideoFrameSource(string path, VideoInfo info)
    {
        _path = path;
        Info = info;
    }

    /// <summary>
    /// Probes <paramref name="path"/> with ffprobe and opens it. In MP4/MOV the frame count is that of the frames the
    /// demuxer delivers: <c>nb_frames</c> counts packets, including those an edit list discards (an ordinary
    /// stream-copied cut, <c>ffmpeg -ss ... -c copy</c>, keeps the packets from the keyframe before the cut).
    /// </summary>
    public static VideoFrameSource Open(string path, CancellationToken cancel = default)
    {
        string full = System.IO.Path.GetFullPath(path);
        var source = new VideoFrameSource(full, VideoProbe.Probe(full, cancel));
        if (!source.Info.FormatName.Split(',').Any(f => f is "mov" or "mp4")) return source;
        double[]? pts = source.PtsIndex(cancel);
        if (pts is null || pts.Length == source.FrameCount || pts.Length == 0) return source;
        var counted = new VideoFrameSource(full, source.Info with { FrameCount = pts.Length });
        counted.AdoptIndex(pts);
        return counted;
    }

    private void AdoptIndex(double[] pts)
    {
        lock (_indexLock)
        {
            _ptsIndex = pts;
            _indexTried = true;
        }
    }

    /// <summary>The zero-padded frame index (at least 5 digits, DAVIS style).</summary>
    public string FrameName(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        int digits = Math.Max(5, FrameCount.ToString(CultureInfo.InvariantCulture).Length);
        return index.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    public IEnumerable<RgbImage> Read(int start, int count, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int n = (int)Math.Min(count, Math.Max(0L, (long)FrameCount - start));
        if (n == 0) return [];
        return RawFramePipe.Stream(BuildArgs(start, n, cancel), null, Width, Height, n, _path, cancel);
    }

    private List<string> BuildArgs(int start, int count, CancellationToken cancel)
    {
        var args = new List<string> { "-hide_banner", "-nostdin", "-v", "error" };
        string filter = $"scale={Width}:{Height}";
        if (start > 0)
        {
            double[]? pts = Info.HasSeekIndex ? PtsIndex(cancel) : null;
            if (pts != null && start < pts.Length)
            {
                // -ss counts from the container's start time; half a frame early tolerates timestamp rounding
                // without letting the previous frame through.
                double half = 0.5 * (pts[start] - pts[start - 1]);
                double ss = Math.Max(0, pts[start] - Info.StartTime - half);
                args.Add("-ss");
                args.Add(ss.ToString("0.######", CultureInfo.InvariantCulture));
            }
            else
            {
                filter = $"select=gte(n\\,{start}),{filter}";
            }
        }
        args.AddRange(["-i", _path, "-map", $"0:{Info.StreamIndex}", "-an", "-sn", "-dn",
            "-vf", filter,
            // Passthrough: one output frame per decoded frame (no duplication or dropping to a constant rate).
            "-fps_mode", "passthrough",
            "-frames:v", count.ToString(CultureInfo.InvariantCulture),
            "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        return args;
    }

    /// <summary>Presentation times (seconds) of the frames in display order, or null when unusable; built once from
    /// ffprobe's packet listing.</summary>
    internal double[]? PtsIndex(CancellationToken cancel)
    {
        lock (_indexLock)
        {
            if (_indexTried) return _ptsIndex;
            List<VideoPacket> packets = VideoProbe.Packets(_path, Info.StreamIndex, cancel);
            _indexTried = true;
            if (!(Info.TimeBase > 0)) return _ptsIndex = null;
            var times = new List<double>(packets.Count);
            foreach (VideoPacket p in packets)
            {
                // Packets flagged D are discarded by the demuxer (edit lists) and never become frames.
                if (p.Discarded) continue;
                if (p.Pts is not long pts) return _ptsIndex = null;
                times.Add(pts * Info.TimeBase);
            }
            times.Sort(); // packets come in decode order; frames leave the decoder in presentation order
            for (int i = 1; i < times.Count; i++)
                if (times[i] <= times[i - 1]) return _ptsIndex = null;
            return _ptsIndex = times.Count > 0 ? [.. times] : null;
        }
    }

    public void Dispose() { }
}
