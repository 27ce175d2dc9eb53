using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeSam.Video.Media;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Bench;

/// <summary>
/// <c>edgesam-video bench ...</c>: throughput and memory figures of the data path. Subcommands:
/// <c>decode</c> (frame reading through ffmpeg), <c>encode</c> (the video writers), <c>eval</c> (DAVIS evaluation), <c>segmenter</c> (EdgeSAM-contract models), <c>pipeline</c> (stage overlap), <c>graphcut</c> (single-frame graph-cut quality).
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("bench", "Measure the speed and memory of parts of the pipeline.");
        cmd.Add(CreateDecode(ctx));
        cmd.Add(CreateEncode(ctx));
        // Subcommands owned by other areas live in their own command folders.
        cmd.Add(Eval.EvalBenchCommand.Create(ctx));
        cmd.Add(BenchSegmenter.BenchSegmenterCommand.Create(ctx));
        cmd.Add(PipelineBench.PipelineBenchCommand.Create(ctx));
        cmd.Add(BenchGraphCut.BenchGraphCutCommand.Create(ctx));
        cmd.Add(BenchInteractive.BenchInteractiveCommand.Create(ctx));
        cmd.Add(BenchBox.BenchBoxCommand.Create(ctx));
        return cmd;
    }

    private static Command CreateDecode(CliContext ctx)
    {
        var frames = new Option<int>("--frames") { Description = "Frames of the generated testsrc clip.", DefaultValueFactory = _ => 2000 };
        var size = new Option<string>("--size") { Description = "Size of the generated clip, WxH.", DefaultValueFactory = _ => "854x480" };
        var input = new Option<string?>("--input") { Description = "Decode this video or frame folder instead of a generated clip." };
        var start = new Option<int>("--start") { Description = "First frame to read (exercises the frame-exact seek).", DefaultValueFactory = _ => 0 };
        var cmd = new Command("decode", "Decode a video (a generated H.264 testsrc clip by default) and report frames/s and peak RSS.");
        cmd.Add(frames);
        cmd.Add(size);
        cmd.Add(input);
        cmd.Add(start);
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            (int w, int h) = ParseSize(r.GetValue(size)!);
            var s = new DecodeBenchSettings(r.GetValue(frames), w, h, r.GetValue(input), r.GetValue(start));
            return Task.FromResult(RunDecode(s, ctx, ct));
        });
        return cmd;
    }

    private static Command CreateEncode(CliContext ctx)
    {
        var frames = new Option<int>("--frames") { Description = "Frames written per codec.", DefaultValueFactory = _ => 200 };
        var size = new Option<string>("--size") { Description = "Frame size, WxH.", DefaultValueFactory = _ => "854x480" };
        var codecs = new Option<VideoCodec[]>("--codec") { Description = "Codecs to time (H264, ProRes4444, Vp9Alpha); all by default.", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("encode", "Write synthetic frames with each video writer and report frames/s.");
        cmd.Add(frames);
        cmd.Add(size);
        cmd.Add(codecs);
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            (int w, int h) = ParseSize(r.GetValue(size)!);
            VideoCodec[]? list = r.GetValue(codecs);
            var s = new EncodeBenchSettings(r.GetValue(frames), w, h, list is { Length: > 0 } ? list : null);
            return Task.FromResult(RunEncode(s, ctx, ct));
        });
        return cmd;
    }

    public static int RunDecode(DecodeBenchSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.Frames <= 0) throw new EdgeSamException($"--frames {s.Frames}: give a positive number of frames.");
        string? temp = null;
        try
        {
            string path;
            double generateSeconds = 0;
            if (s.Input != null)
            {
                path = s.Input;
            }
            else
            {
                temp = Path.Combine(Path.GetTempPath(), $"edgesam-bench-{Guid.NewGuid():N}");
                Directory.CreateDirectory(temp);
                path = Path.Combine(temp, "testsrc.mp4");
                var gen = Stopwatch.StartNew();
                Generate(path, s, cancel);
                generateSeconds = gen.Elapsed.TotalSeconds;
            }
            long rssBefore = ProcStatusKb("VmHWM");
            using IFrameSource src = FrameSources.Open(path, cancel: cancel);
            var sw = Stopwatch.StartNew();
            int n = 0;
            long checksum = 0;
            foreach (RgbImage f in src.Read(s.Start, int.MaxValue, cancel))
            {
                for (int i = 0; i < f.Pixels.Length; i += 4099) checksum += f.Pixels[i];
                n++;
            }
            double seconds = sw.Elapsed.TotalSeconds;
            long hwm = ProcStatusKb("VmHWM");
            var inv = CultureInfo.InvariantCulture;
            ctx.Console.WriteLine(s.Input != null ? $"input      {s.Input}"
                : string.Format(inv, "input      generated testsrc clip, H.264 libx264 veryfast ({0:0.0} s to make)", generateSeconds));
            ctx.Console.WriteLine(string.Format(inv, "format     {0}x{1}, {2} frames, {3:0.###} fps", src.Width, src.Height, src.FrameCount, src.FrameRate));
            ctx.Console.WriteLine(string.Format(inv, "decoded    {0} frames from frame {1} in {2:0.000} s = {3:0.0} frames/s",
                n, s.Start, seconds, n / seconds));
            ctx.Console.WriteLine(string.Format(inv, "peak RSS   {0:0.0} MiB (VmHWM; {1:0.0} MiB before decoding)", hwm / 1024.0, rssBefore / 1024.0));
            ctx.Console.WriteLine(string.Format(inv, "frame      {0:0.00} MiB RGB24; GC gen0/1/2 {1}/{2}/{3}; checksum {4}",
                src.Width * src.Height * 3 / 1048576.0, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), checksum));
            return 0;
        }
        finally
        {
            if (temp != null) try { Directory.Delete(temp, recursive: true); } catch (IOException) { }
        }
    }

    public static int RunEncode(EncodeBenchSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.Frames <= 0) throw new EdgeSamException($"--frames {s.Frames}: give a positive number of frames.");
        string temp = Path.Combine(Path.GetTempPath(), $"edgesam-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            RgbImage[] frames = [.. Enumerable.Range(0, 8).Select(i => Pattern(s.Width, s.Height, i * 7))];
            byte[] alpha = Disc(s.Width, s.Height);
            var inv = CultureInfo.InvariantCulture;
            foreach (VideoCodec codec in s.Codecs ?? Enum.GetValues<VideoCodec>())
            {
                string ext = codec switch { VideoCodec.H264 => ".mp4", VideoCodec.ProRes4444 => ".mov", _ => ".webm" };
                string path = Path.Combine(temp, "bench" + ext);
                var sw = Stopwatch.StartNew();
                using (var w = VideoWriter.Create(path, s.Width, s.Height, 25, codec, cancel: cancel))
                {
                    for (int i = 0; i < s.Frames; i++)
                    {
                        if (w.HasAlpha) w.Write(frames[i % frames.Length], alpha);
                        else w.Write(frames[i % frames.Length]);
                    }
                    w.Complete();
                }
                double seconds = sw.Elapsed.TotalSeconds;
                ctx.Console.WriteLine(string.Format(inv, "{0,-11} {1} frames {2}x{3}: {4:0.00} s = {5:0.0} frames/s, {6:0.00} MB",
                    codec, s.Frames, s.Width, s.Height, seconds, s.Frames / seconds, new FileInfo(path).Length / 1e6));
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { }
        }
    }

    private static void Generate(string path, DecodeBenchSettings s, CancellationToken cancel)
    {
        var psi = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])["-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                     string.Create(CultureInfo.InvariantCulture, $"testsrc=size={s.Width}x{s.Height}:rate=25"),
                     "-frames:v", s.Frames.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", path])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new EdgeSamException("cannot start ffmpeg; install it (apt-get install ffmpeg).");
        using CancellationTokenRegistration reg = cancel.Register(() => { try { p.Kill(true); } catch (InvalidOperationException) { } });
        Task<string> err = p.StandardError.ReadToEndAsync(cancel);
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        cancel.ThrowIfCancellationRequested();
        if (p.ExitCode != 0)
            throw new EdgeSamException($"ffmpeg could not generate the benchmark clip: {err.Result.Trim().Split('\n')[^1]}");
    }

    private static RgbImage Pattern(int w, int h, int shift)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                img.Pixels[i] = (byte)(x + shift);
                img.Pixels[i + 1] = (byte)(y * 2 + shift);
                img.Pixels[i + 2] = (byte)((x ^ y) + shift);
            }
        return img;
    }

    private static byte[] Disc(int w, int h)
    {
        var a = new byte[w * h];
        int r = Math.Min(w, h) / 3;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if ((x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) <= r * r) a[y * w + x] = 255;
        return a;
    }

    private static (int, int) ParseSize(string s)
    {
        if (Media.SizeText.TryParse(s) is var (w, h) && w <= 16384 && h <= 16384)
            return (w, h);
        throw new EdgeSamException($"--size {s}: give WIDTHxHEIGHT, e.g. 854x480.");
    }

    /// <summary>A kB field of /proc/self/status (VmHWM = peak resident set size); 0 where /proc is absent.</summary>
    internal static long ProcStatusKb(string field)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return 0;
    }
}
