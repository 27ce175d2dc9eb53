using EdgeSam.Video.Media;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers;

/// <summary>
/// Base of trackers whose native use is online (<see cref="IPointTracker.Start"/> + <see cref="IPointTrack.Step"/>):
/// implements <see cref="IPointTracker.TrackWindow"/> by starting one online track per distinct query frame and
/// stepping it through the rest of the block. Before its query frame a point is reported at its query position with
/// visibility 0 (the contract); on its query frame at its query position, visible unless within the border margin.
/// </summary>
public abstract class OnlineTrackerBase : IPointTracker
{
    public abstract string Name { get; }
    public abstract float VisibilityThreshold { get; }
    public TrackerMode PreferredMode => TrackerMode.Online;
    public int WindowLength => 1;

    public abstract IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points);

    public TrackedPoint[][] TrackWindow(IReadOnlyList<RgbImage> frames, ReadOnlySpan<QueryPoint> queries)
    {
        ArgumentNullException.ThrowIfNull(frames);
        int t = frames.Count, n = queries.Length;
        for (int i = 0; i < n; i++)
            if ((uint)queries[i].Frame >= (uint)t)
                throw new ArgumentOutOfRangeException(nameof(queries), $"Query {i} is on frame {queries[i].Frame}, the block holds {t} frames.");
        for (int f = 1; f < t; f++)
            if (frames[f].Width != frames[0].Width || frames[f].Height != frames[0].Height)
                throw new ArgumentException($"Frame {f} is {frames[f].Width}x{frames[f].Height}, frame 0 is {frames[0].Width}x{frames[0].Height}.", nameof(frames));

        var result = new TrackedPoint[t][];
        for (int f = 0; f < t; f++)
        {
            result[f] = new TrackedPoint[n];
            for (int i = 0; i < n; i++) result[f][i] = new TrackedPoint(queries[i].X, queries[i].Y, 0);
        }
        if (n == 0) return result;

        QueryPoint[] q = queries.ToArray();
        foreach (int start in q.Select(p => p.Frame).Distinct().Order())
        {
            int[] idx = [.. Enumerable.Range(0, n).Where(i => q[i].Frame == start)];
            var pts = new (float X, float Y)[idx.Length];
            for (int j = 0; j < idx.Length; j++) pts[j] = (q[idx[j]].X, q[idx[j]].Y);
            RgbImage first = frames[start];
            for (int j = 0; j < idx.Length; j++)
            {
                bool inside = FrameBorder.IsInside(pts[j].X, pts[j].Y, first.Width, first.Height);
                result[start][idx[j]] = new TrackedPoint(pts[j].X, pts[j].Y, inside ? 1 : 0);
            }
            if (start == t - 1) continue;
            using IPointTrack track = Start(first, pts);
            for (int f = start + 1; f < t; f++)
            {
                TrackedPoint[] step = track.Step(frames[f]);
                for (int j = 0; j < idx.Length; j++) result[f][idx[j]] = step[j];
            }
        }
        return result;
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
