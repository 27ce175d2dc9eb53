using System.Text.Json;
using EdgeSam.Video.Cli;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Tests.Pipeline;
using EdgeSam.Video.Tests.Png;

namespace EdgeSam.Video.Tests.Inputs;

/// <summary>Masks as people save them: 16-bit label PNGs, white-on-transparent RGBA, colour masks (issue 30, 1 and 2).</summary>
public class MaskInputTests
{
    private static LabelMap Labels(byte[] png) => PngCodec.ToLabels(PngCodec.Decode(png, "m.png"), "m.png");

    [Fact]
    public void Grey16_ids_are_read_at_full_precision()
    {
        // Ids 1 and 2 used to come out as their high byte, 0: "the mask is empty".
        LabelMap map = Labels(TestPngBuilder.Build(4, 1, PngColorType.Gray, 16, [0, 1, 2, 1]));
        Assert.Equal(new byte[] { 0, 1, 2, 1 }, map.Data);
        Assert.Equal([1, 2], map.ObjectIds());
        // Full-scale white is the 16-bit form of DAVIS 2016's 0/255 binary masks.
        Assert.Equal(new byte[] { 0, 255 }, Labels(TestPngBuilder.Build(2, 1, PngColorType.Gray, 16, [0, 65535])).Data);
        // Grey+alpha, opaque: the grey channel at full precision.
        Assert.Equal(new byte[] { 0, 7 }, Labels(TestPngBuilder.Build(2, 1, PngColorType.GrayAlpha, 16, [0, 65535, 7, 65535])).Data);
    }

    [Fact]
    public void Grey16_ids_beyond_the_label_type_are_refused_not_merged()
    {
        // 256 and 300 used to become one object (high byte 1).
        var e = Assert.Throws<EdgeSamException>(() => Labels(TestPngBuilder.Build(3, 1, PngColorType.Gray, 16, [0, 256, 300])));
        Assert.Contains("m.png", e.Message);
        Assert.Contains("pixel (1, 0) has label 256", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Segment_refuses_a_16bit_mask_with_ids_above_254_in_one_line()
    {
        string input = SegmentCommandErrorTests.Frames(3), outDir = TestPaths.NewTempDir("mask16");
        int[] px = new int[96 * 64];
        for (int y = 10; y < 30; y++) for (int x = 10; x < 30; x++) px[y * 96 + x] = 256;
        for (int y = 30; y < 50; y++) for (int x = 50; x < 70; x++) px[y * 96 + x] = 300;
        string mask = Path.Combine(outDir, "m16.png");
        File.WriteAllBytes(mask, TestPngBuilder.Build(96, 64, PngColorType.Gray, 16, px));
        var (rc, err) = await SegmentCommandErrorTests.Run("segment", input, "--out", outDir, "--mask", mask, "--segmenter", "graphcut", "--restarts", "1", "--no-preview");
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Contains("has label 256", err);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(outDir, "masks")));
    }

