using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Export;

/// <summary>Everything a shape writer needs: the scene and the shapes per object per frame.</summary>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="FrameRate">Frames per second.</param>
/// <param name="FrameNames">Name of each frame (mask file stems).</param>
/// <param name="ObjectIds">Exported objects, ascending.</param>
/// <param name="Shapes">Shapes[o][t]: contours of object ObjectIds[o] on frame t.</param>
/// <param name="Footage">The video file, or the first image of the frame sequence, the masks belong to (absolute);
/// the After Effects and Nuke scripts load it under the shapes. Null = none.</param>
/// <param name="FootageIsSequence">True when <paramref name="Footage"/> is the first file of an image sequence.</param>
public sealed record ShapeScene(int Width, int Height, double FrameRate, IReadOnlyList<string> FrameNames,
    IReadOnlyList<int> ObjectIds, IReadOnlyList<IReadOnlyList<ShapeContour>[]> Shapes, string? Footage = null,
    bool FootageIsSequence = false)
{
    public int FrameCount => FrameNames.Count;

    /// <summary>Tracks of object o: id -> (first frame, contours in frame order).</summary>
    public IEnumerable<(int Track, bool IsHole, int First, List<ShapeContour> Keys)> Tracks(int o)
    {
        var byTrack = new SortedDictionary<int, (bool, int, List<ShapeContour>)>();
        for (int t = 0; t < FrameCount; t++)
            foreach (ShapeContour c in Shapes[o][t])
            {
                if (!byTrack.TryGetValue(c.Track, out var e)) byTrack[c.Track] = e = (c.IsHole, t, []);
                e.Item3.Add(c);
            }
        foreach (var (id, (hole, first, keys)) in byTrack) yield return (id, hole, first, keys);
    }
}

internal static class Fmt
{
    public static string N(double v) => Math.Round(v, 3).ToString("0.###", CultureInfo.InvariantCulture);

    public static string Hex(int objectId)
    {
        var (r, g, b) = DavisPalette.Color(objectId);
        return $"#{r:x2}{g:x2}{b:x2}";
    }
}

