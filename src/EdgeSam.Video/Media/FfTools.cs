using FFMpegCore;

namespace EdgeSam.Video.Media;

/// <summary>What the FFMpegCore-based probe and writers share: where ffmpeg/ffprobe live, and how their stderr becomes one line.</summary>
internal static partial class FfTools
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^\[([^\]\s]+) @ 0x[0-9a-fA-F]+\] ")]
    private static partial System.Text.RegularExpressions.Regex ContextPrefix();

    /// <summary>How long an ffprobe run may take before it is killed: a probe reads headers, a packet listing demuxes
    /// (never decodes) the stream, both seconds even for hours of video on a local disk; far longer means a stalled
    /// source (a FIFO nobody writes, a hung network mount).</summary>
    internal static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(120);

    /// <summary>FFMpegCore's options: the binaries from <c>EDGESAM_FFMPEG_DIR</c> when set, else from PATH.</summary>
    public static FFOptions Options()
    {
        string? dir = Environment.GetEnvironmentVariable("EDGESAM_FFMPEG_DIR");
        return string.IsNullOrEmpty(dir) ? new FFOptions() : new FFOptions { BinaryFolder = dir };
    }

    /// <summary>The advice when a tool cannot be started at all.</summary>
    public static string Missing(string tool, Exception e) =>
        $"cannot run {tool}: {OneLine(e.Message)}; install ffmpeg (apt-get install ffmpeg) or set EDGESAM_FFMPEG_DIR to the folder holding ffmpeg and ffprobe.";

    /// <summary>
    /// The stderr line that names the cause: ffmpeg prints generic summaries after it ("Conversion failed"), and
    /// prefixes lines with the address of the reporting context (<c>[libx264 @ 0x55..]</c>), which is noise to a user.
    /// </summary>
    public static string LastMessage(IEnumerable<string>? stderr, string tool)
    {
        string? last = null;
        foreach (string raw in stderr ?? [])
        {
            string line = raw.Trim();
            if (line.Length == 0
                || line.StartsWith("Conversion failed", StringComparison.Ordinal)
                || line.StartsWith("Error initializing output stream", StringComparison.Ordinal)
                || line.StartsWith("Exiting normally", StringComparison.Ordinal)) continue;
            last = line;
        }
        return last == null ? $"{tool} gave no message" : OneLine(ContextPrefix().Replace(last, "$1: "));
    }

    internal static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
