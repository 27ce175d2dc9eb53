using EdgeSam.Video.Export;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Export;

public class ContourTests
{
    private static Mask RandomBlobs(int w, int h, int seed, double density)
    {
        var rng = new Random(seed);
        var m = new Mask(w, h);
        // Random noise smoothed a little so there are holes, diagonal touches and specks alike.
        for (int i = 0; i < m.Data.Length; i++) m.Data[i] = rng.NextDouble() < density ? (byte)1 : (byte)0;
        return m;
    }

    [Theory]
    [InlineData(1, 1, 1, 0.5)]
    [InlineData(7, 5, 2, 0.5)]
    [InlineData(31, 17, 3, 0.3)]
    [InlineData(64, 48, 4, 0.55)]
    [InlineData(40, 40, 5, 0.8)]
    public void Traced_crack_polygons_fill_back_to_the_exact_mask(int w, int h, int seed, double density)
    {
        Mask m = RandomBlobs(w, h, seed, density);
        List<TracedContour> cs = ContourTracer.Trace(m);
        Mask back = ShapeRasterizer.FillPolygons(w, h, cs.Select(c => c.Points));
        Assert.Equal(m.Data, back.Data);
        // Outer areas minus hole areas = object pixels.
        Assert.Equal(m.Area(), cs.Sum(c => c.IsHole ? -c.Area : c.Area));
    }

    [Fact]
    public void Ring_has_one_outer_and_one_hole_and_diagonal_pixels_join()
    {
        var m = new Mask(7, 7);
        for (int y = 1; y <= 5; y++)
            for (int x = 1; x <= 5; x++)
                m[x, y] = x is 1 or 5 || y is 1 or 5;
        List<TracedContour> cs = ContourTracer.Trace(m);
        Assert.Equal(2, cs.Count);
        Assert.Single(cs, c => !c.IsHole && c.Area == 25);
        Assert.Single(cs, c => c.IsHole && c.Area == 9);

        var d = new Mask(4, 4);
        d[1, 1] = true;
        d[2, 2] = true;
        List<TracedContour> diag = ContourTracer.Trace(d);
        Assert.Single(diag);
        Assert.Equal(2, diag[0].Area);
        Assert.False(diag[0].IsHole);
    }

    [Fact]
    public void Specks_below_the_area_threshold_are_dropped()
    {
        var m = new Mask(20, 20);
        for (int y = 2; y < 12; y++) for (int x = 2; x < 12; x++) m[x, y] = true;
        m[6, 6] = false;           // 1-pixel hole
        m[16, 16] = m[17, 16] = true; // 2-pixel speck
        Assert.Equal(3, ContourTracer.Trace(m).Count);
        List<TracedContour> big = ContourTracer.Trace(m, minArea: 4);
        Assert.Single(big);
        Assert.Equal(100, big[0].Area);
    }

    [Fact]
    public void Rle_round_trips_and_is_column_major()
    {
        var m = new Mask(3, 2);
        m[0, 1] = true; // column-major order: (0,0)=0, (0,1)=1, (1,0)=0, (1,1)=0, (2,0)=1, (2,1)=1
        m[2, 0] = true;
        m[2, 1] = true;
        Assert.Equal([1, 1, 2, 2], CocoRle.Counts(m));
        for (int seed = 0; seed < 5; seed++)
        {
            Mask r = RandomBlobs(13 + seed, 9 + 2 * seed, seed, 0.4);
            Assert.Equal(r.Data, DatasetExportTests.DecodeMask(CocoRle.Encode(r), r.Width, r.Height).Data);
        }
    }

    [Fact]
    public void Rasterizer_uses_pixel_centres_and_even_odd()
    {
        // Square [1,4]x[1,4] covers pixel centres 1.5..3.5: 3x3 pixels; an inner square [2,3]x[2,3] cuts the middle one.
        Vec2[] outer = [new(1, 1), new(4, 1), new(4, 4), new(1, 4)];
        Vec2[] inner = [new(2, 2), new(3, 2), new(3, 3), new(2, 3)];
        Mask m = ShapeRasterizer.FillPolygons(6, 6, [outer, inner]);
        Assert.Equal(8, m.Area());
        Assert.False(m[2, 2]);
        Assert.True(m[1, 1]);
        Assert.True(m[3, 3]);
    }