/// <summary>
/// SVG, one file per frame: a layer (<c>&lt;g inkscape:groupmode="layer"&gt;</c>, which Illustrator and Inkscape
/// import as layers) per object holding one path with every contour of the object as a closed cubic subpath
/// (<c>M ... C ... Z</c>) and <c>fill-rule="evenodd"</c> so holes cut out.
/// </summary>
public static class SvgShapeWriter
{
    public static string Frame(ShapeScene scene, int t)
    {
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:inkscape=\"http://www.inkscape.org/namespaces/inkscape\" width=\"{scene.Width}\" height=\"{scene.Height}\" viewBox=\"0 0 {scene.Width} {scene.Height}\">\n");
        for (int o = 0; o < scene.ObjectIds.Count; o++)
        {
            int id = scene.ObjectIds[o];
            sb.Append($"  <g id=\"obj{id}\" inkscape:groupmode=\"layer\" inkscape:label=\"obj{id}\">\n");
            IReadOnlyList<ShapeContour> cs = scene.Shapes[o][t];
            if (cs.Count > 0)
                sb.Append($"    <path d=\"{PathData(cs.Select(c => c.Path))}\" fill=\"{Fmt.Hex(id)}\" fill-rule=\"evenodd\"/>\n");
            sb.Append("  </g>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>SVG path data of closed Bézier paths: <c>M x y C x1 y1 x2 y2 x y ... Z</c> per path.</summary>
    public static string PathData(IEnumerable<BezierPath> paths)
    {
        var sb = new StringBuilder();
        foreach (BezierPath p in paths)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append("M ").Append(Fmt.N(p.Anchors[0].X)).Append(' ').Append(Fmt.N(p.Anchors[0].Y));
            for (int i = 0; i < p.Count; i++)
            {
                var (_, c1, c2, e) = p.Segment(i);
                sb.Append(" C ").Append(Fmt.N(c1.X)).Append(' ').Append(Fmt.N(c1.Y)).Append(' ')
                  .Append(Fmt.N(c2.X)).Append(' ').Append(Fmt.N(c2.Y)).Append(' ')
                  .Append(Fmt.N(e.X)).Append(' ').Append(Fmt.N(e.Y));
            }
            sb.Append(" Z");
        }
        return sb.ToString();
    }
}

/// <summary>
/// Plain JSON of the Bézier shapes. Schema (version 1):
/// <code>
/// {
///   "format": "edgesam-video-shapes", "version": 1,
///   "width": 854, "height": 480, "fps": 24, "frameCount": 50,
///   "coordinates": "pixels; origin at the top-left corner of the image, x right, y down; pixel (x, y) has its centre at (x + 0.5, y + 0.5)",
///   "frames": ["00000", "00001", ...],                         // frame names, index = frame number
///   "objects": [{
///     "id": 1, "name": "obj1", "color": "#800000",
///     "tracks": [{                                             // a contour followed over a run of frames with constant topology
///       "id": 0, "hole": false,                                // hole: subtract (even-odd fill of all contours of a frame also works)
///       "firstFrame": 0, "lastFrame": 49, "vertexCount": 12,   // the shape's life; every key has vertexCount vertices
///       "keys": [{ "frame": 0,
///                  "vertices":    [[x, y], ...],               // anchors, absolute
///                  "inTangents":  [[dx, dy], ...],             // incoming handle relative to its vertex (After Effects convention)
///                  "outTangents": [[dx, dy], ...] }]           // outgoing handle relative to its vertex
///     }]
///   }]
/// }
/// </code>
/// Segment i of a key is the cubic from vertices[i] with controls vertices[i] + outTangents[i] and
/// vertices[i+1] + inTangents[i+1] to vertices[i+1] (indices cyclic; every path is closed). Keys of a track are on
/// key frames from firstFrame to lastFrame (both keys); on the frames between two keys every vertex and tangent is the
/// linear interpolation of the two keys' (every frame is a key with <see cref="KeyMode.All"/>).
/// </summary>
public static class JsonShapeWriter
{
    public static byte[] Write(ShapeScene scene)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("format", "edgesam-video-shapes");
            w.WriteNumber("version", 1);
            w.WriteNumber("width", scene.Width);
            w.WriteNumber("height", scene.Height);
            w.WriteNumber("fps", scene.FrameRate);
            w.WriteNumber("frameCount", scene.FrameCount);
            w.WriteString("coordinates", "pixels; origin at the top-left corner of the image, x right, y down; pixel (x, y) has its centre at (x + 0.5, y + 0.5)");
            w.WriteStartArray("frames");
            foreach (string n in scene.FrameNames) w.WriteStringValue(n);
            w.WriteEndArray();
            w.WriteStartArray("objects");
            for (int o = 0; o < scene.ObjectIds.Count; o++)
            {
                int id = scene.ObjectIds[o];
                w.WriteStartObject();
                w.WriteNumber("id", id);
                w.WriteString("name", $"obj{id}");
                w.WriteString("color", Fmt.Hex(id));
                w.WriteStartArray("tracks");
                foreach (var (track, hole, first, keys) in scene.Tracks(o))
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", track);
                    w.WriteBoolean("hole", hole);
                    w.WriteNumber("firstFrame", first);
                    w.WriteNumber("lastFrame", first + keys.Count - 1);
                    w.WriteNumber("vertexCount", keys[0].Path.Count);
                    w.WriteStartArray("keys");
                    for (int k = 0; k < keys.Count; k++)
                    {
                        if (!keys[k].IsKey) continue;
                        BezierPath p = keys[k].Path;
                        w.WriteStartObject();
                        w.WriteNumber("frame", first + k);
                        WritePoints(w, "vertices", p.Anchors, null);
                        WritePoints(w, "inTangents", p.In, p.Anchors);
                        WritePoints(w, "outTangents", p.Out, p.Anchors);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static void WritePoints(Utf8JsonWriter w, string name, Vec2[] pts, Vec2[]? relativeTo)
    {
        w.WriteStartArray(name);
        for (int i = 0; i < pts.Length; i++)
        {
            Vec2 v = relativeTo == null ? pts[i] : pts[i] - relativeTo[i];
            w.WriteStartArray();
            w.WriteNumberValue(Math.Round(v.X, 3));
            w.WriteNumberValue(Math.Round(v.Y, 3));
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }
}

/// <summary>
/// After Effects ExtendScript (.jsx; File > Scripts > Run Script File): creates a comp of the video's size, frame rate
/// and length, and per object a solid layer named <c>obj&lt;id&gt;</c> carrying one mask per contour track. Each mask's
/// <c>Mask Path</c> gets a key on every key frame of its track (every frame with <see cref="KeyMode.All"/>), linear in
/// time (<c>new Shape()</c> with <c>vertices</c>, relative
/// <c>inTangents</c>/<c>outTangents</c>, <c>closed</c>), in pixel coordinates of the comp (AE's layer space for a
/// comp-sized solid). Outer contours are Add masks, holes Subtract masks placed after them; a track that does not
/// span the whole comp has its mask opacity held at 0 outside its frames.
/// </summary>
public static class AfterEffectsWriter
{
    public static string Write(ShapeScene scene, string compName)
    {
        var sb = new StringBuilder();
        string fps = Fmt.N(scene.FrameRate);
        sb.Append("// After Effects script written by edgesam-video export: run with File > Scripts > Run Script File.\n");
        sb.Append("(function () {\n");
        sb.Append("  app.beginUndoGroup(\"EdgeSam.Video roto\");\n");
        sb.Append("  function shp(v, i, o) { var s = new Shape(); s.vertices = v; s.inTangents = i; s.outTangents = o; s.closed = true; return s; }\n");
        sb.Append("  function lin(p) { for (var k = 1; k <= p.numKeys; k++) p.setInterpolationTypeAtKey(k, KeyframeInterpolationType.LINEAR); }\n");
        sb.Append("  function hold(p) { for (var k = 1; k <= p.numKeys; k++) p.setInterpolationTypeAtKey(k, KeyframeInterpolationType.HOLD); }\n");
        sb.Append($"  var comp = app.project.items.addComp({JsonSerializer.Serialize(compName)}, {scene.Width}, {scene.Height}, 1.0, {scene.FrameCount} / {fps}, {fps});\n");
        sb.Append("  var fd = comp.frameDuration;\n");
        sb.Append("  var layer, mask, path, op;\n");
        if (scene.Footage != null)
        {
            // The footage goes under the solids; a missing file only warns, the masks are still built.
            sb.Append("  try {\n");
            sb.Append($"    var io = new ImportOptions(new File({JsonSerializer.Serialize(scene.Footage)}));\n");
            if (scene.FootageIsSequence) sb.Append("    io.sequence = true;\n");
            sb.Append("    var footage = app.project.importFile(io);\n");
            if (scene.FootageIsSequence) sb.Append($"    footage.mainSource.conformFrameRate = {fps};\n");
            sb.Append("    comp.layers.add(footage);\n");
            sb.Append("  } catch (e) { alert(\"edgesam-video: could not import the footage: \" + e.toString()); }\n");
        }
        for (int o = 0; o < scene.ObjectIds.Count; o++)
        {
            int id = scene.ObjectIds[o];
            var (r, g, b) = DavisPalette.Color(id);
            sb.Append($"  // object {id}\n");
            sb.Append($"  layer = comp.layers.addSolid([{Fmt.N(r / 255.0)}, {Fmt.N(g / 255.0)}, {Fmt.N(b / 255.0)}], \"obj{id}\", {scene.Width}, {scene.Height}, 1.0);\n");
            // Add masks first, Subtract masks after them, so holes cut the outer shapes they sit in.
            foreach (var (track, hole, first, keys) in scene.Tracks(o).OrderBy(x => x.IsHole))
            {
                sb.Append("  mask = layer.property(\"ADBE Mask Parade\").addProperty(\"ADBE Mask Atom\");\n");
                sb.Append($"  mask.name = \"obj{id} {(hole ? "hole" : "shape")} {track}\";\n");
                sb.Append($"  mask.maskMode = MaskMode.{(hole ? "SUBTRACT" : "ADD")};\n");
                sb.Append("  path = mask.property(\"ADBE Mask Shape\");\n");
                for (int k = 0; k < keys.Count; k++)
                {
                    if (!keys[k].IsKey) continue;
                    BezierPath p = keys[k].Path;
                    sb.Append($"  path.setValueAtTime({first + k} * fd, shp(");
                    AppendArray(sb, p.Anchors, null);
                    sb.Append(", ");
                    AppendArray(sb, p.In, p.Anchors);
                    sb.Append(", ");
                    AppendArray(sb, p.Out, p.Anchors);
                    sb.Append("));\n");
                }
                // The frames between keys were chosen for linear interpolation of the vertices.
                sb.Append("  lin(path);\n");
                int last = first + keys.Count - 1;
                if (first > 0 || last < scene.FrameCount - 1)
                {
                    sb.Append("  op = mask.property(\"ADBE Mask Opacity\");\n");
                    if (first > 0) sb.Append("  op.setValueAtTime(0, 0);\n");
                    sb.Append($"  op.setValueAtTime({first} * fd, 100);\n");
                    if (last < scene.FrameCount - 1) sb.Append($"  op.setValueAtTime({last + 1} * fd, 0);\n");
                    sb.Append("  hold(op);\n");
                }
            }
        }
        sb.Append("  app.endUndoGroup();\n");
        sb.Append("})();\n");
        return sb.ToString();
    }

    private static void AppendArray(StringBuilder sb, Vec2[] pts, Vec2[]? relativeTo)
    {
        sb.Append('[');
        for (int i = 0; i < pts.Length; i++)
        {
            Vec2 v = relativeTo == null ? pts[i] : pts[i] - relativeTo[i];
            if (i > 0) sb.Append(',');
            sb.Append('[').Append(Fmt.N(v.X)).Append(',').Append(Fmt.N(v.Y)).Append(']');
        }
        sb.Append(']');
    }
}

/// <summary>
/// Nuke script (.nk), written against Nuke 13.0's Roto node (the <c>version 13.0</c> header; the syntax has been stable
/// since Nuke 7's roto format): a Read of the footage wired into one Roto node whose <c>curves</c> knob holds one Bézier
/// shape (<c>curvegroup</c>) per object and run of constant topology (track), keyed only on the track's key frames.
/// The <c>curves</c> serialisation is not documented by Foundry; this follows what is publicly known of it: floats as
/// <c>x</c> + 8 hex digits of the IEEE-754 single, a <c>{layer Root ...}</c> holding
/// <c>{curvegroup name flags bezier {{cc {f 8192} {px KEYS points...}} {cc ... feather}} {tx ...} {a ATTRIBUTES}}</c>,
/// each control point three <c>{x y}</c> entries (in tangent, position, out tangent; tangents relative to the
/// position), y up in format space. With more than one key, <c>px</c> lists the key frames and each coordinate becomes
/// a brace list of its per-key values. The feather curve is all zeros (no feather).
/// <para>Lifetime: each shape's attributes set the lifetime type to "frame range" (<c>ltt</c> 4) from its first
/// (<c>ltn</c>) to its last frame (<c>ltm</c>), so a shape shows only on its own frames. Holes: subtractive shapes
/// (<c>bm</c> = <see cref="MinusBlendCode"/>, Nuke's "minus" blending mode) written, like every shape of an object,
/// above the object's outer shapes in the list (Nuke renders a Roto's list from the bottom up and a shape's blending
/// mode merges it onto what is below it). An object lying inside another object's hole would be cut by that hole where
/// the other object comes later in the list; the objects go from the highest id at the top to the lowest at the bottom.</para>
/// <para>Checked here only by a parser of the .nk syntax in the tests (nesting, key counts, lifetimes, blending); the
/// attribute codes (<c>ltt</c>/<c>ltn</c>/<c>ltm</c> names from Nuke's Python API, the value 4 for "frame range" and
/// <see cref="MinusBlendCode"/>) could not be tried in Nuke itself: check one import before relying on them.</para>
/// </summary>
public static class NukeWriter
{
    /// <summary>Lifetime type "frame range" (the Lifetime tab's fifth choice: all frames, start to frame, single frame,
    /// frame to end, frame range).</summary>
    internal const int FrameRangeLifetime = 4;

    /// <summary>Blending mode "minus", as its index in the Roto blending-mode menu's alphabetical list (color-burn,
    /// color-dodge, difference, exclusion, from, hard-light, max, min, minus, ...).</summary>
    internal const int MinusBlendCode = 8;

    public static string Write(ShapeScene scene, string name)
    {
        // Nuke node and format names are identifiers: letters, digits and underscores, not starting with a digit.
        name = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) name = "n" + name;
        var sb = new StringBuilder();
        string format = $"\"{scene.Width} {scene.Height} 0 0 {scene.Width} {scene.Height} 1 {name}_format\"";
        sb.Append("#! nuke written by edgesam-video export\n");
        sb.Append("version 13.0\n");
        sb.Append("Root {\n inputs 0\n");
        sb.Append($" first_frame 0\n last_frame {Math.Max(0, scene.FrameCount - 1)}\n fps {Fmt.N(scene.FrameRate)}\n format {format}\n}}\n");
        string? read = scene.Footage == null ? null : NukeReadPath(scene);
        if (read != null)
        {
            // The Read node is on the stack when the Roto comes, so "inputs 1" wires the footage into the Roto's bg.
            sb.Append($"Read {{\n inputs 0\n file {Quote(read)}\n format {format}\n first 0\n last {Math.Max(0, scene.FrameCount - 1)}\n origfirst 0\n origlast {Math.Max(0, scene.FrameCount - 1)}\n name {name}_plate\n}}\n");
        }
        sb.Append($"Roto {{\n inputs {(read != null ? 1 : 0)}\n output alpha\n cliptype none\n");
        sb.Append($" format {format}\n");
        sb.Append(" curves {{{v x3f99999a}\n  {f 0}\n  {n\n");
        sb.Append($"   {{layer Root\n    {{f 2097152}}\n    {{t {H(scene.Width / 2.0)} {H(scene.Height / 2.0)}}}\n");
        // Top of the list first: the highest object first, and within an object its holes above its outer shapes.
        for (int o = scene.ObjectIds.Count - 1; o >= 0; o--)
        {
            int id = scene.ObjectIds[o];
            foreach (var (track, hole, first, all) in scene.Tracks(o).OrderBy(x => x.IsHole ? 0 : 1))
            {
                var keys = all.Select((c, k) => (Frame: first + k, c.Path, c.IsKey)).Where(x => x.IsKey).Select(x => (x.Frame, x.Path)).ToList();
                string shapeName = $"obj{id}_{(hole ? "hole" : "shape")}{track}";
                int n = keys[0].Path.Count;
                string times = string.Join(" ", keys.Select(k => H(k.Frame)));
                sb.Append($"    {{curvegroup {shapeName} 512 bezier\n     {{{{cc\n       {{f 8192}}\n       {{px {times}\n");
                for (int i = 0; i < n; i++)
                {
                    sb.Append("        ").Append(Entry(keys, p => p.In[i] - p.Anchors[i], true, scene.Height)).Append('\n');
                    sb.Append("        ").Append(Entry(keys, p => p.Anchors[i], false, scene.Height)).Append('\n');
                    sb.Append("        ").Append(Entry(keys, p => p.Out[i] - p.Anchors[i], true, scene.Height)).Append('\n');
                }
                sb.Append("       }}\n      {cc\n       {f 8192}\n");
                sb.Append($"       {{px {times}\n");
                string zero = keys.Count == 1 ? "{0 0}" : "{{" + string.Join(" ", Enumerable.Repeat("0", keys.Count)) + "} {" + string.Join(" ", Enumerable.Repeat("0", keys.Count)) + "}}";
                for (int i = 0; i < 3 * n; i++) sb.Append("        ").Append(zero).Append('\n');
                sb.Append("       }}}\n");
                Vec2 c = keys[0].Path.Anchors.Aggregate(default(Vec2), (a, b) => a + b) / n;
                sb.Append($"     {{tx 1 {H(c.X)} {H(scene.Height - c.Y)}}}\n");
                string blend = hole ? $" bm {H(MinusBlendCode)}" : "";
                sb.Append($"     {{a spx {H(scene.Width / 2.0)} spy {H(scene.Height / 2.0)} sb 1{blend} ltt {H(FrameRangeLifetime)} ltn {H(first)} ltm {H(first + all.Count - 1)} str 1 tt x40800000}}}}\n");
            }
        }
        sb.Append("   }}}}\n");
        sb.Append($" toolbox {{selectAll {{ selectAll ssx 1 ssy 1 sf 1 }} }}\n");
        sb.Append($" name {name}_roto\n selected true\n}}\n");
        return sb.ToString();
    }

    /// <summary>
    /// The Read node's file: the video itself, or for an image sequence named by zero-padded frame numbers
    /// (<c>00000.jpg</c>, ...) the printf pattern <c>dir/%05d.jpg</c>; null when the names are not such numbers.
    /// </summary>
    private static string? NukeReadPath(ShapeScene scene)
    {
        string footage = scene.Footage!.Replace('\\', '/');
        if (!scene.FootageIsSequence) return footage;
        string stem = Path.GetFileNameWithoutExtension(footage);
        if (stem.Length == 0 || !stem.All(char.IsAsciiDigit) || scene.FrameNames.Any(n => n.Length != stem.Length || !n.All(char.IsAsciiDigit)))
            return null;
        string dir = Path.GetDirectoryName(footage)?.Replace('\\', '/') ?? ".";
        return $"{dir}/%0{stem.Length}d{Path.GetExtension(footage)}";
    }

    /// <summary>A TCL-safe quoted string for a knob value.</summary>
    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("[", "\\[").Replace("$", "\\$") + "\"";

    /// <summary>One control point slot: <c>{x y}</c> for one key, <c>{{x0 x1 ..} {y0 y1 ..}}</c> for several (y flipped to y-up).</summary>
    private static string Entry(List<(int Frame, BezierPath Path)> keys, Func<BezierPath, Vec2> value, bool relative, int height)
    {
        string Y(Vec2 v) => H(relative ? -v.Y : height - v.Y);
        if (keys.Count == 1)
        {
            Vec2 v = value(keys[0].Path);
            return $"{{{H(v.X)} {Y(v)}}}";
        }
        var xs = new StringBuilder();
        var ys = new StringBuilder();
        for (int k = 0; k < keys.Count; k++)
        {
            Vec2 v = value(keys[k].Path);
            if (k > 0) { xs.Append(' '); ys.Append(' '); }
            xs.Append(H(v.X));
            ys.Append(Y(v));
        }
        return $"{{{{{xs}}} {{{ys}}}}}";
    }

    /// <summary>Nuke's float token: <c>0</c> for zero, else <c>x</c> + the 8 hex digits of the IEEE-754 single.</summary>
    internal static string H(double v)
    {
        float f = (float)v;
        if (f == 0) return "0";
        return "x" + BitConverter.SingleToUInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture);
    }
}
