using System.Diagnostics;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Media;

public class WriterTests
{
    /// <summary>A frame whose colour changes with <paramref name="n"/>: a left half and a right half.</summary>
    private static RgbImage Frame(int w, int h, int n)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                img.Pixels[i] = (byte)(x < w / 2 ? 200 : 40);
                img.Pixels[i + 1] = (byte)(n * 20 % 256);
                img.Pixels[i + 2] = 90;
            }
        return img;
    }

    /// <summary>Alpha: transparent left half, opaque right half.</summary>
    private static byte[] HalfAlpha(int w, int h)
    {
        var a = new byte[w * h];
        for (int y = 0; y < h; y++) for (int x = w / 2; x < w; x++) a[y * w + x] = 255;
        return a;
    }

    /// <summary>Decodes the first frame as RGBA; <paramref name="decoder"/> forces a decoder (libvpx for VP9 alpha).</summary>
    private static byte[] DecodeRgba(string path, int w, int h, string? decoder = null)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        List<string> args = ["-hide_banner", "-nostdin", "-v", "error"];
        if (decoder != null) args.AddRange(["-c:v", decoder]);
        args.AddRange(["-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"]);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err.Result);
        Assert.Equal(w * h * 4, ms.Length);
        return ms.ToArray();
    }

    private static void AssertOnlyFinal(string dir, string finalName) =>
        Assert.Equal([finalName], Directory.GetFiles(dir).Select(Path.GetFileName));

    [Fact]
    public void H264_preview_pads_odd_sizes_and_reads_back()
    {
        string dir = TestPaths.NewTempDir("h264");
        string path = Path.Combine(dir, "preview.mp4");
        using (var w = VideoWriter.Create(path, 33, 21, 25, VideoCodec.H264))
        {
            Assert.False(w.HasAlpha);
            Assert.Equal((34, 22), (w.EncodedWidth, w.EncodedHeight));
            for (int n = 0; n < 5; n++) w.Write(Frame(33, 21, n));
            Assert.False(File.Exists(path));
            w.Complete();
        }
        AssertOnlyFinal(dir, "preview.mp4");
        VideoInfo info = VideoProbe.Probe(path);
        Assert.Equal(("h264", "yuv420p", 34, 22, 5), (info.Codec, info.PixelFormat, info.Width, info.Height, info.FrameCount));
        Assert.Equal(25, info.FrameRate, 3);
        using IFrameSource src = FrameSources.Open(path);
        RgbImage last = src.Read(4, 1).Single();
        int at = (10 * 34 + 5) * 3; // left half, row 10
        Assert.InRange(last.Pixels[at], 190, 210);
        Assert.InRange(last.Pixels[at + 1], 70, 90);
    }

    [Fact]
    public void ProRes4444_keeps_the_alpha_channel()
    {
        string dir = TestPaths.NewTempDir("prores");
        string path = Path.Combine(dir, "matte.mov");
        using (var w = VideoWriter.Create(path, 32, 16, 24, VideoCodec.ProRes4444))
        {
            for (int n = 0; n < 3; n++) w.Write(Frame(32, 16, n), HalfAlpha(32, 16));
            w.Complete();
        }
        AssertOnlyFinal(dir, "matte.mov");
        VideoInfo info = VideoProbe.Probe(path);
        Assert.Equal(("prores", 3), (info.Codec, info.FrameCount));
        // Encoded from yuva444p10le; ffmpeg's ProRes decoder reports 4444 streams as yuva444p12le.
        Assert.StartsWith("yuva444p1", info.PixelFormat);
        Assert.True(info.HasAlpha);
        byte[] rgba = DecodeRgba(path, 32, 16);
        Assert.Equal(0, rgba[(8 * 32 + 4) * 4 + 3]);
        Assert.Equal(255, rgba[(8 * 32 + 28) * 4 + 3]);
    }

    [Fact]
    public void Vp9_webm_keeps_the_alpha_channel()
    {
        string dir = TestPaths.NewTempDir("vp9");
        string path = Path.Combine(dir, "matte.webm");
        using (var w = VideoWriter.Create(path, 32, 16, 24, VideoCodec.Vp9Alpha, new VideoWriterOptions(Vp9CpuUsed: 8)))
        {
            Assert.True(w.HasAlpha);
            var rgba = new byte[32 * 16 * 4];
            byte[] alpha = HalfAlpha(32, 16);
            RgbImage f = Frame(32, 16, 0);
            for (int p = 0; p < alpha.Length; p++)
            {
                rgba[4 * p] = f.Pixels[3 * p];
                rgba[4 * p + 1] = f.Pixels[3 * p + 1];
                rgba[4 * p + 2] = f.Pixels[3 * p + 2];
                rgba[4 * p + 3] = alpha[p];
            }
            for (int n = 0; n < 3; n++) w.WriteRgba(rgba);
            w.Complete();
        }
        AssertOnlyFinal(dir, "matte.webm");
        VideoInfo info = VideoProbe.Probe(path);
        Assert.Equal("vp9", info.Codec);
        // WebM signals VP9 alpha with a stream tag; the pixels live in side data that only libvpx decodes.
        Assert.Equal("1", info.Tags["alpha_mode"]);
        Assert.True(info.HasAlpha);
        byte[] decoded = DecodeRgba(path, 32, 16, "libvpx-vp9");
        Assert.InRange(decoded[(8 * 32 + 4) * 4 + 3], 0, 10);
        Assert.InRange(decoded[(8 * 32 + 28) * 4 + 3], 245, 255);
    }

    [Fact]
    public void Abandoned_failed_or_cancelled_writes_leave_no_file()
    {
        string dir = TestPaths.NewTempDir("abort");
        string path = Path.Combine(dir, "out.mp4");

        using (var w = VideoWriter.Create(path, 16, 16, 25, VideoCodec.H264))
            w.Write(new RgbImage(16, 16)); // disposed without Complete
        Assert.Empty(Directory.GetFiles(dir));

        // ffmpeg refuses the preset: the failure surfaces as one line naming the file.
        var e = Assert.Throws<EdgeSamException>(() =>
        {
            using var w = VideoWriter.Create(path, 16, 16, 25, VideoCodec.H264, new VideoWriterOptions(H264Preset: "no-such-preset"));
            for (int i = 0; i < 50; i++) w.Write(new RgbImage(16, 16));
            w.Complete();
        });
        Assert.Contains("out.mp4", e.Message);
        Assert.Contains("no-such-preset", e.Message); // the encoder's own complaint, not ffmpeg's generic summary
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.GetFiles(dir));

        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            using var w = VideoWriter.Create(path, 16, 16, 25, VideoCodec.H264, cancel: cts.Token);
            w.Write(new RgbImage(16, 16));
            cts.Cancel();
            w.Write(new RgbImage(16, 16));
        });
        Assert.Empty(Directory.GetFiles(dir));

        // Ctrl-C in a terminal reaches ffmpeg too: its exit on SIGINT is an interruption, not an encoding error.
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            using var w = VideoWriter.Create(path, 16, 16, 25, VideoCodec.H264);
            w.Write(new RgbImage(16, 16));
            int pid = MediaFixtures.FfmpegPidsMentioning(dir).Single();
            using (var kill = Process.Start("kill", ["-INT", pid.ToString()])) kill.WaitForExit();
            for (int i = 0; i < 1000; i++) w.Write(new RgbImage(16, 16));
            w.Complete();
        });
        Assert.Empty(Directory.GetFiles(dir));
        Assert.Empty(MediaFixtures.FfmpegPidsMentioning(dir));

        // An existing complete file survives an aborted rewrite untouched.
        File.WriteAllText(path, "previous");
        using (var w = VideoWriter.Create(path, 16, 16, 25, VideoCodec.H264))
            w.Write(new RgbImage(16, 16));
        Assert.Equal("previous", File.ReadAllText(path));
        AssertOnlyFinal(dir, "out.mp4");
        Assert.Empty(MediaFixtures.FfmpegPidsMentioning(dir));
    }

    [Fact]
    public void Ntsc_rates_are_written_as_exact_fractions()
    {
        string dir = TestPaths.NewTempDir("ntsc");
        string path = Path.Combine(dir, "ntsc.mp4");
        using (var w = VideoWriter.Create(path, 16, 16, 30000.0 / 1001, VideoCodec.H264))
        {
            for (int n = 0; n < 4; n++) w.Write(Frame(16, 16, n));
            w.Complete();
        }
        // Written as the decimal 29.97 (2997/100) the rate would drift from NTSC's 30000/1001 by one frame every ~9 hours.
        Assert.Equal(30000.0 / 1001, VideoProbe.Probe(path).FrameRate, 9);
    }

    [Fact]
    public void Writer_rejects_bad_arguments()
    {
        string dir = TestPaths.NewTempDir("wargs");
        Assert.Contains(".mov", Assert.Throws<EdgeSamException>(() => VideoWriter.Create(Path.Combine(dir, "a.mp4"), 8, 8, 25, VideoCodec.ProRes4444)).Message);
        Assert.Contains(".webm", Assert.Throws<EdgeSamException>(() => VideoWriter.Create(Path.Combine(dir, "a.mov"), 8, 8, 25, VideoCodec.Vp9Alpha)).Message);
        Assert.Throws<EdgeSamException>(() => VideoWriter.Create(Path.Combine(dir, "a.mp4"), 8, 8, 0, VideoCodec.H264));
        // ffmpeg's arguments are one string: a preset with a space or a name with a double quote would split or end it.
        Assert.Contains("one word", Assert.Throws<EdgeSamException>(() => VideoWriter.Create(Path.Combine(dir, "a.mp4"), 8, 8, 25, VideoCodec.H264, new VideoWriterOptions(H264Preset: "fast -y"))).Message);
        Assert.Contains("double quote", Assert.Throws<EdgeSamException>(() => VideoWriter.Create(Path.Combine(dir, "a\"b.mp4"), 8, 8, 25, VideoCodec.H264)).Message);
        using var w = VideoWriter.Create(Path.Combine(dir, "b.mp4"), 8, 8, 25, VideoCodec.H264);
        Assert.Throws<ArgumentException>(() => w.Write(new RgbImage(9, 8)));
        Assert.Throws<InvalidOperationException>(() => w.WriteRgba(new byte[8 * 8 * 4]));
        Assert.Equal("30000/1001", VideoWriter.Rate(29.97));
        Assert.Equal("25", VideoWriter.Rate(25));
        Assert.Equal("12.5", VideoWriter.Rate(12.5));
    }

    [Fact]
    public void AtomicFile_commits_by_rename_and_discards_on_dispose()
    {
        string dir = TestPaths.NewTempDir("atomic");
        string path = Path.Combine(dir, "sub", "r.json");
        using (var f = AtomicFile.Create(path))
        {
            f.Stream.Write("{}"u8);
            Assert.False(File.Exists(path));
            Assert.EndsWith(".json", f.TempPath);
            Assert.Equal(Path.GetDirectoryName(path), Path.GetDirectoryName(f.TempPath));
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "sub")));

        AtomicFile.WriteAllText(path, "one");
        AtomicFile.WriteAllText(path, "two");
        Assert.Equal("two", File.ReadAllText(path));
        AssertOnlyFinal(Path.Combine(dir, "sub"), "r.json");
        Assert.Throws<EdgeSamException>(() => AtomicFile.Create(dir));
    }

    [Fact]
    public void H264_on_one_x264_thread_writes_the_same_frames_and_bad_thread_counts_are_refused()
    {
        string dir = TestPaths.NewTempDir("h264-threads");
        string path = Path.Combine(dir, "one.mp4");
        using (var w = VideoWriter.Create(path, 32, 16, 25, VideoCodec.H264, new VideoWriterOptions(H264Preset: "superfast", H264Threads: 1)))
        {
            for (int n = 0; n < 5; n++) w.Write(Frame(32, 16, n));
            w.Complete();
        }
        using (IFrameSource back = FrameSources.Open(path))
        {
            Assert.Equal(5, back.FrameCount);
            RgbImage first = back.Read(0, 1).Single();
            Assert.InRange(first.Pixels[3 * (8 * 32 + 4)], 180, 220);   // left half red ~200
            Assert.InRange(first.Pixels[3 * (8 * 32 + 28)], 20, 60);    // right half red ~40
        }
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            VideoWriter.Create(Path.Combine(dir, "bad.mp4"), 16, 16, 25, VideoCodec.H264, new VideoWriterOptions(H264Threads: -1)));
        Assert.False(File.Exists(Path.Combine(dir, "bad.mp4")));
    }
}
