using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeSam.Video.Export;
using EdgeSam.Video.Media;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Export;

/// <summary>Shape formats from DAVIS 2016 ground truth (every 10th frame of three sequences), rasterised back.</summary>
public class ShapeExportTests(ITestOutputHelper output)
{
    private const double MinIoU = 0.97;

    private ExportResult Run(string masks, ExportFormat format, string outPath, int smooth = 0, string? frames = null, KeyMode keys = KeyMode.All) =>
        RotoExporter.Export(new ExportRequest(masks, format, outPath, Frames: frames, Smooth: smooth, Keys: keys));

    [MirrorFact]
    public void Svg_round_trips_with_iou_above_097()
    {
        foreach (string seq in ExportFixtures.Sequences)
        {
            var (masks, _) = ExportFixtures.Subset(seq, 10);
            string outDir = TestPaths.NewTempDir("svg-" + seq);
            ExportResult r = Run(masks, ExportFormat.Svg, outDir);
            Assert.Equal(r.Frames, r.Files.Count);
            double min = 1, sum = 0;
            foreach (string file in r.Files)
            {
                string frame = Path.GetFileNameWithoutExtension(file);
                var layers = ExportFixtures.ParseSvg(file);
                Assert.Equal([1], layers.Keys);
                Mask raster = ShapeRasterizer.Fill(854, 480, layers[1]);
                double iou = ShapeRasterizer.IoU(raster, ExportFixtures.SourceMask(masks, frame));
                min = Math.Min(min, iou);
                sum += iou;
            }
            output.WriteLine($"svg {seq}: mean IoU {sum / r.Files.Count:F4}, min {min:F4}, {r.Shapes!.MeanSegmentsPerObjectFrame:F1} Bezier segments per object-frame");
            Assert.True(min >= MinIoU, $"{seq}: min IoU {min:F4}");
        }
    }

    [MirrorFact]
    public void Json_round_trips_with_iou_above_097_and_constant_vertex_counts_per_track()
    {
        foreach (string seq in ExportFixtures.Sequences)
        {
            var (masks, _) = ExportFixtures.Subset(seq, 10);
            string outFile = Path.Combine(TestPaths.NewTempDir("json-" + seq), "shapes.json");
            ExportResult r = Run(masks, ExportFormat.Json, outFile, smooth: 0);
            Assert.Equal(outFile, Assert.Single(r.Files));
            var shapes = ExportFixtures.ParseShapesJson(outFile); // asserts vertex counts per track
            string[] names = new MaskSequenceNames(masks).Names;
            double min = 1;
            for (int t = 0; t < names.Length; t++)
            {
                Mask raster = ShapeRasterizer.Fill(854, 480, shapes.TryGetValue((1, t), out var p) ? p : []);
                min = Math.Min(min, ShapeRasterizer.IoU(raster, ExportFixtures.SourceMask(masks, names[t])));
            }
            output.WriteLine($"json {seq}: min IoU {min:F4}");
            Assert.True(min >= MinIoU, $"{seq}: min IoU {min:F4}");
        }
    }

    [MirrorFact]
    public void After_effects_script_is_balanced_with_one_key_per_frame_and_constant_vertex_counts()
    {
        var (masks, frames) = ExportFixtures.Subset("breakdance", 5);
        string outDir = TestPaths.NewTempDir("ae");
        ExportResult r = Run(masks, ExportFormat.AfterEffects, outDir, smooth: 2, frames: frames);
        string jsx = File.ReadAllText(Assert.Single(r.Files));
        ExportFixtures.AssertBalanced(jsx);
        Assert.Contains("addComp(\"breakdance\", 854, 480, 1.0, " + r.Frames + " / 24, 24)", jsx);
        Assert.Contains("io.sequence = true;", jsx);
        Assert.Contains(Path.Combine(Path.GetFullPath(frames), "00000.jpg"), jsx);
        // Split into masks; each mask's path keys: one per frame of its track, all with one vertex count.
        string[] masksJs = jsx.Split("addProperty(\"ADBE Mask Atom\")")[1..];
        Assert.NotEmpty(masksJs);
        int keys = 0;
        var framesWithOuter = new HashSet<int>();
        foreach (string m in masksJs)
        {
            var calls = Regex.Matches(m, @"path\.setValueAtTime\((\d+) \* fd, shp\((\[.*?\]\]), (\[.*?\]\]), (\[.*?\]\])\)\);");
            Assert.NotEmpty(calls);
            int[] times = calls.Select(c => int.Parse(c.Groups[1].Value)).ToArray();
            Assert.Equal(Enumerable.Range(times[0], times.Length), times); // consecutive frames
            int[] counts = calls.Select(c => Regex.Matches(c.Groups[2].Value, @"\[-?[\d.]+,-?[\d.]+\]").Count).Distinct().ToArray();
            Assert.Single(counts);
            Assert.All(calls, c => Assert.Equal(counts[0], Regex.Matches(c.Groups[3].Value, @"\[-?[\d.]+,-?[\d.]+\]").Count));
            Assert.All(calls, c => Assert.Equal(counts[0], Regex.Matches(c.Groups[4].Value, @"\[-?[\d.]+,-?[\d.]+\]").Count));
            if (m.Contains("MaskMode.ADD")) foreach (int t in times) framesWithOuter.Add(t);
            keys += times.Length;
        }
        // Every frame (the object is in all of them) has an outer mask key, interpolated linearly.
        Assert.Equal(Enumerable.Range(0, r.Frames), framesWithOuter.Order());
        Assert.Equal(masksJs.Length, Regex.Matches(jsx, @"lin\(path\);").Count);
        output.WriteLine($"ae: {masksJs.Length} masks, {keys} path keys over {r.Frames} frames, {r.Shapes!.MeanSegmentsPerObjectFrame:F1} segments per object-frame");

        // Auto keys on a steadily moving object: fewer path keys, each mask keyed on its first and last frame.
        var (swan, swanFrames) = ExportFixtures.Subset("blackswan", 1, max: 20);
        ExportResult every = Run(swan, ExportFormat.AfterEffects, Path.Combine(outDir, "all.jsx"), smooth: 2, frames: swanFrames, keys: KeyMode.All);
        ExportResult a = Run(swan, ExportFormat.AfterEffects, Path.Combine(outDir, "auto.jsx"), smooth: 2, frames: swanFrames, keys: KeyMode.Auto);
        string auto = File.ReadAllText(Assert.Single(a.Files));
        ExportFixtures.AssertBalanced(auto);
        keys = Regex.Matches(File.ReadAllText(every.Files[0]), @"path\.setValueAtTime\(").Count;
        int autoKeys = Regex.Matches(auto, @"path\.setValueAtTime\(").Count;
        Assert.True(autoKeys < keys, $"auto {autoKeys} keys, all {keys}");
        Assert.Equal(100.0 * autoKeys / keys, a.Shapes!.KeysPer100Frames, 6);
    }

