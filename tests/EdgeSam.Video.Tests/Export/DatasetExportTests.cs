using System.Text.Json;
using EdgeSam.Video.Export;
using EdgeSam.Video.Media;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Export;

/// <summary>COCO and YouTube-VIS from DAVIS 2016 ground truth, read back with a decoder written here.</summary>
public class DatasetExportTests(ITestOutputHelper output)
{
    private const int W = 854, H = 480;

    /// <summary>
    /// Decoder of COCO's compressed RLE counts, written from the format description (not from <see cref="CocoRle"/>):
    /// characters minus 48 are 5-bit groups, least significant first, bit 0x20 = another group follows; the last
    /// group's bit 0x10 is the sign; from the fourth number on, each is a difference to the count two before.
    /// </summary>
    internal static List<long> DecodeCounts(string s)
    {
        var counts = new List<long>();
        int pos = 0;
        while (pos < s.Length)
        {
            var groups = new List<int>();
            int g;
            do
            {
                g = s[pos++] - 48;
                Assert.InRange(g, 0, 63);
                groups.Add(g & 0x1f);
            } while ((g & 0x20) != 0);
            // Most significant group first, starting from the sign.
            long v = (groups[^1] & 0x10) != 0 ? -1 : 0;
            for (int k = groups.Count - 1; k >= 0; k--) v = v * 32 + groups[k];
            if (counts.Count > 2) v += counts[^2];
            counts.Add(v);
        }
        return counts;
    }

    /// <summary>Counts -> mask: alternating runs of 0 and 1 down the columns, left to right.</summary>
    internal static Mask DecodeMask(string s, int width, int height)
    {
        var m = new Mask(width, height);
        long k = 0;
        int bit = 0;
        foreach (long run in DecodeCounts(s))
        {
            Assert.True(run >= 0, $"negative run {run}");
            for (long i = 0; i < run; i++, k++)
            {
                Assert.True(k < (long)width * height, "runs exceed the mask");
                if (bit == 1) m.Data[(int)(k % height) * width + (int)(k / height)] = 1;
            }
            bit ^= 1;
        }
        Assert.Equal((long)width * height, k);
        return m;
    }

    [Fact]
    public void Compressed_counts_match_hand_encoded_strings()
    {
        // [0, 5, 2]: single groups. [3, 40, 3, 1]: 40 = 8 + 1*32 -> 'X' (8|0x20) then '1'; the fourth is 1 - 40 = -39 =
        // 25 + (-2)*32 -> 'i' (25|0x20), then -2 = 30 with the sign bit -> 'N'.
        Assert.Equal("052", CocoRle.Compress([0, 5, 2]));
        Assert.Equal("3X13iN", CocoRle.Compress([3, 40, 3, 1]));
        Assert.Equal([3L, 40, 3, 1], DecodeCounts("3X13iN"));
        var rng = new Random(29);
        for (int trial = 0; trial < 200; trial++)
        {
            int[] runs = Enumerable.Range(0, rng.Next(1, 40)).Select(i => i == 0 ? rng.Next(0, 3) : rng.Next(1, 1 << rng.Next(1, 22))).ToArray();
            Assert.Equal(runs.Select(r => (long)r), DecodeCounts(CocoRle.Compress(runs)));
        }
    }

    [Fact]
    public void Rle_of_edge_cases_decodes_to_the_mask()
    {
        foreach (Func<int, int, bool> f in new Func<int, int, bool>[] { (_, _) => false, (_, _) => true, (x, y) => x == 0 && y == 0, (x, y) => (x * 7 + y * 3) % 5 == 0, (x, y) => x == 9 && y == 6 })
        {
            var m = new Mask(10, 7);
            for (int y = 0; y < 7; y++) for (int x = 0; x < 10; x++) m[x, y] = f(x, y);
            Assert.Equal(m.Data, DecodeMask(CocoRle.Encode(m), 10, 7).Data);
            Assert.Equal(m.Data, CocoRle.Decode(CocoRle.Encode(m), 10, 7).Data);
        }
        Assert.Throws<FormatException>(() => CocoRle.Decode("3X13iN", 10, 7));
    }

