using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Media;

public class FrameSourceTests
{
    [Fact]
    public void Probe_reports_size_rate_count_and_codec()
    {
        string dir = TestPaths.NewTempDir("probe");
        string clip = Path.Combine(dir, "t.mp4");
        MediaFixtures.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=30000/1001", "-frames:v", "17", "-c:v", "libx264", "-pix_fmt", "yuv420p", clip);
        VideoInfo info = VideoProbe.Probe(clip);
        Assert.Equal((64, 48), (info.Width, info.Height));
        Assert.Equal(17, info.FrameCount);
        Assert.Equal(30000.0 / 1001, info.FrameRate, 3);
        Assert.Equal(0, info.Rotation);
        Assert.Equal("h264", info.Codec);
        Assert.False(info.HasAlpha);

        using IFrameSource src = FrameSources.Open(clip);
        Assert.IsType<VideoFrameSource>(src);
        Assert.Equal(17, src.Read(0, 100).Count());
        Assert.Equal("00016", src.FrameName(16));
    }

    [Fact]
    public void Frame_count_is_counted_when_the_container_has_none()
    {
        string dir = TestPaths.NewTempDir("count");
        // Matroska stores no per-stream frame count: nb_frames is absent and the packets must be counted.
        string clip = MediaFixtures.CounterClip(dir, 23, ".mkv");
        Assert.Equal(23, VideoProbe.Probe(clip).FrameCount);
    }

    [Theory]
    [InlineData(".mp4")]
    [InlineData(".mkv")]
    [InlineData(".webm")]
    [InlineData(".ts")]   // MPEG-TS: no keyframe index (byte seeks land past the target): decode-and-select
    [InlineData(".h264")] // raw Annex B stream: no timestamps: decode-and-select
    public void Start_frame_and_limit_are_frame_exact(string ext)
    {
        string dir = TestPaths.NewTempDir("exact");
        string[] codec = ext == ".webm"
            ? ["-c:v", "libvpx-vp9", "-g", "10", "-crf", "10", "-b:v", "0", "-deadline", "realtime", "-cpu-used", "8"]
            : [];
        string clip = MediaFixtures.CounterClip(dir, 60, ext, codec);
        using IFrameSource src = FrameSources.Open(clip);
        Assert.Equal(60, src.FrameCount);
        var video = (VideoFrameSource)src;
        Assert.Equal(ext is ".mp4" or ".mkv" or ".webm", video.Info.HasSeekIndex);
        if (ext == ".h264") Assert.Null(video.PtsIndex(default));
        Assert.Equal(Enumerable.Range(0, 60), src.Read(0, 60).Select(MediaFixtures.DecodeCounter));
        // Starts on, just before and just after keyframes (every 10th), with B-frames in between.
        foreach (int start in new[] { 1, 9, 10, 11, 37, 59 })
        {
            int[] got = [.. src.Read(start, 3).Select(MediaFixtures.DecodeCounter)];
            Assert.Equal(Enumerable.Range(start, Math.Min(3, 60 - start)), got);
        }
        Assert.Empty(src.Read(60, 5));
        Assert.Empty(src.Read(3, 0));
    }

    [Fact]
    public void Rotated_video_is_turned_to_display_size()
    {
        string dir = TestPaths.NewTempDir("rot");
        string plain = Path.Combine(dir, "plain.mp4"), rotated = Path.Combine(dir, "rotated.mp4");
        // A red band on the left 16 columns of a 64x48 blue picture.
        MediaFixtures.Ffmpeg("-f", "lavfi", "-i", "color=c=blue:size=64x48,drawbox=x=0:y=0:w=16:h=48:color=red:t=fill",
            "-frames:v", "3", "-c:v", "libx264", "-pix_fmt", "yuv444p", "-crf", "5", plain);
        MediaFixtures.Ffmpeg("-i", plain, "-c", "copy", "-metadata:s:v", "rotate=90", rotated);
        VideoInfo info = VideoProbe.Probe(rotated);
        Assert.Contains(info.Rotation, new[] { 90, 270 });
        Assert.Equal((48, 64), (info.Width, info.Height));

        using IFrameSource src = FrameSources.Open(rotated);
        RgbImage[] frames = [.. src.Read(0, 10)];
        Assert.Equal(3, frames.Length);
        RgbImage f = frames[0];
        Assert.Equal((48, 64), (f.Width, f.Height));
        // The band now spans a full-width strip of rows at the top or the bottom: the pixels were turned, not only the size.
        bool Red(int x, int y) => f.Pixels[(y * f.Width + x) * 3] > 200 && f.Pixels[(y * f.Width + x) * 3 + 2] < 60;
        bool topRed = Enumerable.Range(0, 48).All(x => Red(x, 4)), bottomRed = Enumerable.Range(0, 48).All(x => Red(x, 59));
        Assert.True(topRed ^ bottomRed, "the red band should lie across the top or the bottom after rotation");
        Assert.False(Red(24, 32));
    }

