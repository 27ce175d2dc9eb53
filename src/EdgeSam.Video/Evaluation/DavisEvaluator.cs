using EdgeSam.Video.Media;
using EdgeSam.Video.Datasets;

namespace EdgeSam.Video.Evaluation;

/// <summary>Options of a DAVIS evaluation.</summary>
public sealed record DavisEvalOptions
{
    public DavisYear Year { get; init; } = DavisYear.Davis2017;

    /// <summary>Evaluate only these sequences (in this order); null = every sequence of the year's val ImageSet.</summary>
    public IReadOnlyList<string>? Sequences { get; init; }

    /// <summary>Worker threads over frames (frames of all sequences share one pool).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>The toolkit's <c>bound_th</c>.</summary>
    public double BoundaryThreshold { get; init; } = DavisMetrics.DefaultBoundaryThreshold;
}

/// <summary>
/// One sequence to evaluate from memory or any storage: annotated frame names in order and readers for the
/// ground truth and the result of frame i. Ground truth ids: 0 background, 1..254 objects, 255 void (scored as
/// background); the objects are 1..N with N the largest id in frame 0. Result ids: 0 background, 1..N.
/// Frames 0 and n-1 are never scored (semi-supervised protocol) and their results are not read.
/// </summary>
public sealed class DavisSequenceInput
{
    public DavisSequenceInput(string name, IReadOnlyList<string> frames, Func<int, LabelMap> groundTruth, Func<int, LabelMap> result)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(result);
        if (frames.Count == 0) throw new ArgumentException($"Sequence {name} has no frames.", nameof(frames));
        Name = name;
        Frames = frames;
        GroundTruth = groundTruth;
        Result = result;
    }

    public string Name { get; }
    public IReadOnlyList<string> Frames { get; }
    public Func<int, LabelMap> GroundTruth { get; }
    public Func<int, LabelMap> Result { get; }
}

/// <summary>
/// DAVIS semi-supervised evaluation, reproducing davisvideochallenge/davis2017-evaluation: per object, J and F
/// on every annotated frame but the first and the last; Mean/Recall/Decay per object; global = means over objects.
/// Frames of all sequences are scored in parallel; numbers do not depend on the thread count.
/// </summary>
public static class DavisEvaluator
{
    /// <summary>Evaluates sequences given as readers (see <see cref="DavisSequenceInput"/>).</summary>
    /// <exception cref="EdgeSamException">A result frame of another size, or with an id above the sequence's object count.</exception>
    public static DavisEvaluation Evaluate(IReadOnlyList<DavisSequenceInput> sequences, DavisEvalOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        options ??= new DavisEvalOptions();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism), CancellationToken = cancel };

        // Pass 1: object count and size from each sequence's first ground-truth frame.
        var objectCount = new int[sequences.Count];
        var size = new (int W, int H)[sequences.Count];
        RunParallel(() => Parallel.For(0, sequences.Count, parallel, s =>
        {
            LabelMap first = sequences[s].GroundTruth(0);
            objectCount[s] = MaxObjectId(first.Data);
            size[s] = (first.Width, first.Height);
        }));

        // Pass 2: every scored frame of every sequence is one work item.
        var j = new double[sequences.Count][][];
        var f = new double[sequences.Count][][];
        var items = new List<(int Seq, int Frame)>();
        for (int s = 0; s < sequences.Count; s++)
        {
            int scored = Math.Max(0, sequences[s].Frames.Count - 2);
            j[s] = new double[objectCount[s]][];
            f[s] = new double[objectCount[s]][];
            for (int o = 0; o < objectCount[s]; o++)
            {
                j[s][o] = new double[scored];
                f[s][o] = new double[scored];
            }
            if (objectCount[s] == 0) continue;
            for (int k = 1; k <= scored; k++) items.Add((s, k));
        }

        RunParallel(() => Parallel.For(0, items.Count, parallel,
            () => (FrameScorer?)null,
            (i, _, scorer) =>
            {
                (int s, int k) = items[i];
                DavisSequenceInput seq = sequences[s];
                (int w, int h) = size[s];
                LabelMap gt = seq.GroundTruth(k);
                if (gt.Width != w || gt.Height != h)
                    throw new EdgeSamException($"ground truth {seq.Name}/{seq.Frames[k]} is {gt.Width}x{gt.Height} but frame {seq.Frames[0]} is {w}x{h}; the annotations of a sequence must share one size.");
                LabelMap res = seq.Result(k);
                if (res.Width != w || res.Height != h)
                    throw new EdgeSamException($"result {seq.Name}/{seq.Frames[k]} is {res.Width}x{res.Height} but the ground truth is {w}x{h}; write results at the annotation size.");
                int maxId = MaxId(res.Data);
                if (maxId > objectCount[s])
                    throw new EdgeSamException($"result {seq.Name}/{seq.Frames[k]} holds object id {maxId} but the sequence has {objectCount[s]} object(s); use ids 1..{objectCount[s]} as in the first annotation.");
                if (scorer == null || scorer.Width != w || scorer.Height != h)
                    scorer = new FrameScorer(w, h, options.BoundaryThreshold);
                for (int o = 0; o < objectCount[s]; o++)
                {
                    FrameScore score = scorer.Score(gt.Data, res.Data, (byte)(o + 1));
                    j[s][o][k - 1] = score.J;
                    f[s][o][k - 1] = score.F;
                }
                return scorer;
            },
            _ => { }));

        var objects = new List<ObjectScores>();
        var names = new List<string>();
        for (int s = 0; s < sequences.Count; s++)
        {
            var seq = sequences[s];
            names.Add(seq.Name);
            int scored = Math.Max(0, seq.Frames.Count - 2);
            var frames = seq.Frames.Skip(1).Take(scored).ToArray();
            for (int o = 0; o < objectCount[s]; o++)
                objects.Add(new ObjectScores(seq.Name, o + 1, frames, j[s][o], f[s][o]));
        }
        return new DavisEvaluation(names, objects);
    }

    /// <summary>Runs a parallel loop and rethrows a worker's <see cref="EdgeSamException"/> (or cancellation) as itself,
    /// so the caller sees one clear error rather than an AggregateException.</summary>
    private static void RunParallel(Action loop)
    {
        try
        {
            loop();
        }
        catch (AggregateException e)
        {
            Exception first = e.Flatten().InnerExceptions.FirstOrDefault(x => x is EdgeSamException)
                ?? e.Flatten().InnerExceptions.FirstOrDefault(x => x is OperationCanceledException)
                ?? e.Flatten().InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }

    /// <summary>N: the largest id in the first annotation, void (255) excluded (the toolkit zeroes it first).</summary>
    private static int MaxObjectId(ReadOnlySpan<byte> labels)
    {
        int max = 0;
        Span<bool> seen = stackalloc bool[256];
        foreach (byte b in labels) seen[b] = true;
        for (int i = 254; i > 0; i--)
            if (seen[i]) { max = i; break; }
        return max;
    }

    private static int MaxId(ReadOnlySpan<byte> labels)
    {
        // Max via a vectorised scan: results are mostly 0, with a few small ids.
        byte max = 0;
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var acc = System.Numerics.Vector<byte>.Zero;
            var vs = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, System.Numerics.Vector<byte>>(labels);
            foreach (var v in vs) acc = System.Numerics.Vector.Max(acc, v);
            for (int k = 0; k < System.Numerics.Vector<byte>.Count; k++) max = Math.Max(max, acc[k]);
            i = vs.Length * System.Numerics.Vector<byte>.Count;
        }
        for (; i < labels.Length; i++) max = Math.Max(max, labels[i]);
        return max;
    }
}