    [MirrorFact]
    public void Coco_rle_decodes_to_the_masks_exactly_and_polygons_fill_back_exactly()
    {
        foreach (string seq in ExportFixtures.Sequences)
        {
            var (masks, _) = ExportFixtures.Subset(seq, 10);
            string dir = TestPaths.NewTempDir("coco-" + seq);
            ExportResult r = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Coco, dir, MeasureFidelity: true));
            Assert.Equal((r.Frames, r.Frames, 1.0), (r.Dataset!.ObjectFrames, r.Dataset.Exact, r.Dataset.MinIoU));
            string file = Assert.Single(r.Files);
            Assert.EndsWith("_coco.json", file);
            int anns = 0;
            foreach (var (frame, a) in Annotations(file))
            {
                anns++;
                Mask src = ExportFixtures.SourceMask(masks, frame);
                JsonElement seg = a.GetProperty("segmentation");
                Assert.Equal([H, W], seg.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
                Assert.Equal(src.Data, DecodeMask(seg.GetProperty("counts").GetString()!, W, H).Data);
                Assert.Equal(src.Area(), a.GetProperty("area").GetInt64());
                var (x0, y0, x1, y1) = src.BoundingBox()!.Value;
                Assert.Equal([x0, y0, x1 - x0 + 1, y1 - y0 + 1], a.GetProperty("bbox").EnumerateArray().Select(v => v.GetInt32()));
                Assert.False(a.TryGetProperty("rle", out _));
            }
            Assert.Equal(r.Frames, anns);

            string polyFile = Path.Combine(dir, "poly.json");
            ExportResult pr = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Coco, polyFile, CocoPolygons: true, MeasureFidelity: true));
            Assert.Equal(pr.Dataset!.ObjectFrames, pr.Dataset.Exact);
            foreach (var (frame, a) in Annotations(polyFile))
            {
                Mask src = ExportFixtures.SourceMask(masks, frame);
                var rings = a.GetProperty("segmentation").EnumerateArray().Select(ring =>
                {
                    int[] xy = ring.EnumerateArray().Select(v => v.GetInt32()).ToArray(); // pixel corners: integers
                    Assert.True(xy.Length >= 8 && xy.Length % 2 == 0);
                    return Enumerable.Range(0, xy.Length / 2).Select(k => new Vec2(xy[2 * k], xy[2 * k + 1])).ToArray();
                }).ToList();
                // Even-odd over all rings at pixel centres: holes cut out, and the mask comes back pixel for pixel.
                Assert.Equal(src.Data, ShapeRasterizer.FillPolygons(W, H, rings).Data);
            }
            output.WriteLine($"coco {seq}: {anns} annotations, RLE and polygons exact");
        }
    }

    private static IEnumerable<(string Frame, JsonElement Ann)> Annotations(string file)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(file));
        var images = doc.RootElement.GetProperty("images").EnumerateArray()
            .ToDictionary(i => i.GetProperty("id").GetInt32(), i => Path.GetFileNameWithoutExtension(i.GetProperty("file_name").GetString()!));
        foreach (JsonElement a in doc.RootElement.GetProperty("annotations").EnumerateArray())
            yield return (images[a.GetProperty("image_id").GetInt32()], a.Clone());
    }

    [MirrorFact]
    public void Ytvis_round_trips_with_null_where_the_object_is_absent()
    {
        // Two objects: DAVIS object 1 on every frame, a box as object 2 on the even frames only.
        var (src, frames) = ExportFixtures.Subset("breakdance", 8);
        string masks = Path.Combine(TestPaths.NewTempDir("ytvis"), "clip");
        Directory.CreateDirectory(masks);
        string[] files = Directory.GetFiles(src, "*.png").Order(StringComparer.Ordinal).ToArray();
        for (int t = 0; t < files.Length; t++)
        {
            LabelMap map = MaskSequence.Read(files[t]);
            if (t % 2 == 0) for (int y = 10; y < 50; y++) for (int x = 700; x < 760 + t; x++) map.Data[y * W + x] = 2;
            PngCodec.WriteLabels(Path.Combine(masks, Path.GetFileName(files[t])), map);
        }
        string outFile = Path.Combine(TestPaths.NewTempDir("ytvis-out"), "vis.json");
        ExportResult r = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Ytvis, outFile, Frames: frames));
        Assert.Equal(outFile, Assert.Single(r.Files));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(outFile));
        JsonElement video = Assert.Single(doc.RootElement.GetProperty("videos").EnumerateArray());
        Assert.Equal(W, video.GetProperty("width").GetInt32());
        Assert.Equal(H, video.GetProperty("height").GetInt32());
        Assert.Equal(files.Length, video.GetProperty("length").GetInt32());
        string[] names = video.GetProperty("file_names").EnumerateArray().Select(v => v.GetString()!).ToArray();
        Assert.Equal(files.Select(f => "clip/" + Path.GetFileNameWithoutExtension(f) + ".jpg"), names);
        Assert.Equal([1, 2], doc.RootElement.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("id").GetInt32()));
        var anns = doc.RootElement.GetProperty("annotations").EnumerateArray().ToArray();
        Assert.Equal(2, anns.Length);
        foreach (JsonElement a in anns)
        {
            int id = a.GetProperty("category_id").GetInt32();
            Assert.Equal(video.GetProperty("id").GetInt32(), a.GetProperty("video_id").GetInt32());
            Assert.Equal(0, a.GetProperty("iscrowd").GetInt32());
            var segs = a.GetProperty("segmentations").EnumerateArray().ToArray();
            var areas = a.GetProperty("areas").EnumerateArray().ToArray();
            var boxes = a.GetProperty("bboxes").EnumerateArray().ToArray();
            Assert.Equal(files.Length, segs.Length);
            Assert.Equal(files.Length, areas.Length);
            Assert.Equal(files.Length, boxes.Length);
            for (int t = 0; t < files.Length; t++)
            {
                Mask m = MaskSequence.Read(Path.Combine(masks, Path.GetFileName(files[t]))).MaskOf(id);
                if (m.IsEmpty)
                {
                    Assert.Equal(JsonValueKind.Null, segs[t].ValueKind);
                    Assert.Equal(JsonValueKind.Null, areas[t].ValueKind);
                    Assert.Equal(JsonValueKind.Null, boxes[t].ValueKind);
                    continue;
                }
                Assert.Equal(m.Data, DecodeMask(segs[t].GetProperty("counts").GetString()!, W, H).Data);
                Assert.Equal(m.Area(), areas[t].GetInt64());
                var (x0, y0, x1, y1) = m.BoundingBox()!.Value;
                Assert.Equal([x0, y0, x1 - x0 + 1, y1 - y0 + 1], boxes[t].EnumerateArray().Select(v => v.GetInt32()));
            }
        }
        Assert.Equal(files.Length / 2 + files.Length % 2, anns.Single(a => a.GetProperty("category_id").GetInt32() == 2)
            .GetProperty("areas").EnumerateArray().Count(v => v.ValueKind != JsonValueKind.Null));
    }
}
