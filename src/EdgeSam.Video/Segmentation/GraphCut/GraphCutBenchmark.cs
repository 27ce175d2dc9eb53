using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Segmentation.GraphCut;

/// <summary>One frame of the single-frame quality protocol.</summary>
/// <param name="IoU">Intersection over union with the ground truth (1 when both are empty).</param>
/// <param name="CpuMs">CPU time of the calling thread for Embed + one Segment (the segmenter is single-threaded, so this
/// is its one-core cost even on a loaded machine); NaN where the OS gives no per-thread clock.</param>
/// <param name="WallMs">Wall-clock time of the same work.</param>
/// <param name="Score">The segmenter's confidence.</param>
/// <param name="Positives">Positive points in the prompt.</param>
/// <param name="Negatives">Negative points in the prompt.</param>
public readonly record struct PromptedFrameResult(double IoU, double CpuMs, double WallMs, float Score, int Positives, int Negatives);

/// <summary>
/// The single-frame quality protocol of a prompt segmenter (used by <c>edgesam-video bench graphcut</c> and the tests):
/// prompt with points sampled from the frame's own ground truth, segment, and score IoU and time.
/// <para>
/// Prompt: <c>positives</c> K-Medoids points inside the object (SAM-PT's positive recipe, <see cref="PointSampler"/>)
/// and <c>negatives</c> K-Medoids points in a background band around the object: background pixels within
/// <c>band * sqrt(object area)</c> of it (0.35 by default, about 35 px around a 100x100 object). Negatives next to the
/// object are the informative ones for a prompted segmenter; ones spread over the whole background mostly land far away.
/// </para>
/// </summary>
public static class GraphCutBenchmark
{
    /// <summary>Default half-width of the negative band, as a fraction of sqrt(object area).</summary>
    public const float DefaultNegativeBand = 0.35f;

    /// <summary>Positives then negatives for <paramref name="truth"/>, deterministic for <paramref name="seed"/>;
    /// empty when the truth is empty.</summary>
    public static PromptPoint[] SamplePrompt(Mask truth, int positives = 8, int negatives = 8, int seed = 0, float negativeBand = DefaultNegativeBand)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentOutOfRangeException.ThrowIfNegative(positives);
        ArgumentOutOfRangeException.ThrowIfNegative(negatives);
        if (!(negativeBand > 0)) throw new ArgumentOutOfRangeException(nameof(negativeBand), "negativeBand must be positive.");
        int area = truth.Area();
        if (area == 0) return [];
        var sampler = PointSampler.Default;
        PromptPoint[] pos = sampler.Positives(truth, positives, SamplingMethod.KMedoids, seed);
        Mask band = BackgroundBand(truth, negativeBand * MathF.Sqrt(area));
        var neg = sampler.SamplePixels(band, 1, negatives, SamplingMethod.KMedoids, unchecked(seed * 31 + 17));
        return [.. pos, .. neg.Select(p => new PromptPoint(p.X, p.Y, PointLabel.Negative))];
    }

    /// <summary>Background pixels within <paramref name="radius"/> px (chamfer 1/sqrt2 distance) of the object.</summary>
    public static Mask BackgroundBand(Mask truth, float radius)
    {
        int w = truth.Width, h = truth.Height;
        var d = new float[w * h];
        ChamferDistance.ToBoundary(truth.Data, w, h, d);
        var band = new Mask(w, h);
        for (int i = 0; i < d.Length; i++) band.Data[i] = truth.Data[i] == 0 && d[i] <= radius ? (byte)1 : (byte)0;
        return band;
    }

    /// <summary>Intersection over union; 1 when both masks are empty.</summary>
    public static double IoU(Mask a, Mask b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Width != b.Width || a.Height != b.Height)
            throw new ArgumentException($"Masks differ in size: {a.Width}x{a.Height} vs {b.Width}x{b.Height}.", nameof(b));
        long inter = 0, uni = 0;
        for (int i = 0; i < a.Data.Length; i++)
        {
            bool x = a.Data[i] != 0, y = b.Data[i] != 0;
            if (x && y) inter++;
            if (x || y) uni++;
        }
        return uni == 0 ? 1.0 : (double)inter / uni;
    }

    /// <summary>Samples the prompt, then times Embed + one Segment on the calling thread and scores the mask.</summary>
    public static PromptedFrameResult Measure(IPromptSegmenter segmenter, RgbImage frame, Mask truth, int positives = 8, int negatives = 8, int seed = 0,
        float negativeBand = DefaultNegativeBand)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(truth);
        PromptPoint[] prompt = SamplePrompt(truth, positives, negatives, seed, negativeBand);
        int np = prompt.Count(p => p.Label == PointLabel.Positive);
        double cpu0 = ThreadCpuMs();
        long t0 = Stopwatch.GetTimestamp();
        SegmentationResult r;
        using (IFrameEmbedding e = segmenter.Embed(frame))
            r = e.Segment(new SegmentationPrompt(prompt));
        double wall = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        double cpu = ThreadCpuMs() - cpu0;
        return new PromptedFrameResult(IoU(r.Mask, truth), cpu, wall, r.Score, np, prompt.Length - np);
    }

    /// <summary>CPU time of the calling thread in ms (Linux CLOCK_THREAD_CPUTIME_ID); NaN elsewhere.</summary>
    public static double ThreadCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        try
        {
            return clock_gettime(ClockThreadCpuTimeId, out TimeSpec t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : double.NaN;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return double.NaN;
        }
    }

    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // int clock_gettime(clockid_t clk_id, struct timespec *tp);  (64-bit Linux: time_t and long are 64-bit)
    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int clock_gettime(int clockId, out TimeSpec tp);
}
