using System.Diagnostics;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Media;

/// <summary>Generated media for the tests: ffmpeg lavfi clips and images written into a test scratch folder.</summary>
internal static class MediaFixtures
{
    /// <summary>Bits of the frame number drawn by <see cref="CounterClip"/>: 16x16 blocks, block b white when bit b is set.</summary>
    public const int CounterBits = 12;
    public const int CounterBlock = 16;

    /// <summary>Runs ffmpeg with <paramref name="args"/> (after <c>-y -v error</c>); fails the test with its stderr on error.</summary>
    public static void Ffmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in (string[])["-hide_banner", "-nostdin", "-y", "-v", "error", .. args]) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"ffmpeg {string.Join(' ', args)} failed: {err.Result}");
    }

    /// <summary>A clip whose frame n shows n in binary (see <see cref="DecodeCounter"/>), so content proves frame identity.</summary>
    public static string CounterClip(string dir, int frames, string ext = ".mp4", params string[] codecArgs)
    {
        string path = Path.Combine(dir, $"counter{frames}{ext}");
        string[] codec = codecArgs.Length > 0 ? codecArgs : ["-c:v", "libx264", "-g", "10", "-bf", "2", "-crf", "12", "-pix_fmt", "yuv420p"];
        Ffmpeg(["-f", "lavfi", "-i",
            $"color=c=black:size={CounterBits * CounterBlock}x{CounterBlock}:rate=25,geq=lum='255*mod(floor(N/pow(2\\,floor(X/{CounterBlock})))\\,2)':cb=128:cr=128",
            "-frames:v", frames.ToString(), .. codec, path]);
        return path;
    }

    /// <summary>The frame number drawn by <see cref="CounterClip"/> (block centres thresholded at mid grey).</summary>
    public static int DecodeCounter(RgbImage img)
    {
        int n = 0;
        for (int b = 0; b < CounterBits; b++)
        {
            int x = b * CounterBlock + CounterBlock / 2, y = CounterBlock / 2;
            if (img.Pixels[(y * img.Width + x) * 3 + 1] > 128) n |= 1 << b;
        }
        return n;
    }

    /// <summary>A solid-colour image file (format from the extension).</summary>
    public static void SolidImage(string path, int w, int h, string colour) =>
        Ffmpeg("-f", "lavfi", "-i", $"color=c={colour}:size={w}x{h},format=rgb24", "-frames:v", "1", "-update", "1", path);

    /// <summary>Processes whose command line mentions <paramref name="needle"/> (Linux /proc): detects leaked ffmpeg children.</summary>
    public static int ProcessesMentioning(string needle) => FfmpegPidsMentioning(needle).Count;

    /// <summary>Ids of live ffmpeg processes whose command line mentions <paramref name="needle"/>.</summary>
    public static List<int> FfmpegPidsMentioning(string needle)
    {
        var pids = new List<int>();
        foreach (string d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
            try
            {
                string raw = File.ReadAllText(Path.Combine(d, "cmdline"));
                string cmd = raw.Replace('\0', ' ');
                string argv0 = Path.GetFileName(raw.Split('\0')[0]);
                string stat = File.ReadAllText(Path.Combine(d, "stat"));
                bool zombie = stat.Contains(") Z ");
                if (!zombie && cmd.Contains(needle) && argv0 == "ffmpeg") pids.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return pids;
    }
}
