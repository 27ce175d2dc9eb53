using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Evaluation;

public class DavisMetricsTests
{
    private static Mask FromRows(params string[] rows)
    {
        var m = new Mask(rows[0].Length, rows.Length);
        for (int y = 0; y < rows.Length; y++)
            for (int x = 0; x < rows[y].Length; x++)
                m[x, y] = rows[y][x] == '1';
        return m;
    }

    private static string[] ToRows(Mask m)
    {
        var rows = new string[m.Height];
        for (int y = 0; y < m.Height; y++)
            rows[y] = string.Concat(Enumerable.Range(0, m.Width).Select(x => m[x, y] ? '1' : '0'));
        return rows;
    }

    [Fact]
    public void Seg2Bmap_square_marks_pixels_offset_towards_origin()
    {
        var seg = FromRows("0000", "0110", "0110", "0000");
        Assert.Equal(["1110", "1010", "1110", "0000"], ToRows(DavisMetrics.Seg2Bmap(seg)));
    }

    [Fact]
    public void Seg2Bmap_corner_pixel_uses_last_row_and_column_rules()
    {
        var seg = FromRows("000", "000", "001");
        Assert.Equal(["000", "011", "010"], ToRows(DavisMetrics.Seg2Bmap(seg)));
    }

    [Fact]
    public void Seg2Bmap_full_mask_has_no_boundary_at_the_image_border()
    {
        var seg = FromRows("111", "111");
        Assert.Equal(["000", "000"], ToRows(DavisMetrics.Seg2Bmap(seg)));
    }

    [Fact]
    public void Seg2Bmap_matches_literal_numpy_formula_on_random_masks()
    {
        var rng = new Random(7);
        foreach (int w in new[] { 1, 2, 31, 32, 33, 64, 65, 97 })
            foreach (int h in new[] { 1, 2, 5, 17 })
            {
                Mask seg = RandomBlobs(rng, w, h);
                Assert.Equal(ToRows(ReferenceSeg2Bmap(seg)), ToRows(DavisMetrics.Seg2Bmap(seg)));
            }
    }

    [Fact]
    public void Jaccard_special_cases()
    {
        var empty = new Mask(40, 30);
        var full = new Mask(40, 30);
        full.Data.AsSpan().Fill(1);
        var half = new Mask(40, 30);
        half.Data.AsSpan(0, 600).Fill(1);
        Assert.Equal(1.0, DavisMetrics.Jaccard(empty, empty));
        Assert.Equal(0.0, DavisMetrics.Jaccard(full, empty));
        Assert.Equal(0.0, DavisMetrics.Jaccard(empty, half));
        Assert.Equal(0.5, DavisMetrics.Jaccard(full, half));
        Assert.Equal(1.0, DavisMetrics.Jaccard(half, half));
    }

    [Fact]
    public void BoundaryF_empty_boundary_conventions()
    {
        var empty = new Mask(40, 30);
        var full = new Mask(40, 30);
        full.Data.AsSpan().Fill(1);
        var box = FromBox(40, 30, 10, 10, 20, 20);
        Assert.Equal(1.0, DavisMetrics.BoundaryF(empty, empty));     // both empty: P = R = 1
        Assert.Equal(0.0, DavisMetrics.BoundaryF(box, empty));       // no predicted boundary: P = 1, R = 0
        Assert.Equal(0.0, DavisMetrics.BoundaryF(empty, box));       // no ground-truth boundary: P = 0, R = 1
        // A full-frame mask has no boundary (seg2bmap ignores the image border), so it scores F = 1 against empty.
        Assert.Equal(1.0, DavisMetrics.BoundaryF(full, empty));
        Assert.Equal(0.0, DavisMetrics.Jaccard(full, empty));
        Assert.Equal(1.0, DavisMetrics.BoundaryF(box, box));
    }

