namespace EdgeSam.Video.Export;

/// <summary>Shapes of one object over a sequence, with the jitter figures.</summary>
/// <param name="PerFrame">Contours per frame (empty where the object is absent).</param>
/// <param name="JitterBefore">Mean vertex jitter (px) of the aligned, resampled contours before smoothing.</param>
/// <param name="JitterAfter">The same after smoothing.</param>
/// <param name="JitterSamples">Vertex samples behind the jitter means (0 when no track spans 3 frames).</param>
/// <param name="Tracks">Tracks (runs of constant topology) built.</param>
/// <param name="Keys">Path keys over all tracks.</param>
/// <param name="TrackFrames">Frames spanned by the tracks, summed over tracks.</param>
/// <param name="Vertices">Vertex counts summed over tracks.</param>
public sealed record ObjectShapeTracks(IReadOnlyList<ShapeContour>[] PerFrame, double JitterBefore, double JitterAfter, long JitterSamples, int Tracks,
    long Keys = 0, long TrackFrames = 0, long Vertices = 0);

/// <summary>
/// Turns per-frame traced contours of one object into keyframeable Bézier shapes.
/// <list type="number">
/// <item>Tracks: each contour is matched to the previous frame's contour of the same kind (outer/hole) with the nearest
/// centroid and a similar area; an unmatched contour (a topology change: a split, a merge, a new hole) starts a new track.</item>
/// <item>Resampling: every contour of a track is resampled to one vertex count N (about one vertex per pixel of the
/// track's longest perimeter): the first frame uniformly by arc length, each next frame by warping its dense contour
/// onto the previous ring (best cyclic start, then dynamic time warping; see <see cref="ResampleAligned"/>), so vertex
/// i is the same boundary point across the track. A track is cut where the centred rings of consecutive frames still
/// differ by more than <see cref="SplitRms"/> px on average net of the motion (the shape changed too much for a correspondence).</item>
/// <item>Smoothing: vertex positions are averaged over frames [t-k, t+k], the window shrunk symmetrically at the
/// track's ends (a centred window keeps constant-velocity motion intact), and each vertex moves at most
/// <see cref="MaxSmoothShift"/> px from its traced position, so smoothing removes boundary noise but cannot drag a
/// shape off its mask where the correspondence is imperfect. Then each ring is smoothed along its length
/// (<see cref="SmoothAlong"/>, corners kept).</item>
/// <item>Fitting: one set of anchor vertices serves every frame of the track, so every keyframe has the same vertex count.
/// Anchors start at the corners of the track's mean shape (turning angle above 50 degrees); each segment between
/// anchors is fitted on every frame (<see cref="BezierFitter"/>; one-sided tangents at corners, a shared central
/// tangent elsewhere so the path is smooth), and split at its worst point while any frame's error exceeds the tolerance.</item>
/// </list>
/// <item>Keys (<see cref="KeyMode.Auto"/>): from each key, the next key is the farthest frame such that linear
/// interpolation between the two reproduces every frame in between within the tolerance (the distance between the
/// interpolated and the fitted outline at corresponding points, <see cref="KeySamples"/> per segment); the frames
/// between keys carry the interpolated path, which is what the app will show. <c>maxVertices</c> first removes the
/// anchors whose two segments one refitted segment replaces with the least error, until the bound holds.</item>
/// Jitter is defined as the mean over vertices and interior frames of |v(t+1) - 2 v(t) + v(t-1)|, the second
/// difference of corresponding vertex positions in pixels: zero for a shape that stands still or moves at constant
/// velocity, so it measures frame-to-frame wobble rather than motion (real acceleration, e.g. a swinging limb, counts
/// too). "Before" is measured on the warped rings, "after" on the rings handed to the fitter (temporal and
/// along-contour smoothing applied), over tracks of at least 3 frames.
/// </summary>
public static class ShapeTrackBuilder
{
    private const double CornerCos = 0.64; // cos 50 degrees
    private const int TangentReach = 3;
    internal const double SpatialSigma = 1.5;

    /// <summary>Shape change (px, mean vertex distance net of the motion) between consecutive frames above which a track is cut.</summary>
    internal const double SplitRms = 6;

