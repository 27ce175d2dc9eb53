using System.Diagnostics;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Media;

/// <summary>
/// Inputs that are not regular files (issue #30 item 5), external processes' time limits, and the frame count of
/// edit-listed MP4 cuts (item 4).
/// </summary>
public class NonRegularInputTests
{
    private static string MakeFifo(string dir)
    {
        string fifo = Path.Combine(dir, "clip.mp4");
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [fifo]) { RedirectStandardError = true })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return fifo;
    }

    /// <summary>Runs <paramref name="open"/> on the thread pool and fails (instead of hanging the suite) past 30 s.</summary>
    private static async Task<Exception?> Within30s(Action open)
    {
        Task t = Task.Run(open);
        Task first = await Task.WhenAny(t, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(first == t, "opening did not return within 30 s (hangs on the input)");
        return t.Exception?.InnerException;
    }

    /// <summary>Opens the FIFO for writing once (in the background, at most 5 s), so a reader still blocked on it
    /// (a hung ffprobe before the fix) gets its end of file and the test leaves nothing behind.</summary>
    private static async Task Release(string fifo)
    {
        Task w = Task.Run(() => { using var f = new FileStream(fifo, FileMode.Open, FileAccess.Write); });
        await Task.WhenAny(w, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_fifo_is_refused_with_one_line_instead_of_hanging()
    {
        string fifo = MakeFifo(TestPaths.NewTempDir("fifo"));
        Exception? e = null;
        try
        {
            e = await Within30s(() => FrameSources.Open(fifo).Dispose());
        }
        finally
        {
            await Release(fifo);
        }
        var ese = Assert.IsType<EdgeSamException>(e);
        Assert.Contains("not a regular file", ese.Message);
        Assert.DoesNotContain('\n', ese.Message);
    }

    [Fact]
    public async Task Standard_input_and_devices_are_refused_with_one_line()
    {
        var dash = Assert.IsType<EdgeSamException>(await Within30s(() => FrameSources.Open("-").Dispose()));
        Assert.Contains("standard input", dash.Message);
        var dev = Assert.IsType<EdgeSamException>(await Within30s(() => FrameSources.Open("/dev/null").Dispose()));
        Assert.Contains("not a regular file", dev.Message);
    }

    [Fact]
    public async Task The_cli_refuses_a_pipe_input_with_one_line()
    {
        string dir = TestPaths.NewTempDir("fifo-cli");
        string fifo = MakeFifo(dir);
        Task<(int Code, string Out, string Err)> run = Task.Run(() => CliRunner.Run("segment", fifo, "--points", "10,10,+", "--out", Path.Combine(dir, "out")));
        bool done = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))) == run;
        if (!done) await Release(fifo);
        Assert.True(done, "segment on a FIFO did not return within 60 s");
        (int code, _, string err) = await run;
        Assert.NotEqual(0, code);
        Assert.Contains("not a regular file", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public async Task Ffprobe_past_its_time_limit_is_killed_and_reported()
    {
        string fifo = MakeFifo(TestPaths.NewTempDir("fifo-timeout"));
        var sw = Stopwatch.StartNew();
        try
        {
            var e = Assert.Throws<EdgeSamException>(() => VideoProbe.Probe(fifo, timeout: TimeSpan.FromSeconds(2)));
            Assert.Contains("did not finish within 2 s", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            // The killed ffprobe does not linger on the FIFO.
            Assert.Empty(ProbesOn(fifo));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
        }
        finally
        {
            await Release(fifo);
        }
    }

    /// <summary>Live ffprobe processes whose command line mentions <paramref name="path"/>.</summary>
    private static List<int> ProbesOn(string path)
    {
        var pids = new List<int>();
        for (int attempt = 0; attempt < 50; attempt++)
        {
            pids.Clear();
            foreach (string d in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
                try
                {
                    string raw = File.ReadAllText(Path.Combine(d, "cmdline"));
                    if (Path.GetFileName(raw.Split('\0')[0]) == "ffprobe" && raw.Contains(path)
                        && !File.ReadAllText(Path.Combine(d, "stat")).Contains(") Z ")) pids.Add(pid);
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            if (pids.Count == 0) break;
            Thread.Sleep(100); // a killed child may show in /proc for a moment while it is reaped
        }
        return pids;
    }

    [Fact]
    public async Task A_decoder_that_stalls_is_stopped()
    {
        string fifo = MakeFifo(TestPaths.NewTempDir("fifo-stall"));
        var sw = Stopwatch.StartNew();
        try
        {
            List<string> args = ImageFile.DecodeArgs(["-f", "mjpeg", "-i", fifo], 16, 16);
            var e = Assert.Throws<EdgeSamException>(() => RawFramePipe.Stream(args, null, 16, 16, 1, fifo, default, TimeSpan.FromSeconds(2)).ToList());
            Assert.Contains("was stopped", e.Message);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
        }
        finally
        {
            await Release(fifo);
        }
    }

    [Fact]
    public void A_stream_copied_cut_with_an_edit_list_reads_every_frame_it_shows()
    {
        string dir = TestPaths.NewTempDir("editlist");
        // Keyframes every 25 frames: the copy keeps the packets from frame 25 on, and an edit list hides 25..34.
        string clip = MediaFixtures.CounterClip(dir, 100, ".mp4", "-c:v", "libx264", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-bf", "0", "-crf", "12", "-pix_fmt", "yuv420p");
        string cut = Path.Combine(dir, "cut.mp4");
        MediaFixtures.Ffmpeg("-ss", "1.4", "-i", clip, "-c", "copy", cut);
        VideoInfo probe = VideoProbe.Probe(cut);
        using var src = VideoFrameSource.Open(cut);
        List<RgbImage> frames = [.. src.Read(0, int.MaxValue)];
        // The container's nb_frames counts the hidden packets too; the source counts what decodes.
        Assert.True(probe.FrameCount > frames.Count, $"nb_frames {probe.FrameCount} vs {frames.Count} decoded: the fixture has no discarded packets");
        Assert.Equal(frames.Count, src.FrameCount);
        Assert.Equal(35, MediaFixtures.DecodeCounter(frames[0]));
        Assert.Equal(99, MediaFixtures.DecodeCounter(frames[^1]));
        // Frame-exact seeking still holds inside the cut.
        RgbImage f10 = Assert.Single(src.Read(10, 1));
        Assert.Equal(45, MediaFixtures.DecodeCounter(f10));
    }

    [Fact]
    public async Task Info_names_the_opencv_and_ffmpeg_versions()
    {
        (int code, string output, _) = await CliRunner.Run("info");
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^OpenCV 4\.\d+\.\d+", output);
        Assert.Matches(@"(?m)^ffmpeg \S+", output);
    }
}