    [MirrorFact]
    public async Task Eval_davis_scores_16bit_binary_results()
    {
        // 0/1 results saved as 16-bit grey used to score J&F 0.000 (every pixel's high byte is 0).
        string seq = "car-shadow";
        string res = TestPaths.NewTempDir("eval16");
        string src = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq);
        Directory.CreateDirectory(Path.Combine(res, seq));
        foreach (string f in Directory.GetFiles(src, "*.png"))
        {
            Mask m = PngCodec.ReadMask(f);
            File.WriteAllBytes(Path.Combine(res, seq, Path.GetFileName(f)),
                TestPngBuilder.Build(m.Width, m.Height, PngColorType.Gray, 16, [.. m.Data.Select(b => (int)b)], filter: 0));
        }
        string json = Path.Combine(res, "scores.json");
        var (code, _, err) = await CliRunner.Run("eval", "davis", "--root", TestPaths.Davis2016, "--results", res, "--year", "2016",
            "--sequences", seq, "--json", json);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(1.0, doc.RootElement.GetProperty("global").GetProperty("J&F-Mean").GetDouble());
    }

    [Fact]
    public void White_on_transparent_rgba_is_one_object_by_its_alpha()
    {
        // What paint and compositing apps write: white where painted, alpha the coverage; the transparent part's colour
        // is anything (here black and, once, white at alpha 0). Used to be refused: white is no DAVIS palette colour.
        int[] px =
        [
            0, 0, 0, 0,   255, 255, 255, 255,   255, 255, 255, 200,   255, 255, 255, 60,   255, 255, 255, 0,
        ];
        LabelMap map = Labels(TestPngBuilder.Build(5, 1, PngColorType.Rgba, 8, px));
        Assert.Equal(new byte[] { 0, 1, 1, 0, 0 }, map.Data);
        Assert.Equal(new byte[] { 0, 1, 1, 0, 0 }, PngCodec.ToMask(PngCodec.Decode(TestPngBuilder.Build(5, 1, PngColorType.Rgba, 8, px), "m.png")).Data);
        // Black on transparent: the alpha is the object, not the colour.
        Assert.Equal(new byte[] { 1, 0 }, Labels(TestPngBuilder.Build(2, 1, PngColorType.Rgba, 8, [0, 0, 0, 255, 0, 0, 0, 0])).Data);
        // 16-bit grey+alpha matte.
        Assert.Equal(new byte[] { 1, 0 }, Labels(TestPngBuilder.Build(2, 1, PngColorType.GrayAlpha, 16, [65535, 65535, 65535, 0])).Data);
    }

    [Fact]
    public void Colour_masks_give_one_object_per_flat_colour_and_blends_join_the_nearest()
    {
        // Red and green shapes (not DAVIS colours) on black, one anti-aliased pixel of each blend.
        var px = new List<int>();
        void Add(int r, int g, int b, int count) { for (int i = 0; i < count; i++) px.AddRange([r, g, b]); }
        Add(0, 0, 0, 100);
        Add(250, 10, 10, 60);   // first colour met: object 1
        Add(140, 6, 6, 1);      // red blended into black: object 1
        Add(10, 240, 10, 40);   // object 2
        Add(5, 120, 5, 1);      // green blend: object 2
        Add(0, 0, 0, 2);
        LabelMap map = Labels(TestPngBuilder.Build(204, 1, PngColorType.Rgb, 8, [.. px]));
        Assert.Equal([1, 2], map.ObjectIds());
        Assert.Equal(61, map.Data.Count(v => v == 1));
        Assert.Equal(41, map.Data.Count(v => v == 2));
        // White on black with grey anti-aliasing is one object.
        var aa = new List<int>();
        for (int i = 0; i < 200; i++) aa.AddRange(i < 100 ? [255, 255, 255] : i < 104 ? [60 * (i - 99), 60 * (i - 99), 60 * (i - 99)] : [0, 0, 0]);
        Assert.Equal([1], Labels(TestPngBuilder.Build(200, 1, PngColorType.Rgb, 8, [.. aa])).ObjectIds());
        // Exact DAVIS palette colours keep their palette index.
        var (r2, g2, b2) = DavisPalette.Color(2);
        Assert.Equal(new byte[] { 0, 2 }, Labels(TestPngBuilder.Build(2, 1, PngColorType.Rgb, 8, [0, 0, 0, r2, g2, b2])).Data);
    }

    [Fact]
    public async Task Segment_accepts_a_white_on_transparent_rgba_mask()
    {
        string input = SegmentCommandErrorTests.Frames(3), outDir = TestPaths.NewTempDir("maskrgba");
        Mask truth = new SyntheticClip(96, 64, 3).TruthMask(0);
        var rgba = new byte[96 * 64 * 4];
        for (int i = 0; i < truth.Data.Length; i++)
        {
            rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = 255;
            rgba[i * 4 + 3] = truth.Data[i] != 0 ? (byte)255 : (byte)0;
        }
        string mask = Path.Combine(outDir, "matte.png");
        PngCodec.WriteRgba(mask, 96, 64, rgba);
        var (rc, err) = await SegmentCommandErrorTests.Run("segment", input, "--out", outDir, "--mask", mask, "--segmenter", "graphcut", "--restarts", "1", "--no-preview");
        Assert.True(rc == 0, err);
        LabelMap first = PngCodec.ReadLabels(Path.Combine(outDir, "masks", "00000.png"));
        Assert.Equal([1], first.ObjectIds());
    }

    [Fact]
    public void Export_reads_16bit_grey_masks_as_binary_at_full_precision()
    {
        // Used to read the high byte: 0/1 masks exported as empty.
        string dir = TestPaths.NewTempDir("export16");
        string path = Path.Combine(dir, "00000.png");
        File.WriteAllBytes(path, TestPngBuilder.Build(4, 1, PngColorType.Gray, 16, [0, 1, 1000, 0]));
        Assert.Equal(new byte[] { 0, 1, 1, 0 }, Video.Export.MaskSequence.Read(path).Data);
    }
}