    [Fact]
    public void Folder_with_gaps_reads_in_natural_order()
    {
        string dir = TestPaths.NewTempDir("gaps");
        (string Name, string Colour, byte R, byte G, byte B)[] frames =
        [
            ("frame10.png", "0x0000FF", 0, 0, 255), ("frame2.png", "0x00FF00", 0, 255, 0),
            ("frame0.png", "0xFF0000", 255, 0, 0), ("frame5.png", "0x808080", 128, 128, 128),
        ];
        foreach (var fr in frames) MediaFixtures.SolidImage(Path.Combine(dir, fr.Name), 20, 10, fr.Colour);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a frame");

        using IFrameSource src = FrameSources.Open(dir);
        Assert.IsType<FrameFolderSource>(src);
        Assert.Equal((20, 10, 4), (src.Width, src.Height, src.FrameCount));
        Assert.Equal(["frame0", "frame2", "frame5", "frame10"], Enumerable.Range(0, 4).Select(src.FrameName));
        Assert.Equal(24, src.FrameRate);
        RgbImage[] images = [.. src.Read(1, 10)];
        Assert.Equal(3, images.Length);
        Assert.Equal(new byte[] { 0, 255, 0 }, images[0].Pixels[..3]);
        Assert.Equal(new byte[] { 128, 128, 128 }, images[1].Pixels[^3..]);
        Assert.Equal(new byte[] { 0, 0, 255 }, images[2].Pixels[..3]);
    }

    [Fact]
    public void YouTubeVos_style_jpeg_folder_and_mixed_formats()
    {
        string dir = TestPaths.NewTempDir("ytvos");
        string[] colours = ["0x000000", "0x404040", "0x808080", "0xC0C0C0"];
        for (int i = 0; i < 3; i++) MediaFixtures.SolidImage(Path.Combine(dir, $"{i * 5:D5}.jpg"), 32, 16, colours[i]);
        MediaFixtures.SolidImage(Path.Combine(dir, "00015.png"), 32, 16, colours[3]);
        using IFrameSource src = FrameSources.Open(dir, new FrameSourceOptions(FolderFrameRate: 6));
        Assert.Equal(6, src.FrameRate);
        Assert.Equal(["00000", "00005", "00010", "00015"], Enumerable.Range(0, 4).Select(src.FrameName));
        // JPEG then PNG: two decoder runs in one Read.
        byte[] grey = [.. src.Read(0, 4).Select(f => f.Pixels[3 * (8 * 32 + 16)])];
        Assert.Equal(4, grey.Length);
        for (int i = 0; i < 4; i++) Assert.InRange(grey[i], i * 64 - 4, i * 64 + 4);
    }

    [Fact]
    public void Folder_with_different_frame_sizes_is_rejected()
    {
        string dir = TestPaths.NewTempDir("sizes");
        MediaFixtures.SolidImage(Path.Combine(dir, "0.png"), 20, 10, "red");
        MediaFixtures.SolidImage(Path.Combine(dir, "1.png"), 22, 10, "red");
        var e = Assert.Throws<EdgeSamException>(() => FrameSources.Open(dir));
        Assert.Contains("differ in size", e.Message);
        Assert.Contains("22x10", e.Message);
    }

    [MirrorFact]
    public void Davis_jpeg_folder_reads_854x480_frames()
    {
        string seq = Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", "blackswan");
        using IFrameSource src = FrameSources.Open(seq);
        Assert.Equal((854, 480), (src.Width, src.Height));
        Assert.Equal(Directory.GetFiles(seq, "*.jpg").Length, src.FrameCount);
        Assert.Equal("00010", src.FrameName(10));
        RgbImage[] frames = [.. src.Read(10, 2)];
        Assert.Equal(2, frames.Length);
        RgbImage single = ImageFile.ReadRgb(Path.Combine(seq, "00010.jpg"));
        Assert.Equal(single.Pixels, frames[0].Pixels);
        // OpenCV's libjpeg decode (Pillow's pixels) is what reads DAVIS frames (ffmpeg's would differ by several grey levels).
        Assert.Equal(CvImage.Decode(Path.Combine(seq, "00010.jpg")).Pixels, frames[0].Pixels);
        Assert.NotEqual(frames[0].Pixels, frames[1].Pixels);
    }

