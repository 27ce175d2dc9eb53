using System.Text;
using System.Text.Json;
using EdgeSam.Video.Datasets;

namespace EdgeSam.Video.Evaluation;

/// <summary>Per-frame J/F and statistics of one object (the toolkit's <c>&lt;seq&gt;_&lt;id&gt;</c> entries).</summary>
public sealed class ObjectScores
{
    internal ObjectScores(string sequence, int objectId, IReadOnlyList<string> frames, double[] j, double[] f)
    {
        Sequence = sequence;
        ObjectId = objectId;
        Frames = frames;
        J = j;
        F = f;
        JStatistics = DavisMetrics.Statistics(j);
        FStatistics = DavisMetrics.Statistics(f);
    }

    public string Sequence { get; }
    public int ObjectId { get; }

    /// <summary><c>&lt;sequence&gt;_&lt;id&gt;</c>, the toolkit's per-object key.</summary>
    public string Key => $"{Sequence}_{ObjectId}";

    /// <summary>The evaluated frames (all but the first and last annotated frame), same order as <see cref="J"/>.</summary>
    public IReadOnlyList<string> Frames { get; }

    public IReadOnlyList<double> J { get; }
    public IReadOnlyList<double> F { get; }
    public ObjectStatistics JStatistics { get; }
    public ObjectStatistics FStatistics { get; }

    /// <summary>(J-Mean + F-Mean) / 2 of this object.</summary>
    public double JFMean => (JStatistics.Mean + FStatistics.Mean) / 2;
}

/// <summary>The global line: plain means over all objects of every sequence (numpy <c>np.mean</c>, so a NaN propagates).</summary>
public sealed record GlobalScores(double JFMean, double JMean, double JRecall, double JDecay, double FMean, double FRecall, double FDecay);

/// <summary>The result of a DAVIS evaluation: per-object scores in sequence order, and the global line.</summary>
public sealed class DavisEvaluation
{
    internal DavisEvaluation(IReadOnlyList<string> sequences, IReadOnlyList<ObjectScores> objects)
    {
        Sequences = sequences;
        Objects = objects;
        double Mean(Func<ObjectScores, double> f)
        {
            if (objects.Count == 0) return double.NaN;
            double s = 0;
            foreach (var o in objects) s += f(o);
            return s / objects.Count;
        }
        double jm = Mean(o => o.JStatistics.Mean), fm = Mean(o => o.FStatistics.Mean);
        Global = new GlobalScores((jm + fm) / 2, jm, Mean(o => o.JStatistics.Recall), Mean(o => o.JStatistics.Decay),
            fm, Mean(o => o.FStatistics.Recall), Mean(o => o.FStatistics.Decay));
    }

    /// <summary>Evaluated sequences, in ImageSets order.</summary>
    public IReadOnlyList<string> Sequences { get; }

    /// <summary>Every object of every sequence, sequences in order, ids ascending.</summary>
    public IReadOnlyList<ObjectScores> Objects { get; }

    public GlobalScores Global { get; }

    /// <summary>
    /// JSON in the layout of the reference <c>official-scores.json</c> entries: <c>global</c> with
    /// <c>J&amp;F-Mean, J-Mean, J-Recall, J-Decay, F-Mean, F-Recall, F-Decay</c>; <c>per_object</c> keyed
    /// <c>&lt;seq&gt;_&lt;id&gt;</c> with <c>J-Mean, F-Mean, J-Recall, J-Decay, F-Recall, F-Decay</c>; and, when
    /// <paramref name="includePerFrame"/>, <c>per_frame</c> keyed the same way with <c>frames</c>, <c>J</c>, <c>F</c>.
    /// NaN (a sequence with fewer than three frames) is written as null.
    /// </summary>
    public string ToJson(bool includePerFrame = true)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartObject("global");
            Number(w, "J&F-Mean", Global.JFMean);
            Number(w, "J-Mean", Global.JMean);
            Number(w, "J-Recall", Global.JRecall);
            Number(w, "J-Decay", Global.JDecay);
            Number(w, "F-Mean", Global.FMean);
            Number(w, "F-Recall", Global.FRecall);
            Number(w, "F-Decay", Global.FDecay);
            w.WriteEndObject();
            w.WriteStartObject("per_object");
            foreach (var o in Objects)
            {
                w.WriteStartObject(o.Key);
                Number(w, "J-Mean", o.JStatistics.Mean);
                Number(w, "F-Mean", o.FStatistics.Mean);
                Number(w, "J-Recall", o.JStatistics.Recall);
                Number(w, "J-Decay", o.JStatistics.Decay);
                Number(w, "F-Recall", o.FStatistics.Recall);
                Number(w, "F-Decay", o.FStatistics.Decay);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            if (includePerFrame)
            {
                w.WriteStartObject("per_frame");
                foreach (var o in Objects)
                {
                    w.WriteStartObject(o.Key);
                    w.WriteStartArray("frames");
                    foreach (string f in o.Frames) w.WriteStringValue(f);
                    w.WriteEndArray();
                    Array(w, "J", o.J);
                    Array(w, "F", o.F);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically (temp name, then rename).</summary>
    public void WriteJson(string path, bool includePerFrame = true) =>
        EvalFiles.WriteAtomic(path, Encoding.UTF8.GetBytes(ToJson(includePerFrame) + "\n"));

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    private static void Array(Utf8JsonWriter w, string name, IReadOnlyList<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            if (double.IsFinite(v)) w.WriteNumberValue(v);
            else w.WriteNullValue();
        }
        w.WriteEndArray();
    }
}

internal static class EvalFiles
{
    /// <summary>Writes to a temporary sibling and renames it over <paramref name="path"/>, so no half file is left.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> bytes)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
            throw new EdgeSamException($"cannot write {path}: folder {dir} does not exist; create it or choose another path.");
        string tmp = full + $".tmp-{Environment.ProcessId}";
        try
        {
            File.WriteAllBytes(tmp, bytes.ToArray());
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new EdgeSamException($"cannot write {path}: {e.Message.TrimEnd('.')}; check the path and permissions.", e);
        }
    }
}

/// <summary>Printing helpers for <see cref="DavisYear"/>.</summary>
public static class DavisYears
{
    /// <summary>2016 or 2017.</summary>
    public static int Number(DavisYear year) => year == DavisYear.Davis2016 ? 2016 : 2017;
}
