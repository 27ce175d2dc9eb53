using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.Benchmark;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Tests.Trackers;

public class TrackScoreTests
{
    /// <summary>Reports every point where it started; visibility 1 for even indices, 0 for odd ones.</summary>
    private sealed class StaticTracker : OnlineTrackerBase
    {
        public override string Name => "static";
        public override float VisibilityThreshold => 0.5f;

        public override IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points) => new Track(points.ToArray());

        private sealed class Track((float X, float Y)[] points) : IPointTrack
        {
            public int PointCount => points.Length;
            public TrackedPoint[] Step(RgbImage frame) => [.. points.Select((p, i) => new TrackedPoint(p.X, p.Y, i % 2 == 0 ? 1 : 0))];
            public void Dispose() { }
        }
    }

    private static Mask Square(int w, int h, int x0, int y0, int side)
    {
        var m = new Mask(w, h);
        for (int y = y0; y < y0 + side; y++)
            for (int x = x0; x < x0 + side; x++)
                if (x >= 0 && y >= 0 && x < w && y < h) m[x, y] = true;
        return m;
    }

    [Fact]
    public void PointRecordsAgreeWithTheCountsAndTheCentroidReferenceFollowsARigidObject()
    {
        // A 30 px square moving 4 px right per frame; the tracker leaves every point where it started.
        const int w = 96, h = 64, side = 30, speed = 4, horizon = 3;
        var frame = new RgbImage(w, h);
        Mask MaskAt(int f) => Square(w, h, 10 + speed * f, 17, side);
        var records = new List<TrackScorePoint>();
        var bench = new TrackScore(horizon) { PointSink = records.Add };
        using var tracker = new StaticTracker();
        TrackScoreResult r = bench.Run(tracker, 10, _ => frame, MaskAt);

        // Windows start at 0, 3 and 6 (9 is the last frame); 8 points each.
        Assert.Equal(3, r.Windows);
        Assert.Equal(24, r.Points);
        Assert.Equal(r.Points, records.Count);
        Assert.Equal([0, 3, 6], records.Select(p => p.StartFrame).Distinct().Order());
        Assert.Equal(r.Visible, records.Count(p => p.Visible));
        Assert.Equal(12, r.Visible);
        Assert.Equal(r.VisibleInside, records.Count(p => p.Visible && p.Inside));
        Assert.Equal(r.AllInside, records.Count(p => p.Inside));
        // The object moved 12 px, so points within 12 px of its trailing edge were left behind.
        Assert.InRange(r.AllInside, 1, r.Points - 1);
        // The rigid translation by the mask's centroid shift keeps every point of a rigid object inside.
        Assert.Equal(r.Points, r.CentroidInside);
        Assert.Equal(1.0, r.CentroidInsideShare);
        foreach (TrackScorePoint p in records)
        {
            Assert.Equal(speed * horizon, p.CentroidDx, 3);
            Assert.Equal(0, p.CentroidDy, 3);
            Assert.Equal(p.QueryX, p.End.X);
            Mask end = MaskAt(p.StartFrame + horizon);
            Assert.Equal(TrackScore.Contains(end, p.End.X, p.End.Y), p.Inside);
            // Left behind horizontally: the distance is how far the trailing edge moved past the point.
            float expected = p.Inside ? 0 : 10 + speed * (p.StartFrame + horizon) - MathF.Round(p.End.X);
            Assert.Equal(expected, p.MaskDistance, 3);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void MaskDistanceMatchesAnExhaustiveSearch(int seed)
    {
        var rng = new Random(seed);
        int w = 20 + rng.Next(40), h = 20 + rng.Next(40);
        var m = new Mask(w, h);
        int blobs = rng.Next(0, 4);
        for (int b = 0; b < blobs; b++)
        {
            int bx = rng.Next(w), by = rng.Next(h), bw = 1 + rng.Next(6), bh = 1 + rng.Next(6);
            for (int y = by; y < Math.Min(h, by + bh); y++)
                for (int x = bx; x < Math.Min(w, bx + bw); x++) m[x, y] = true;
        }
        int cap = 5 + rng.Next(30);
        for (int k = 0; k < 200; k++)
        {
            // Positions off the frame too (a tracked point may leave it).
            int x = rng.Next(-15, w + 15), y = rng.Next(-15, h + 15);
            double best = double.PositiveInfinity;
            for (int yy = 0; yy < h; yy++)
                for (int xx = 0; xx < w; xx++)
                    if (m[xx, yy]) best = Math.Min(best, Math.Sqrt((double)(xx - x) * (xx - x) + (double)(yy - y) * (yy - y)));
            float expected = best <= cap ? (float)best : float.PositiveInfinity;
            Assert.Equal(expected, TrackScore.MaskDistance(m, x, y, cap), 4);
        }
    }

    [Fact]
    public void CentroidAndContainsHandleEmptyMasksAndOffFramePositions()
    {
        var empty = new Mask(8, 6);
        var (cx, cy) = TrackScore.Centroid(empty);
        Assert.True(float.IsNaN(cx) && float.IsNaN(cy));
        Assert.Equal(float.PositiveInfinity, TrackScore.MaskDistance(empty, 3, 3, 10));
        Mask sq = Square(8, 6, 2, 1, 3);
        Assert.Equal((3f, 2f), TrackScore.Centroid(sq));
        Assert.True(TrackScore.Contains(sq, 2.4f, 1.4f));
        Assert.False(TrackScore.Contains(sq, 1.4f, 1f)); // rounds to column 1
        Assert.False(TrackScore.Contains(sq, -3f, 2f));
        Assert.False(TrackScore.Contains(sq, float.NaN, 2f));
    }
}