    [Fact]
    public void ReadRgb_decodes_a_single_image()
    {
        string dir = TestPaths.NewTempDir("single");
        string png = Path.Combine(dir, "a.png");
        MediaFixtures.SolidImage(png, 7, 5, "0x102030");
        RgbImage img = ImageFile.ReadRgb(png);
        Assert.Equal((7, 5), (img.Width, img.Height));
        Assert.All(Enumerable.Range(0, 35), i => Assert.Equal(new byte[] { 0x10, 0x20, 0x30 }, img.Pixels[(i * 3)..(i * 3 + 3)]));
    }

    [Fact]
    public void Bad_inputs_give_one_line_errors()
    {
        string dir = TestPaths.NewTempDir("bad");
        string missing = Path.Combine(dir, "nope.mp4");
        string empty = Path.Combine(dir, "empty");
        Directory.CreateDirectory(empty);
        File.WriteAllText(Path.Combine(empty, "readme.txt"), "x");
        string garbage = Path.Combine(dir, "garbage.mp4");
        File.WriteAllText(garbage, "this is not a video at all");
        string badJpeg = Path.Combine(dir, "badjpeg");
        Directory.CreateDirectory(badJpeg);
        File.WriteAllBytes(Path.Combine(badJpeg, "00000.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0]);

        string quoted = Path.Combine(dir, "a\"b.mp4");
        File.WriteAllText(quoted, "named with a quote");

        foreach ((string path, string expect) in new[] { (missing, "not found"), (empty, "holds no frames"), (garbage, "garbage.mp4"), (badJpeg, "00000.jpg"), (quoted, "double quote") })
        {
            var e = Assert.Throws<EdgeSamException>(() =>
            {
                using IFrameSource s = FrameSources.Open(path);
                _ = s.Read(0, 1).Count();
            });
            Assert.Contains(expect, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        Assert.Throws<EdgeSamException>(() => ImageFile.ReadRgb(garbage));
    }

    [Fact]
    public void Abandoned_or_cancelled_reads_stop_ffmpeg()
    {
        string dir = TestPaths.NewTempDir("abandon");
        string clip = Path.Combine(dir, "long.mp4");
        MediaFixtures.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-frames:v", "400", "-c:v", "libx264", "-preset", "ultrafast", clip);
        using IFrameSource src = FrameSources.Open(clip);

        foreach (RgbImage _ in src.Read(0, 400)) break;
        AssertNoFfmpegOn(clip);

        using var cts = new CancellationTokenSource();
        int seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (RgbImage _ in src.Read(0, 400, cts.Token))
                if (++seen == 2) cts.Cancel();
        });
        Assert.Equal(2, seen);
        AssertNoFfmpegOn(clip);

        // Ctrl-C in a terminal reaches ffmpeg too: its exit on SIGINT is an interruption, not a decoding error.
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            bool signalled = false;
            foreach (RgbImage _ in src.Read(0, 400))
            {
                if (signalled) continue;
                int pid = MediaFixtures.FfmpegPidsMentioning(clip).Single();
                using var kill = System.Diagnostics.Process.Start("kill", ["-INT", pid.ToString()]);
                kill.WaitForExit();
                signalled = true;
            }
        });
        AssertNoFfmpegOn(clip);
    }

    private static void AssertNoFfmpegOn(string path)
    {
        // Kill is synchronous, but /proc may show the child for a moment while it is reaped.
        for (int i = 0; i < 50 && MediaFixtures.ProcessesMentioning(path) > 0; i++) Thread.Sleep(20);
        Assert.Equal(0, MediaFixtures.ProcessesMentioning(path));
    }

    [Fact]
    public void Natural_sort_orders_digit_runs_by_value()
    {
        string[] names = ["frame10", "Frame2", "frame2b", "frame002", "a", "frame1", "frame", "frame99999999999999999999"];
        string[] sorted = [.. names.Order(NaturalSort.Instance)];
        Assert.Equal(["a", "frame", "frame1", "Frame2", "frame002", "frame2b", "frame10", "frame99999999999999999999"], sorted);
    }
}
