using System.Diagnostics;
using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers.Benchmark;

/// <summary>Counts of one TrackScore run (a sequence, or pooled over sequences).</summary>
public sealed record TrackScoreResult
{
    /// <summary>Query points tracked (8 per window whose start mask has at least 8 pixels).</summary>
    public int Points { get; init; }

    /// <summary>Points declared visible at the window's end.</summary>
    public int Visible { get; init; }

    /// <summary>Visible points that lie inside the ground-truth mask at the window's end.</summary>
    public int VisibleInside { get; init; }

    /// <summary>All points, visible or not, that lie inside the ground-truth mask at the window's end (position quality alone).</summary>
    public int AllInside { get; init; }

    /// <summary>
    /// Reference, independent of the tracker: points that a rigid translation of each query point by the ground-truth
    /// mask's centroid displacement (t to t+h) puts inside the mask at t+h. Where trackers fall short of it, a
    /// whole-object motion model would already help; where they match it, the lost points sit on deforming parts.
    /// </summary>
    public int CentroidInside { get; init; }

    /// <summary>Windows (start frames) evaluated.</summary>
    public int Windows { get; init; }

    /// <summary>Frames fed to the tracker (the start frame plus h steps per window).</summary>
    public int TrackedFrames { get; init; }

    /// <summary>Tracker time (Start + Steps), milliseconds.</summary>
    public double TrackMs { get; init; }

    /// <summary>
    /// Prompt-sampling probes timed (one per window when enabled): 8 K-Medoids positives + 72 mixed negatives from
    /// the start mask and frame, SAM-PT's re-initialisation recipe. Not part of <see cref="TrackMs"/>.
    /// </summary>
    public int SamplingProbes { get; init; }

    /// <summary>Total milliseconds of the sampling probes.</summary>
    public double SamplingMs { get; init; }

    /// <summary>Fastest sampling probe, milliseconds (on a busy machine the least disturbed figure).</summary>
    public double SamplingMinMs { get; init; } = double.NaN;

    /// <summary>Mean milliseconds of one sampling probe (NaN when none ran).</summary>
    public double SamplingMsPerProbe => SamplingProbes == 0 ? double.NaN : SamplingMs / SamplingProbes;

    /// <summary>Share of visible points inside the ground truth (NaN when none is visible).</summary>
    public double Inside => Visible == 0 ? double.NaN : (double)VisibleInside / Visible;

    /// <summary>Share of all points, visible or not, inside the ground truth (NaN when there are no points).</summary>
    public double AllInsideShare => Points == 0 ? double.NaN : (double)AllInside / Points;

    /// <summary>Share of all points that the ground-truth centroid translation puts inside (see <see cref="CentroidInside"/>).</summary>
    public double CentroidInsideShare => Points == 0 ? double.NaN : (double)CentroidInside / Points;

    /// <summary>Share of points declared visible (NaN when there are no points).</summary>
    public double VisibleShare => Points == 0 ? double.NaN : (double)Visible / Points;

    /// <summary>Tracker milliseconds per frame fed.</summary>
    public double MsPerFrame => TrackedFrames == 0 ? double.NaN : TrackMs / TrackedFrames;

    public static TrackScoreResult Sum(IEnumerable<TrackScoreResult> parts)
    {
        var list = parts.ToList();
        return new TrackScoreResult
        {
            Points = list.Sum(p => p.Points),
            Visible = list.Sum(p => p.Visible),
            VisibleInside = list.Sum(p => p.VisibleInside),
            AllInside = list.Sum(p => p.AllInside),
            CentroidInside = list.Sum(p => p.CentroidInside),
            Windows = list.Sum(p => p.Windows),
            TrackedFrames = list.Sum(p => p.TrackedFrames),
            TrackMs = list.Sum(p => p.TrackMs),
            SamplingProbes = list.Sum(p => p.SamplingProbes),
            SamplingMs = list.Sum(p => p.SamplingMs),
            SamplingMinMs = list.Where(p => p.SamplingProbes > 0).Select(p => p.SamplingMinMs).DefaultIfEmpty(double.NaN).Min(),
        };
    }
}

