using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Png;

public class PngEncoderTests
{
    public static TheoryData<PngFilterStrategy> Strategies => new(Enum.GetValues<PngFilterStrategy>());

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Every_writer_round_trips_across_sizes_and_filters(PngFilterStrategy filter)
    {
        var options = new PngWriteOptions { Filter = filter };
        foreach (var (w, h) in new[] { (1, 1), (3, 2), (17, 9), (64, 33) })
        {
            var rng = new Random(w * 31 + h + (int)filter);
            // Smooth plus noisy content, so every filter wins somewhere under Adaptive.
            byte[] Make(int ch)
            {
                var b = new byte[w * h * ch];
                for (int i = 0; i < b.Length; i++) b[i] = (i / ch / w) % 3 == 0 ? (byte)rng.Next(256) : (byte)(i * 7 / ch);
                return b;
            }
            var labels = new LabelMap(w, h, Make(1));
            PngImage lp = PngCodec.Decode(PngCodec.EncodeLabels(labels, options), "l.png");
            Assert.Equal((PngColorType.Palette, 8), (lp.ColorType, lp.BitDepth));
            Assert.Equal(labels.Data, lp.Samples);
            Assert.Equal(DavisPalette.Rgb.ToArray(), lp.Palette);

            byte[] gray = Make(1), rgb = Make(3), rgba = Make(4);
            Assert.Equal(gray, PngCodec.Decode(PngCodec.EncodeGray(w, h, gray, options), "g.png").Samples);
            Assert.Equal(rgb, PngCodec.Decode(PngCodec.EncodeRgb(w, h, rgb, options), "c.png").Samples);
            PngImage a = PngCodec.Decode(PngCodec.EncodeRgba(w, h, rgba, options), "a.png");
            Assert.Equal(PngColorType.Rgba, a.ColorType);
            Assert.Equal(rgba, a.Samples);
        }
    }

    [Fact]
    public void Written_files_decode_identically_in_ffmpeg()
    {
        string dir = TestPaths.NewTempDir("png-enc-ff");
        int w = 45, h = 31;
        var rng = new Random(5);
        var labels = new LabelMap(w, h);
        for (int i = 0; i < labels.Data.Length; i++) labels.Data[i] = (byte)(i % w < 20 ? 0 : 1 + i / w % 5);
        labels.Data[3] = 255;
        byte[] rgba = new byte[w * h * 4];
        rng.NextBytes(rgba);

        string lp = Path.Combine(dir, "labels.png"), ap = Path.Combine(dir, "rgba.png");
        PngCodec.WriteLabels(lp, labels);
        PngCodec.WriteRgba(ap, w, h, rgba);

        byte[] rgb = Ffmpeg.Raw(lp, "rgb24", dir);
        for (int i = 0; i < labels.Data.Length; i++)
        {
            var (r, g, b) = DavisPalette.Color(labels.Data[i]);
            Assert.Equal((r, g, b), (rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]));
        }
        Assert.Equal(rgba, Ffmpeg.Raw(ap, "rgba", dir));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));
    }

    [MirrorFact]
    public void Label_files_carry_the_same_palette_as_official_davis_results()
    {
        string osvos = Path.Combine(TestPaths.Shared, "reference", "davis-eval", "osvos-davis2017-val", "bmx-trees", "00000.png");
        PngImage official = PngCodec.Read(osvos);
        Assert.Equal(official.Palette, DavisPalette.Rgb.ToArray());
        Assert.Equal((0, 0, 0), ToTuple(DavisPalette.Color(0)));
        Assert.Equal((128, 0, 0), ToTuple(DavisPalette.Color(1)));
        Assert.Equal((0, 128, 0), ToTuple(DavisPalette.Color(2)));
        Assert.Equal((192, 128, 128), ToTuple(DavisPalette.Color(15)));

        // Re-encoding an official result reproduces its labels.
        LabelMap labels = PngCodec.ToLabels(official, osvos);
        Assert.Equal(labels.Data, PngCodec.Decode(PngCodec.EncodeLabels(labels), "re.png").Samples);

        // The DAVIS 2017 ground truth has the 191-variant palette; its ids read the same by index.
        string gt = Path.Combine(TestPaths.Shared, "datasets", "DAVIS2017-firstframe", "Annotations", "480p", "bmx-trees", "00000.png");
        PngImage g = PngCodec.Read(gt);
        Assert.Equal((191, 0, 0), (g.Palette[27], g.Palette[28], g.Palette[29]));
        Assert.True(DavisPalette.TryIndexOf(191, 0, 0, out byte nine) && nine == 9);

        static (int, int, int) ToTuple((byte R, byte G, byte B) c) => (c.R, c.G, c.B);
    }

    [Fact]
    public void Atomic_write_replaces_the_target_and_leaves_no_temporary()
    {
        string dir = TestPaths.NewTempDir("png-atomic");
        string path = Path.Combine(dir, "sub", "m.png");
        PngCodec.WriteGray(path, 2, 1, [0, 255]);
        PngCodec.WriteGray(path, 2, 1, [255, 0]);
        Assert.Equal(new byte[] { 255, 0 }, PngCodec.Read(path).Samples);
        Assert.Equal(["m.png"], Directory.GetFiles(Path.Combine(dir, "sub")).Select(Path.GetFileName));

        // A folder in the way of the target: the write fails with one line and the temporary is gone.
        string blocked = Path.Combine(dir, "blocked.png");
        Directory.CreateDirectory(blocked);
        var e = Assert.Throws<EdgeSamException>(() => PngCodec.WriteGray(blocked, 1, 1, [1]));
        Assert.Contains("blocked.png", e.Message);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));
    }

    [Fact]
    public void Mask_writer_gives_0_255_grey()
    {
        var m = new Mask(3, 1, [0, 1, 1]);
        PngImage img = PngCodec.Decode(PngCodec.EncodeMask(m), "m.png");
        Assert.Equal(PngColorType.Gray, img.ColorType);
        Assert.Equal(new byte[] { 0, 255, 255 }, img.Samples);
        Assert.Equal(m.Data, PngCodec.ToMask(img).Data);
    }

    [Fact]
    public void Wrong_buffer_sizes_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => PngCodec.EncodeRgb(2, 2, new byte[11]));
        Assert.Throws<ArgumentException>(() => PngCodec.EncodeGray(2, 2, new byte[5]));
    }
}
