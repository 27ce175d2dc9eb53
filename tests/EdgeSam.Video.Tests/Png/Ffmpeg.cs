using System.Diagnostics;

namespace EdgeSam.Video.Tests.Png;

/// <summary>Runs the ffmpeg CLI for reference images in tests (fails the test with ffmpeg's stderr on error).</summary>
internal static class Ffmpeg
{
    public static void Run(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in (string[])["-v", "error", "-nostdin", "-y", .. args]) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("ffmpeg did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        _ = stdout.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {err}");
    }

    /// <summary>Decodes any image ffmpeg reads to raw bytes of <paramref name="pixFmt"/>.</summary>
    public static byte[] Raw(string image, string pixFmt, string dir)
    {
        string outPath = Path.Combine(dir, Path.GetFileNameWithoutExtension(image) + "." + pixFmt + ".raw");
        Run("-i", image, "-f", "rawvideo", "-pix_fmt", pixFmt, outPath);
        return File.ReadAllBytes(outPath);
    }
}
