using System.Diagnostics;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Media;

/// <summary>
/// Frame decoding through OpenCV. Pixel equality with Pillow is the golden test in EdgeSamGoldenTests; here:
/// agreement with ffmpeg's (different, approximate) decoder on every sampling layout, progressive files, and
/// robustness to corrupt input.
/// </summary>
public class CvImageTests
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

    private static double MeanDifference(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return sum / a.Length;
    }

    [Theory]
    [InlineData("yuvj420p", 97, 61)]
    [InlineData("yuvj422p", 64, 48)]
    [InlineData("yuvj444p", 33, 17)]
    [InlineData("gray", 40, 30)]
    public void Jpeg_agrees_with_ffmpeg_on_every_sampling_layout(string pixFmt, int w, int h)
    {
        string dir = TestPaths.NewTempDir("cvjpeg");
        string path = Path.Combine(dir, "t.jpg");
        Ffmpeg("-f", "lavfi", "-i", $"gradients=s={w}x{h}:seed=3", "-frames:v", "1", "-pix_fmt", pixFmt, "-q:v", "3", path);
        RgbImage ours = CvImage.Decode(path);
        byte[] theirs = Ffmpeg("-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-");
        Assert.Equal((w, h), (ours.Width, ours.Height));
        // A smooth source: the decoders differ only in chroma upsampling and IDCT rounding (mean ~0.35-1.4 grey levels
        // for 4:2:0 and 4:2:2, under 0.01 for 4:4:4 and grey); a swapped channel order would differ by tens.
        double mean = MeanDifference(theirs, ours.Pixels);
        Assert.True(mean < 2.0, $"{pixFmt}: mean difference {mean:F2} grey levels vs ffmpeg");
    }

    [Fact]
    public void Jpeg_encoding_keeps_the_channels_and_decodes_back_close()
    {
        // A red-to-green ramp with a blue block: swapped channels or a wrong stride would miss by ~100 levels, JPEG
        // quantisation at quality 95 by a few.
        var img = new RgbImage(64, 48);
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++)
            {
                int i = 3 * (y * 64 + x);
                img.Pixels[i] = (byte)(4 * x);
                img.Pixels[i + 1] = (byte)(255 - 4 * x);
                img.Pixels[i + 2] = (byte)(x is > 20 and < 40 && y is > 10 and < 30 ? 220 : 10);
            }
        byte[] jpeg = CvImage.EncodeJpeg(img, 95);
        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        RgbImage back = CvImage.TryDecode(jpeg)!;
        Assert.Equal((64, 48), (back.Width, back.Height));
        double sum = 0;
        for (int i = 0; i < img.Pixels.Length; i++) sum += Math.Abs(img.Pixels[i] - back.Pixels[i]);
        Assert.InRange(sum / img.Pixels.Length, 0, 4.0);
        Assert.Throws<ArgumentOutOfRangeException>(() => CvImage.EncodeJpeg(img, 0));
    }

    [Fact]
    public void Png_frames_decode_exactly_and_in_rgb_order()
    {
        string dir = TestPaths.NewTempDir("cvpng");
        string path = Path.Combine(dir, "t.png");
        Ffmpeg("-f", "lavfi", "-i", "testsrc=size=48x32", "-frames:v", "1", "-pix_fmt", "rgb24", path);
        byte[] theirs = Ffmpeg("-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-");
        Assert.Equal(theirs, CvImage.Decode(path).Pixels);
        Assert.Equal(theirs, ImageFile.ReadRgb(path).Pixels);
    }

    [Fact]
    public void Progressive_jpeg_decodes()
    {
        string dir = TestPaths.NewTempDir("cvjpeg-prog");
        string baseline = Path.Combine(dir, "b.jpg"), progressive = Path.Combine(dir, "p.jpg");
        Ffmpeg("-f", "lavfi", "-i", "gradients=s=64x48:seed=5", "-frames:v", "1", "-pix_fmt", "yuvj444p", "-q:v", "2", baseline);
        // The same picture, progressive: OpenCV's encoder writes it (ffmpeg's mjpeg cannot).
        using (var m = OpenCvSharp.Cv2.ImRead(baseline))
            Assert.True(OpenCvSharp.Cv2.ImWrite(progressive, m, new OpenCvSharp.ImageEncodingParam(OpenCvSharp.ImwriteFlags.JpegProgressive, 1)));
        byte[] data = File.ReadAllBytes(progressive);
        Assert.Contains(data.Select((b, i) => (b, i)), t => t.b == 0xFF && t.i + 1 < data.Length && data[t.i + 1] == 0xC2);
        double mean = MeanDifference(CvImage.Decode(baseline).Pixels, CvImage.Decode(progressive).Pixels);
        Assert.True(mean < 3.0, $"progressive re-encode differs by {mean:F2} grey levels on average");
    }

    [Fact]
    public void Mutated_jpegs_only_ever_decode_or_are_refused()
    {
        // Small files keep many cases fast: a corner of a DAVIS frame re-encoded 4:2:0, and a 4:4:4 one.
        string dir = TestPaths.NewTempDir("cvjpeg-fuzz");
        string src = Path.Combine(dir, "src.png");
        Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120", "-frames:v", "1", src);
        string s420 = Path.Combine(dir, "s420.jpg"), s444 = Path.Combine(dir, "s444.jpg");
        Ffmpeg("-i", src, "-vf", "crop=64:48:10:10", "-pix_fmt", "yuvj420p", s420);
        Ffmpeg("-i", src, "-vf", "crop=40:24:30:20", "-pix_fmt", "yuvj444p", s444);
        byte[][] seeds = [File.ReadAllBytes(s420), File.ReadAllBytes(s444)];
        var rng = new Random(1234);
        int cases = 0, decoded = 0;
        for (; cases < 1500; cases++)
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
            RgbImage? img = CvImage.TryDecode(d);
            if (img is null) continue;
            decoded++;
            Assert.True(img.Width > 0 && img.Height > 0 && img.Pixels.Length == img.Width * img.Height * 3);
        }
        Assert.True(decoded > 0 && decoded < cases, $"{decoded} of {cases} mutated files decoded");
    }

    [Fact]
    public void An_undecodable_file_is_one_line_naming_it()
    {
        string dir = TestPaths.NewTempDir("cvjpeg-bad");
        string path = Path.Combine(dir, "bad.jpg");
        File.WriteAllBytes(path, [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0]);
        var e = Assert.Throws<EdgeSamException>(() => CvImage.Decode(path));
        Assert.Contains("bad.jpg", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