    [MirrorFact]
    public void Nuke_script_is_balanced_with_a_key_per_frame_for_every_control_point()
    {
        var (masks, frames) = ExportFixtures.Subset("blackswan", 5);
        string outFile = Path.Combine(TestPaths.NewTempDir("nuke"), "roto.nk");
        ExportResult r = Run(masks, ExportFormat.Nuke, outFile, smooth: 2, frames: frames);
        Assert.Equal(outFile, Assert.Single(r.Files));
        string nk = File.ReadAllText(outFile);
        ExportFixtures.AssertBalanced(nk);
        // The plate: a Read node of the frame sequence wired into the Roto.
        Assert.Contains($" file \"{Path.GetFullPath(frames)}/%05d.jpg\"", nk);
        Assert.Contains("Roto {\n inputs 1\n", nk);
        Assert.Contains("Roto {", nk);
        Assert.Contains("{layer Root", nk);
        var groups = nk.Split("{curvegroup ")[1..];
        Assert.NotEmpty(groups);
        var keyedFrames = new HashSet<int>();
        foreach (string g in groups)
        {
            // Two curves (shape, feather), each "px <times>" followed by 3 entries per control point.
            var px = Regex.Matches(g, @"\{px ([^\n]*)\n((?:\s+\{[^\n]*\}\n)+)");
            Assert.Equal(2, px.Count);
            string[] times = px[0].Groups[1].Value.Trim().Split(' ');
            Assert.Equal(times, px[1].Groups[1].Value.Trim().Split(' '));
            float[] keyTimes = times.Select(ParseNukeFloat).ToArray();
            for (int k = 1; k < keyTimes.Length; k++) Assert.Equal(keyTimes[k - 1] + 1, keyTimes[k]);
            foreach (float f in keyTimes) keyedFrames.Add((int)f);
            string[] entries = px[0].Groups[2].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(entries.Length % 3 == 0 && entries.Length >= 6, $"{entries.Length} entries");
            foreach (string e in entries)
            {
                if (times.Length == 1) Assert.Matches(@"^\{\S+ \S+\}$", e);
                else
                {
                    var lists = Regex.Matches(e, @"\{([^{}]*)\}");
                    Assert.Equal(2, lists.Count);
                    Assert.All(lists, l => Assert.Equal(times.Length, l.Groups[1].Value.Split(' ').Length));
                    Assert.All(lists, l => Assert.All(l.Groups[1].Value.Split(' '), v => ParseNukeFloat(v)));
                }
            }
            Assert.Equal(entries.Length, px[1].Groups[2].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        Assert.Equal(Enumerable.Range(0, r.Frames), keyedFrames.Order());
    }

    private static float ParseNukeFloat(string s) =>
        s == "0" ? 0f : BitConverter.UInt32BitsToSingle(Convert.ToUInt32(s[1..], 16));

    [MirrorFact]
    public void Smoothing_reduces_jitter_on_a_full_davis_sequence()
    {
        string masks = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", "blackswan");
        string outFile = Path.Combine(TestPaths.NewTempDir("jitter"), "s.json");
        ExportResult r = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Json, outFile, Smooth: 2));
        ShapeStats s = r.Shapes!;
        output.WriteLine($"blackswan ({r.Frames} frames) jitter before {s.JitterBefore:F3} px, after {s.JitterAfter:F3} px, {s.MeanSegmentsPerObjectFrame:F1} segments, {s.Runs} runs");
        Assert.True(s.JitterBefore > 0);
        Assert.True(s.JitterAfter < 0.7 * s.JitterBefore, $"before {s.JitterBefore}, after {s.JitterAfter}");
        var shapes = ExportFixtures.ParseShapesJson(outFile);
        Assert.Equal(r.Frames, shapes.Keys.Select(k => k.Frame).Distinct().Count());
    }

    private sealed class MaskSequenceNames(string dir)
    {
        public string[] Names { get; } = Directory.GetFiles(dir, "*.png").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray()!;
    }
}
