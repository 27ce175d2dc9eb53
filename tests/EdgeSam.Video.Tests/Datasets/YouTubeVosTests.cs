using System.IO.Compression;
using EdgeSam.Video.Datasets;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Datasets;

public class YouTubeVosTests
{
    private const int W = 24, H = 16;

    /// <summary>
    /// A tiny valid/ split: video "a1" has object 1 from frame 00000 and object 2 first appearing at 00010; video "b2"
    /// has no JPEGImages folder (required frames then come from meta.json).
    /// </summary>
    private static string MakeTree()
    {
        string root = TestPaths.NewTempDir("ytvos");
        string valid = Path.Combine(root, "valid");
        Directory.CreateDirectory(valid);
        File.WriteAllText(Path.Combine(valid, "meta.json"), """
        {"videos": {
          "b2": {"objects": {"1": {"category": "cat", "frames": ["00005", "00000"]}}},
          "a1": {"objects": {
            "2": {"category": "dog", "frames": ["00010", "00015"]},
            "1": {"category": "person", "frames": ["00000", "00005", "00010", "00015"]}}}
        }}
        """);
        string jpg = Path.Combine(valid, "JPEGImages", "a1");
        Directory.CreateDirectory(jpg);
        foreach (string f in new[] { "00000", "00005", "00010", "00015" }) File.WriteAllBytes(Path.Combine(jpg, f + ".jpg"), []);
        // Sparse valid annotations: frame 00000 holds object 1, frame 00010 the newly appearing object 2 only.
        PngCodec.WriteLabels(Path.Combine(valid, "Annotations", "a1", "00000.png"), Box(1, 2, 2, 8, 8));
        PngCodec.WriteLabels(Path.Combine(valid, "Annotations", "a1", "00010.png"), Box(2, 12, 4, 20, 12));
        PngCodec.WriteLabels(Path.Combine(valid, "Annotations", "b2", "00000.png"), Box(1, 0, 0, 5, 5));
        return root;
    }

    private static LabelMap Box(int id, int x0, int y0, int x1, int y1)
    {
        var m = new LabelMap(W, H);
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) m.Data[y * W + x] = (byte)id;
        return m;
    }

    [Fact]
    public void Reader_gives_objects_with_their_first_frames_and_masks()
    {
        var ds = new YouTubeVosDataset(MakeTree());
        Assert.Equal(["a1", "b2"], ds.Videos.Select(v => v.Name));
        YouTubeVosVideo a = ds.Video("a1");
        Assert.Equal([1, 2], a.Objects.Select(o => o.Id));
        Assert.Equal(["person", "dog"], a.Objects.Select(o => o.Category));
        Assert.Equal(["00000", "00010"], a.Objects.Select(o => o.FirstFrame));
        Assert.Equal(["00000", "00005", "00010", "00015"], a.FrameNames);
        Assert.Equal(2, a.IndexOf("00010"));
        Assert.Equal(36, a.ReadFirstMask(a.Objects[0]).Area());
        Mask m2 = a.ReadFirstMask(a.Objects[1]);
        Assert.Equal((12, 4, 19, 11), m2.BoundingBox());
        Assert.EndsWith(Path.Combine("valid", "JPEGImages", "a1", "00005.jpg"), a.FramePath("00005"));

        YouTubeVosVideo b = ds.Video("b2");
        Assert.Equal(["00000", "00005"], b.RequiredFrames); // no JPEG folder: meta.json frames, sorted
        Assert.Throws<EdgeSamException>(() => ds.Video("zz"));
        // The split folder itself works as the root too.
        Assert.Equal(2, new YouTubeVosDataset(ds.SplitFolder).Videos.Count);
    }

    [Fact]
    public void Malformed_meta_and_missing_masks_are_one_line_errors()
    {
        string root = MakeTree();
        string meta = Path.Combine(root, "valid", "meta.json");
        YouTubeVosVideo a = new YouTubeVosDataset(root).Video("a1");
        // Object 1 is not in frame 00010's annotation (only the new object 2 is).
        var wrong = a.Objects[0] with { Frames = ["00010"] };
        Assert.Contains("object 1", Assert.Throws<EdgeSamException>(() => a.ReadFirstMask(wrong)).Message);

        File.WriteAllText(meta, "{\"videos\": {\"a1\": {\"objects\": {\"x\": {\"frames\": [\"00000\"]}}}}}");
        Assert.Contains("object id 'x'", Assert.Throws<EdgeSamException>(() => new YouTubeVosDataset(root)).Message);
        File.WriteAllText(meta, "{\"videos\": {\"../a\": {\"objects\": {}}}}");
        Assert.Contains("not a valid video name", Assert.Throws<EdgeSamException>(() => new YouTubeVosDataset(root)).Message);
        File.WriteAllText(meta, "{\"videos\": [");
        Assert.Contains("not valid JSON", Assert.Throws<EdgeSamException>(() => new YouTubeVosDataset(root)).Message);
        Assert.Contains("no train/meta.json", Assert.Throws<EdgeSamException>(() => new YouTubeVosDataset(root, YouTubeVosSplit.Train)).Message);
    }

    [Fact]
    public void Submission_zip_holds_exactly_the_required_frames_and_appears_only_when_complete()
    {
        string root = MakeTree();
        var ds = new YouTubeVosDataset(root);
        string zipPath = Path.Combine(root, "out", "submission.zip");

        using (var incomplete = new YouTubeVosSubmissionWriter(zipPath, ds))
        {
            incomplete.Write("a1", "00000", Box(1, 0, 0, 4, 4));
            var e = Assert.Throws<EdgeSamException>(() => incomplete.Complete());
            Assert.Contains("5 required frames missing", e.Message);
        }
        Assert.False(File.Exists(zipPath));
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "out")));

        using (var writer = new YouTubeVosSubmissionWriter(zipPath, ds))
        {
            Assert.False(writer.Write("a1", "00003", Box(1, 0, 0, 4, 4))); // not a required frame: skipped
            foreach (YouTubeVosVideo v in ds.Videos)
                foreach (string f in v.RequiredFrames)
                    Assert.True(writer.Write(v.Name, f, Box(v.Objects.Count, 1, 1, 3 + f[^1] - '0', 5)));
            Assert.Throws<InvalidOperationException>(() => writer.Write("a1", "00000", Box(1, 0, 0, 1, 1)));
            Assert.Empty(writer.Missing());
            writer.Complete();
        }
        Assert.Equal(["submission.zip"], Directory.GetFiles(Path.Combine(root, "out")).Select(Path.GetFileName));

        using ZipArchive zip = ZipFile.OpenRead(zipPath);
        Assert.Equal(
            ["Annotations/a1/00000.png", "Annotations/a1/00005.png", "Annotations/a1/00010.png", "Annotations/a1/00015.png",
             "Annotations/b2/00000.png", "Annotations/b2/00005.png"],
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        ZipArchiveEntry entry = zip.GetEntry("Annotations/a1/00015.png")!;
        using var ms = new MemoryStream();
        using (Stream s = entry.Open()) s.CopyTo(ms);
        PngImage img = PngCodec.Decode(ms.ToArray(), entry.FullName);
        Assert.Equal(PngColorType.Palette, img.ColorType);
        Assert.Equal(Box(2, 1, 1, 8, 5).Data, img.Samples);
    }
}
