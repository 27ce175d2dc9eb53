using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers.Lk;
using EdgeSam.Video.Trackers.XFeat;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Tests.Trackers;

/// <summary>The wide distinct-match re-acquisition of LK tracks helped by a coarse matcher (xfeat's last resort).</summary>
public class DistinctReacquireTests
{
    // The scene jumps farther than LK's pyramid and the matcher's per-frame search reach.
    private const int W = 420, H = 160;
    private const float Jump = 150, Qx = 100, Qy = 80;

    /// <summary>
    /// A matcher that knows where the point went: similar (0.9) only within 3 px of it; the wide search reports it
    /// with the given runner-up similarity.
    /// </summary>
    private sealed class OracleMatcher(float trueX, float trueY, float second) : ICoarseMatcher
    {
        public int DistinctCalls;

        public void Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points) { }
        public void Prepare(RgbImage frame, ReadOnlySpan<(float X, float Y)> predicted, ReadOnlySpan<bool> live) { }

        public (float X, float Y, float Similarity) Match(int i, float x, float y, float radius) =>
            Near(x, y, radius) ? (trueX, trueY, 0.9f) : (x, y, 0.1f);

        public (float X, float Y, float Similarity, float Second) MatchDistinct(int i, float x, float y, float radius, float exclusion)
        {
            DistinctCalls++;
            return Near(x, y, radius) ? (trueX, trueY, 0.9f, second) : (x, y, 0.1f, 0.1f);
        }

        public float Similarity(int i, float x, float y) => Near(x, y, 3) ? 0.9f : 0.1f;
        public bool CycleConsistent(float x, float y, float prevX, float prevY, float radius, float tolerance) => false;
        public void Update(int i, float x, float y) { }
        public void Dispose() { }

        private bool Near(float x, float y, float r) => (x - trueX) * (x - trueX) + (y - trueY) * (y - trueY) <= r * r;
    }

    private static (TrackedPoint Point, int Calls) TrackJump(float reacquireRadius, float second, float ratio = 0.9f)
    {
        RgbImage f0 = SyntheticScenes.Shifted(W, H, 0, 0), f1 = SyntheticScenes.Shifted(W, H, Jump, 0);
        using var tracker = new LkTracker(XFeatTracker.DefaultLkOptions);
        var matcher = new OracleMatcher(Qx + Jump, Qy, second);
        var fusion = new CoarseFusion(SearchRadius: 72, MinSimilarity: 0.7f, Margin: 0.15f, MatchSimilarity: 0.75f, CycleTolerance: 8, Neighbours: 3,
            ReacquireRadius: reacquireRadius, DistinctRatio: ratio, DistinctExclusion: 16);
        using IPointTrack track = tracker.Start(f0, [(Qx, Qy)], matcher, fusion);
        TrackedPoint p = track.Step(f1)[0];
        return (p, matcher.DistinctCalls);
    }

    [Fact]
    public void WithoutTheWideSearchTheJumpIsLost()
    {
        var (p, calls) = TrackJump(reacquireRadius: 0, second: 0.2f);
        Assert.Equal(0, calls);
        Assert.True(p.Visibility < 0.5f, $"visibility {p.Visibility} at ({p.X}, {p.Y})");
    }

    [Fact]
    public void ADistinctMatchIsReacquiredAndRefinedByLk()
    {
        var (p, calls) = TrackJump(reacquireRadius: 160, second: 0.2f);
        Assert.Equal(1, calls);
        Assert.True(p.Visibility >= 0.5f, $"visibility {p.Visibility}");
        Assert.Equal(Qx + Jump, p.X, 0.2f);
        Assert.Equal(Qy, p.Y, 0.2f);
    }

    [Theory]
    [InlineData(0.85f)] // runner-up at 94% of the best: ambiguous
    [InlineData(0.82f)] // 91% of the best: just over the 0.9 ratio
    public void AnAmbiguousMatchIsNotTrusted(float second)
    {
        var (p, calls) = TrackJump(reacquireRadius: 160, second: second);
        Assert.Equal(1, calls);
        Assert.True(p.Visibility < 0.5f, $"visibility {p.Visibility} at ({p.X}, {p.Y})");
    }

    [Fact]
    public void AMatchBeyondTheRadiusIsNotFound()
    {
        var (p, _) = TrackJump(reacquireRadius: 100, second: 0.2f);
        Assert.True(p.Visibility < 0.5f, $"visibility {p.Visibility}");
    }

    [Fact]
    public void XFeatOptionsRejectBadRatioSettings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new XFeatOptions { DistinctRatio = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new XFeatOptions { DistinctRatio = 1.2f }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new XFeatOptions { ReacquireRadius = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new XFeatOptions { DistinctExclusion = float.NaN }.Validate());
        new XFeatOptions().Validate();
    }
}
