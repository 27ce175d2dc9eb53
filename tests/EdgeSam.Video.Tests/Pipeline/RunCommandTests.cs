using System.IO.Compression;
using EdgeSam.Video.Cli;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary><c>run davis|ytvos</c> on miniature datasets cut from the DAVIS 2016 mirror (a few frames each).</summary>
public class RunCommandTests(ITestOutputHelper output)
{
    private const int Frames = 5;
    private static readonly string[] Sequences = ["blackswan", "car-shadow", "dog"];

    /// <summary>A DAVIS 2016 root with the first <see cref="Frames"/> frames of a few sequences.</summary>
    private static string MiniDavis()
    {
        string root = TestPaths.NewTempDir("minidavis");
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "480p"));
        var lines = new List<string>();
        foreach (string seq in Sequences)
        {
            string jpg = Path.Combine(root, "JPEGImages", "480p", seq), ann = Path.Combine(root, "Annotations", "480p", seq);
            Directory.CreateDirectory(jpg);
            Directory.CreateDirectory(ann);
            for (int i = 0; i < Frames; i++)
            {
                string f = i.ToString("D5");
                File.Copy(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", seq, f + ".jpg"), Path.Combine(jpg, f + ".jpg"));
                File.Copy(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, f + ".png"), Path.Combine(ann, f + ".png"));
                lines.Add($"/JPEGImages/480p/{seq}/{f}.jpg /Annotations/480p/{seq}/{f}.png");
            }
        }
        File.WriteAllLines(Path.Combine(root, "ImageSets", "480p", "val.txt"), lines);
        return root;
    }

    /// <summary>
    /// A DAVIS 2017 root (names in ImageSets/2017/val.txt, palette annotations) with one sequence of two objects: the
    /// first <see cref="Frames"/> frames of blackswan, its mask split at the mask's centroid column into id 1 (left)
    /// and id 2 (right).
    /// </summary>
    private static string MiniDavis2017()
    {
        string root = TestPaths.NewTempDir("minidavis2017");
        const string seq = "blackswan";
        string jpg = Path.Combine(root, "JPEGImages", "480p", seq), ann = Path.Combine(root, "Annotations", "480p", seq);
        Directory.CreateDirectory(jpg);
        Directory.CreateDirectory(ann);
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "2017"));
        for (int i = 0; i < Frames; i++)
        {
            string f = i.ToString("D5");
            File.Copy(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", seq, f + ".jpg"), Path.Combine(jpg, f + ".jpg"));
            Mask m = SegmentCommandTests.Truth(seq, f);
            long sx = 0;
            int n = 0;
            for (int k = 0; k < m.Data.Length; k++) if (m.Data[k] != 0) { sx += k % m.Width; n++; }
            int split = (int)(sx / n);
            var labels = new LabelMap(m.Width, m.Height);
            for (int k = 0; k < m.Data.Length; k++)
                if (m.Data[k] != 0) labels.Data[k] = (byte)(k % m.Width < split ? 1 : 2);
            PngCodec.WriteLabels(Path.Combine(ann, f + ".png"), labels);
        }
        File.WriteAllLines(Path.Combine(root, "ImageSets", "2017", "val.txt"), [seq]);
        return root;
    }

    /// <summary><c>run davis --year 2017</c>: every object of the first frame is followed with its own id, the output is
    /// a palette PNG per frame holding both ids, and the 2017 evaluator scores each object.</summary>
    [MirrorFact]
    public async Task RunDavis2017_FollowsEachObjectWithItsId()
    {
        string root = MiniDavis2017(), results = TestPaths.NewTempDir("rundavis2017");
        var (rc, text) = await Cli("run", "davis", "--root", root, "--year", "2017", "--out", results, "--segmenter", "graphcut", "--refine", "0");
        Assert.True(rc == 0, text);
        for (int i = 0; i < Frames; i++)
        {
            string f = i.ToString("D5");
            LabelMap got = PngCodec.ReadLabels(Path.Combine(results, "blackswan", f + ".png"));
            Assert.Equal([1, 2], got.ObjectIds());
            // Together the two halves cover the swan.
            var union = new Mask(got.Width, got.Height);
            for (int k = 0; k < got.Data.Length; k++) union.Data[k] = got.Data[k] is 1 or 2 ? (byte)1 : (byte)0;
            double j = DavisMetrics.Jaccard(SegmentCommandTests.Truth("blackswan", f), union);
            Assert.True(j > 0.8, $"frame {f}: union J {j:F3}");
        }
        DavisEvaluation eval = DavisFolderEvaluation.Evaluate(root, results, new DavisEvalOptions { Year = EdgeSam.Video.Datasets.DavisYear.Davis2017 });
        output.WriteLine($"J&F {eval.Global.JFMean:F3}");
        Assert.True(eval.Global.JFMean > 0.7, $"J&F {eval.Global.JFMean:F3}");

        // segment with the same two-object palette mask: both ids come back on every frame.
        string outDir = TestPaths.NewTempDir("seg-two-objects");
        (rc, text) = await Cli("segment", Path.Combine(root, "JPEGImages", "480p", "blackswan"), "--mask", Path.Combine(root, "Annotations", "480p", "blackswan", "00000.png"),
            "--out", outDir, "--segmenter", "graphcut", "--refine", "0", "--no-preview");
        Assert.True(rc == 0, text);
        for (int i = 0; i < Frames; i++)
            Assert.Equal([1, 2], PngCodec.ReadLabels(Path.Combine(outDir, "masks", i.ToString("D5") + ".png")).ObjectIds());
    }

    private async Task<(int Rc, string Out)> Cli(params string[] args)
    {
        var (ctx, stdout, stderr) = SegmentCommandTests.Context();
        int rc = await CliApp.RunAsync(args, ctx);
        output.WriteLine(stdout.ToString() + stderr);
        return (rc, stdout + stderr.ToString());
    }

    [MirrorFact]
    public async Task RunDavis_ShardsSplitTheSortedList_RerunSkipsFinished_RedoesPartial_ResultsScore()
    {
        string root = MiniDavis(), results = TestPaths.NewTempDir("rundavis");
        string[] common = ["--root", root, "--year", "2016", "--out", results, "--segmenter", "graphcut", "--refine", "0"];

        // Shard 1/2 of [blackswan, car-shadow, dog] is car-shadow alone.
        var (rc, text) = await Cli(["run", "davis", .. common, "--shard", "1/2"]);
        Assert.Equal(0, rc);
        Assert.Equal(["car-shadow"], SequenceFolders(results));
        Assert.Equal(Frames, Directory.GetFiles(Path.Combine(results, "car-shadow"), "*.png").Length);
        // The confidence report sits beside the results (<out>/reports/<sequence>.json), never in a sequence's folder.
        Assert.Equal(["car-shadow.json"], Directory.GetFiles(Path.Combine(results, "reports")).Select(Path.GetFileName));
        Assert.Equal(Frames, Directory.GetFiles(Path.Combine(results, "car-shadow")).Length);

        // A partial sequence (no final folder, a leftover .partial) is redone; the finished one is skipped.
        Directory.CreateDirectory(Path.Combine(results, "blackswan.partial"));
        File.WriteAllText(Path.Combine(results, "blackswan.partial", "00000.png"), "half-written");
        DateTime stamp = File.GetLastWriteTimeUtc(Path.Combine(results, "car-shadow", "00001.png"));
        (rc, text) = await Cli(["run", "davis", .. common]);
        Assert.Equal(0, rc);
        Assert.Contains("car-shadow: done already", text);
        Assert.Contains("score them with: edgesam-video eval davis", text);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(results, "car-shadow", "00001.png")));
        Assert.Equal(Sequences, SequenceFolders(results));
        foreach (string seq in Sequences)
        {
            Assert.Equal(Frames, Directory.GetFiles(Path.Combine(results, seq)).Length);
            var entries = EdgeSam.Video.Pipeline.SegmentationReport.Read(Path.Combine(results, "reports", seq + ".json"));
            // Keyed by the dataset's frame names and object id 1 (DAVIS 2016), one entry per frame.
            Assert.Equal(Enumerable.Range(0, Frames).Select(i => i.ToString("D5")), entries.Select(e => e.Frame));
            Assert.All(entries, e => { Assert.Equal(1, e.ObjectId); Assert.InRange(e.Confidence, 0f, 1f); });
        }

        // The results are what eval davis reads, and they are good.
        DavisEvaluation eval = DavisFolderEvaluation.Evaluate(root, results, new DavisEvalOptions { Year = EdgeSam.Video.Datasets.DavisYear.Davis2016 });
        output.WriteLine($"J&F {eval.Global.JFMean:F3}");
        Assert.True(eval.Global.JFMean > 0.6, $"J&F {eval.Global.JFMean:F3}");
        (rc, text) = await Cli(["eval", "davis", "--root", root, "--results", results, "--year", "2016"]);
        Assert.Equal(0, rc);

        // eval review joins the reports with per-frame J (3 sequences x the 3 frames the evaluation scores).
        (rc, text) = await Cli(["eval", "review", "--root", root, "--results", results, "--year", "2016", "--fit"]);
        Assert.Equal(0, rc);
        Assert.Contains("3 sequence(s), 9 object frames scored", text);
        Assert.Contains("leave-one-sequence-out", text);
    }

    private static string[] SequenceFolders(string results) =>
        Directory.GetDirectories(results).Select(d => Path.GetFileName(d)!).Where(n => n != "reports").Order(StringComparer.Ordinal).ToArray();

    [MirrorFact]
    public async Task RunDavis_BadShardOrSequence_IsOneLineError()
    {
        string root = MiniDavis(), results = TestPaths.NewTempDir("rundavis-bad");
        var (rc, text) = await Cli("run", "davis", "--root", root, "--year", "2016", "--out", results, "--shard", "2/2");
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Contains("error: --shard: '2/2' is not 'i/n'", text);
        (rc, text) = await Cli("run", "davis", "--root", root, "--year", "2016", "--out", results, "--sequences", "nope");
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Contains("'nope' is not in the split", text);
    }

    [MirrorFact]
    public async Task RunYtvos_LaterObjectsStartAtTheirFirstFrame_AndTheSubmissionIsWritten()
    {
        // One video from blackswan's first 5 frames named like YouTube-VOS valid (every 5th frame): object 1 given
        // on 00000, object 2 (the same swan, for the test) first appears on 00010.
        string root = TestPaths.NewTempDir("miniytvos"), split = Path.Combine(root, "valid");
        string jpg = Path.Combine(split, "JPEGImages", "swan"), ann = Path.Combine(split, "Annotations", "swan");
        Directory.CreateDirectory(jpg);
        Directory.CreateDirectory(ann);
        string[] names = Enumerable.Range(0, Frames).Select(i => (5 * i).ToString("D5")).ToArray();
        for (int i = 0; i < Frames; i++)
            File.Copy(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", "blackswan", i.ToString("D5") + ".jpg"), Path.Combine(jpg, names[i] + ".jpg"));
        Mask Swan(int i) => PngCodec.ReadMask(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", "blackswan", i.ToString("D5") + ".png"));
        PngCodec.WriteLabels(Path.Combine(ann, "00000.png"), Labels(Swan(0), 1));
        PngCodec.WriteLabels(Path.Combine(ann, "00010.png"), Labels(Swan(2), 2));
        File.WriteAllText(Path.Combine(split, "meta.json"),
            """{"videos":{"swan":{"objects":{"1":{"category":"bird","frames":["00000","00005","00010","00015","00020"]},"2":{"category":"bird","frames":["00010","00015","00020"]}}}}}""");
        string outDir = TestPaths.NewTempDir("runytvos");

        var (rc, _) = await Cli("run", "ytvos", "--root", root, "--out", outDir, "--segmenter", "graphcut", "--refine", "0");
        Assert.Equal(0, rc);
        for (int i = 0; i < Frames; i++)
        {
            LabelMap l = PngCodec.ReadLabels(Path.Combine(outDir, "Annotations", "swan", names[i] + ".png"));
            var ids = l.ObjectIds();
            Assert.Contains(1, ids);
            Assert.Equal(i >= 2, ids.Contains(2)); // object 2 exists from 00010 on
        }
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(outDir, "submission.zip"));
        Assert.Equal(names.Select(n => $"Annotations/swan/{n}.png"), zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        // The report is outside Annotations/ (and so outside the submission), keyed by frame name and object id.
        var entries = EdgeSam.Video.Pipeline.SegmentationReport.Read(Path.Combine(outDir, "reports", "swan.json"));
        Assert.Equal(names, entries.Where(e => e.ObjectId == 1).Select(e => e.Frame));
        Assert.Equal(names.Skip(2), entries.Where(e => e.ObjectId == 2).Select(e => e.Frame));
        Assert.Equal(Frames, Directory.GetFiles(Path.Combine(outDir, "Annotations", "swan")).Length);
    }

    private static LabelMap Labels(Mask m, int id)
    {
        var l = new LabelMap(m.Width, m.Height);
        for (int i = 0; i < m.Data.Length; i++) l.Data[i] = m.Data[i] != 0 ? (byte)id : (byte)0;
        return l;
    }
}
