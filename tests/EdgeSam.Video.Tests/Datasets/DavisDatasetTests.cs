using EdgeSam.Video.Datasets;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Datasets;

public class DavisDatasetTests
{
    private static readonly string[] MirrorSequences =
        ["blackswan", "bmx-trees", "breakdance", "car-shadow", "dog", "drift-chicane", "horsejump-high", "libby", "motocross-jump", "soapbox"];

    [MirrorFact]
    public void Davis2016_mirror_lists_its_val_sequences_with_frames_and_single_object_annotations()
    {
        var ds = new DavisDataset(TestPaths.Davis2016, DavisYear.Davis2016);
        Assert.Equal(MirrorSequences, ds.SequenceNames);
        Assert.EndsWith(Path.Combine("ImageSets", "480p", "val.txt"), ds.SplitFile);

        // val.txt lists every frame: its line count per sequence is the frame count.
        var linesPerSeq = File.ReadLines(ds.SplitFile!).Where(l => l.Trim().Length > 0)
            .GroupBy(l => l.Split('/')[3]).ToDictionary(g => g.Key, g => g.Count());
        foreach (DavisSequence seq in ds.Sequences())
        {
            Assert.Equal(linesPerSeq[seq.Name], seq.FrameCount);
            Assert.Equal("00000", seq.FrameNames[0]);
            Assert.True(File.Exists(seq.FramePath(seq.FrameCount - 1)));
            Assert.True(seq.HasAnnotation(seq.FrameCount - 1));
            LabelMap first = seq.ReadFirstFrameAnnotation();
            Assert.Equal((854, 480), (first.Width, first.Height));
            Assert.All(first.Data, v => Assert.True(v <= 1));
            Assert.Equal([1], seq.ObjectIds());
        }
        Assert.Equal(MirrorSequences, new DavisDataset(TestPaths.Davis2016, DavisYear.Davis2016, allSequences: true).SequenceNames);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Sequence("dog").FramePath(10_000));
    }

    /// <summary>A DAVIS 2017-style tree in a temp folder: ImageSets/2017 and 2016 name lists, palette ground truth
    /// copied from the mirror, placeholder JPEG names (the reader lists frames, it does not decode them).</summary>
    private static string Make2017Tree()
    {
        string root = TestPaths.NewTempDir("davis17");
        string seq = "bmx-trees";
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "2017"));
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "2016"));
        File.WriteAllText(Path.Combine(root, "ImageSets", "2017", "val.txt"), $"{seq}\n");
        File.WriteAllText(Path.Combine(root, "ImageSets", "2016", "val.txt"), $"{seq}\n");
        string jpg = Path.Combine(root, "JPEGImages", "480p", seq), ann = Path.Combine(root, "Annotations", "480p", seq);
        Directory.CreateDirectory(jpg);
        Directory.CreateDirectory(ann);
        for (int i = 0; i < 3; i++) File.WriteAllBytes(Path.Combine(jpg, $"{i:D5}.jpg"), []);
        File.Copy(Path.Combine(TestPaths.Shared, "datasets", "DAVIS2017-firstframe", "Annotations", "480p", seq, "00000.png"), Path.Combine(ann, "00000.png"));
        return root;
    }

    [MirrorFact]
    public void Davis2017_tree_gives_palette_ids_and_2016_reading_merges_them()
    {
        string root = Make2017Tree();
        DavisSequence seq17 = new DavisDataset(root, DavisYear.Davis2017).Sequences().Single();
        Assert.Equal((3, "00002"), (seq17.FrameCount, seq17.FrameNames[2]));
        Assert.Equal([1, 2], seq17.ObjectIds());
        Assert.True(seq17.HasAnnotation(0));
        Assert.False(seq17.HasAnnotation(1));
        var e = Assert.Throws<EdgeSamException>(() => seq17.ReadAnnotation(1));
        Assert.Contains("00001", e.Message);

        DavisSequence seq16 = new DavisDataset(root, DavisYear.Davis2016).Sequence("bmx-trees");
        Mask merged = seq16.ReadFirstFrameAnnotation().MaskOf(1);
        Mask official2016 = PngCodec.ReadMask(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", "bmx-trees", "00000.png"));
        Assert.Equal(official2016.Data, merged.Data);
    }

    [MirrorFact]
    public void Bad_roots_splits_and_names_are_one_line_errors()
    {
        string root = Make2017Tree();
        Assert.Contains("not found", Assert.Throws<EdgeSamException>(() => new DavisDataset(Path.Combine(root, "nope"), DavisYear.Davis2017)).Message);
        Assert.Contains("split list not found", Assert.Throws<EdgeSamException>(() => new DavisDataset(root, DavisYear.Davis2017, split: "test-dev")).Message);
        Assert.Contains("Annotations/480p", Assert.Throws<EdgeSamException>(() => new DavisDataset(Path.Combine(root, "ImageSets"), DavisYear.Davis2017)).Message);
        File.WriteAllText(Path.Combine(root, "ImageSets", "2017", "val.txt"), "../escape\n");
        Assert.Contains("not a valid sequence name", Assert.Throws<EdgeSamException>(() => new DavisDataset(root, DavisYear.Davis2017)).Message);
        var ds = new DavisDataset(root, DavisYear.Davis2017, allSequences: true);
        Assert.Contains("frames of DAVIS sequence 'ghost'", Assert.Throws<EdgeSamException>(() => ds.Sequence("ghost")).Message);
    }

    [Fact]
    public void Result_writer_writes_palette_pngs_per_sequence_and_frame_preserving_ids()
    {
        string root = TestPaths.NewTempDir("davis-out");
        var writer = new DavisResultWriter(Path.Combine(root, "results"));
        var labels = new LabelMap(30, 20);
        for (int i = 0; i < labels.Data.Length; i++) labels.Data[i] = (byte)(i % 30 < 10 ? 0 : i % 30 < 20 ? 3 : 7);
        string path = writer.Write("dog", "00042", labels);
        Assert.Equal(Path.Combine(root, "results", "dog", "00042.png"), path);
        Assert.True(writer.Exists("dog", "00042"));
        PngImage img = PngCodec.Read(path);
        Assert.Equal((PngColorType.Palette, 768), (img.ColorType, img.Palette.Length));
        Assert.Equal(labels.Data, PngCodec.ReadLabels(path).Data);
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "results", "dog"), "*.tmp-*"));
        Assert.Throws<EdgeSamException>(() => writer.Write("..", "00000", labels));
        Assert.Throws<EdgeSamException>(() => writer.Write("dog", "a/b", labels));
    }
}
