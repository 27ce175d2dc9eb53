using System.Diagnostics;
using EdgeSam.Video.Media;
using EdgeSam.Video.Media.Jpeg;

namespace EdgeSam.Video.Tests.Segmentation;

/// <summary>
/// The managed JPEG decoder. Bit-exactness with libjpeg-turbo is checked by the golden resize test (the reference image
/// was decoded by Pillow); here: agreement with ffmpeg's (different, approximate) decoder on every sampling layout,
/// unsupported kinds, and robustness to corrupt input.
/// </summary>
public class JpegDecoderTests
{
    private static byte[] Ffmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-v", "error", "-nostdin" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var ms = new MemoryStream();
        Task<string> err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err.Result);
        return ms.ToArray();
    }

    [Theory]
    [InlineData("yuvj420p", 97, 61)]
    [InlineData("yuvj422p", 64, 48)]
    [InlineData("yuvj444p", 33, 17)]
    [InlineData("gray", 40, 30)]
    public void Agrees_with_ffmpeg_on_every_sampling_layout(string pixFmt, int w, int h)
    {
        string dir = TestPaths.NewTempDir("jpeg");
        string path = Path.Combine(dir, "t.jpg");
        Ffmpeg("-f", "lavfi", "-i", $"gradients=s={w}x{h}:seed=3", "-frames:v", "1", "-pix_fmt", pixFmt, "-q:v", "3", path);
        RgbImage ours = JpegDecoder.Decode(path);
        byte[] theirs = Ffmpeg("-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-");
        Assert.Equal((w, h), (ours.Width, ours.Height));
        double mean = 0;
        for (int i = 0; i < theirs.Length; i++) mean += Math.Abs(theirs[i] - ours.Pixels[i]);
        mean /= theirs.Length;
        // A smooth source: the decoders differ only in chroma upsampling and IDCT rounding (measured: mean 0.35-1.4 for
        // 4:2:0 and 4:2:2, under 0.01 for 4:4:4 and grey). Saturated edges (testsrc) differ by ~9 levels for Pillow too.
        Assert.True(mean < 2.0, $"{pixFmt}: mean difference {mean:F2} grey levels vs ffmpeg");
    }

    [MirrorFact]
    public void Davis_frames_decode_close_to_ffmpeg()
    {
        string path = Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", "dog", "00000.jpg");
        RgbImage ours = JpegDecoder.Decode(path);
        byte[] theirs = Ffmpeg("-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-");
        double mean = 0;
        for (int i = 0; i < theirs.Length; i++) mean += Math.Abs(theirs[i] - ours.Pixels[i]);
        Assert.True(mean / theirs.Length < 2.0);
    }

    [Fact]
    public void Progressive_files_are_reported_as_unsupported()
    {
        string dir = TestPaths.NewTempDir("jpeg-prog");
        string path = Path.Combine(dir, "p.jpg");
        // ffmpeg's mjpeg encoder cannot write progressive; build the SOF2 marker by patching a baseline file's SOF0.
        Ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32", "-frames:v", "1", "-pix_fmt", "yuvj420p", path);
        byte[] data = File.ReadAllBytes(path);
        int sof = FindMarker(data, 0xC0);
        data[sof + 1] = 0xC2;
        Assert.Throws<JpegUnsupportedException>(() => JpegDecoder.Decode(data, "p.jpg"));
    }

    private static int FindMarker(byte[] d, byte m)
    {
        for (int i = 0; i + 1 < d.Length; i++) if (d[i] == 0xFF && d[i + 1] == m) return i;
        throw new InvalidOperationException("marker not found");
    }

    [MirrorFact]
    public void Mutated_files_only_ever_decode_or_raise_EdgeSamException()
    {
        // Small files keep thousands of cases fast: a corner of a DAVIS frame re-encoded 4:2:0, and a 4:4:4 one.
        string dir = TestPaths.NewTempDir("jpeg-fuzz");
        string src = Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", "blackswan", "00000.jpg");
        string s420 = Path.Combine(dir, "s420.jpg"), s444 = Path.Combine(dir, "s444.jpg");
        Ffmpeg("-i", src, "-vf", "crop=64:48:100:100", "-pix_fmt", "yuvj420p", s420);
        Ffmpeg("-i", src, "-vf", "crop=40:24:300:200", "-pix_fmt", "yuvj444p", s444);
        byte[][] seeds = [File.ReadAllBytes(s420), File.ReadAllBytes(s444)];
        var rng = new Random(1234);
        var sw = Stopwatch.StartNew();
        int cases = 0, decoded = 0;
        for (; cases < 3000; cases++)
        {
            byte[] d = (byte[])seeds[cases % seeds.Length].Clone();
            int edits = 1 + rng.Next(4);
            for (int e = 0; e < edits; e++)
            {
                switch (rng.Next(4))
                {
                    case 0: d[rng.Next(d.Length)] ^= (byte)(1 << rng.Next(8)); break;
                    case 1: d[rng.Next(d.Length)] = (byte)rng.Next(256); break;
                    case 2: d = d[..rng.Next(1, d.Length)]; break;
                    default: d[rng.Next(Math.Min(d.Length, 700))] = (byte)rng.Next(256); break; // headers and tables
                }
            }
            try { JpegDecoder.Decode(d, "fuzz.jpg"); decoded++; }
            catch (EdgeSamException) { }
        }
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"{cases} cases took {sw.Elapsed}");
        Assert.True(decoded > 0 && decoded < cases);
    }
}
