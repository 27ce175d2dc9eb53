using EdgeSam.Video.Media;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// How much an object's predicted masks keep looking like its prompt: the mean, over the frames added, of the
/// Bhattacharyya coefficient sum_b sqrt(p_b q_b) between the colour histogram of the frame's mask pixels (p) and of
/// the prompt mask's pixels on the prompt frame (q); histograms of <see cref="BinsPerChannel"/>^3 RGB bins. 1 = the
/// same colour distribution, 0 = disjoint colours or an empty mask (a lost object scores 0 on that frame).
/// It needs no ground truth, so it can choose between runs of the same video: a run whose mask leaked into the
/// background or slid onto another object takes in colours the prompt never showed and scores lower
/// (see <see cref="VideoSegmenterOptions"/> and the <c>--restarts</c> option of the command line).
/// <para>
/// Alternatives measured on the 10 DAVIS 2016 val sequences (graph cut + lk, seeds 0-9 run once each; J&amp;F of the run
/// picked, mean over every 5-seed subset; this score: 0.619, the best run picked with the ground truth: 0.634): a learned
/// counterpart (the mean over mask pixels of XFeat-descriptor similarity to the prompt's object minus its background)
/// 0.614, the sum of both 0.622 (0.644 against 0.629 out of all ten); choosing per frame between the runs (Viterbi over
/// this score with a switching cost) J 0.649-0.652 against 0.657 for whole runs (seeds 0-4); and five configurations
/// under one seed instead of one configuration under five seeds, 0.618. None was worth its cost.
/// </para>
/// </summary>
public sealed class AppearanceConsistency
{
    /// <summary>Histogram bins per colour channel (8: 512 bins, coarse enough for masks of a few hundred pixels). Best of
    /// 5 graph-cut runs on the 10 DAVIS 2016 val sequences (mean over all five-seed subsets of seeds 0-9): 0.613 with 4
    /// bins, 0.619 with 8, 0.625 with 16; 8 was chosen before measuring and stays, as small objects (YouTube-VOS) would
    /// spread thin over 4,096 bins.</summary>
    public const int BinsPerChannel = 8;

    private const int Shift = 5; // 256 / 8 levels per bin
    private readonly double[] _sqrtReference = new double[BinsPerChannel * BinsPerChannel * BinsPerChannel];
    private readonly double[] _scratch = new double[BinsPerChannel * BinsPerChannel * BinsPerChannel];
    private double _sum;

    /// <param name="referenceFrame">The prompt frame.</param>
    /// <param name="referenceMask">The object's prompt mask on it (same size); must not be empty.</param>
    public AppearanceConsistency(RgbImage referenceFrame, Mask referenceMask)
    {
        ArgumentNullException.ThrowIfNull(referenceFrame);
        ArgumentNullException.ThrowIfNull(referenceMask);
        CheckSize(referenceFrame, referenceMask);
        if (Histogram(referenceFrame.Pixels, referenceMask.Data, _sqrtReference) == 0)
            throw new ArgumentException("The reference mask is empty: there is no appearance to compare with.", nameof(referenceMask));
        for (int b = 0; b < _sqrtReference.Length; b++) _sqrtReference[b] = Math.Sqrt(_sqrtReference[b]);
    }

    /// <summary>Frames added so far.</summary>
    public int Frames { get; private set; }

    /// <summary>Mean coefficient over the frames added (NaN before the first).</summary>
    public double Mean => Frames == 0 ? double.NaN : _sum / Frames;

    /// <summary>Scores one frame's mask and adds it to the mean; returns that frame's coefficient.</summary>
    public double Add(RgbImage frame, Mask mask)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(mask);
        CheckSize(frame, mask);
        double c = Coefficient(frame.Pixels, mask.Data);
        _sum += c;
        Frames++;
        return c;
    }

    /// <summary>The coefficient of one frame against the reference, without adding it.</summary>
    internal double Coefficient(ReadOnlySpan<byte> rgb, ReadOnlySpan<byte> mask)
    {
        if (Histogram(rgb, mask, _scratch) == 0) return 0;
        double s = 0;
        for (int b = 0; b < _scratch.Length; b++)
            if (_scratch[b] > 0) s += Math.Sqrt(_scratch[b]) * _sqrtReference[b];
        return Math.Min(1.0, s);
    }

    /// <summary>Normalised colour histogram of the pixels where <paramref name="mask"/> is non-zero (interleaved RGB,
    /// 3 bytes per mask byte); returns the pixel count (the histogram is all zeros when it is 0).</summary>
    internal static int Histogram(ReadOnlySpan<byte> rgb, ReadOnlySpan<byte> mask, Span<double> hist)
    {
        hist.Clear();
        int n = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) continue;
            int p = 3 * i;
            hist[((rgb[p] >> Shift) * BinsPerChannel + (rgb[p + 1] >> Shift)) * BinsPerChannel + (rgb[p + 2] >> Shift)]++;
            n++;
        }
        if (n > 0)
        {
            double inv = 1.0 / n;
            for (int b = 0; b < hist.Length; b++) hist[b] *= inv;
        }
        return n;
    }

    private static void CheckSize(RgbImage frame, Mask mask)
    {
        if (frame.Width != mask.Width || frame.Height != mask.Height)
            throw new ArgumentException($"The mask is {mask.Width}x{mask.Height} but the frame is {frame.Width}x{frame.Height}.", nameof(mask));
    }
}

/// <summary>
/// <see cref="AppearanceConsistency"/> of a whole propagation, fed its <see cref="FrameResult"/>s: per object, the
/// reference is its first prompted frame seen, and every later frame where the object has started (prompted frames
/// excluded) is scored, an empty mask as 0. <see cref="Score"/> is the mean over objects, so a run that loses or leaks
/// one object of several ranks below one that keeps them all.
/// </summary>
public sealed class RunAppearanceConsistency
{
    private readonly SortedDictionary<int, AppearanceConsistency> _objects = new();

    /// <summary>Adds one frame's results (any order of frames and walks).</summary>
    public void Add(FrameResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (ObjectFrameResult o in result.Objects)
        {
            if (o.Status == ObjectStatus.Prompted)
            {
                if (!_objects.ContainsKey(o.ObjectId) && !o.Mask.IsEmpty)
                    _objects[o.ObjectId] = new AppearanceConsistency(result.Image, o.Mask);
                continue;
            }
            if (o.Status == ObjectStatus.NotStarted || !_objects.TryGetValue(o.ObjectId, out AppearanceConsistency? c)) continue;
            c.Add(result.Image, o.Mask);
        }
    }

    /// <summary>Per object id, the mean coefficient so far (objects with a reference but no scored frame yet: NaN).</summary>
    public IReadOnlyDictionary<int, double> PerObject => _objects.ToDictionary(kv => kv.Key, kv => kv.Value.Mean);

    /// <summary>Mean over the objects with at least one scored frame; 0 when there is none.</summary>
    public double Score
    {
        get
        {
            double sum = 0;
            int n = 0;
            foreach (AppearanceConsistency c in _objects.Values)
                if (c.Frames > 0) { sum += c.Mean; n++; }
            return n == 0 ? 0 : sum / n;
        }
    }
}
