using System.Diagnostics;
using EdgeSam.Video.Export;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Export;

/// <summary>Mattes from DAVIS 2016 ground truth: alpha PNG content, ProRes/WebM alpha seen by ffprobe and decoded back.</summary>
public class MatteExportTests
{
    private const int W = 854, H = 480;

    private static byte[] DecodeAlpha(string video, int frames, string? decoder = null)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        List<string> args = ["-hide_banner", "-nostdin", "-v", "error"];
        if (decoder != null) args.AddRange(["-c:v", decoder]);
        args.AddRange(["-i", video, "-frames:v", frames.ToString(), "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"]);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err.Result);
        byte[] rgba = ms.ToArray();
        Assert.Equal(frames * W * H * 4, rgba.Length);
        var alpha = new byte[frames * W * H];
        for (int i = 0; i < alpha.Length; i++) alpha[i] = rgba[4 * i + 3];
        return alpha;
    }

    [MirrorFact]
    public void Alpha_png_carries_original_pixels_and_the_mask_as_alpha()
    {
        var (masks, frames) = ExportFixtures.Subset("blackswan", 10, max: 3);
        string outDir = TestPaths.NewTempDir("apng");
        ExportResult r = RotoExporter.Export(new ExportRequest(masks, ExportFormat.AlphaPng, outDir, Frames: frames));
        Assert.Equal(3, r.Files.Count);
        Assert.All(r.Files, f => Assert.Equal("blackswan_obj1", Path.GetFileName(Path.GetDirectoryName(f))));
        Assert.DoesNotContain(Directory.GetDirectories(outDir), d => Path.GetFileName(d).Contains(".partial"));
        using IFrameSource src = FrameSources.Open(frames);
        var rgbFrames = src.Read(0, 3).ToList();
        for (int t = 0; t < 3; t++)
        {
            PngImage png = PngCodec.Read(r.Files[t]);
            Assert.Equal(PngColorType.Rgba, png.ColorType);
            Mask m = ExportFixtures.SourceMask(masks, Path.GetFileNameWithoutExtension(r.Files[t]));
            byte[] s = png.Samples;
            for (int i = 0; i < W * H; i++)
            {
                Assert.Equal(m.Data[i] * 255, s[4 * i + 3]);
                if (i % 97 == 0)
                    for (int c = 0; c < 3; c++) Assert.Equal(rgbFrames[t].Pixels[3 * i + c], s[4 * i + c]);
            }
        }
    }

    [MirrorFact]
    public void Feathered_soft_matte_only_alpha_equals_a_direct_2d_convolution()
    {
        var (masks, _) = ExportFixtures.Subset("breakdance", 10, max: 2);
        string outDir = TestPaths.NewTempDir("feather");
        ExportResult r = RotoExporter.Export(new ExportRequest(masks, ExportFormat.AlphaPng, outDir, FeatherPx: 4, Edge: EdgeMode.Soft, MatteOnly: true));
        Assert.Equal(2, r.Files.Count);
        PngImage png = PngCodec.Read(r.Files[1]);
        Mask m = ExportFixtures.SourceMask(masks, Path.GetFileNameWithoutExtension(r.Files[1]));
        // Scalar reference: the [1 2 1]/4 x [1 2 1]/4 kernel convolved with the 2-D Gaussian (sigma 2), applied as one
        // 2-D sum with edge replication, on a window around the object (every pixel there, every 7th elsewhere).
        float[] g = Matte.GaussianKernel(2.0);
        float[] soft = [0.25f, 0.5f, 0.25f];
        float[] k1 = Convolve1D(soft, g);
        int r1 = k1.Length / 2;
        var (bx0, by0, bx1, by1) = m.BoundingBox()!.Value;
        int maxDiff = 0, checkedPixels = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                bool near = x >= bx0 - 12 && x <= bx1 + 12 && y >= by0 - 12 && y <= by1 + 12;
                if (!near && (y * W + x) % 7 != 0) continue;
                double sum = 0;
                for (int dy = -r1; dy <= r1; dy++)
                    for (int dx = -r1; dx <= r1; dx++)
                        sum += k1[dy + r1] * k1[dx + r1] * m.Data[Math.Clamp(y + dy, 0, H - 1) * W + Math.Clamp(x + dx, 0, W - 1)];
                int expected = (int)Math.Round(sum * 255);
                int actual = png.Samples[4 * (y * W + x) + 3];
                maxDiff = Math.Max(maxDiff, Math.Abs(expected - actual));
                checkedPixels++;
                Assert.Equal(255, png.Samples[4 * (y * W + x)]); // white RGB
            }
        Assert.True(maxDiff <= 1, $"max |alpha - reference| = {maxDiff} over {checkedPixels} pixels");
        // The feather really softens: some alpha values strictly between 0 and 255.
        Assert.Contains(png.Samples.Where((_, i) => i % 4 == 3), a => a is > 20 and < 235);
    }

    private static float[] Convolve1D(float[] a, float[] b)
    {
        var o = new float[a.Length + b.Length - 1];
        for (int i = 0; i < a.Length; i++) for (int j = 0; j < b.Length; j++) o[i + j] += a[i] * b[j];
        return o;
    }

    [MirrorFact]
    public void ProRes_4444_has_a_yuva_alpha_that_decodes_to_the_mask()
    {
        var (masks, frames) = ExportFixtures.Subset("motocross-jump", 10, max: 3);
        string outDir = TestPaths.NewTempDir("prores");
        ExportResult r = RotoExporter.Export(new ExportRequest(masks, ExportFormat.ProRes, outDir, Frames: frames, Name: "moto"));
        string file = Assert.Single(r.Files);
        Assert.Equal("moto_obj1.mov", Path.GetFileName(file));
        VideoInfo info = VideoProbe.Probe(file);
        Assert.StartsWith("yuva", info.PixelFormat);
        Assert.True(info.HasAlpha);
        Assert.Equal("prores", info.Codec);
        Assert.Equal(3, info.FrameCount);
        AssertAlphaMatches(DecodeAlpha(file, 3), masks, 3, maxMeanError: 1.0);
    }

    [Fact]
    public void Matte_file_names_follow_the_out_path()
    {
        string dir = TestPaths.NewTempDir("names");
        string mov = Path.Combine(dir, "shot", "matte.mov");
        // A folder: name_obj<id> per object, name_matte combined.
        Assert.Equal([Path.Combine(dir, "clip_obj1.mov"), Path.Combine(dir, "clip_obj3.mov")],
            RotoExporter.MatteFileNames(dir, "clip", ExportFormat.ProRes, [1, 3]));
        Assert.Equal([Path.Combine(dir, "clip_matte.webm")], RotoExporter.MatteFileNames(dir, "clip", ExportFormat.WebM, null));
        // A file path: the file itself for one output, <stem>_obj<id> beside it for several.
        Assert.Equal([mov], RotoExporter.MatteFileNames(mov, "clip", ExportFormat.ProRes, [2]));
        Assert.Equal([mov], RotoExporter.MatteFileNames(mov, "clip", ExportFormat.ProRes, null));
        Assert.Equal([Path.Combine(dir, "shot", "matte_obj1.mov"), Path.Combine(dir, "shot", "matte_obj2.mov")],
            RotoExporter.MatteFileNames(mov, "clip", ExportFormat.ProRes, [1, 2]));
        Assert.Equal([Path.Combine(dir, "a.webm")], RotoExporter.MatteFileNames(Path.Combine(dir, "a.webm"), "clip", ExportFormat.WebM, [5]));
        // The other container: one line saying which extension to use.
        var e = Assert.Throws<EdgeSamException>(() => RotoExporter.MatteFileNames(mov, "clip", ExportFormat.WebM, [1]));
        Assert.Contains("matte.webm", e.Message);
    }

    private static Dictionary<string, string> ColorTags(string video)
    {
        var psi = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=color_range,color_space,color_transfer,color_primaries", "-of", "default=noprint_wrappers=1", video })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1].Trim());
    }

    [MirrorFact]
    public void An_out_path_ending_in_mov_is_the_file_or_the_stem_and_the_mattes_are_tagged_bt709_limited()
    {
        var (src, frames) = ExportFixtures.Subset("blackswan", 25, max: 2);
        string masks = WithBox(src, "mov");
        string outDir = TestPaths.NewTempDir("mov-out");
        string mov = Path.Combine(outDir, "matte.mov");
        ExportResult one = RotoExporter.Export(new ExportRequest(masks, ExportFormat.ProRes, mov, Frames: frames, ObjectIds: [2]));
        Assert.Equal(mov, Assert.Single(one.Files));
        Assert.True(File.Exists(mov), "matte.mov is a file");
        ExportResult several = RotoExporter.Export(new ExportRequest(masks, ExportFormat.WebM, Path.Combine(outDir, "m.webm"), MatteOnly: true));
        Assert.Equal([Path.Combine(outDir, "m_obj1.webm"), Path.Combine(outDir, "m_obj2.webm")], several.Files);
        Assert.Equal(["m_obj1.webm", "m_obj2.webm", "matte.mov"], Directory.GetFileSystemEntries(outDir).Select(Path.GetFileName).Order());
        foreach (string file in several.Files.Append(mov))
        {
            var tags = ColorTags(file);
            Assert.Equal("tv", tags["color_range"]);
            Assert.Equal("bt709", tags["color_space"]);
            Assert.Equal("bt709", tags["color_transfer"]);
            Assert.Equal("bt709", tags["color_primaries"]);
        }
    }

    [MirrorFact]
    public void Webm_vp9_has_alpha_that_decodes_to_the_mask()
    {
        var (masks, frames) = ExportFixtures.Subset("blackswan", 10, max: 3);
        string outDir = TestPaths.NewTempDir("webm");
        ExportResult r = RotoExporter.Export(new ExportRequest(masks, ExportFormat.WebM, outDir, Frames: frames, Combine: true));
        string file = Assert.Single(r.Files);
        Assert.Equal("blackswan_matte.webm", Path.GetFileName(file));
        VideoInfo info = VideoProbe.Probe(file);
        Assert.Equal("vp9", info.Codec);
        Assert.True(info.HasAlpha, $"pix_fmt {info.PixelFormat}, tags {string.Join(",", info.Tags)}");
        Assert.Equal("1", info.Tags["alpha_mode"]);
        // VP9 alpha lives in side data that only the libvpx decoder reads.
        AssertAlphaMatches(DecodeAlpha(file, 3, "libvpx-vp9"), masks, 3, maxMeanError: 4.0);
    }

    private static void AssertAlphaMatches(byte[] alpha, string masks, int frames, double maxMeanError)
    {
        string[] names = Directory.GetFiles(masks, "*.png").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray()!;
        for (int t = 0; t < frames; t++)
        {
            Mask m = ExportFixtures.SourceMask(masks, names[t]);
            double err = 0;
            int wrong = 0;
            for (int i = 0; i < W * H; i++)
            {
                int d = Math.Abs(alpha[t * W * H + i] - m.Data[i] * 255);
                err += d;
                if (d > 128) wrong++;
            }
            err /= W * H;
            Assert.True(err <= maxMeanError && wrong < W * H / 500, $"frame {t}: mean |alpha - mask| {err:F2}, {wrong} pixels on the wrong side");
        }
    }

    /// <summary>Copies of the masks in a folder named <c>two</c> with a 100 x 60 box as object 2.</summary>
    private static string WithBox(string src, string tag)
    {
        string masks = Path.Combine(TestPaths.NewTempDir(tag), "two");
        Directory.CreateDirectory(masks);
        foreach (string f in Directory.GetFiles(src, "*.png"))
        {
            LabelMap map = MaskSequence.Read(f);
            for (int y = 20; y < 80; y++) for (int x = 30; x < 130; x++) map.Data[y * W + x] = 2;
            PngCodec.WriteLabels(Path.Combine(masks, Path.GetFileName(f)), map);
        }
        return masks;
    }

    [MirrorFact]
    public void Two_objects_give_one_layer_each_and_a_union_when_combined()
    {
        // Two-object palette masks: DAVIS object 1 plus a box as object 2.
        var (src, _) = ExportFixtures.Subset("blackswan", 20, max: 3);
        string masks = WithBox(src, "multi");
        string outDir = TestPaths.NewTempDir("multi-out");
        ExportResult per = RotoExporter.Export(new ExportRequest(masks, ExportFormat.AlphaPng, outDir, MatteOnly: true));
        Assert.Equal([1, 2], per.ObjectIds);
        Assert.Equal(["two_obj1", "two_obj2"], Directory.GetDirectories(outDir).Select(Path.GetFileName).Order());
        ExportResult comb = RotoExporter.Export(new ExportRequest(masks, ExportFormat.AlphaPng, outDir, MatteOnly: true, Combine: true));
        PngImage a1 = PngCodec.Read(per.Files[0]), a2 = PngCodec.Read(per.Files[3]), u = PngCodec.Read(comb.Files[0]);
        for (int i = 0; i < W * H; i++)
            Assert.Equal(Math.Max(a1.Samples[4 * i + 3], a2.Samples[4 * i + 3]), u.Samples[4 * i + 3]);

        ExportResult svg = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Svg, outDir, Smooth: 0));
        var layers = ExportFixtures.ParseSvg(svg.Files[0]);
        Assert.Equal([1, 2], layers.Keys.Order());
        Mask box = ShapeRasterizer.Fill(W, H, layers[2]);
        Mask truth = new Mask(W, H);
        for (int y = 20; y < 80; y++) for (int x = 30; x < 130; x++) truth[x, y] = true;
        Assert.True(ShapeRasterizer.IoU(box, truth) >= 0.99, $"box IoU {ShapeRasterizer.IoU(box, truth):F4}");

        ExportResult only2 = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Json, Path.Combine(outDir, "o2.json"), ObjectIds: [2]));
        Assert.Equal([2], only2.ObjectIds);
    }

    [MirrorFact]
    public void Bad_requests_are_one_line_errors_and_leave_nothing_behind()
    {
        var (masks, _) = ExportFixtures.Subset("blackswan", 25, max: 2);
        string outDir = TestPaths.NewTempDir("bad");
        var e = Assert.Throws<EdgeSamException>(() => RotoExporter.Export(new ExportRequest(masks, ExportFormat.ProRes, outDir)));
        Assert.Contains("--frames", e.Message);
        e = Assert.Throws<EdgeSamException>(() => RotoExporter.Export(new ExportRequest(masks, ExportFormat.Svg, outDir, ObjectIds: [3])));
        Assert.Contains("object 3", e.Message);
        e = Assert.Throws<EdgeSamException>(() => RotoExporter.Export(new ExportRequest(Path.Combine(outDir, "nope"), ExportFormat.Svg, outDir)));
        Assert.Contains("masks folder not found", e.Message);
        e = Assert.Throws<EdgeSamException>(() => ExportFormats.Parse("gif"));
        Assert.Contains("alpha-png", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outDir));
        Assert.Equal(ExportFormat.AfterEffects, ExportFormats.Parse("AE"));
    }

    [MirrorFact]
    public void A_cancelled_export_leaves_no_output()
    {
        var (masks, frames) = ExportFixtures.Subset("blackswan", 25, max: 2);
        string outDir = TestPaths.NewTempDir("cancel");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        foreach (ExportFormat f in new[] { ExportFormat.AlphaPng, ExportFormat.ProRes, ExportFormat.Svg, ExportFormat.Json })
            Assert.ThrowsAny<OperationCanceledException>(() => RotoExporter.Export(new ExportRequest(masks, f, outDir, Frames: frames), null, cts.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(outDir));
    }
}