    [Fact]
    public void BoundaryF_tolerance_is_the_exact_disk()
    {
        // Radius 3 disk: (dx, dy) = (2, 2) is inside (8 <= 9), (3, 1) is outside (10 > 9).
        Assert.Equal(3, DavisMetrics.BoundaryRadius(100, 100, 3));
        var a = FromBox(40, 40, 10, 10, 11, 11); // boundary pixels in rows 9..10
        var inside = FromBox(40, 40, 12, 12, 13, 13);
        var outside = FromBox(40, 40, 14, 11, 15, 12);
        Assert.Equal(DavisMetricsReference.F(a, inside, 3), DavisMetrics.BoundaryF(a, inside, 3), 15);
        Assert.Equal(DavisMetricsReference.F(a, outside, 3), DavisMetrics.BoundaryF(a, outside, 3), 15);
        Assert.True(DavisMetrics.BoundaryF(a, inside, 3) > 0);
        Assert.True(DavisMetrics.BoundaryF(a, outside, 3) < 1);
    }

    [Fact]
    public void Disk_matches_skimage_radius_2()
    {
        bool[,] d = DavisMetrics.Disk(2);
        string[] expected = ["00100", "01110", "11111", "01110", "00100"];
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                Assert.Equal(expected[y][x] == '1', d[y, x]);
    }

    [Fact]
    public void BoundaryRadius_of_480p_is_8()
    {
        Assert.Equal(8, DavisMetrics.BoundaryRadius(854, 480));
        Assert.Equal(1, DavisMetrics.BoundaryRadius(3, 4, 0.2)); // ceil(0.2 * 5) = 1
        Assert.Throws<ArgumentOutOfRangeException>(() => DavisMetrics.BoundaryRadius(10, 10, 2.5));
    }

    [Theory]
    [InlineData(0.008, 7)]
    [InlineData(0.02, 11)]
    [InlineData(3.0, 23)]
    [InlineData(8.0, 5)]
    [InlineData(40.0, 9)] // r > 32: two padding words, multi-word windows
    public void FrameScorer_matches_full_image_dilation_reference(double threshold, int seed)
    {
        var rng = new Random(seed);
        foreach (var (w, h) in new[] { (97, 61), (160, 90), (33, 200), (854, 48) })
        {
            for (int trial = 0; trial < 6; trial++)
            {
                Mask gt = RandomBlobs(rng, w, h);
                Mask pred = trial % 3 == 0 ? Perturb(rng, gt) : RandomBlobs(rng, w, h);
                int r = DavisMetrics.BoundaryRadius(w, h, threshold);
                FrameScore s = DavisMetrics.Score(gt, pred, threshold);
                Assert.Equal(DavisMetricsReference.F(gt, pred, r), s.F, 14);
                Assert.Equal(DavisMetricsReference.J(gt, pred), s.J, 14);
            }
        }
    }

    [Fact]
    public void Scalar_and_vector_paths_agree_on_random_label_planes()
    {
        var rng = new Random(42);
        foreach (var (w, h) in new[] { (31, 9), (32, 7), (33, 20), (64, 3), (95, 40), (854, 30) })
        {
            var vec = new FrameScorer(w, h, 0.05, useVectors: true);
            var sca = new FrameScorer(w, h, 0.05, useVectors: false);
            for (int trial = 0; trial < 8; trial++)
            {
                var gt = new byte[w * h];
                var pred = new byte[w * h];
                // Labels 0..3 and void in blobs and noise, so rows start and end at every lane position.
                Mask a = RandomBlobs(rng, w, h), b = RandomBlobs(rng, w, h), c = RandomBlobs(rng, w, h);
                for (int i = 0; i < gt.Length; i++)
                {
                    gt[i] = (byte)(a.Data[i] + 2 * b.Data[i]);
                    pred[i] = (byte)(c.Data[i] != 0 ? 1 + rng.Next(3) % 2 : a.Data[i]);
                    if (rng.Next(50) == 0) gt[i] = LabelMap.Void;
                }
                for (byte id = 1; id <= 3; id++)
                    Assert.Equal(sca.Score(gt, pred, id), vec.Score(gt, pred, id));
            }
        }
    }