/// <summary>One query point at its window's end, for per-point analysis of a run (see <see cref="TrackScore.PointSink"/>).</summary>
/// <param name="StartFrame">The window's start frame t (the query frame).</param>
/// <param name="Index">The point's index among the window's queries.</param>
/// <param name="QueryX">Query x on frame t (frame pixels).</param>
/// <param name="QueryY">Query y on frame t.</param>
/// <param name="End">The tracker's answer on frame t+h.</param>
/// <param name="Visible">Declared visible (visibility at or above the tracker's threshold).</param>
/// <param name="Inside">The rounded end position lies inside the ground-truth mask of t+h.</param>
/// <param name="MaskDistance">
/// Euclidean distance (pixels) from the rounded end position to the nearest mask pixel of t+h: 0 inside, +infinity
/// when none lies within <see cref="TrackScore.MaxMaskDistance"/> or the mask is empty.
/// </param>
/// <param name="CentroidDx">Ground-truth centroid displacement from t to t+h, x (NaN when either mask is empty).</param>
/// <param name="CentroidDy">Likewise, y.</param>
public readonly record struct TrackScorePoint(int StartFrame, int Index, float QueryX, float QueryY, TrackedPoint End, bool Visible, bool Inside, float MaskDistance, float CentroidDx, float CentroidDy);

/// <summary>
/// TrackScore@h, a point-tracking check on a video with per-frame ground-truth masks: for every start frame
/// t = 0, h, 2h, ... (while t + h is a frame) sample <see cref="PointsPerWindow"/> K-Medoids points from the mask at t,
/// track them online to t + h, and count at t + h the points declared visible and, of those, the ones inside the mask.
/// Good trackers for SAM-PT keep <c>inside</c> near 1 (a visible point outside the object becomes a wrong positive
/// prompt) while keeping many points <c>visible</c>.
/// </summary>
public sealed class TrackScore
{
    public const int PointsPerWindow = 8;

    public TrackScore(int horizon)
    {
        if (horizon < 1) throw new ArgumentOutOfRangeException(nameof(horizon), "The horizon must be at least 1 frame.");
        Horizon = horizon;
    }

    public int Horizon { get; }

    /// <summary>Largest mask distance searched for <see cref="TrackScorePoint.MaskDistance"/>, in pixels.</summary>
    public const int MaxMaskDistance = 64;

    /// <summary>Receives every query point at its window's end (null = none); called on the scoring thread.</summary>
    public Action<TrackScorePoint>? PointSink { get; init; }

    /// <summary>Also time SAM-PT's re-initialisation sampling (8 + 72 points) on each window's start frame.</summary>
    public bool ProbeSampling { get; init; }

