using System.Globalization;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>Parses the prompt and sharding arguments of <c>segment</c> and <c>run</c>; errors are one line that says
/// what was expected.</summary>
internal static class PromptParsing
{
    /// <summary><c>"x,y,+;x,y,-"</c>: pixel coordinates, + positive, - negative.</summary>
    public static IReadOnlyList<PromptPoint> Points(string text)
    {
        var points = new List<PromptPoint>();
        foreach (string raw in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] f = raw.Split(',', StringSplitOptions.TrimEntries);
            if (f.Length != 3 || !TryFloat(f[0], out float x) || !TryFloat(f[1], out float y) || f[2] is not ("+" or "-"))
                throw new EdgeSamException($"--points: '{raw}' is not 'x,y,+' or 'x,y,-' (pixel coordinates; separate points with ';', e.g. \"320,240,+;50,60,-\").");
            points.Add(new PromptPoint(x, y, f[2] == "+" ? PointLabel.Positive : PointLabel.Negative));
        }
        if (points.Count == 0)
            throw new EdgeSamException("--points is empty: give at least one point as 'x,y,+' (e.g. \"320,240,+\").");
        if (!points.Any(p => p.Label == PointLabel.Positive))
            throw new EdgeSamException("--points has no positive point: mark at least one point on the object with '+'.");
        return points;
    }

    /// <summary>
    /// One <c>--prompt</c>: <c>"frame=40;object=2;points=300,200,+ 310,260,-;box=x0,y0,x1,y1;mask=m.png"</c>, fields in any
    /// order separated by ';', points by spaces; frame defaults to 0, object to 1; at least one of points, box, mask.
    /// Negative-only clicks are allowed here (a correction of an object's mask).
    /// </summary>
    public static Pipeline.PromptSpec Prompt(string text, int index)
    {
        string where = $"--prompt {index} ('{text}')";
        int frame = 0, obj = 1;
        var points = new List<PromptPoint>();
        BoxF? box = null;
        string? mask = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string field in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = field.IndexOf('=');
            string key = eq > 0 ? field[..eq].Trim() : field, value = eq > 0 ? field[(eq + 1)..].Trim() : "";
            if (eq <= 0 || !seen.Add(key))
                throw new EdgeSamException($"{where}: '{field}' is not key=value with a key used once (keys: frame, object, points, box, mask).");
            switch (key)
            {
                case "frame" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out frame):
                    break;
                case "object" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out obj):
                    break;
                case "points":
                    foreach (string raw in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        string[] f = raw.Split(',', StringSplitOptions.TrimEntries);
                        if (f.Length != 3 || !TryFloat(f[0], out float x) || !TryFloat(f[1], out float y) || f[2] is not ("+" or "-"))
                            throw new EdgeSamException($"{where}: point '{raw}' is not 'x,y,+' or 'x,y,-' (pixels; separate points with spaces, e.g. points=320,240,+ 50,60,-).");
                        points.Add(new PromptPoint(x, y, f[2] == "+" ? PointLabel.Positive : PointLabel.Negative));
                    }
                    break;
                case "box":
                    try { box = Box(value); }
                    catch (EdgeSamException e) { throw new EdgeSamException($"{where}: {e.Message.Replace("--box: ", "box ")}"); }
                    break;
                case "mask" when value.Length > 0:
                    mask = value;
                    break;
                default:
                    throw new EdgeSamException($"{where}: '{field}' is not understood (frame=N, object=ID, points=x,y,+ x,y,-, box=x0,y0,x1,y1, mask=file.png).");
            }
        }
        if (points.Count == 0 && box is null && mask is null)
            throw new EdgeSamException($"{where}: give points=..., box=... or mask=... (e.g. \"frame=40;object=2;points=300,200,+\").");
        return new Pipeline.PromptSpec(frame, obj, points, box, mask) { Origin = $"--prompt {index}" };
    }

    /// <summary><c>"x0,y0,x1,y1"</c>: inclusive pixel corners.</summary>
    public static BoxF Box(string text)
    {
        string[] f = text.Split(',', StringSplitOptions.TrimEntries);
        if (f.Length != 4 || !TryFloat(f[0], out float x0) || !TryFloat(f[1], out float y0) || !TryFloat(f[2], out float x1) || !TryFloat(f[3], out float y1))
            throw new EdgeSamException($"--box: '{text}' is not 'x0,y0,x1,y1' (pixel corners, e.g. 100,80,300,260).");
        if (x1 <= x0 || y1 <= y0)
            throw new EdgeSamException($"--box: '{text}' is empty; the second corner must be right of and below the first.");
        return new BoxF(x0, y0, x1, y1);
    }

    /// <summary><c>"i/n"</c> with 0 &lt;= i &lt; n.</summary>
    public static (int Index, int Count) Shard(string text)
    {
        string[] f = text.Split('/', StringSplitOptions.TrimEntries);
        if (f.Length == 2 && int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && i < n)
            return (i, n);
        throw new EdgeSamException($"--shard: '{text}' is not 'i/n' with 0 <= i < n (e.g. --shard 0/4 ... 3/4; with a Kubernetes Indexed Job: --shard $JOB_COMPLETION_INDEX/N).");
    }

    /// <summary>The shard's part of a list: items whose position in the ordinally sorted list is i mod n, so every
    /// shard gets an even share and the split is the same on every machine.</summary>
    public static IReadOnlyList<string> TakeShard(IEnumerable<string> names, int index, int count) =>
        names.Order(StringComparer.Ordinal).Where((_, k) => k % count == index).ToList();

    private static bool TryFloat(string s, out float v) =>
        float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && float.IsFinite(v);
}