    /// <summary>Largest distance (px) temporal smoothing may move a vertex from its traced position: jitter is
    /// sub-pixel to a pixel or two, and the bound keeps a smoothed shape within that of the mask it came from.</summary>
    internal const double MaxSmoothShift = 1.0;    // ring vertices (about pixels) used for tangent and corner estimates

    /// <summary>Builds the tracks of one object.</summary>
    /// <param name="frames">Traced contours per frame (null or empty = absent).</param>
    /// <param name="smooth">Temporal smoothing radius k (0 = none).</param>
    /// <param name="tolerance">Bézier fitting tolerance in pixels.</param>
    /// <param name="nextTrackId">Running track id (unique over objects), advanced by the tracks built.</param>
    /// <param name="keys">Every frame a key, or only where interpolation would miss by more than the tolerance.</param>
    /// <param name="maxVertices">Most vertices per track (0 = no bound).</param>
    public static ObjectShapeTracks Build(IReadOnlyList<IReadOnlyList<TracedContour>?> frames, int smooth, double tolerance, ref int nextTrackId,
        KeyMode keys = KeyMode.All, int maxVertices = 0)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (smooth < 0) throw new ArgumentOutOfRangeException(nameof(smooth));
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance));
        int f = frames.Count;
        var perFrame = new List<ShapeContour>[f];
        for (int i = 0; i < f; i++) perFrame[i] = [];

        // 1. Link contours into tracks.
        var tracks = new List<List<(int Frame, TracedContour C)>>();
        var prev = new List<(TracedContour C, int Track)>();
        for (int t = 0; t < f; t++)
        {
            IReadOnlyList<TracedContour> cur = frames[t] ?? [];
            var assigned = new int[cur.Count];
            Array.Fill(assigned, -1);
            var candidates = new List<(double Cost, int Cur, int Prev)>();
            Vec2[] cc = cur.Select(c => c.Centroid()).ToArray();
            Vec2[] pc = prev.Select(p => p.C.Centroid()).ToArray();
            for (int i = 0; i < cur.Count; i++)
                for (int j = 0; j < prev.Count; j++)
                {
                    if (cur[i].IsHole != prev[j].C.IsHole) continue;
                    double ratio = (double)cur[i].Area / Math.Max(1, prev[j].C.Area);
                    if (ratio < 0.5 || ratio > 2) continue;
                    double size = Math.Sqrt(Math.Max(cur[i].Area, prev[j].C.Area));
                    double dist = (cc[i] - pc[j]).Length;
                    if (dist > 0.5 * size + 10) continue;
                    candidates.Add((dist / size + Math.Abs(Math.Log(ratio)), i, j));
                }
            candidates.Sort((a, b) => a.Cost.CompareTo(b.Cost));
            var prevUsed = new bool[prev.Count];
            foreach (var (_, i, j) in candidates)
            {
                if (assigned[i] >= 0 || prevUsed[j]) continue;
                assigned[i] = prev[j].Track;
                prevUsed[j] = true;
            }
            var next = new List<(TracedContour, int)>();
            for (int i = 0; i < cur.Count; i++)
            {
                if (assigned[i] < 0)
                {
                    assigned[i] = tracks.Count;
                    tracks.Add([]);
                }
                tracks[assigned[i]].Add((t, cur[i]));
                next.Add((cur[i], assigned[i]));
            }
            prev = next;
        }

        // 2-4. Resample, align, smooth and fit each track.
        double jb = 0, ja = 0;
        long js = 0, keyCount = 0, trackFrames = 0, vertices = 0;
        int runs = 0;
        foreach (var track in tracks.SelectMany(SplitOnShapeChange))
        {
            int id = nextTrackId++;
            runs++;
            Vec2[][] rings = ResampleAligned(track.Select(x => x.C.Points).ToArray());
            (double sumB, long n) = JitterSum(rings);
            Vec2[][] smoothed = SmoothRings(rings, smooth);
            // Corners come from the temporally smoothed rings before the along-contour smoothing, which skips them.
            List<int> corners = CornerCandidates(smoothed);
            var isCorner = new bool[smoothed[0].Length];
            foreach (int c in corners) isCorner[c] = true;
            corners = WithFallback(corners, isCorner.Length);
            for (int k = 0; k < smoothed.Length; k++) smoothed[k] = SmoothAlong(smoothed[k], Math.Min(SpatialSigma, smoothed[k].Length / 200.0), isCorner);
            (double sumA, _) = JitterSum(smoothed);
            jb += sumB;
            ja += sumA;
            js += n;
            BezierPath[] paths = FitTrack(smoothed, tolerance, corners, isCorner, maxVertices);
            bool[] isKey = keys == KeyMode.All ? Enumerable.Repeat(true, paths.Length).ToArray() : SelectKeys(paths, tolerance);
            InterpolateBetweenKeys(paths, isKey);
            for (int k = 0; k < track.Count; k++)
                perFrame[track[k].Frame].Add(new ShapeContour(paths[k], track[k].C.IsHole, id, isKey[k]));
            keyCount += isKey.Count(x => x);
            trackFrames += paths.Length;
            vertices += paths[0].Count;
        }
        return new ObjectShapeTracks(perFrame, js > 0 ? jb / js : 0, js > 0 ? ja / js : 0, js, runs, keyCount, trackFrames, vertices);
    }

    /// <summary>Points per Bézier segment at which outlines are compared when choosing keys.</summary>
    internal const int KeySamples = 6;

    /// <summary>Longest stretch between two keys considered (bounds the quadratic search on a still shape).</summary>
    internal const int MaxKeySpan = 240;

    /// <summary>
    /// Greedy key choice over one track's fitted paths (all with one vertex count): the first and last frames are keys;
    /// from each key the next is the farthest frame b such that for every frame t between, the outline lerped between
    /// the two keys lies within <paramref name="tolerance"/> px of frame t's own outline at every compared point.
    /// </summary>
    internal static bool[] SelectKeys(BezierPath[] paths, double tolerance)
    {
        int f = paths.Length;
        var isKey = new bool[f];
        if (f == 0) return isKey;
        Vec2[][] pts = paths.Select(p => p.Flatten(KeySamples)).ToArray();
        double tol2 = tolerance * tolerance;
        bool Fits(int a, int b)
        {
            for (int t = a + 1; t < b; t++)
            {
                double u = (double)(t - a) / (b - a);
                Vec2[] pa = pts[a], pb = pts[b], pt = pts[t];
                for (int j = 0; j < pt.Length; j++)
                    if ((pa[j] + (pb[j] - pa[j]) * u - pt[j]).LengthSquared > tol2) return false;
            }
            return true;
        }
        int k = 0;
        isKey[0] = true;
        while (k < f - 1)
        {
            int next = k + 1;
            for (int b = k + 2; b < f && b - k <= MaxKeySpan; b++)
            {
                if (!Fits(k, b)) break;
                next = b;
            }
            isKey[next] = true;
            k = next;
        }
        return isKey;
    }

    /// <summary>Replaces the path of every frame that is not a key by the lerp of the keys around it.</summary>
    internal static void InterpolateBetweenKeys(BezierPath[] paths, bool[] isKey)
    {
        int prev = -1;
        for (int t = 0; t < paths.Length; t++)
        {
            if (!isKey[t]) continue;
            for (int u = prev + 1; prev >= 0 && u < t; u++) paths[u] = paths[prev].Lerp(paths[t], (double)(u - prev) / (t - prev));
            prev = t;
        }
    }

    /// <summary>
    /// Cuts a track where consecutive aligned rings differ by more than <see cref="SplitRms"/> (mean vertex distance
    /// after removing the median displacement): there the arc-length correspondence no longer pairs the same boundary points
    /// (a limb swings, a part appears), and averaging across the cut would blend different points.
    /// </summary>
    private static IEnumerable<List<(int Frame, TracedContour C)>> SplitOnShapeChange(List<(int Frame, TracedContour C)> track)
    {
        if (track.Count < 2)
        {
            yield return track;
            yield break;
        }
        Vec2[][] rings = ResampleAligned(track.Select(x => x.C.Points).ToArray());
        int start = 0;
        for (int k = 1; k < track.Count; k++)
        {
            if (ShapeResidual(rings[k - 1], rings[k]) <= SplitRms) continue;
            yield return track.GetRange(start, k - start);
            start = k;
        }
        yield return track.GetRange(start, track.Count - start);
    }

    /// <summary>Mean distance of corresponding vertices after removing their median displacement (the object's motion).</summary>
    internal static double ShapeResidual(Vec2[] a, Vec2[] b)
    {
        Vec2 move = MedianDisplacement(a, b);
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (b[i] - a[i] - move).Length;
        return s / a.Length;
    }

    /// <summary>
    /// Resamples each closed polygon to one vertex count N and makes vertex i the same boundary point on every frame:
    /// the first ring is uniform by arc length; each next contour is resampled densely (2N points), cyclically shifted
    /// to the best start, then matched to the previous ring by dynamic time warping (monotone, 1-4 dense steps per
    /// vertex, so vertices stay 0.5-2 px apart and cover the whole contour) minimising the summed distance of
    /// motion-compensated positions (motion: the centroid's, none, or the median displacement of the better warp). Pure arc-length correspondence slides vertices along the boundary whenever one part of it
    /// grows or shrinks (a limb swings out); warping keeps them on their part.
    /// </summary>
    internal static Vec2[][] ResampleAligned(Vec2[][] polygons)
    {
        double maxPerimeter = polygons.Max(Perimeter);
        int n = Math.Clamp((int)Math.Round(maxPerimeter), 8, 4000);
        var rings = new Vec2[polygons.Length][];
        rings[0] = Resample(polygons[0], n);
        var warp = new DtwScratch();
        for (int k = 1; k < polygons.Length; k++)
        {
            Vec2[] dense = Resample(polygons[k], 2 * n);
            Vec2[] prev = rings[k - 1];
            // Motion hypotheses: the centroid moved with the object, or the object stood still while a part of it
            // changed (the centroid follows the changing part); the better warp wins and its median displacement
            // (robust to the changing part) is tried once more.
            Vec2 centroidMove = Mean(dense) - Mean(prev);
            (Vec2[] Ring, double Cost) best = WarpWithOffset(prev, dense, centroidMove, warp);
            var still = WarpWithOffset(prev, dense, default, warp);
            if (still.Cost < best.Cost) best = still;
            var refined = WarpWithOffset(prev, dense, MedianDisplacement(prev, best.Ring), warp);
            if (refined.Cost < best.Cost) best = refined;
            rings[k] = best.Ring;
        }
        return rings;
    }

    private static (Vec2[] Ring, double Cost) WarpWithOffset(Vec2[] prev, Vec2[] dense, Vec2 offset, DtwScratch sc)
    {
        int n = prev.Length;
        var coarse = new Vec2[n];
        for (int i = 0; i < n; i++) coarse[i] = dense[2 * i];
        int shift = BestShift(prev, coarse, offset);
        return Warp(prev, Rotate(dense, 2 * shift), offset, sc);
    }

    private static Vec2 MedianDisplacement(Vec2[] a, Vec2[] b)
    {
        double[] dx = a.Zip(b, (p, q) => q.X - p.X).Order().ToArray();
        double[] dy = a.Zip(b, (p, q) => q.Y - p.Y).Order().ToArray();
        return new Vec2(dx[dx.Length / 2], dy[dy.Length / 2]);
    }

    private sealed class DtwScratch
    {
        public double[] Cost = [];
        public byte[] Step = [];
    }

    /// <summary>Picks N of the 2N dense points (index 0 fixed, steps of 1-4, wrapping back to 2N) minimising the summed
    /// distance |dense[j(i)] - offset - prev[i]| (L1 over vertices, so a part that changed does not dominate).</summary>
    private static (Vec2[] Ring, double Cost) Warp(Vec2[] prev, Vec2[] dense, Vec2 offset, DtwScratch sc)
    {
        int n = prev.Length, m = dense.Length;
        if (n < 8) return Uniform(prev, dense, offset);
        Vec2 cp = default, cd = offset;
        int band = Math.Max(8, n / 6); // |j - 2i| <= band
        int width = 2 * band + 1;
        if (sc.Cost.Length < n * width) { sc.Cost = new double[n * width]; sc.Step = new byte[n * width]; }
        double[] cost = sc.Cost;
        byte[] step = sc.Step;
        Array.Fill(cost, double.PositiveInfinity, 0, n * width);
        // Cell (i, j) lives at i * width + (j - 2i + band).
        cost[band] = (dense[0] - cd - (prev[0] - cp)).Length;
        for (int i = 1; i < n; i++)
        {
            int jLo = Math.Max(1, 2 * i - band), jHi = Math.Min(m - 1, 2 * i + band);
            for (int j = jLo; j <= jHi; j++)
            {
                double best = double.PositiveInfinity;
                byte bestD = 0;
                for (int d = 1; d <= 4; d++)
                {
                    int pj = j - d, off = pj - 2 * (i - 1) + band;
                    if (pj < 0 || off < 0 || off >= width) continue;
                    double c = cost[(i - 1) * width + off];
                    if (c < best) { best = c; bestD = (byte)d; }
                }
                if (bestD == 0) continue;
                int o = j - 2 * i + band;
                cost[i * width + o] = best + (dense[j] - cd - (prev[i] - cp)).Length;
                step[i * width + o] = bestD;
            }
        }
        // The last vertex must leave a 1-4 step back to index m (= index 0 of the next lap).
        int endJ = -1;
        double endCost = double.PositiveInfinity;
        for (int j = Math.Max(0, m - 4); j < m; j++)
        {
            int o = j - 2 * (n - 1) + band;
            if (o < 0 || o >= width) continue;
            double c = cost[(n - 1) * width + o];
            if (c < endCost) { endCost = c; endJ = j; }
        }
        if (endJ < 0) return Uniform(prev, dense, offset);
        var ring = new Vec2[n];
        for (int i = n - 1, j = endJ; i >= 0; i--)
        {
            ring[i] = dense[j];
            if (i > 0) j -= step[i * width + (j - 2 * i + band)];
        }
        return (ring, endCost);
    }

    private static (Vec2[] Ring, double Cost) Uniform(Vec2[] prev, Vec2[] dense, Vec2 offset)
    {
        var ring = Enumerable.Range(0, prev.Length).Select(i => dense[2 * i]).ToArray();
        return (ring, ring.Zip(prev, (q, p) => (q - offset - p).Length).Sum());
    }

    internal static double Perimeter(Vec2[] p)
    {
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += (p[(i + 1) % p.Length] - p[i]).Length;
        return s;
    }

    /// <summary>N points equally spaced by arc length around the closed polygon, starting at its first point.</summary>
    internal static Vec2[] Resample(Vec2[] p, int n)
    {
        double total = Perimeter(p);
        var r = new Vec2[n];
        double step = total / n, along = 0;
        int seg = 0;
        double segStart = 0;
        for (int i = 0; i < n; i++)
        {
            along = i * step;
            while (true)
            {
                double len = (p[(seg + 1) % p.Length] - p[seg]).Length;
                if (segStart + len >= along || seg == p.Length - 1)
                {
                    double t = len > 0 ? Math.Clamp((along - segStart) / len, 0, 1) : 0;
                    r[i] = p[seg] + (p[(seg + 1) % p.Length] - p[seg]) * t;
                    break;
                }
                segStart += len;
                seg++;
            }
        }
        return r;
    }

    private static Vec2 Mean(Vec2[] r)
    {
        double x = 0, y = 0;
        foreach (Vec2 v in r) { x += v.X; y += v.Y; }
        return new Vec2(x / r.Length, y / r.Length);
    }

    /// <summary>Shift s minimising sum_i |cur[(i+s)%N] - offset - prev[i]|: coarse on every g-th vertex, then refined.</summary>
    internal static int BestShift(Vec2[] prev, Vec2[] cur, Vec2 offset)
    {
        int n = cur.Length;
        int g = Math.Max(1, n / 64);
        double Cost(int s, int stride)
        {
            double sum = 0;
            for (int i = 0; i < n; i += stride)
                sum += (cur[(i + s) % n] - offset - prev[i]).Length;
            return sum;
        }
        int best = 0;
        double bestCost = double.PositiveInfinity;
        for (int s = 0; s < n; s++)
        {
            double c = Cost(s, g);
            if (c < bestCost) { bestCost = c; best = s; }
        }
        if (g > 1)
        {
            int coarse = best;
            bestCost = double.PositiveInfinity;
            for (int ds = -g; ds <= g; ds++)
            {
                int s = ((coarse + ds) % n + n) % n;
                double c = Cost(s, 1);
                if (c < bestCost) { bestCost = c; best = s; }
            }
        }
        return best;
    }

    private static Vec2[] Rotate(Vec2[] r, int s)
    {
        if (s == 0) return r;
        var o = new Vec2[r.Length];
        for (int i = 0; i < r.Length; i++) o[i] = r[(i + s) % r.Length];
        return o;
    }

    /// <summary>
    /// Circular Gaussian smoothing of a ring along its length (sigma in vertices, about pixels). The traced boundary
    /// follows the pixel staircase, whose +-0.5 px steps are aliasing, not shape; without this the fit spends
    /// segments on them. Callers shrink sigma for short rings (perimeter / 200), since smoothing also shrinks
    /// small shapes.
    /// </summary>
    internal static Vec2[] SmoothAlong(Vec2[] r, double sigma, bool[]? fixedAt = null)
    {
        int n = r.Length;
        if (sigma <= 0 || n < 8) return r;
        float[] k = Matte.GaussianKernel(sigma);
        int h = k.Length / 2;
        if (h * 2 >= n) return r;
        var o = new Vec2[n];
        for (int i = 0; i < n; i++)
        {
            if (fixedAt != null && fixedAt[i]) { o[i] = r[i]; continue; }
            // The window stops at corners (on either side), so they stay sharp.
            double x = k[h] * r[i].X, y = k[h] * r[i].Y, wsum = k[h];
            for (int side = -1; side <= 1; side += 2)
                for (int j = 1; j <= h; j++)
                {
                    int q = ((i + side * j) % n + n) % n;
                    x += k[h + j] * r[q].X;
                    y += k[h + j] * r[q].Y;
                    wsum += k[h + j];
                    if (fixedAt != null && fixedAt[q]) break;
                }
            o[i] = new Vec2(x / wsum, y / wsum);
        }
        return o;
    }

    /// <summary>Centred moving average over [t-k, t+k], shrunk symmetrically at the ends; each vertex moves at most
    /// <see cref="MaxSmoothShift"/> from where it was.</summary>
    internal static Vec2[][] SmoothRings(Vec2[][] rings, int k)
    {
        if (k == 0 || rings.Length < 3) return rings.Select(r => (Vec2[])r.Clone()).ToArray();
        int f = rings.Length, n = rings[0].Length;
        var o = new Vec2[f][];
        for (int t = 0; t < f; t++)
        {
            int h = Math.Min(k, Math.Min(t, f - 1 - t));
            var r = new Vec2[n];
            for (int i = 0; i < n; i++)
            {
                double x = 0, y = 0;
                for (int u = t - h; u <= t + h; u++) { x += rings[u][i].X; y += rings[u][i].Y; }
                Vec2 d = new Vec2(x / (2 * h + 1), y / (2 * h + 1)) - rings[t][i];
                double len = d.Length;
                if (len > MaxSmoothShift) d *= MaxSmoothShift / len;
                r[i] = rings[t][i] + d;
            }
            o[t] = r;
        }
        return o;
    }

    /// <summary>Sum of |v(t+1) - 2v(t) + v(t-1)| over vertices and interior frames, and the number of terms.</summary>
    internal static (double Sum, long Count) JitterSum(Vec2[][] rings)
    {
        double s = 0;
        long c = 0;
        for (int t = 1; t + 1 < rings.Length; t++)
            for (int i = 0; i < rings[t].Length; i++)
            {
                s += (rings[t + 1][i] - 2 * rings[t][i] + rings[t - 1][i]).Length;
                c++;
            }
        return (s, c);
    }

    /// <summary>Fits all frames of a track with one shared anchor set.</summary>
    internal static BezierPath[] FitTrack(Vec2[][] rings, double tolerance, List<int>? initial = null, bool[]? isCorner = null, int maxVertices = 0)
    {
        int f = rings.Length, n = rings[0].Length;
        var anchors = new SortedSet<int>(initial ?? InitialAnchors(rings));
        isCorner ??= new bool[n];
        var fits = new Dictionary<int, (Vec2 P1, Vec2 P2)[]>();
        var work = new Stack<int>(anchors);
        var buffer = new Vec2[n + 1];
        while (work.Count > 0)
        {
            int a = work.Pop();
            if (!anchors.Contains(a)) continue;
            int b = NextAnchor(anchors, a);
            var (perFrame, worstErr, worstIdx, len) = FitSegment(rings, a, b, buffer, isCorner);
            if (worstErr > tolerance && len >= 6)
            {
                int split = (a + Math.Clamp(worstIdx, 3, len - 3)) % n;
                anchors.Add(split);
                work.Push(a);
                work.Push(split);
                continue;
            }
            fits[a] = perFrame;
        }
        // Greedy splitting places anchors where the worst error was, not where they are needed: merge back every
        // anchor whose two segments one segment can replace within the tolerance on every frame.
        for (int sweep = 0; sweep < 2; sweep++)
        {
            bool changed = false;
            foreach (int b in anchors.ToArray())
            {
                if (anchors.Count <= 2 || !anchors.Contains(b) || isCorner[b]) continue;
                int a = PrevAnchor(anchors, b), c = NextAnchor(anchors, b);
                var (perFrame, err, _, _) = FitSegment(rings, a, c, buffer, isCorner);
                if (err > tolerance) continue;
                anchors.Remove(b);
                fits.Remove(b);
                fits[a] = perFrame;
                changed = true;
            }
            if (!changed) break;
        }
        if (maxVertices > 0) ReduceAnchors(rings, anchors, fits, maxVertices, buffer, isCorner);
        int[] order = anchors.ToArray();
        var paths = new BezierPath[f];
        for (int t = 0; t < f; t++)
        {
            int m = order.Length;
            var an = new Vec2[m];
            var pin = new Vec2[m];
            var pout = new Vec2[m];
            for (int k = 0; k < m; k++)
            {
                an[k] = rings[t][order[k]];
                var (p1, p2) = fits[order[k]][t];
                pout[k] = p1;
                pin[(k + 1) % m] = p2;
            }
            paths[t] = new BezierPath(an, pin, pout);
        }
        return paths;
    }

    /// <summary>
    /// Removes anchors until at most <paramref name="maxVertices"/> remain: each time the anchor whose two segments one
    /// refitted segment replaces with the smallest worst error over the track's frames (corners included: the bound
    /// wins over the corners and the tolerance). Only the removed anchor's neighbours need their merge cost again.
    /// </summary>
    private static void ReduceAnchors(Vec2[][] rings, SortedSet<int> anchors, Dictionary<int, (Vec2 P1, Vec2 P2)[]> fits,
        int maxVertices, Vec2[] buffer, bool[] isCorner)
    {
        int floor = Math.Max(3, maxVertices);
        if (anchors.Count <= floor) return;
        var cost = new Dictionary<int, (double Err, (Vec2, Vec2)[] Fit)>();
        (double, (Vec2, Vec2)[]) Merge(int b)
        {
            var (perFrame, err, _, _) = FitSegment(rings, PrevAnchor(anchors, b), NextAnchor(anchors, b), buffer, isCorner);
            return (err, perFrame);
        }
        foreach (int b in anchors) cost[b] = Merge(b);
        while (anchors.Count > floor)
        {
            int best = -1;
            double bestErr = double.PositiveInfinity;
            foreach (var (b, c) in cost)
                if (c.Err < bestErr) { bestErr = c.Err; best = b; }
            int a = PrevAnchor(anchors, best), n = NextAnchor(anchors, best);
            var merged = cost[best].Fit;
            anchors.Remove(best);
            cost.Remove(best);
            fits.Remove(best);
            fits[a] = merged;
            cost[a] = Merge(a);
            cost[n] = Merge(n);
        }
    }

    /// <summary>Fits segment a -> b (ring indices, cyclic) on every frame: the fits, the worst error over frames,
    /// the offset from a of the worst point, and the segment length in ring vertices.</summary>
    private static ((Vec2, Vec2)[] Fits, double WorstErr, int WorstIdx, int Len) FitSegment(Vec2[][] rings, int a, int b, Vec2[] buffer, bool[] isCorner)
    {
        int f = rings.Length, n = rings[0].Length;
        int len = ((b - a) % n + n) % n;
        if (len == 0) len = n;
        var perFrame = new (Vec2, Vec2)[f];
        double worstErr = 0;
        int worstIdx = len / 2;
        for (int t = 0; t < f; t++)
        {
            Vec2[] r = rings[t];
            for (int j = 0; j <= len; j++) buffer[j] = r[(a + j) % n];
            var (outA, _) = Tangents(r, a, isCorner[a]);
            var (_, inB) = Tangents(r, b, isCorner[b]);
            perFrame[t] = BezierFitter.Fit(buffer.AsSpan(0, len + 1), outA, inB, out double err, out int w);
            if (err > worstErr) { worstErr = err; worstIdx = w; }
        }
        return (perFrame, worstErr, worstIdx, len);
    }

    private static int PrevAnchor(SortedSet<int> anchors, int a)
    {
        foreach (int x in anchors.GetViewBetween(int.MinValue, a - 1).Reverse()) return x;
        return anchors.Max;
    }

    private static int NextAnchor(SortedSet<int> anchors, int a)
    {
        foreach (int x in anchors.GetViewBetween(a + 1, int.MaxValue)) return x;
        return anchors.Min;
    }

    /// <summary>Unit tangents at ring vertex i: the direction leaving forward and the one leaving backward
    /// (one-sided at a corner, else the shared central direction so the joint is smooth).</summary>
    private static (Vec2 Forward, Vec2 Backward) Tangents(Vec2[] r, int i, bool corner)
    {
        int n = r.Length, s = Math.Min(TangentReach, Math.Max(1, n / 4));
        Vec2 p = r[i], ahead = r[(i + s) % n], behind = r[((i - s) % n + n) % n];
        Vec2 fwd = (ahead - p).Normalized(), back = (behind - p).Normalized();
        if (!corner && fwd.Dot(back * -1) >= Math.Cos(Math.PI / 4))
        {
            Vec2 c = (ahead - behind).Normalized();
            return (c, c * -1);
        }
        return (fwd, back);
    }

    /// <summary>Corners of the track's mean (centred) shape, or two opposite vertices when it has fewer than two.</summary>
    internal static List<int> InitialAnchors(Vec2[][] rings) => WithFallback(CornerCandidates(rings), rings[0].Length);

    private static List<int> WithFallback(List<int> corners, int n)
    {
        if (corners.Count == 0) corners.AddRange([0, n / 2]);
        else if (corners.Count == 1) corners.Add((corners[0] + n / 2) % n);
        return corners;
    }

    /// <summary>Vertices where the mean shape turns by more than 50 degrees over +-3 vertices (local maxima).</summary>
    private static List<int> CornerCandidates(Vec2[][] rings)
    {
        int n = rings[0].Length, s = Math.Min(TangentReach, Math.Max(1, n / 8));
        var mean = new Vec2[n];
        foreach (Vec2[] r in rings)
        {
            Vec2 c = Mean(r);
            for (int i = 0; i < n; i++) mean[i] += (r[i] - c) / rings.Length;
        }
        var turn = new double[n];
        for (int i = 0; i < n; i++)
        {
            Vec2 a = (mean[i] - mean[((i - s) % n + n) % n]).Normalized(), b = (mean[(i + s) % n] - mean[i]).Normalized();
            turn[i] = 1 - a.Dot(b); // 0 straight .. 2 reversal
        }
        var corners = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (turn[i] < 1 - CornerCos) continue;
            bool isMax = true;
            for (int d = -s; d <= s && isMax; d++)
            {
                if (d == 0) continue;
                int j = ((i + d) % n + n) % n;
                isMax = turn[j] < turn[i] || (turn[j] == turn[i] && j > i);
            }
            if (isMax) corners.Add(i);
        }
        return corners;
    }
}