    /// <summary>
    /// Scores one sequence. <paramref name="frame"/> returns frame i (called in increasing order within a window);
    /// <paramref name="mask"/> returns the ground-truth mask of frame i.
    /// </summary>
    public TrackScoreResult Run(IPointTracker tracker, int frameCount, Func<int, RgbImage> frame, Func<int, Mask> mask, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        int points = 0, visible = 0, inside = 0, allInside = 0, centroidInside = 0, windows = 0, fed = 0, probes = 0;
        double ms = 0, sampleMs = 0, sampleMin = double.NaN;
        var sw = new Stopwatch();
        for (int t = 0; t + Horizon < frameCount; t += Horizon)
        {
            cancel.ThrowIfCancellationRequested();
            Mask start = mask(t);
            if (start.Area() < PointsPerWindow) continue;
            var query = PointSampler.Default.SamplePixels(start, 1, PointsPerWindow, SamplingMethod.KMedoids, seed: t);
            RgbImage first = frame(t);
            if (ProbeSampling)
            {
                sw.Restart();
                PointSampler.Default.Positives(start, 8, SamplingMethod.KMedoids, t, first);
                PointSampler.Default.Negatives(start, 72, SamplingMethod.Mixed, t, first);
                sw.Stop();
                sampleMs += sw.Elapsed.TotalMilliseconds;
                if (!(sw.Elapsed.TotalMilliseconds >= sampleMin)) sampleMin = sw.Elapsed.TotalMilliseconds;
                probes++;
            }
            sw.Restart();
            TrackedPoint[] last;
            using (IPointTrack track = tracker.Start(first, query))
            {
                sw.Stop();
                last = [];
                for (int f = t + 1; f <= t + Horizon; f++)
                {
                    RgbImage img = frame(f);
                    sw.Start();
                    last = track.Step(img);
                    sw.Stop();
                }
            }
            ms += sw.Elapsed.TotalMilliseconds;
            fed += Horizon + 1;
            windows++;
            Mask end = mask(t + Horizon);
            var (c0x, c0y) = Centroid(start);
            var (c1x, c1y) = Centroid(end);
            float shiftX = c1x - c0x, shiftY = c1y - c0y;
            for (int k = 0; k < last.Length; k++)
            {
                TrackedPoint p = last[k];
                points++;
                bool isInside = Contains(end, p.X, p.Y);
                if (isInside) allInside++;
                if (k < query.Length && Contains(end, query[k].X + shiftX, query[k].Y + shiftY)) centroidInside++;
                bool isVisible = p.Visibility >= tracker.VisibilityThreshold;
                if (isVisible)
                {
                    visible++;
                    if (isInside) inside++;
                }
                if (PointSink is not null && k < query.Length)
                {
                    float distance = isInside ? 0 : MaskDistance(end, (int)MathF.Round(p.X), (int)MathF.Round(p.Y), MaxMaskDistance);
                    PointSink(new TrackScorePoint(t, k, query[k].X, query[k].Y, p, isVisible, isInside, distance, shiftX, shiftY));
                }
            }
        }
        return new TrackScoreResult { Points = points, Visible = visible, VisibleInside = inside, AllInside = allInside, CentroidInside = centroidInside, Windows = windows, TrackedFrames = fed, TrackMs = ms, SamplingProbes = probes, SamplingMs = sampleMs, SamplingMinMs = sampleMin };
    }

    /// <summary>Whether the rounded position (frame pixels) lies inside <paramref name="m"/> (false off the frame or when not finite).</summary>
    internal static bool Contains(Mask m, float x, float y)
    {
        if (!float.IsFinite(x) || !float.IsFinite(y)) return false;
        int ix = (int)MathF.Round(x), iy = (int)MathF.Round(y);
        return ix >= 0 && iy >= 0 && ix < m.Width && iy < m.Height && m[ix, iy];
    }

    /// <summary>Mean position of the mask's pixels; NaN for an empty mask.</summary>
    internal static (float X, float Y) Centroid(Mask m)
    {
        double sx = 0, sy = 0;
        long k = 0;
        for (int y = 0; y < m.Height; y++)
            for (int x = 0; x < m.Width; x++)
                if (m[x, y]) { sx += x; sy += y; k++; }
        return k == 0 ? (float.NaN, float.NaN) : ((float)(sx / k), (float)(sy / k));
    }

    /// <summary>
    /// Euclidean distance from pixel (x, y) (which may be off the frame) to the nearest pixel of <paramref name="m"/>
    /// within <paramref name="cap"/> pixels; +infinity when there is none. Brute force over the cap's square: called
    /// only for the few points per window that end outside the mask.
    /// </summary>
    internal static float MaskDistance(Mask m, int x, int y, int cap)
    {
        if (x >= 0 && y >= 0 && x < m.Width && y < m.Height && m[x, y]) return 0;
        long best = long.MaxValue;
        int y0 = Math.Max(0, y - cap), y1 = Math.Min(m.Height - 1, y + cap);
        int x0 = Math.Max(0, x - cap), x1 = Math.Min(m.Width - 1, x + cap);
        for (int yy = y0; yy <= y1; yy++)
            for (int xx = x0; xx <= x1; xx++)
            {
                if (!m[xx, yy]) continue;
                long dx = xx - x, dy = yy - y, d2 = dx * dx + dy * dy;
                if (d2 < best) best = d2;
            }
        return best <= (long)cap * cap ? MathF.Sqrt(best) : float.PositiveInfinity;
    }
}