    [Fact]
    public void FrameScorer_scores_one_id_of_a_label_plane_with_void_as_background()
    {
        var gt = new byte[20 * 10];
        var pred = new byte[20 * 10];
        for (int y = 2; y < 6; y++)
            for (int x = 2; x < 8; x++) gt[y * 20 + x] = 2;
        gt[0] = 255; // void never belongs to an object
        Array.Copy(gt, pred, gt.Length);
        pred[0] = 0;
        pred[2 * 20 + 2] = 1; // another id: not object 2
        var scorer = new FrameScorer(20, 10, 2);
        FrameScore s = scorer.Score(gt, pred, 2);
        Assert.Equal(23.0 / 24.0, s.J, 15);
        var gm = new Mask(20, 10);
        var pm = new Mask(20, 10);
        for (int i = 0; i < gt.Length; i++) { gm.Data[i] = gt[i] == 2 ? (byte)1 : (byte)0; pm.Data[i] = pred[i] == 2 ? (byte)1 : (byte)0; }
        Assert.Equal(DavisMetricsReference.F(gm, pm, 2), s.F, 15);
    }

    // ids = uint8(round(linspace(1, n, 5) + 1e-10) - 1); bin i = v[ids[i] : ids[i+1] + 1], worked out by hand.
    public static TheoryData<int, int[]> DecayIds => new()
    {
        { 1, [0, 0, 0, 0, 0] },
        { 2, [0, 0, 1, 1, 1] },   // 1, 1.25, 1.5, 1.75, 2
        { 3, [0, 1, 1, 2, 2] },   // 1, 1.5, 2, 2.5, 3 (halves round up thanks to + 1e-10)
        { 4, [0, 1, 2, 2, 3] },   // 1, 1.75, 2.5, 3.25, 4
        { 5, [0, 1, 2, 3, 4] },
        { 6, [0, 1, 3, 4, 5] },   // 1, 2.25, 3.5, 4.75, 6
        { 7, [0, 2, 3, 5, 6] },   // 1, 2.5, 4, 5.5, 7
        { 8, [0, 2, 4, 5, 7] },   // 1, 2.75, 4.5, 6.25, 8
        { 9, [0, 2, 4, 6, 8] },
        { 10, [0, 2, 5, 7, 9] },  // 1, 3.25, 5.5, 7.75, 10
    };

    [Theory]
    [MemberData(nameof(DecayIds))]
    public void Decay_bins_follow_the_toolkit_linspace_rule(int n, int[] ids)
    {
        var bins = DavisMetrics.DecayBins(n);
        for (int i = 0; i < 4; i++)
            Assert.Equal((ids[i], ids[i + 1] + 1), bins[i]);

        // Decay of a ramp against the scalar definition over those slices.
        var rng = new Random(n);
        double[] v = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        double first = v[ids[0]..Math.Min(n, ids[1] + 1)].Average();
        double last = v[ids[3]..Math.Min(n, ids[4] + 1)].Average();
        ObjectStatistics st = DavisMetrics.Statistics(v);
        Assert.Equal(first - last, st.Decay, 15);
        Assert.Equal(v.Average(), st.Mean, 14);
        Assert.Equal(v.Count(x => x > 0.5) / (double)n, st.Recall, 15);
    }

    [Fact]
    public void Statistics_of_empty_series_are_nan_and_recall_is_strictly_above_half()
    {
        ObjectStatistics e = DavisMetrics.Statistics([]);
        Assert.True(double.IsNaN(e.Mean) && double.IsNaN(e.Recall) && double.IsNaN(e.Decay));
        ObjectStatistics s = DavisMetrics.Statistics([0.5, 0.50001, 1, 0]);
        Assert.Equal(0.5, s.Recall);
        // n = 4: bins v[0:2] and v[2:4].
        Assert.Equal((0.5 + 0.50001) / 2 - 0.5, s.Decay, 15);
    }

    [Fact]
    public void Decay_bins_wrap_like_numpy_uint8_beyond_255_frames()
    {
        // n = 300: linspace = 1, 75.75, 150.5, 225.25, 300 -> round - 1 = 0, 75, 150, 224, 299 -> uint8: 299 -> 43.
        var bins = DavisMetrics.DecayBins(300);
        Assert.Equal((0, 76), bins[0]);
        Assert.Equal((224, 44), bins[3]); // an empty slice: the last bin's mean is NaN in the toolkit too
        Assert.True(double.IsNaN(DavisMetrics.Statistics(new double[300]).Decay));
    }

