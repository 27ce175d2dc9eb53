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
            Windows = list.Sum(p => p.Windows),
            TrackedFrames = list.Sum(p => p.TrackedFrames),
            TrackMs = list.Sum(p => p.TrackMs),
            SamplingProbes = list.Sum(p => p.SamplingProbes),
            SamplingMs = list.Sum(p => p.SamplingMs),
            SamplingMinMs = list.Where(p => p.SamplingProbes > 0).Select(p => p.SamplingMinMs).DefaultIfEmpty(double.NaN).Min(),
        };
    }
}

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

    /// <summary>Also time SAM-PT's re-initialisation sampling (8 + 72 points) on each window's start frame.</summary>
    public bool ProbeSampling { get; init; }

    /// <summary>
    /// Scores one sequence. <paramref name="frame"/> returns frame i (called in increasing order within a window);
    /// <paramref name="mask"/> returns the ground-truth mask of frame i.
    /// </summary>
    public TrackScoreResult Run(IPointTracker tracker, int frameCount, Func<int, RgbImage> frame, Func<int, Mask> mask, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        int points = 0, visible = 0, inside = 0, allInside = 0, windows = 0, fed = 0, probes = 0;
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
            foreach (TrackedPoint p in last)
            {
                points++;
                int x = (int)MathF.Round(p.X), y = (int)MathF.Round(p.Y);
                bool isInside = x >= 0 && y >= 0 && x < end.Width && y < end.Height && end[x, y];
                if (isInside) allInside++;
                if (p.Visibility < tracker.VisibilityThreshold) continue;
                visible++;
                if (isInside) inside++;
            }
        }
        return new TrackScoreResult { Points = points, Visible = visible, VisibleInside = inside, AllInside = allInside, Windows = windows, TrackedFrames = fed, TrackMs = ms, SamplingProbes = probes, SamplingMs = sampleMs, SamplingMinMs = sampleMin };
    }
}
