using EdgeSam.Video.Segmentation.GraphCut;

namespace EdgeSam.Video.Tests.GraphCut;

public class BkMaxFlowTests
{
    private sealed record RandomGraph(int N, float[] Source, float[] Sink, List<(int P, int Q, float Pq, float Qp)> Edges);

    private static RandomGraph Make(int n, int seed, double density, bool integral)
    {
        var rng = new Random(seed);
        float Cap(double zeroChance) => rng.NextDouble() < zeroChance ? 0f : integral ? rng.Next(1, 10) : (float)(rng.NextDouble() * 10);
        var s = new float[n];
        var t = new float[n];
        for (int i = 0; i < n; i++) { s[i] = Cap(0.4); t[i] = Cap(0.4); }
        var edges = new List<(int, int, float, float)>();
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++)
                if (rng.NextDouble() < density)
                    edges.Add((p, q, Cap(0.2), Cap(0.2)));
        // A few parallel edges and repeated terminal additions, which the solver must accumulate.
        if (n >= 2)
            for (int k = 0; k < 3; k++)
            {
                int p = rng.Next(n), q = rng.Next(n);
                if (p != q) edges.Add((p, q, Cap(0.3), Cap(0.3)));
            }
        return new RandomGraph(n, s, t, edges);
    }

    private static double Build(BkMaxFlow g, RandomGraph r)
    {
        g.Reset(r.N);
        for (int i = 0; i < r.N; i++)
        {
            // Split each terminal pair over two calls to exercise the accumulation.
            g.AddTerminal(i, r.Source[i] * 0.5f, r.Sink[i] * 0.25f);
            g.AddTerminal(i, r.Source[i] * 0.5f, r.Sink[i] * 0.75f);
        }
        foreach (var (p, q, pq, qp) in r.Edges) g.AddEdge(p, q, pq, qp);
        return g.Solve();
    }

    /// <summary>Cut value of the partition "bit i set = node i on the source side".</summary>
    private static double CutValue(RandomGraph r, Func<int, bool> inS)
    {
        double c = 0;
        for (int i = 0; i < r.N; i++) c += inS(i) ? r.Sink[i] : r.Source[i];
        foreach (var (p, q, pq, qp) in r.Edges)
        {
            if (inS(p) && !inS(q)) c += pq;
            if (inS(q) && !inS(p)) c += qp;
        }
        return c;
    }

    private static double BruteForceMinCut(RandomGraph r)
    {
        double best = double.MaxValue;
        for (int mask = 0; mask < 1 << r.N; mask++)
        {
            int m = mask;
            best = Math.Min(best, CutValue(r, i => (m >> i & 1) != 0));
        }
        return best;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MatchesBruteForceMinCutOnRandomGraphs(bool integral)
    {
        var g = new BkMaxFlow(); // one instance for every graph: Reset must leave nothing behind
        int checkedGraphs = 0;
        for (int n = 1; n <= 12; n++)
            foreach (double density in new[] { 0.2, 0.5, 0.9 })
                for (int seed = 0; seed < (n <= 8 ? 12 : 4); seed++)
                {
                    RandomGraph r = Make(n, seed * 1000 + n * 7 + (int)(density * 10), density, integral);
                    double flow = Build(g, r);
                    double expected = BruteForceMinCut(r);
                    double tol = 1e-4 * Math.Max(1, expected);
                    Assert.True(Math.Abs(flow - expected) <= tol, $"n={n} density={density} seed={seed}: flow {flow}, brute-force min cut {expected}");
                    double partitionCut = CutValue(r, g.InSourceSet);
                    Assert.True(Math.Abs(partitionCut - flow) <= tol, $"n={n} density={density} seed={seed}: returned partition cuts {partitionCut}, flow {flow}");
                    checkedGraphs++;
                }
        Assert.True(checkedGraphs > 300);
    }

    [Fact]
    public void GridGraphPartitionCutEqualsFlow()
    {
        // A 60x40 4-connected grid, larger than brute force can check: the min-cut/max-flow identity must still hold.
        const int W = 60, H = 40;
        var rng = new Random(5);
        var r = new RandomGraph(W * H, new float[W * H], new float[W * H], []);
        for (int i = 0; i < W * H; i++)
        {
            int x = i % W;
            r.Source[i] = x < 10 ? 50 : (float)rng.NextDouble() * 2;
            r.Sink[i] = x >= W - 10 ? 50 : (float)rng.NextDouble() * 2;
        }
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int i = y * W + x;
                if (x + 1 < W) { float c = (float)rng.NextDouble() * 3; r.Edges.Add((i, i + 1, c, c)); }
                if (y + 1 < H) { float c = (float)rng.NextDouble() * 3; r.Edges.Add((i, i + W, c, c)); }
            }
        var g = new BkMaxFlow();
        double flow = Build(g, r);
        double cut = CutValue(r, g.InSourceSet);
        Assert.True(flow > 0);
        Assert.True(Math.Abs(cut - flow) <= 1e-4 * flow, $"cut {cut} vs flow {flow}");
        Assert.True(g.InSourceSet(0));
        Assert.False(g.InSourceSet(W - 1));
    }

    [Fact]
    public void RejectsBadInput()
    {
        var g = new BkMaxFlow();
        g.Reset(3);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.AddEdge(0, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.AddEdge(0, 3, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.AddEdge(0, 1, -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.AddTerminal(0, float.NaN, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Reset(-1));
    }
}