    internal static Mask FromBox(int w, int h, int x0, int y0, int x1, int y1)
    {
        var m = new Mask(w, h);
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) m[x, y] = true;
        return m;
    }

    internal static Mask RandomBlobs(Random rng, int w, int h)
    {
        var m = new Mask(w, h);
        int blobs = rng.Next(0, 5);
        for (int b = 0; b < blobs; b++)
        {
            double cx = rng.NextDouble() * w, cy = rng.NextDouble() * h;
            double rx = 1 + rng.NextDouble() * w / 3, ry = 1 + rng.NextDouble() * h / 3;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double dx = (x - cx) / rx, dy = (y - cy) / ry;
                    if (dx * dx + dy * dy <= 1) m[x, y] = true;
                }
        }
        for (int k = rng.Next(0, 20); k > 0; k--) m[rng.Next(w), rng.Next(h)] ^= true;
        return m;
    }

    private static Mask Perturb(Random rng, Mask m)
    {
        var p = m.Clone();
        for (int k = 0; k < m.Data.Length / 50; k++) p[rng.Next(m.Width), rng.Next(m.Height)] ^= true;
        return p;
    }

    private static Mask ReferenceSeg2Bmap(Mask seg) => DavisMetricsReference.Seg2Bmap(seg);
}

/// <summary>Literal, whole-image transcription of the toolkit's formulas (no shortcuts), to check the fast path.</summary>
internal static class DavisMetricsReference
{
    public static Mask Seg2Bmap(Mask seg)
    {
        int w = seg.Width, h = seg.Height;
        bool S(int x, int y) => x < w && y < h && seg[x, y]; // e/s/se are zero-filled past the border
        var b = new Mask(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool s = seg[x, y];
                bool v = (s ^ S(x + 1, y)) | (s ^ S(x, y + 1)) | (s ^ S(x + 1, y + 1));
                if (y == h - 1) v = s ^ S(x + 1, y);
                if (x == w - 1) v = s ^ S(x, y + 1);
                if (x == w - 1 && y == h - 1) v = false;
                b[x, y] = v;
            }
        return b;
    }

    public static Mask Dilate(Mask m, int r)
    {
        bool[,] disk = DavisMetrics.Disk(r);
        var d = new Mask(m.Width, m.Height);
        for (int y = 0; y < m.Height; y++)
            for (int x = 0; x < m.Width; x++)
            {
                bool any = false;
                for (int dy = -r; dy <= r && !any; dy++)
                    for (int dx = -r; dx <= r && !any; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if (disk[dy + r, dx + r] && xx >= 0 && yy >= 0 && xx < m.Width && yy < m.Height && m[xx, yy]) any = true;
                    }
                d[x, y] = any;
            }
        return d;
    }

    public static double J(Mask gt, Mask pred)
    {
        long inter = 0, union = 0;
        for (int i = 0; i < gt.Data.Length; i++)
        {
            if (gt.Data[i] != 0 && pred.Data[i] != 0) inter++;
            if (gt.Data[i] != 0 || pred.Data[i] != 0) union++;
        }
        return union == 0 ? 1 : inter / (double)union;
    }

    public static double F(Mask gt, Mask fg, int r)
    {
        Mask fgB = Seg2Bmap(fg), gtB = Seg2Bmap(gt);
        Mask fgDil = Dilate(fgB, r), gtDil = Dilate(gtB, r);
        long nFg = fgB.Area(), nGt = gtB.Area(), fgMatch = 0, gtMatch = 0;
        for (int i = 0; i < gt.Data.Length; i++)
        {
            if (gtB.Data[i] != 0 && fgDil.Data[i] != 0) gtMatch++;
            if (fgB.Data[i] != 0 && gtDil.Data[i] != 0) fgMatch++;
        }
        double p, rc;
        if (nFg == 0 && nGt > 0) { p = 1; rc = 0; }
        else if (nFg > 0 && nGt == 0) { p = 0; rc = 1; }
        else if (nFg == 0 && nGt == 0) { p = 1; rc = 1; }
        else { p = fgMatch / (double)nFg; rc = gtMatch / (double)nGt; }
        return p + rc == 0 ? 0 : 2 * p * rc / (p + rc);
    }
}
