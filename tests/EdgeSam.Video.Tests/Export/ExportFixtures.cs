using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EdgeSam.Video.Export;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Export;

/// <summary>DAVIS 2016 subsets copied into scratch folders, and parsers of the exported files.</summary>
internal static class ExportFixtures
{
    public static readonly string[] Sequences = ["blackswan", "breakdance", "motocross-jump"];

    /// <summary>Copies every <paramref name="step"/>-th mask (and frame) of a DAVIS 2016 sequence into scratch folders.</summary>
    public static (string Masks, string Frames) Subset(string sequence, int step, int max = int.MaxValue)
    {
        string ann = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", sequence);
        string jpg = Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", sequence);
        string root = TestPaths.NewTempDir("export-" + sequence);
        string masks = Path.Combine(root, sequence);
        string frames = Path.Combine(root, "frames");
        Directory.CreateDirectory(masks);
        Directory.CreateDirectory(frames);
        string[] files = Directory.GetFiles(ann, "*.png").OrderBy(p => p, StringComparer.Ordinal).ToArray();
        int n = 0;
        for (int i = 0; i < files.Length && n < max; i += step, n++)
        {
            string stem = Path.GetFileNameWithoutExtension(files[i]);
            File.Copy(files[i], Path.Combine(masks, stem + ".png"));
            File.Copy(Path.Combine(jpg, stem + ".jpg"), Path.Combine(frames, stem + ".jpg"));
        }
        return (masks, frames);
    }

    public static Mask SourceMask(string masksDir, string frameName, int id = 1) =>
        MaskSequence.Read(Path.Combine(masksDir, frameName + ".png")).MaskOf(id);

    /// <summary>Parses SVG path data made of M, C and Z commands into closed Bézier paths.</summary>
    public static List<BezierPath> ParsePathData(string d)
    {
        var paths = new List<BezierPath>();
        string[] tok = Regex.Split(d.Trim(), @"[\s,]+");
        int i = 0;
        var anchors = new List<Vec2>();
        var outs = new List<Vec2>();
        var ins = new List<Vec2>();
        double Num() => double.Parse(tok[i++], CultureInfo.InvariantCulture);
        while (i < tok.Length)
        {
            string c = tok[i++];
            switch (c)
            {
                case "M":
                    anchors.Clear(); outs.Clear(); ins.Clear();
                    anchors.Add(new Vec2(Num(), Num()));
                    break;
                case "C":
                    outs.Add(new Vec2(Num(), Num()));
                    ins.Add(new Vec2(Num(), Num()));
                    anchors.Add(new Vec2(Num(), Num()));
                    break;
                case "Z":
                {
                    // The last C ends at the first anchor again.
                    Assert.True((anchors[^1] - anchors[0]).Length < 1e-6, "closed subpath must end at its start");
                    int n = anchors.Count - 1;
                    var a = anchors.Take(n).ToArray();
                    var inArr = new Vec2[n];
                    for (int k = 0; k < n; k++) inArr[(k + 1) % n] = ins[k];
                    paths.Add(new BezierPath(a, inArr, outs.ToArray()));
                    break;
                }
                default:
                    throw new FormatException($"unexpected path token '{c}'");
            }
        }
        return paths;
    }

    /// <summary>Object id -> paths of one SVG frame file.</summary>
    public static Dictionary<int, List<BezierPath>> ParseSvg(string file)
    {
        XDocument doc = XDocument.Load(file);
        XNamespace svg = "http://www.w3.org/2000/svg";
        var result = new Dictionary<int, List<BezierPath>>();
        foreach (XElement g in doc.Root!.Elements(svg + "g"))
        {
            int id = int.Parse(g.Attribute("id")!.Value["obj".Length..], CultureInfo.InvariantCulture);
            var list = new List<BezierPath>();
            foreach (XElement p in g.Elements(svg + "path"))
            {
                Assert.Equal("evenodd", p.Attribute("fill-rule")?.Value);
                list.AddRange(ParsePathData(p.Attribute("d")!.Value));
            }
            result[id] = list;
        }
        return result;
    }

