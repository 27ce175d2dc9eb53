using System.Text;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Png;

public class PngDecoderTests
{
    public static TheoryData<PngColorType, int> AllFormats => new()
    {
        { PngColorType.Gray, 1 }, { PngColorType.Gray, 2 }, { PngColorType.Gray, 4 }, { PngColorType.Gray, 8 }, { PngColorType.Gray, 16 },
        { PngColorType.Palette, 1 }, { PngColorType.Palette, 2 }, { PngColorType.Palette, 4 }, { PngColorType.Palette, 8 },
        { PngColorType.GrayAlpha, 8 }, { PngColorType.GrayAlpha, 16 },
        { PngColorType.Rgb, 8 }, { PngColorType.Rgb, 16 }, { PngColorType.Rgba, 8 }, { PngColorType.Rgba, 16 },
    };

    [Fact]
    public void Crc32_matches_the_standard_check_values()
    {
        Assert.Equal(0xCBF43926u, PngCrc32.Compute("123456789"u8));
        Assert.Equal(0xAE426082u, PngCrc32.Compute("IEND"u8));
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Decodes_every_colour_type_and_depth_with_every_filter_plain_and_interlaced(PngColorType type, int depth)
    {
        int ch = type switch { PngColorType.Gray or PngColorType.Palette => 1, PngColorType.GrayAlpha => 2, PngColorType.Rgb => 3, _ => 4 };
        // Sizes sweep the sub-byte row tails and the Adam7 passes that are empty for tiny images.
        foreach (var (w, h) in new[] { (1, 1), (2, 3), (7, 5), (9, 9), (33, 17) })
        {
            foreach (bool interlace in new[] { false, true })
            {
                for (int filter = -1; filter <= 4; filter++)
                {
                    var rng = new Random(w * 1000 + h * 10 + filter + (interlace ? 7 : 0));
                    int max = (1 << depth) - 1;
                    int[] samples = new int[w * h * ch];
                    for (int i = 0; i < samples.Length; i++) samples[i] = rng.Next(max + 1);
                    byte[]? palette = null;
                    if (type == PngColorType.Palette)
                    {
                        palette = new byte[3 << depth];
                        rng.NextBytes(palette);
                    }
                    byte[] png = TestPngBuilder.Build(w, h, type, depth, samples, interlace, filter, rng, palette, idatPieces: 3);
                    PngImage img = PngCodec.Decode(png, "test.png");
                    Assert.Equal((w, h, type, depth, interlace), (img.Width, img.Height, img.ColorType, img.BitDepth, img.Interlaced));
                    Assert.Equal(TestPngBuilder.ExpectedSamples(samples, depth), img.Samples);
                }
            }
        }
    }

    [Theory]
    [InlineData("gray", "gray")]
    [InlineData("gray16be", "gray16be")]
    [InlineData("ya8", "ya8")]
    [InlineData("ya16be", "ya16be")]
    [InlineData("rgb24", "rgb24")]
    [InlineData("rgba", "rgba")]
    [InlineData("rgb48be", "rgb48be")]
    [InlineData("rgba64be", "rgba64be")]
    public void Matches_ffmpeg_raw_samples(string pixFmt, string rawFmt)
    {
        string dir = TestPaths.NewTempDir("png-ff-" + pixFmt);
        foreach (bool interlace in new[] { false, true })
        {
            string png = Path.Combine(dir, $"x{(interlace ? "-il" : "")}.png");
            // testsrc has colour bars, a gradient and moving text: every filter type gets used.
            Ffmpeg.Run(["-f", "lavfi", "-i", "testsrc=s=67x45", "-frames", "1", "-pix_fmt", pixFmt, .. interlace ? new[] { "-flags", "+ildct" } : [], png]);
            byte[] expected = Ffmpeg.Raw(png, rawFmt, dir);
            PngImage img = PngCodec.Read(png);
            Assert.Equal(interlace, img.Interlaced);
            Assert.Equal(expected, img.Samples);
        }
    }

    [Theory]
    [InlineData("pal8")]
    [InlineData("monob")]
    public void Palette_and_one_bit_files_match_ffmpeg_rgb(string pixFmt)
    {
        string dir = TestPaths.NewTempDir("png-ff-" + pixFmt);
        foreach (bool interlace in new[] { false, true })
        {
            string png = Path.Combine(dir, $"y{(interlace ? "-il" : "")}.png");
            Ffmpeg.Run(["-f", "lavfi", "-i", "testsrc=s=61x43", "-frames", "1", "-pix_fmt", pixFmt, .. interlace ? new[] { "-flags", "+ildct" } : [], png]);
            PngImage img = PngCodec.Read(png);
            Assert.Equal(pixFmt == "pal8" ? (PngColorType.Palette, 8) : (PngColorType.Gray, 1), (img.ColorType, img.BitDepth));
            Assert.Equal(Ffmpeg.Raw(png, "rgb24", dir), img.ToRgb(png).Pixels);
        }
    }

    [MirrorFact]
    public void Davis2016_first_annotations_are_exactly_0_and_255_and_match_ffmpeg()
    {
        string ann = Path.Combine(TestPaths.Davis2016, "Annotations", "480p");
        string[] seqs = Directory.GetDirectories(ann).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(10, seqs.Length);
        string dir = TestPaths.NewTempDir("png-davis");
        foreach (string seq in seqs)
        {
            string path = Path.Combine(seq, "00000.png");
            LabelMap labels = PngCodec.ReadLabels(path);
            Assert.Equal((854, 480), (labels.Width, labels.Height));
            Assert.All(labels.Data, v => Assert.True(v is 0 or 255));
            Assert.Contains((byte)255, labels.Data);
            Assert.Equal(Ffmpeg.Raw(path, "gray", dir), labels.Data);
            Mask mask = PngCodec.ReadMask(path);
            Assert.Equal(labels.Data.Count(v => v == 255), mask.Area());
        }
    }

    [MirrorFact]
    public void Davis2017_palette_annotation_gives_objects_1_and_2_whose_union_is_the_2016_mask()
    {
        string path = Path.Combine(TestPaths.Shared, "datasets", "DAVIS2017-firstframe", "Annotations", "480p", "bmx-trees", "00000.png");
        PngImage img = PngCodec.Read(path);
        Assert.Equal((PngColorType.Palette, 8, 768), (img.ColorType, img.BitDepth, img.Palette.Length));
        LabelMap labels = PngCodec.ToLabels(img, path);
        Assert.Equal(new byte[] { 0, 1, 2 }, labels.Data.Distinct().Order().ToArray());
        Assert.Equal([1, 2], labels.ObjectIds());
        Mask m16 = PngCodec.ReadMask(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", "bmx-trees", "00000.png"));
        Assert.Equal(m16.Data, PngCodec.ReadMask(path).Data);
    }

    [Fact]
    public void Rgb_label_masks_map_davis_colours_to_ids_and_others_to_objects()
    {
        int[] ids = [0, 1, 2, 3, 9, 200, 255];
        int[] samples = ids.SelectMany(i => { var (r, g, b) = DavisPalette.Color(i); return new[] { (int)r, g, b }; }).ToArray();
        byte[] png = TestPngBuilder.Build(ids.Length, 1, PngColorType.Rgb, 8, samples);
        LabelMap map = PngCodec.ToLabels(PngCodec.Decode(png, "rgb.png"), "rgb.png");
        Assert.Equal(ids.Select(i => (byte)i), map.Data);

        // DAVIS 2017 ground-truth variant of id 9: (191, 0, 0).
        byte[] gt = TestPngBuilder.Build(1, 1, PngColorType.Rgb, 8, [191, 0, 0]);
        Assert.Equal(9, PngCodec.ToLabels(PngCodec.Decode(gt, "gt.png"), "gt.png").Data[0]);

        // Any other colour is an object of its own (issue 30: masks from paint apps), not an error.
        byte[] odd = TestPngBuilder.Build(2, 1, PngColorType.Rgb, 8, [0, 0, 0, 10, 20, 30]);
        Assert.Equal(new byte[] { 0, 1 }, PngCodec.ToLabels(PngCodec.Decode(odd, "odd.png"), "odd.png").Data);
    }

    [Fact]
    public void Masks_use_alpha_only_when_it_is_not_fully_opaque()
    {
        // White-on-transparent matte: the shape is in alpha.
        byte[] matte = TestPngBuilder.Build(3, 1, PngColorType.Rgba, 8, [255, 255, 255, 0, 255, 255, 255, 128, 255, 255, 255, 255]);
        Assert.Equal(new byte[] { 0, 1, 1 }, PngCodec.ToMask(PngCodec.Decode(matte, "m.png")).Data);
        // Opaque RGBA: the shape is in the colour.
        byte[] opaque = TestPngBuilder.Build(3, 1, PngColorType.Rgba, 8, [0, 0, 0, 255, 0, 9, 0, 255, 0, 0, 0, 255]);
        Assert.Equal(new byte[] { 0, 1, 0 }, PngCodec.ToMask(PngCodec.Decode(opaque, "o.png")).Data);
        byte[] g16 = TestPngBuilder.Build(3, 1, PngColorType.Gray, 16, [0, 1, 65535]);
        Assert.Equal(new byte[] { 0, 1, 1 }, PngCodec.ToMask(PngCodec.Decode(g16, "g.png")).Data);
        Assert.Equal(new byte[] { 0, 1, 255 }, PngCodec.ToLabels(PngCodec.Decode(g16, "g.png"), "g.png").Data);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "signature", "PNG signature" },
        { "short", "shorter than the PNG signature" },
        { "crc", "CRC mismatch in chunk IHDR" },
        { "truncated", "truncated" },
        { "noiend", "no IEND" },
        { "noidat", "no IDAT" },
        { "filter", "unknown filter type 7" },
        { "toolittle", "too little decompressed data" },
        { "toomuch", "too much decompressed data" },
        { "huge", "exceeds the limits" },
        { "depth", "bit depth 3" },
        { "critical", "unknown critical chunk ABCD" },
        { "noplte", "without a PLTE" },
        { "idatsplit", "not consecutive" },
        { "zlib", "corrupt compressed image data" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_files_fail_with_one_line_naming_the_file_and_problem(string kind, string expected)
    {
        int[] px = Enumerable.Range(0, 16 * 4).Select(i => i * 3 % 256).ToArray();
        byte[] good = TestPngBuilder.Build(16, 4, PngColorType.Gray, 8, px);
        byte[] bad = kind switch
        {
            "signature" => [.. "GIF89a.."u8, .. good.AsSpan(8)],
            "short" => good[..5],
            "crc" => Flip(good, 20),
            "truncated" => good[..^20],
            "noiend" => good[..^12],
            "noidat" => [.. good[..33], .. good[^12..]],
            "filter" => Rebuild(16, 4, raw => raw[0] = 7),
            "toolittle" => Rebuild(16, 4, null, rawLength: 16 * 4 + 3),
            "toomuch" => Rebuild(16, 4, null, rawLength: 17 * 4 + 1),
            "huge" => SetIhdr(good, w: 20000, h: 20000),
            "depth" => SetIhdr(good, depth: 3),
            "critical" => Insert(good, "ABCD", [1, 2, 3]),
            "noplte" => SetIhdr(good, type: 3),
            "idatsplit" => Split(good),
            "zlib" => CorruptDeflate(good),
            _ => throw new ArgumentException(kind),
        };
        var e = Assert.Throws<EdgeSamException>(() => PngCodec.Decode(bad, "clip/mask.png"));
        Assert.Contains("clip/mask.png", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<EdgeSamException>(() => PngCodec.ReadLabels(Path.Combine(TestPaths.NewTempDir("png-missing"), "nope.png")));
        Assert.Contains("not found", e.Message);
    }

    private static byte[] Flip(byte[] png, int at) { var b = (byte[])png.Clone(); b[at] ^= 0x10; return b; }

    private static byte[] SetIhdr(byte[] png, int? w = null, int? h = null, int? depth = null, int? type = null)
    {
        var b = (byte[])png.Clone();
        if (w is { } ww) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(16), ww);
        if (h is { } hh) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(20), hh);
        if (depth is { } d) b[24] = (byte)d;
        if (type is { } t) b[25] = (byte)t;
        TestPngBuilder.FixCrcs(b);
        return b;
    }

    private static byte[] Insert(byte[] png, string type, byte[] data)
    {
        var s = new MemoryStream();
        s.Write(png, 0, 33);
        TestPngBuilder.Chunk(s, type, data);
        s.Write(png, 33, png.Length - 33);
        return s.ToArray();
    }

    // Two IDATs with a tEXt chunk between them.
    private static byte[] Split(byte[] png)
    {
        var chunks = TestPngBuilder.Chunks(png);
        var idat = chunks.Single(c => c.Type == "IDAT");
        byte[] data = png.AsSpan(idat.Offset + 8, idat.Length).ToArray();
        var s = new MemoryStream();
        s.Write(png, 0, idat.Offset);
        TestPngBuilder.Chunk(s, "IDAT", data[..4]);
        TestPngBuilder.Chunk(s, "tEXt", Encoding.ASCII.GetBytes("a\0b"));
        TestPngBuilder.Chunk(s, "IDAT", data[4..]);
        TestPngBuilder.Chunk(s, "IEND", []);
        return s.ToArray();
    }

    private static byte[] CorruptDeflate(byte[] png)
    {
        var b = (byte[])png.Clone();
        var idat = TestPngBuilder.Chunks(b).Single(c => c.Type == "IDAT");
        b[idat.Offset + 8 + 1] ^= 0xFF; // zlib header check bits
        TestPngBuilder.FixCrcs(b);
        return b;
    }

    // An 8-bit grey PNG whose zlib stream holds rawLength bytes of scanline data (filter bytes included).
    private static byte[] Rebuild(int w, int h, Action<byte[]>? edit, int? rawLength = null)
    {
        byte[] raw = new byte[rawLength ?? (w + 1) * h];
        edit?.Invoke(raw);
        var z = new MemoryStream();
        using (var zs = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) zs.Write(raw);
        var s = new MemoryStream();
        s.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8;
        TestPngBuilder.Chunk(s, "IHDR", ihdr);
        TestPngBuilder.Chunk(s, "IDAT", z.ToArray());
        TestPngBuilder.Chunk(s, "IEND", []);
        return s.ToArray();
    }
}
