using System.Diagnostics;
using System.Security.Cryptography;
using EdgeSam.Video.Cli;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Tests.Media;
using EdgeSam.Video.Tests.Pipeline;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Inputs;

/// <summary>Frame folders holding other images, concurrent runs into one output, interrupted runs, signals (issue 30).</summary>
public class FolderAndOutputTests(ITestOutputHelper output)
{
    /// <summary>The first <paramref name="n"/> frames of a DAVIS 2016 sequence (JPEG) and its first mask as 00000.png beside them.</summary>
    private static string FramesWithMask(string seq, int n)
    {
        string dir = TestPaths.NewTempDir("framesmask");
        for (int i = 0; i < n; i++)
            File.Copy(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", seq, $"{i:D5}.jpg"), Path.Combine(dir, $"{i:D5}.jpg"));
        File.Copy(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, "00000.png"), Path.Combine(dir, "00000.png"));
        return dir;
    }

    private async Task<(int Rc, string Text)> Cli(params string[] args)
    {
        var (ctx, stdout, stderr) = CliRunner.Context();
        int rc = await CliApp.RunAsync(args, ctx);
        output.WriteLine(stdout.ToString() + stderr);
        return (rc, stdout + stderr.ToString());
    }

    [MirrorFact]
    public async Task A_prompt_mask_beside_jpeg_frames_is_not_a_frame_and_is_not_overwritten()
    {
        // Used to: count 00000.png as a sixth frame, write 5 masks for "6 frames" (00000 twice) and exit 0.
        string dir = FramesWithMask("car-shadow", 5), mask = Path.Combine(dir, "00000.png"), outDir = TestPaths.NewTempDir("framesmask-out");
        byte[] before = SHA256.HashData(File.ReadAllBytes(mask));
        using (IFrameSource src = FrameSources.Open(dir))
        {
            Assert.Equal(5, src.FrameCount);
            Assert.Equal(["00000.png"], ((FrameFolderSource)src).IgnoredFiles.Select(Path.GetFileName));
        }
        var (rc, text) = await Cli("segment", dir, "--mask", mask, "--out", outDir, "--segmenter", "graphcut", "--restarts", "1", "--refine", "0", "--no-preview");
        Assert.True(rc == 0, text);
        Assert.Contains("5 frames in", text);
        Assert.Contains("00000.png", text);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(outDir, "masks"), "*.png").Length);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(mask)));

        // --out inside the inputs: the prompt mask in the masks folder a run replaces is refused, untouched.
        string inMasks = Path.Combine(outDir, "masks", "00000.png");
        byte[] result = File.ReadAllBytes(inMasks);
        (rc, text) = await Cli("segment", dir, "--mask", inMasks, "--out", outDir, "--segmenter", "graphcut", "--restarts", "1", "--no-preview");
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Contains("which this run replaces", text);
        Assert.Equal(result, File.ReadAllBytes(inMasks));
    }

    [Fact]
    public void Ambiguous_folders_and_stem_collisions_are_refused_in_one_line_and_stray_images_left_out()
    {
        // Named unlike the frames: not a frame; mixed formats named like the frames stay frames.
        string stray = TestPaths.NewTempDir("stray");
        for (int i = 0; i < 3; i++) MediaFixtures.SolidImage(Path.Combine(stray, $"{i:D5}.jpg"), 32, 16, "red");
        MediaFixtures.SolidImage(Path.Combine(stray, "00003.png"), 32, 16, "red");
        PngCodec.WriteRgb(Path.Combine(stray, "mask.png"), new RgbImage(32, 16));
        using (var src = (FrameFolderSource)FrameSources.Open(stray))
        {
            Assert.Equal(["00000", "00001", "00002", "00003"], Enumerable.Range(0, src.FrameCount).Select(src.FrameName));
            Assert.Equal(["mask.png"], src.IgnoredFiles.Select(Path.GetFileName));
        }

        string tie = TestPaths.NewTempDir("tie");
        for (int i = 0; i < 2; i++)
        {
            MediaFixtures.SolidImage(Path.Combine(tie, $"{i:D5}.jpg"), 32, 16, "red");
            PngCodec.WriteRgb(Path.Combine(tie, $"{i:D5}.png"), new RgbImage(32, 16));
        }
        var e = Assert.Throws<EdgeSamException>(() => FrameSources.Open(tie));
        Assert.Contains("2 .jpg/.jpeg and 2 .png images", e.Message);

        string clash = TestPaths.NewTempDir("clash");
        MediaFixtures.SolidImage(Path.Combine(clash, "00000.jpg"), 32, 16, "red");
        MediaFixtures.SolidImage(Path.Combine(clash, "00000.jpeg"), 32, 16, "red");
        MediaFixtures.SolidImage(Path.Combine(clash, "00001.jpg"), 32, 16, "red");
        e = Assert.Throws<EdgeSamException>(() => FrameSources.Open(clash));
        Assert.Contains("share the name '00000'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static string Dll => Path.Combine(TestPaths.RepoRoot, "src", "EdgeSam.Video.Cli", "bin", "Release", "net10.0", "edgesam-video.dll");

    private static Process StartCli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    [Fact]
    public async Task A_second_run_into_one_out_stops_naming_the_first_SIGTERM_exits_143_and_a_rerun_cleans_up()
    {
        string input = SegmentCommandErrorTests.Frames(150), outDir = TestPaths.NewTempDir("lock-out");
        string[] args = ["segment", input, "--out", outDir, "--points", "48,32,+", "--segmenter", "graphcut", "--restarts", "1"];
        using Process first = StartCli(args);
        try
        {
            string partial = Path.Combine(outDir, "masks.partial");
            var clock = Stopwatch.StartNew();
            while (!(Directory.Exists(partial) && Directory.GetFiles(partial).Length >= 2) && clock.Elapsed < TimeSpan.FromSeconds(120) && !first.HasExited)
                await Task.Delay(50);
            Assert.False(first.HasExited, "the first run ended before the second could start");

            // The second run (in-process) stops with one line naming the first, and leaves its files alone.
            int writtenBefore = Directory.GetFiles(partial).Length;
            var (rc, text) = await Cli(args);
            Assert.Equal(CliApp.ExitUserError, rc);
            Assert.Contains($"is in use by another run (pid {first.Id} on {Environment.MachineName}, started ", text);
            Assert.True(Directory.Exists(partial));
            Assert.True(Directory.GetFiles(partial).Length >= writtenBefore);

            using (var kill = Process.Start("kill", ["-TERM", first.Id.ToString()])) kill.WaitForExit();
            Assert.True(first.WaitForExit(60_000));
            Assert.Equal(CliApp.ExitTerminated, first.ExitCode);
            Assert.False(Directory.Exists(Path.Combine(outDir, "masks")));
        }
        finally
        {
            if (!first.HasExited) first.Kill();
        }

        // What a killed run leaves (here planted: SIGKILL gives no chance to clean) is removed by the next run.
        Directory.CreateDirectory(Path.Combine(outDir, "masks.partial"));
        File.WriteAllText(Path.Combine(outDir, "preview.partial-1a2b3c4d.mp4"), "left by a killed run");
        string[] shortArgs = ["segment", SegmentCommandErrorTests.Frames(3), "--out", outDir, "--points", "48,32,+", "--segmenter", "graphcut", "--restarts", "1"];
        var (rc2, text2) = await Cli(shortArgs);
        Assert.True(rc2 == 0, text2);
        Assert.Empty(Directory.GetFileSystemEntries(outDir, "*.partial*"));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(outDir, "masks")).Length);
    }

    [MirrorFact]
    public async Task Run_davis_redoes_a_sequence_folder_missing_frames_and_box_prompts_report_first_frame_IoU()
    {
        const int n = 4;
        const string seq = "car-shadow";
        string root = TestPaths.MiniDavis(seq, n, "mini-davis-box");
        string results = TestPaths.NewTempDir("rundavis-box");
        string[] common = ["run", "davis", "--root", root, "--year", "2016", "--out", results, "--segmenter", "graphcut", "--restarts", "1", "--refine", "0"];

        var (rc, text) = await Cli([.. common, "--prompt", "box"]);
        Assert.True(rc == 0, text);
        Assert.Matches(@"first frame from the tight box: object 1 IoU 0\.\d{3}", text);
        Assert.Equal(n, Directory.GetFiles(Path.Combine(results, seq), "*.png").Length);

        // An interrupted copy of the results (half the frames) used to be "done already".
        File.Delete(Path.Combine(results, seq, "00002.png"));
        File.Delete(Path.Combine(results, seq, "00003.png"));
        (rc, text) = await Cli(common);
        Assert.True(rc == 0, text);
        Assert.Contains($"holds 2 of the {n} frames' results; redoing it", text);
        Assert.Equal(n, Directory.GetFiles(Path.Combine(results, seq), "*.png").Length);
        (rc, text) = await Cli(common);
        Assert.Contains($"{seq}: done already", text);
        // The sequence folder and the confidence reports beside it (outside what the evaluator reads).
        Assert.Equal([seq, "reports"], Directory.GetDirectories(results).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
