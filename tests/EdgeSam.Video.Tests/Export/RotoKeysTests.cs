using EdgeSam.Video.Export;
using EdgeSam.Video.Media;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Export;

/// <summary>Editable roto: key reduction, the vertex bound, and the Nuke script read back by a parser of its syntax.</summary>
public class RotoKeysTests(ITestOutputHelper output)
{
    private const int W = 854, H = 480;

    /// <summary>
    /// A disc moving right 3 px per frame on frames 0-11 with a hole on frames 4-9 (the topology changes twice), and a
    /// square as object 2 on frames 6-11.
    /// </summary>
    private static string SyntheticMasks()
    {
        string dir = Path.Combine(TestPaths.NewTempDir("roto-synth"), "synth");
        Directory.CreateDirectory(dir);
        for (int t = 0; t < 12; t++)
        {
            var map = new LabelMap(W, H);
            double cx = 300 + 3 * t, cy = 240;
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    double d2 = (x + 0.5 - cx) * (x + 0.5 - cx) + (y + 0.5 - cy) * (y + 0.5 - cy);
                    if (d2 <= 80 * 80 && !(t is >= 4 and <= 9 && d2 <= 25 * 25)) map.Data[y * W + x] = 1;
                    if (t >= 6 && x is >= 600 and < 700 && y is >= 100 and < 180) map.Data[y * W + x] = 2;
                }
            PngCodec.WriteLabels(Path.Combine(dir, $"{t:D5}.png"), map);
        }
        return dir;
    }

    private sealed record NukeShape(string Name, bool Hole, int Object, float[] Times, int Ltn, int Ltm, List<Vec2[]> Anchors, List<Vec2[]> In, List<Vec2[]> Out);

    /// <summary>The curvegroups of a Roto node in list order, their keys converted back to y-down absolute points.</summary>
    private static List<NukeShape> ReadShapes(NukeScript.Node roto)
    {
        NukeScript.Item curves = Assert.Single(roto["curves"]);
        var shapes = new List<NukeShape>();
        foreach (NukeScript.Item g in NukeScript.Find(curves, "curvegroup"))
        {
            var c = NukeScript.Content(g);
            string name = c[1].Word;
            Assert.Equal("bezier", c[3].Word);
            var ccs = NukeScript.Content(c[4]).ToList();
            Assert.Equal(2, ccs.Count); // shape and feather
            var px = ccs.Select(cc => Assert.Single(NukeScript.Find(cc, "px"))).ToList();
            var pxItems = NukeScript.Content(px[0]);
            float[] times = pxItems.Skip(1).TakeWhile(i => !i.IsGroup).Select(NukeScript.Float).ToArray();
            var entries = pxItems.Skip(1 + times.Length).ToList();
            Assert.All(entries, e => Assert.True(e.IsGroup));
            Assert.True(entries.Count % 3 == 0 && entries.Count >= 6, $"{name}: {entries.Count} entries");
            Assert.Equal(entries.Count + 1 + times.Length, NukeScript.Content(px[1]).Count);
            for (int k = 1; k < times.Length; k++) Assert.True(times[k] > times[k - 1], $"{name}: key times not increasing");
            // Each entry: {x y} for one key, {{x0 x1 ..} {y0 y1 ..}} for several.
            float[][] Values(NukeScript.Item e)
            {
                var xy = NukeScript.Content(e);
                Assert.Equal(2, xy.Count);
                if (times.Length == 1) return [[NukeScript.Float(xy[0])], [NukeScript.Float(xy[1])]];
                return xy.Select(l => { var v = NukeScript.Content(l).Select(NukeScript.Float).ToArray(); Assert.Equal(times.Length, v.Length); return v; }).ToArray();
            }
            int n = entries.Count / 3;
            var anchors = Enumerable.Range(0, times.Length).Select(_ => new Vec2[n]).ToList();
            var ins = Enumerable.Range(0, times.Length).Select(_ => new Vec2[n]).ToList();
            var outs = Enumerable.Range(0, times.Length).Select(_ => new Vec2[n]).ToList();
            for (int i = 0; i < n; i++)
            {
                float[][] ti = Values(entries[3 * i]), p = Values(entries[3 * i + 1]), to = Values(entries[3 * i + 2]);
                for (int k = 0; k < times.Length; k++)
                {
                    var a = new Vec2(p[0][k], H - p[1][k]);
                    anchors[k][i] = a;
                    ins[k][i] = a + new Vec2(ti[0][k], -ti[1][k]);
                    outs[k][i] = a + new Vec2(to[0][k], -to[1][k]);
                }
            }
            var attrs = NukeScript.Content(Assert.Single(c, i => i.Starts("a")));
            var dict = new Dictionary<string, float>();
            for (int k = 1; k + 1 < attrs.Count; k += 2) dict[attrs[k].Word] = NukeScript.Float(attrs[k + 1]);
            Assert.Equal(NukeWriter.FrameRangeLifetime, dict["ltt"]);
            bool hole = name.Contains("_hole");
            Assert.Equal(hole, dict.ContainsKey("bm"));
            if (hole) Assert.Equal(NukeWriter.MinusBlendCode, dict["bm"]);
            int obj = int.Parse(name[3..name.IndexOf('_')]);
            shapes.Add(new NukeShape(name, hole, obj, times, (int)dict["ltn"], (int)dict["ltm"], anchors, ins, outs));
        }
        return shapes;
    }

    /// <summary>What Nuke would draw on frame t: the list from the bottom up, outer shapes added, holes subtracted,
    /// each shape alive within its lifetime and lerped between its keys.</summary>
    private static Mask Render(List<NukeShape> shapes, int t, int obj)
    {
        var m = new Mask(W, H);
        for (int s = shapes.Count - 1; s >= 0; s--)
        {
            NukeShape sh = shapes[s];
            if (t < sh.Ltn || t > sh.Ltm) continue;
            int k = Array.FindLastIndex(sh.Times, x => x <= t);
            BezierPath Key(int i) => new(sh.Anchors[i], sh.In[i], sh.Out[i]);
            BezierPath p = k == sh.Times.Length - 1 ? Key(k) : Key(k).Lerp(Key(k + 1), (t - sh.Times[k]) / (sh.Times[k + 1] - sh.Times[k]));
            Mask fill = ShapeRasterizer.Fill(W, H, [p]);
            for (int i = 0; i < m.Data.Length; i++)
                if (fill.Data[i] != 0) m.Data[i] = sh.Hole ? (byte)0 : sh.Object == obj ? (byte)1 : (byte)0;
        }
        return m;
    }

    [Fact]
    public void Nuke_script_parses_with_lifetimes_subtractive_holes_and_renders_back_to_the_masks()
    {
        string masks = SyntheticMasks();
        string file = Path.Combine(TestPaths.NewTempDir("nk"), "roto.nk");
        foreach (KeyMode keys in new[] { KeyMode.All, KeyMode.Auto })
        {
            RotoExporter.Export(new ExportRequest(masks, ExportFormat.Nuke, file, Smooth: 0, Keys: keys));
            NukeScript nk = NukeScript.Parse(File.ReadAllText(file));
            Assert.Contains(nk.Statements, s => s.Count == 2 && s[0].Word == "version" && s[1].Word == "13.0");
            Assert.Equal(["Root", "Roto"], nk.Nodes.Select(n => n.Class));
            NukeScript.Node roto = nk.Nodes[1];
            Assert.Equal("alpha", roto["output"][0].Word);
            List<NukeShape> shapes = ReadShapes(roto);
            // Object 2's shapes at the top of the list; within an object its holes above its outer shapes.
            Assert.Equal(shapes.Select(s => s.Object).OrderByDescending(o => o), shapes.Select(s => s.Object));
            foreach (int o in new[] { 1, 2 })
            {
                var own = shapes.Where(s => s.Object == o).ToList();
                Assert.Equal(own.OrderBy(s => s.Hole ? 0 : 1).Select(s => s.Name), own.Select(s => s.Name));
            }
            // Lifetimes: the keys lie within them, the first and last frames are keys; the hole lives on frames 4-9 only.
            foreach (NukeShape s in shapes)
            {
                Assert.Equal(s.Ltn, s.Times[0]);
                Assert.Equal(s.Ltm, s.Times[^1]);
            }
            NukeShape hole = Assert.Single(shapes, s => s.Hole);
            Assert.Equal((4, 9), (hole.Ltn, hole.Ltm));
            Assert.Equal((6, 11), (shapes.Where(s => s.Object == 2).Min(s => s.Ltn), shapes.Where(s => s.Object == 2).Max(s => s.Ltm)));
            if (keys == KeyMode.All) Assert.All(shapes, s => Assert.Equal(s.Ltm - s.Ltn + 1, s.Times.Length));
            else Assert.True(shapes.Sum(s => s.Times.Length) < shapes.Sum(s => s.Ltm - s.Ltn + 1), "auto keys kept every frame of a uniform motion");
            string[] names = Directory.GetFiles(masks, "*.png").Order(StringComparer.Ordinal).ToArray();
            double min = 1;
            for (int t = 0; t < names.Length; t++)
                foreach (int o in new[] { 1, 2 })
                {
                    Mask truth = MaskSequence.Read(names[t]).MaskOf(o);
                    Mask drawn = Render(shapes, t, o);
                    if (truth.IsEmpty) { Assert.True(drawn.IsEmpty, $"object {o} drawn on frame {t} outside its lifetime"); continue; }
                    min = Math.Min(min, ShapeRasterizer.IoU(drawn, truth));
                }
            output.WriteLine($"nuke {keys}: {shapes.Count} shapes, {shapes.Sum(s => s.Times.Length)} keys, min IoU of the rendered script {min:F4}");
            Assert.True(min >= 0.98, $"{keys}: min IoU {min:F4}");
        }
    }

    [MirrorFact]
    public void Auto_keys_stay_within_tolerance_of_every_frame_and_of_the_masks()
    {
        var (masks, _) = ExportFixtures.Subset("blackswan", 1, max: 40);
        string dir = TestPaths.NewTempDir("keys");
        const double tol = 1.0;
        ExportResult all = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Json, Path.Combine(dir, "all.json"), Keys: KeyMode.All, Tolerance: tol));
        ExportResult auto = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Json, Path.Combine(dir, "auto.json"), Keys: KeyMode.Auto, Tolerance: tol));
        Assert.Equal(100, all.Shapes!.KeysPer100Frames);
        Assert.True(auto.Shapes!.KeysPer100Frames < 100);
        var a = ExportFixtures.ParseShapesJsonTracks(Path.Combine(dir, "all.json"));
        var b = ExportFixtures.ParseShapesJsonTracks(Path.Combine(dir, "auto.json"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        // The interpolated outline against the every-frame outline, point for point (JSON keeps 3 decimals).
        double worst = 0;
        foreach (var ((track, frame), pa) in a)
        {
            Vec2[] fa = pa.Flatten(ShapeTrackBuilder.KeySamples), fb = b[(track, frame)].Flatten(ShapeTrackBuilder.KeySamples);
            for (int j = 0; j < fa.Length; j++) worst = Math.Max(worst, (fa[j] - fb[j]).Length);
        }
        Assert.True(worst <= tol + 0.01, $"interpolation moved the outline by {worst:F3} px");
        // Rasterised: every pixel where the interpolated shapes and the mask disagree lies near the mask's boundary,
        // within the fit's tolerance, the keys' tolerance, the smoothing's 1 px and half a pixel of sampling.
        double bound = 2 * tol + ShapeTrackBuilder.MaxSmoothShift + 0.5;
        string[] names = Directory.GetFiles(masks, "*.png").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray()!;
        double farthest = 0, minIoU = 1;
        for (int t = 0; t < names.Length; t++)
        {
            Mask truth = ExportFixtures.SourceMask(masks, names[t]);
            Mask drawn = ShapeRasterizer.Fill(W, H, b.Where(kv => kv.Key.Frame == t).Select(kv => kv.Value));
            farthest = Math.Max(farthest, FarthestDisagreement(drawn, truth, (int)Math.Ceiling(bound) + 2));
            minIoU = Math.Min(minIoU, ShapeRasterizer.IoU(drawn, truth));
        }
        output.WriteLine($"blackswan 40 frames: {auto.Shapes.KeysPer100Frames:F1} keys per 100 frames, interpolation error {worst:F3} px, farthest disagreeing pixel {farthest:F2} px from the mask boundary, min IoU {minIoU:F4}");
        Assert.True(farthest <= bound, $"a pixel {farthest:F2} px from the mask's boundary disagrees (bound {bound:F2})");
    }

    /// <summary>Largest distance from a pixel where the two masks differ to the nearest pixel centre of the truth's
    /// other side (how far the disagreement reaches past the boundary); searched up to <paramref name="reach"/>.</summary>
    private static double FarthestDisagreement(Mask drawn, Mask truth, int reach)
    {
        double farthest = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int i = y * W + x;
                if (drawn.Data[i] == truth.Data[i]) continue;
                double best = double.PositiveInfinity;
                for (int dy = -reach; dy <= reach; dy++)
                    for (int dx = -reach; dx <= reach; dx++)
                    {
                        int u = x + dx, v = y + dy;
                        if (u < 0 || v < 0 || u >= W || v >= H || truth.Data[v * W + u] == truth.Data[i]) continue;
                        best = Math.Min(best, Math.Sqrt(dx * dx + dy * dy));
                    }
                // The boundary lies half-way between the pixel centres.
                farthest = Math.Max(farthest, best - 0.5);
            }
        return farthest;
    }

    [MirrorFact]
    public void Max_vertices_bounds_every_shape_and_keeps_one_count_per_shape()
    {
        var (masks, _) = ExportFixtures.Subset("blackswan", 4, max: 10);
        string file = Path.Combine(TestPaths.NewTempDir("maxv"), "s.json");
        ExportResult free = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Json, file, MeasureFidelity: true));
        ExportResult bounded = RotoExporter.Export(new ExportRequest(masks, ExportFormat.Json, file, MaxVertices: 12, MeasureFidelity: true));
        Assert.True(free.Shapes!.MeanVerticesPerShape > 12, $"{free.Shapes.MeanVerticesPerShape} vertices without a bound: the test needs more");
        Assert.True(bounded.Shapes!.MeanVerticesPerShape <= 12);
        output.WriteLine($"blackswan every 4th frame: {free.Shapes.MeanVerticesPerShape:F1} vertices per shape free, {bounded.Shapes.MeanVerticesPerShape:F1} bounded; IoU {free.Shapes.MeanIoU:F4} -> {bounded.Shapes.MeanIoU:F4}");
        var tracks = ExportFixtures.ParseShapesJsonTracks(file); // asserts one vertex count per track
        Assert.All(tracks.Values, p => Assert.InRange(p.Count, 3, 12));
        var e = Assert.Throws<EdgeSamException>(() => RotoExporter.Export(new ExportRequest(masks, ExportFormat.Json, file, MaxVertices: 2)));
        Assert.Contains("--max-vertices", e.Message);
    }
}