    /// <summary>(object id, frame) -> paths of the plain JSON export, frames between keys interpolated.</summary>
    public static Dictionary<(int Id, int Frame), List<BezierPath>> ParseShapesJson(string file)
    {
        var result = new Dictionary<(int, int), List<BezierPath>>();
        foreach (var ((id, _, frame), path) in ParseJson(file))
        {
            if (!result.TryGetValue((id, frame), out var list)) result[(id, frame)] = list = [];
            list.Add(path);
        }
        return result;
    }

    /// <summary>(track id, frame) -> path of the plain JSON export, frames between keys interpolated.</summary>
    public static Dictionary<(int Track, int Frame), BezierPath> ParseShapesJsonTracks(string file) =>
        ParseJson(file).ToDictionary(kv => (kv.Key.Track, kv.Key.Frame), kv => kv.Value);

    /// <summary>
    /// Every (object, track, frame) of the plain JSON export: the keys as written, and on the frames between two keys
    /// the linear interpolation of their vertices and tangents (what the schema says an app shows). Asserts the
    /// schema: one vertex count per track, keys in increasing frames from firstFrame to lastFrame.
    /// </summary>
    private static Dictionary<(int Id, int Track, int Frame), BezierPath> ParseJson(string file)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(file));
        var result = new Dictionary<(int, int, int), BezierPath>();
        foreach (JsonElement obj in doc.RootElement.GetProperty("objects").EnumerateArray())
        {
            int id = obj.GetProperty("id").GetInt32();
            foreach (JsonElement track in obj.GetProperty("tracks").EnumerateArray())
            {
                int tid = track.GetProperty("id").GetInt32();
                int vc = track.GetProperty("vertexCount").GetInt32();
                int first = track.GetProperty("firstFrame").GetInt32();
                int last = track.GetProperty("lastFrame").GetInt32();
                var keys = new List<(int Frame, BezierPath Path)>();
                foreach (JsonElement key in track.GetProperty("keys").EnumerateArray())
                {
                    int frame = key.GetProperty("frame").GetInt32();
                    Assert.True(keys.Count == 0 ? frame == first : frame > keys[^1].Frame, $"track {tid}: key frame {frame} out of order");
                    Vec2[] v = Points(key.GetProperty("vertices"));
                    Vec2[] ti = Points(key.GetProperty("inTangents"));
                    Vec2[] to = Points(key.GetProperty("outTangents"));
                    Assert.Equal(vc, v.Length);
                    Assert.Equal(vc, ti.Length);
                    Assert.Equal(vc, to.Length);
                    keys.Add((frame, new BezierPath(v, v.Zip(ti, (a, b) => a + b).ToArray(), v.Zip(to, (a, b) => a + b).ToArray())));
                }
                Assert.Equal(last, keys[^1].Frame);
                for (int k = 0; k < keys.Count; k++)
                {
                    result[(id, tid, keys[k].Frame)] = keys[k].Path;
                    if (k + 1 < keys.Count)
                        for (int t = keys[k].Frame + 1; t < keys[k + 1].Frame; t++)
                            result[(id, tid, t)] = keys[k].Path.Lerp(keys[k + 1].Path, (double)(t - keys[k].Frame) / (keys[k + 1].Frame - keys[k].Frame));
                }
            }
        }
        return result;
    }

    private static Vec2[] Points(JsonElement arr) =>
        arr.EnumerateArray().Select(p => new Vec2(p[0].GetDouble(), p[1].GetDouble())).ToArray();

    /// <summary>Checks (), [] and {} nest properly outside double-quoted strings.</summary>
    public static void AssertBalanced(string text)
    {
        var stack = new Stack<char>();
        bool inString = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; continue; }
            if (c is '(' or '[' or '{') stack.Push(c);
            else if (c is ')' or ']' or '}')
            {
                Assert.True(stack.Count > 0, $"unmatched '{c}' at {i}");
                char open = stack.Pop();
                Assert.True((open, c) is ('(', ')') or ('[', ']') or ('{', '}'), $"'{open}' closed by '{c}' at {i}");
            }
        }
        Assert.False(inString, "unterminated string");
        Assert.Empty(stack);
    }
}
