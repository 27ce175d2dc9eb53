namespace EdgeSam.Video.Media;

/// <summary>
/// Streams rawvideo rgb24 frames out of one ffmpeg process: exactly <c>W*H*3</c> bytes per frame into a fresh
/// <see cref="RgbImage"/>. Only the frame being filled is held, so memory does not grow with the video's length.
/// The enumerator's Dispose (a <c>foreach</c> that breaks, throws or completes) kills ffmpeg if it still runs.
/// </summary>
internal static class RawFramePipe
{
    /// <summary>Longest wait for one frame's bytes: decoding a frame takes milliseconds, seeking to a far keyframe
    /// seconds; minutes without a byte is a stalled source.</summary>
    internal static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Starts ffmpeg with <paramref name="args"/> (which must write rawvideo rgb24 to stdout) and yields up to
    /// <paramref name="maxFrames"/> frames of <paramref name="width"/> x <paramref name="height"/>.
    /// <paramref name="stdinText"/> is written to ffmpeg's stdin then closed (the concat demuxer's file list), or null;
    /// <paramref name="what"/> names the input in error messages.</summary>
    public static IEnumerable<RgbImage> Stream(IReadOnlyList<string> args, string? stdinText, int width, int height,
        int maxFrames, string what, CancellationToken cancel, TimeSpan? stallTimeout = null)
    {
        TimeSpan stall = stallTimeout ?? StallTimeout;
        if (maxFrames <= 0) yield break;
        cancel.ThrowIfCancellationRequested();
        int frameBytes = checked(RgbImage.ValidateSize(width, height) * 3);
        FfmpegProcess p = FfmpegProcess.Start("ffmpeg", args, redirectStdin: stdinText != null, cancel);
        // Watchdog: ffmpeg that takes StallTimeout to deliver one frame (a stalled source) is killed, so the read
        // returns. Only time spent waiting for ffmpeg counts, not the consumer's time between frames.
        long readingSince = 0;
        bool stalled = false;
        using var watchdog = new Timer(_ =>
        {
            long since = Volatile.Read(ref readingSince);
            if (since == 0 || Environment.TickCount64 - since <= (long)stall.TotalMilliseconds) return;
            Volatile.Write(ref stalled, true);
            p.Kill();
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        try
        {
            if (stdinText != null)
            {
                // The list is small (one line per file) and ffmpeg reads all of it before decoding: no deadlock.
                using var w = new StreamWriter(p.StandardInput, new System.Text.UTF8Encoding(false));
                w.Write(stdinText);
            }
            Stream stdout = p.StandardOutput;
            for (int produced = 0; produced < maxFrames; produced++)
            {
                var pixels = new byte[frameBytes];
                Volatile.Write(ref readingSince, Environment.TickCount64);
                int got = Fill(stdout, pixels, p, what, cancel);
                Volatile.Write(ref readingSince, 0);
                if (Volatile.Read(ref stalled))
                    throw new EdgeSamException($"ffmpeg delivered no frame of {what} for {stall.TotalSeconds:0} s and was stopped; is the input a stalled pipe or network path?");
                if (got == 0)
                {
                    // End of stream: ffmpeg finished (fewer frames than asked when the container's count overstates)
                    // or failed; only the exit code tells which.
                    p.WaitForExit();
                    cancel.ThrowIfCancellationRequested();
                    if (p.ExitCode != 0) throw p.Failure(what);
                    yield break;
                }
                if (got != frameBytes)
                {
                    p.WaitForExit();
                    cancel.ThrowIfCancellationRequested();
                    if (p.ExitCode != 0) throw p.Failure(what);
                    throw new EdgeSamException($"ffmpeg ended {what} in the middle of frame {produced} ({got} of {frameBytes} bytes); the frames may not all be {width}x{height}.");
                }
                yield return new RgbImage(width, height, pixels);
            }
        }
        finally
        {
            // Abandoned early (break, exception, cancellation) or done: never leave ffmpeg running.
            p.Dispose();
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    private static int Fill(Stream s, byte[] buffer, FfmpegProcess p, string what, CancellationToken cancel)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = s.Read(buffer, total, buffer.Length - total);
                if (n == 0) break;
                total += n;
            }
        }
        catch (IOException e)
        {
            cancel.ThrowIfCancellationRequested();
            throw new EdgeSamException($"reading frames of {what} from ffmpeg failed: {FfTools.OneLine(e.Message)}; last ffmpeg message: {p.LastErrorLine}", e);
        }
        if (total < buffer.Length) cancel.ThrowIfCancellationRequested();
        return total;
    }
}