    [Fact]
    public void Fitter_recovers_a_cubic_from_its_samples()
    {
        Vec2 p0 = new(0, 0), p1 = new(10, 30), p2 = new(40, 30), p3 = new(50, 0);
        var pts = Enumerable.Range(0, 41).Select(i => Bezier(p0, p1, p2, p3, i / 40.0)).ToArray();
        Vec2 t1 = (p1 - p0).Normalized(), t2 = (p2 - p3).Normalized();
        var (c1, c2) = BezierFitter.Fit(pts, t1, t2, out double err, out _);
        Assert.True(err < 0.05, $"max error {err}");
        Assert.True((c1 - p1).Length < 0.5 && (c2 - p2).Length < 0.5, $"{c1} {c2}");
    }

    private static Vec2 Bezier(Vec2 a, Vec2 b, Vec2 c, Vec2 d, double t)
    {
        double u = 1 - t;
        return u * u * u * a + 3 * u * u * t * b + 3 * u * t * t * c + t * t * t * d;
    }

    private static Vec2[] Outline(int w, int h, Action<Mask> draw)
    {
        var m = new Mask(w, h);
        draw(m);
        return Assert.Single(ContourTracer.Trace(m)).Points;
    }

    [Fact]
    public void Correspondence_follows_a_translation_exactly()
    {
        static void Blob(Mask m, int ox, int oy)
        {
            for (int y = 0; y < m.Height; y++)
                for (int x = 0; x < m.Width; x++)
                {
                    double dx = (x - 30 - ox) / 18.0, dy = (y - 25 - oy) / 11.0;
                    m[x, y] = dx * dx + dy * dy <= 1 || (x - ox >= 40 && x - ox < 52 && y - oy >= 22 && y - oy < 28);
                }
        }
        Vec2[] a = Outline(80, 60, m => Blob(m, 0, 0)), b = Outline(80, 60, m => Blob(m, 7, 3));
        Vec2[][] rings = ShapeTrackBuilder.ResampleAligned([a, b]);
        double worst = rings[0].Zip(rings[1], (p, q) => (q - p - new Vec2(7, 3)).Length).Max();
        Assert.True(worst < 0.6, $"worst deviation from the translation {worst:F2} px");
    }

    [Fact]
    public void Correspondence_keeps_vertices_on_their_part_when_another_part_grows()
    {
        // A square whose bottom grows by 20 px: arc-length correspondence would slide the top edge's vertices.
        Vec2[] a = Outline(80, 90, m => { for (int y = 10; y < 50; y++) for (int x = 20; x < 60; x++) m[x, y] = true; });
        Vec2[] b = Outline(80, 90, m => { for (int y = 10; y < 70; y++) for (int x = 20; x < 60; x++) m[x, y] = true; });
        Vec2[][] rings = ShapeTrackBuilder.ResampleAligned([a, b]);
        int onTop = 0;
        for (int i = 0; i < rings[0].Length; i++)
        {
            Vec2 p = rings[0][i];
            if (Math.Abs(p.Y - 10) > 1e-9 || p.X < 25 || p.X > 55) continue;
            onTop++;
            Vec2 q = rings[1][i];
            Assert.True(Math.Abs(q.Y - 10) < 1e-9 && Math.Abs(q.X - p.X) < 1.5, $"top vertex {p} went to {q}");
        }
        Assert.True(onTop > 20);
    }

    [Fact]
    public void Smoothing_keeps_a_steady_motion_and_removes_a_wobble()
    {
        // A ring translating at constant velocity with +-0.6 px alternating noise: second differences drop, the path stays.
        var rings = new Vec2[9][];
        for (int t = 0; t < 9; t++)
            rings[t] = Enumerable.Range(0, 32).Select(i => new Vec2(50 + 20 * Math.Cos(i * Math.PI / 16) + 2 * t + (t % 2 == 0 ? 0.6 : -0.6),
                40 + 20 * Math.Sin(i * Math.PI / 16))).ToArray();
        var (before, n) = ShapeTrackBuilder.JitterSum(rings);
        Vec2[][] s = ShapeTrackBuilder.SmoothRings(rings, 2);
        var (after, _) = ShapeTrackBuilder.JitterSum(s);
        Assert.Equal(2.4, before / n, 6);
        Assert.True(after / n < 0.5, $"after {after / n}");
        // Interior frames stay on the steady path within the noise amplitude.
        for (int t = 2; t < 7; t++)
            Assert.True(Math.Abs(s[t][0].X - (70 + 2 * t)) < 0.61);
    }
}
