using EdgeSam.Video.Media;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers.Lk;

/// <summary>How LK and a coarse matcher are combined (see <see cref="ICoarseMatcher"/>).</summary>
/// <param name="SearchRadius">Frame pixels around the predicted position searched by the matcher.</param>
/// <param name="MinSimilarity">Descriptor similarity below which a position is not the point (occluded or lost).</param>
/// <param name="Margin">How much better the matcher's best position must look than LK's before LK is restarted there.</param>
/// <param name="MatchSimilarity">
/// Similarity at or above which a descriptor match that LK cannot confirm (blur, deformation) is accepted on its own,
/// at descriptor precision, when it is also cycle-consistent with the previous frame.
/// </param>
/// <param name="CycleTolerance">Frame pixels the backward descriptor match may land from the previous position.</param>
/// <param name="Neighbours">Nearest points whose median motion a coarse match must agree with.</param>
/// <param name="ReacquireRadius">Frame pixels around the group's prediction where a still-lost point's distinct match is looked for (0 = off).</param>
/// <param name="DistinctRatio">Largest share of the best similarity that any other place may reach for the best match to count as distinct.</param>
/// <param name="DistinctExclusion">Frame pixels around the best match that the ratio test ignores (the same peak, not a rival).</param>
internal readonly record struct CoarseFusion(float SearchRadius, float MinSimilarity, float Margin, float MatchSimilarity, float CycleTolerance, int Neighbours,
    float ReacquireRadius = 0, float DistinctRatio = 0.9f, float DistinctExclusion = 16);

/// <summary>
/// <c>lk</c>: pyramidal Lucas-Kanade point tracking with a forward-backward visibility score. No weights.
/// Each frame's pyramid is built once and shared by every point and both directions. A point is tracked from its
/// last reliable observation (normally the previous frame): when the round trip back lands near where it started and
/// the window still matches, the point is visible and that frame becomes its new anchor; otherwise it is invisible,
/// is moved on as described below, and is retried from the same anchor on the next frames
/// (re-acquisition after a short occlusion) until <see cref="LkOptions.MaxGap"/> frames have passed. While lost it
/// moves with the coarse dense optical flow at its position (<see cref="LostPointMotion.DenseFlow"/>, computed only
/// around lost points) or with the kept points' similarity motion (<see cref="LostPointMotion.Group"/>).
/// </summary>
public sealed class LkTracker : OnlineTrackerBase
{
    private readonly LkOptions _options;
    private readonly float _threshold;

    public LkTracker(LkOptions? options = null, float? visibilityThreshold = null)
    {
        _options = options ?? new LkOptions();
        _options.Validate();
        _threshold = visibilityThreshold ?? 0.5f;
        if (!(_threshold > 0 && _threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(visibilityThreshold), "The visibility threshold must be in (0, 1].");
    }

    public override string Name => "lk";
    public override float VisibilityThreshold => _threshold;
    public LkOptions Options => _options;

    public override IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return NewTrack(frame, points, null, default);
    }

    private LkTrack NewTrack(RgbImage frame, ReadOnlySpan<(float X, float Y)> points, ICoarseMatcher? matcher, CoarseFusion fusion)
    {
        ImagePyramid first = ImagePyramid.Build(frame, _options.PyramidLevels, _options.WindowRadius);
        try
        {
            return new LkTrack(this, first, points, matcher, fusion);
        }
        catch
        {
            first.Dispose();
            throw;
        }
    }

    /// <summary>Starts a track whose search is helped by <paramref name="matcher"/> (owned by the track from here on).</summary>
    internal IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points, ICoarseMatcher matcher, CoarseFusion fusion)
    {
        ArgumentNullException.ThrowIfNull(frame);
        try
        {
            matcher.Start(frame, points);
            return NewTrack(frame, points, matcher, fusion);
        }
        catch
        {
            matcher.Dispose();
            throw;
        }
    }

    /// <summary>Forward-backward tracking of one point (a batch of one).</summary>
    internal static (LkResult Forward, float FbError) TrackFb(LucasKanade lk, ImagePyramid from, ImagePyramid to, float x, float y, float guessX, float guessY, int maxLevels = int.MaxValue, int finest = 0)
    {
        Span<LkResult> fwd = stackalloc LkResult[1];
        Span<float> fb = stackalloc float[1];
        TrackFb(lk, from, to, [(x, y)], [(guessX, guessY)], fwd, fb, maxLevels, finest);
        return (fwd[0], fb[0]);
    }

    /// <summary>
    /// Forward-backward tracking of <paramref name="points"/> from <paramref name="from"/> into <paramref name="to"/>
    /// in two solver calls: forward for all, back from the forward answers (towards the points themselves) for those
    /// that converged. <paramref name="fbError"/>[k] is point k's round-trip distance, infinite when either way failed.
    /// </summary>
    internal static void TrackFb(LucasKanade lk, ImagePyramid from, ImagePyramid to, ReadOnlySpan<(float X, float Y)> points,
        ReadOnlySpan<(float X, float Y)> guesses, Span<LkResult> forward, Span<float> fbError, int maxLevels = int.MaxValue, int finest = 0)
    {
        int n = points.Length;
        if (fbError.Length != n) throw new ArgumentException($"{fbError.Length} round-trip errors for {n} points.", nameof(fbError));
        lk.Track(from, to, points, guesses, forward, maxLevels, finest);
        var converged = new int[n];
        int m = 0;
        for (int k = 0; k < n; k++)
        {
            fbError[k] = float.PositiveInfinity;
            if (forward[k].Ok) converged[m++] = k;
        }
        if (m == 0) return;
        var backFrom = new (float X, float Y)[m];
        var backTo = new (float X, float Y)[m];
        var back = new LkResult[m];
        for (int j = 0; j < m; j++)
        {
            int k = converged[j];
            backFrom[j] = (forward[k].X, forward[k].Y);
            backTo[j] = points[k];
        }
        lk.Track(to, from, backFrom, backTo, back, maxLevels, finest);
        for (int j = 0; j < m; j++)
        {
            if (!back[j].Ok) continue;
            int k = converged[j];
            float ex = back[j].X - points[k].X, ey = back[j].Y - points[k].Y;
            fbError[k] = MathF.Sqrt(ex * ex + ey * ey);
        }
    }

    /// <summary>
    /// Visibility score of a forward track from (<paramref name="x0"/>, <paramref name="y0"/>) with round-trip error
    /// <paramref name="fbError"/>: 0 unless LK converged and the tracked window looks like the source window;
    /// otherwise <c>exp(-(fb/sigma)^2 / 2)</c> with sigma growing with the motion (a round trip over a long, blurred
    /// jump cannot close to a pixel; a fixed pixel tolerance would reject exactly the fast points).
    /// </summary>
    internal float Score(LkResult fwd, float fbError, float x0, float y0)
    {
        if (!fwd.Ok || !float.IsFinite(fbError)) return 0;
        bool looksAlike = fwd.Residual <= _options.MaxResidual || fwd.Correlation >= _options.MinCorrelation;
        if (!looksAlike) return 0;
        float mx = fwd.X - x0, my = fwd.Y - y0;
        float sigma = MathF.Max(_options.ForwardBackwardSigma, _options.ForwardBackwardMotionFraction * MathF.Sqrt(mx * mx + my * my));
        float z = fbError / sigma;
        return MathF.Exp(-0.5f * z * z);
    }

    private sealed class LkTrack : IPointTrack
    {
        private readonly ICoarseMatcher? _matcher;
        private readonly CoarseFusion _fusion;
        private readonly LkTracker _tracker;
        private readonly LucasKanade _lk, _lkHalf;
        private readonly int _width, _height;
        private readonly float[] _x, _y;
        private readonly ImagePyramid?[] _anchor;
        private readonly float[] _ax, _ay;
        private readonly int[] _age;
        private GroupMotion _velocity = GroupMotion.Identity;
        private ImagePyramid _previous;
        // Every pyramid this track built and has not disposed yet (see ReleaseUnreferenced).
        private readonly List<ImagePyramid> _owned = [];
        private bool _disposed;

        public LkTrack(LkTracker tracker, ImagePyramid first, ReadOnlySpan<(float X, float Y)> points, ICoarseMatcher? matcher, CoarseFusion fusion)
        {
            _matcher = matcher;
            _fusion = fusion;
            _tracker = tracker;
            _lk = new LucasKanade(tracker._options.Solver);
            // Half the radius at half resolution: the same footprint in frame pixels as the full-resolution window
            // (a larger one on a small object would be mostly background and follow it).
            _lkHalf = new LucasKanade(tracker._options.Solver with { WindowRadius = Math.Max(2, tracker._options.WindowRadius / 2) });
            _width = first.Width;
            _height = first.Height;
            int n = points.Length;
            _x = new float[n];
            _y = new float[n];
            _ax = new float[n];
            _ay = new float[n];
            _age = new int[n];
            _anchor = new ImagePyramid?[n];
            _previous = first;
            _owned.Add(first);
            for (int i = 0; i < n; i++)
            {
                if (!float.IsFinite(points[i].X) || !float.IsFinite(points[i].Y))
                    throw new ArgumentException($"Point {i} ({points[i].X}, {points[i].Y}) is not finite.", nameof(points));
                _x[i] = _ax[i] = points[i].X;
                _y[i] = _ay[i] = points[i].Y;
                _anchor[i] = first;
            }
        }

        public int PointCount => _x.Length;

        // LK restarted from a descriptor match or the group's prediction (within a few pixels of the truth) needs only
        // the finest levels; coarse levels could pull it to look-alike surroundings.
        private const int RefineLevels = 2;

        // How far a re-acquired point may land from the group's prediction: max(px, fraction x predicted motion).
        // The group fit is a similarity, so parts that deform (limbs) deviate in proportion to how far things move.
        // Measured on DAVIS 2016 TrackScore@8 over all 10 sequences together (see the trackq branch report).
        private const float GroupTolerancePx = 3f, GroupToleranceFraction = 0.15f;
        private const float ChainTolerancePx = 2f, ChainToleranceFraction = 0.1f;

        // Correlation a half-resolution retry needs (0.7: inside 0.958 visible 0.596; 0.8: 0.970 / 0.586; 0.9: 0.972 / 0.568).
        private const float CoarseCorrelation = 0.8f;

        public TrackedPoint[] Step(RgbImage frame)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ArgumentNullException.ThrowIfNull(frame);
            if (frame.Width != _width || frame.Height != _height)
                throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}, the track started on {_width}x{_height}.", nameof(frame));
            ImagePyramid current = ImagePyramid.Build(frame, _tracker._options.PyramidLevels, _tracker._options.WindowRadius);
            _owned.Add(current);
            int n = _x.Length;
            var result = new TrackedPoint[n];
            var score = new float[n];
            var nx = new float[n];
            var ny = new float[n];
            if (_matcher is not null)
            {
                var predicted = new (float X, float Y)[n];
                var live = new bool[n];
                for (int i = 0; i < n; i++) { predicted[i] = Guess(i); live[i] = _anchor[i] is not null; }
                _matcher.Prepare(frame, predicted, live);
            }
            float thr = _tracker._threshold;
            var coarse = new List<(int I, float X, float Y, float Sim)>();
            var guess = new (float X, float Y)[n];
            var tracked = new List<int>(n);
            for (int i = 0; i < n; i++)
            {
                nx[i] = _x[i];
                ny[i] = _y[i];
                if (_anchor[i] is null) continue;
                // Constant-velocity guess: the group's median motion on the previous step.
                guess[i] = Guess(i);
                tracked.Add(i);
            }
            var fwd = new LkResult[n];
            var fb = new float[n];
            TrackFromAnchors(_lk, tracked, current, guess, fwd, fb);
            var retry = new List<int>();
            foreach (int i in tracked)
            {
                score[i] = _tracker.Score(fwd[i], fb[i], _ax[i], _ay[i]);
                if (fwd[i].Ok) { nx[i] = fwd[i].X; ny[i] = fwd[i].Y; }
                if (score[i] < thr && _tracker._options.CoarseRetry) retry.Add(i);
            }
            if (retry.Count > 0)
            {
                // Motion blur smears the fine texture the level-0 window relies on; the half-resolution level still
                // matches. Kept on the full-resolution round-trip tolerance, and only when the half-resolution
                // windows correlate well (a blurred window straddling the object's edge follows the background).
                var fwdH = new LkResult[n];
                var fbH = new float[n];
                TrackFromAnchors(_lkHalf, retry, current, guess, fwdH, fbH, finest: 1);
                foreach (int i in retry)
                {
                    float sH = _tracker.Score(fwdH[i], fbH[i], _ax[i], _ay[i]);
                    if (sH >= thr && fwdH[i].Correlation >= CoarseCorrelation) { score[i] = sH; fwd[i] = fwdH[i]; nx[i] = fwdH[i].X; ny[i] = fwdH[i].Y; }
                }
            }
            if (_matcher is not null)
            {
                foreach (int i in tracked)
                {
                    ImagePyramid anchor = _anchor[i]!;
                    var (gx, gy) = guess[i];
                    // LK's answer stands when it round-trips and looks like the point at least about as well as the
                    // best descriptor match nearby; otherwise LK is restarted from the descriptor match.
                    float simA = fwd[i].Ok ? _matcher.Similarity(i, fwd[i].X, fwd[i].Y) : -1;
                    var (bx, by, simB) = _matcher.Match(i, gx, gy, _fusion.SearchRadius);
                    bool acceptA = score[i] >= thr && simA >= _fusion.MinSimilarity && simA >= simB - _fusion.Margin;
                    if (!acceptA)
                    {
                        score[i] = 0;
                        if (simB >= _fusion.MinSimilarity)
                        {
                            var (fwdC, fbC) = TrackFb(_lk, anchor, current, _ax[i], _ay[i], bx, by, RefineLevels);
                            float sC = _tracker.Score(fwdC, fbC, _ax[i], _ay[i]);
                            float simC = fwdC.Ok ? _matcher.Similarity(i, fwdC.X, fwdC.Y) : -1;
                            if (sC >= thr && simC >= _fusion.MinSimilarity)
                            {
                                score[i] = sC;
                                nx[i] = fwdC.X;
                                ny[i] = fwdC.Y;
                            }
                            else if (simB >= _fusion.MatchSimilarity && _age[i] == 0
                                && _matcher.CycleConsistent(bx, by, _x[i], _y[i], _fusion.SearchRadius, _fusion.CycleTolerance))
                            {
                                coarse.Add((i, bx, by, simB));
                            }
                        }
                    }
                }
            }
            if (coarse.Count > 0) AcceptCoarse(coarse, score, nx, ny, thr);
            // The group's motion: a similarity fitted to the points LK kept (outliers refitted away). Without any
            // kept point the group is assumed to go on as on the previous step.
            var kept = new bool[n];
            int keptCount = 0;
            for (int i = 0; i < n; i++)
                if (kept[i] = score[i] >= thr) keptCount++;
            GroupMotion group = keptCount > 0 ? GroupMotion.Fit(_x, _y, nx, ny, kept) : _velocity with { Support = 0 };
            if (keptCount >= 2 && _tracker._options.GroupReacquire) Reacquire(current, group, score, nx, ny, thr);
            if (_tracker._options.PredictMotion) _velocity = group;
            FlowField? flow = null;
            if (_tracker._options.LostPointMotion == LostPointMotion.DenseFlow)
            {
                flow = LostPointFlow(_previous, current, score, thr);
                if (flow is not null && _tracker._options.DenseReacquire && group.Support >= 2) DenseReacquire(current, flow, group, score, nx, ny, thr);
            }
            if (_matcher is not null && _fusion.ReacquireRadius > 0) DistinctReacquire(current, group, score, nx, ny, thr);
            for (int i = 0; i < n; i++)
            {
                bool reliable = score[i] >= _tracker._threshold;
                if (reliable)
                {
                    _anchor[i] = current;
                    _ax[i] = nx[i];
                    _ay[i] = ny[i];
                    _age[i] = 0;
                    _matcher?.Update(i, nx[i], ny[i]);
                }
                else
                {
                    (nx[i], ny[i]) = group.Apply(_x[i], _y[i]);
                    if (flow is not null)
                    {
                        // The flow may depart from the group's rigid motion by deformation, in proportion to the
                        // motion; far beyond that it is a chance match across an occlusion, and the group's guess stands.
                        var (dx, dy) = flow.At(_x[i], _y[i]);
                        float gx = nx[i] - _x[i], gy = ny[i] - _y[i];
                        float ex = _x[i] + dx - nx[i], ey = _y[i] + dy - ny[i];
                        float tol = DenseCarryPx + DenseCarryFraction * MathF.Sqrt(gx * gx + gy * gy);
                        if (group.Support == 0 || ex * ex + ey * ey <= tol * tol)
                        {
                            nx[i] = _x[i] + dx;
                            ny[i] = _y[i] + dy;
                        }
                    }
                    if (_anchor[i] is not null && ++_age[i] > _tracker._options.MaxGap) _anchor[i] = null;
                }
                _x[i] = nx[i];
                _y[i] = ny[i];
                float vis = FrameBorder.IsInside(nx[i], ny[i], _width, _height) ? score[i] : 0;
                result[i] = new TrackedPoint(nx[i], ny[i], vis);
            }
            _previous = current;
            ReleaseUnreferenced();
            return result;
        }

        /// <summary>
        /// Forward-backward tracking of the points <paramref name="which"/> from their anchors (at their anchor
        /// positions) into <paramref name="current"/>, starting from <paramref name="guess"/>[i]: one batch per anchor
        /// pyramid. Fills <paramref name="fwd"/>[i] and <paramref name="fb"/>[i] for those points.
        /// </summary>
        private void TrackFromAnchors(LucasKanade lk, List<int> which, ImagePyramid current, (float X, float Y)[] guess, LkResult[] fwd, float[] fb,
            int maxLevels = int.MaxValue, int finest = 0)
        {
            var groups = new Dictionary<ImagePyramid, List<int>>();
            foreach (int i in which)
            {
                ImagePyramid anchor = _anchor[i]!;
                if (!groups.TryGetValue(anchor, out List<int>? members)) groups[anchor] = members = [];
                members.Add(i);
            }
            foreach ((ImagePyramid anchor, List<int> members) in groups)
            {
                int m = members.Count;
                var points = new (float X, float Y)[m];
                var guesses = new (float X, float Y)[m];
                var f = new LkResult[m];
                var e = new float[m];
                for (int j = 0; j < m; j++)
                {
                    int i = members[j];
                    points[j] = (_ax[i], _ay[i]);
                    guesses[j] = guess[i];
                }
                TrackFb(lk, anchor, current, points, guesses, f, e, maxLevels, finest);
                for (int j = 0; j < m; j++) { fwd[members[j]] = f[j]; fb[members[j]] = e[j]; }
            }
        }

        /// <summary>
        /// Disposes the pyramids this track built that neither the previous frame nor any point's anchor refers to
        /// any more: the track is their only owner, so nothing else can still read them.
        /// </summary>
        private void ReleaseUnreferenced()
        {
            for (int k = _owned.Count - 1; k >= 0; k--)
            {
                ImagePyramid p = _owned[k];
                if (ReferenceEquals(p, _previous) || Array.IndexOf(_anchor, p) >= 0) continue;
                p.Dispose();
                _owned.RemoveAt(k);
            }
        }

        // How far a dense-flow carry may land from the group's prediction: px + fraction x the group's motion.
        private const float DenseCarryPx = 16f, DenseCarryFraction = 1f;

        // Frame pixels of context kept around the lost points when the dense flow's region is chosen.
        private const float FlowRegionMargin = 32;

        /// <summary>
        /// Dense flow from <paramref name="from"/> (previous frame) to <paramref name="to"/> (current frame) over the
        /// region around the points not kept this frame (their previous positions and where the group's motion puts
        /// them); null when every point was kept. The coarsest search is centred on the group's motion of this frame.
        /// </summary>
        private FlowField? LostPointFlow(ImagePyramid from, ImagePyramid to, float[] score, float thr)
        {
            float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
            for (int i = 0; i < _x.Length; i++)
            {
                if (score[i] >= thr) continue;
                var (gx, gy) = Guess(i);
                x0 = MathF.Min(x0, MathF.Min(_x[i], gx)); x1 = MathF.Max(x1, MathF.Max(_x[i], gx));
                y0 = MathF.Min(y0, MathF.Min(_y[i], gy)); y1 = MathF.Max(y1, MathF.Max(_y[i], gy));
            }
            if (x0 > x1) return null;
            GroupMotion v = _velocity;
            return DenseFlow.Compute(from, to, _tracker._options.DenseFlow, (x, y) => { var (px, py) = v.Apply(x, y); return (px - x, py - y); },
                (x0 - FlowRegionMargin, y0 - FlowRegionMargin, x1 + FlowRegionMargin, y1 + FlowRegionMargin));
        }

        // Dense re-acquisition: round trip of the flows within max(px, fraction x motion); agreement with the group's
        // motion within max(px, fraction x the group's motion). Measured on DAVIS 2016 TrackScore@8 (see LkOptions.DenseReacquire).
        private const float DenseRoundTripPx = 1.5f, DenseRoundTripFraction = 0.05f;
        private const float DenseGroupPx = 4f, DenseGroupFraction = 0.3f;

        /// <summary>
        /// Declares a lost point visible again at its dense-flow position when the backward flow brings it back where
        /// it was (the flow there is not a guess across an occlusion boundary) and it moved as the group did (a point
        /// now on an occluder or the background moves unlike the object).
        /// </summary>
        private void DenseReacquire(ImagePyramid current, FlowField flow, GroupMotion group, float[] score, float[] nx, float[] ny, float thr)
        {
            int n = _x.Length;
            FlowField? back = null;
            for (int i = 0; i < n; i++)
            {
                if (score[i] >= thr || _anchor[i] is null) continue;
                var (dx, dy) = flow.At(_x[i], _y[i]);
                float px = _x[i] + dx, py = _y[i] + dy;
                var (qx, qy) = group.Apply(_x[i], _y[i]);
                float gx = qx - _x[i], gy = qy - _y[i];
                float gt = MathF.Max(DenseGroupPx, DenseGroupFraction * MathF.Sqrt(gx * gx + gy * gy));
                if ((px - qx) * (px - qx) + (py - qy) * (py - qy) > gt * gt) continue;
                // The backward field is computed once, over the lost points' region of the current frame.
                back ??= DenseFlow.Compute(current, _previous, _tracker._options.DenseFlow,
                    (x, y) => { var (ax, ay) = flow.At(x, y); return (-ax, -ay); }, Region(flow, score, thr));
                var (bx, by) = back.At(px, py);
                float ex = dx + bx, ey = dy + by;
                float tol = MathF.Max(DenseRoundTripPx, DenseRoundTripFraction * MathF.Sqrt(dx * dx + dy * dy));
                if (ex * ex + ey * ey > tol * tol) continue;
                score[i] = thr;
                nx[i] = px;
                ny[i] = py;
            }
        }

        /// <summary>
        /// Points still lost after every other step (within <see cref="LkOptions.MaxGap"/>) are looked for by their
        /// descriptor within <see cref="CoarseFusion.ReacquireRadius"/> of the group's prediction, wider than the
        /// per-frame search; a match counts only when it is distinct: similar enough, and no other place outside
        /// <see cref="CoarseFusion.DistinctExclusion"/> of it reaches <see cref="CoarseFusion.DistinctRatio"/> of its
        /// similarity (the ratio test; a blurred or repetitive surrounding offers several near-equal places and is
        /// left alone). LK restarted there decides the sub-pixel position when it round-trips; otherwise the point is
        /// kept at descriptor precision. DAVIS 2016 TrackScore@8 (xfeat, radius 160): see <see cref="XFeat.XFeatOptions.DistinctRatio"/>.
        /// </summary>
        private void DistinctReacquire(ImagePyramid current, GroupMotion group, float[] score, float[] nx, float[] ny, float thr)
        {
            for (int i = 0; i < _x.Length; i++)
            {
                ImagePyramid? anchor = _anchor[i];
                if (score[i] >= thr || anchor is null) continue;
                var (px, py) = group.Support > 0 ? group.Apply(_x[i], _y[i]) : Guess(i);
                var (bx, by, sim, second) = _matcher!.MatchDistinct(i, px, py, _fusion.ReacquireRadius, _fusion.DistinctExclusion);
                if (!(sim >= _fusion.MatchSimilarity) || second > _fusion.DistinctRatio * sim) continue;
                var (fwd, fb) = TrackFb(_lk, anchor, current, _ax[i], _ay[i], bx, by, RefineLevels);
                float s = _tracker.Score(fwd, fb, _ax[i], _ay[i]);
                bool refined = s >= thr;
                score[i] = refined ? s : thr;
                nx[i] = refined ? fwd.X : bx;
                ny[i] = refined ? fwd.Y : by;
            }
        }

        /// <summary>The lost points' box on the current frame (their flow-carried positions) plus margin.</summary>
        private (float, float, float, float) Region(FlowField flow, float[] score, float thr)
        {
            float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
            for (int i = 0; i < _x.Length; i++)
            {
                if (score[i] >= thr) continue;
                var (dx, dy) = flow.At(_x[i], _y[i]);
                x0 = MathF.Min(x0, _x[i] + dx); x1 = MathF.Max(x1, _x[i] + dx);
                y0 = MathF.Min(y0, _y[i] + dy); y1 = MathF.Max(y1, _y[i] + dy);
            }
            return (x0 - FlowRegionMargin, y0 - FlowRegionMargin, x1 + FlowRegionMargin, y1 + FlowRegionMargin);
        }

        /// <summary>Constant-velocity guess of point i: the group's motion of the previous step applied again.</summary>
        private (float X, float Y) Guess(int i) => _velocity.Apply(_x[i], _y[i]);

        /// <summary>
        /// Second chance for the points LK lost on this frame, given the motion of the points it kept: LK restarts
        /// at the group's prediction (which a large or rotating motion puts far closer than the point's own constant
        /// velocity guess). Its answer is visible when it round-trips as usual, or when it lands where the group says
        /// (within max(2 px, 10% of the motion)) and its window correlates with the point's (the group's motion stands
        /// in for the round trip that blur or deformation broke).
        /// </summary>
        private void Reacquire(ImagePyramid current, GroupMotion group, float[] score, float[] nx, float[] ny, float thr)
        {
            int n = _x.Length;
            var predicted = new (float X, float Y)[n];
            var which = new List<int>();
            for (int i = 0; i < n; i++)
            {
                if (_anchor[i] is null || score[i] >= thr) continue;
                predicted[i] = group.Apply(_x[i], _y[i]);
                which.Add(i);
            }
            var fwdAll = new LkResult[n];
            var fbAll = new float[n];
            TrackFromAnchors(_lk, which, current, predicted, fwdAll, fbAll, RefineLevels);
            foreach (int i in which)
            {
                var (px, py) = predicted[i];
                LkResult fwd = fwdAll[i];
                float s = _tracker.Score(fwd, fbAll[i], _ax[i], _ay[i]);
                if (s >= thr && (_matcher is null || _matcher.Similarity(i, fwd.X, fwd.Y) >= _fusion.MinSimilarity))
                {
                    score[i] = s;
                    nx[i] = fwd.X;
                    ny[i] = fwd.Y;
                    continue;
                }
                float mx = px - _x[i], my = py - _y[i];
                float tol = MathF.Max(GroupTolerancePx, GroupToleranceFraction * MathF.Sqrt(mx * mx + my * my));
                float ex = fwd.X - px, ey = fwd.Y - py;
                if (!fwd.Ok || !(fwd.Correlation >= _tracker._options.GroupCorrelation)) continue;
                if (ex * ex + ey * ey > tol * tol) continue;
                if (_matcher is not null && _matcher.Similarity(i, fwd.X, fwd.Y) < _fusion.MinSimilarity) continue;
                score[i] = thr;
                nx[i] = fwd.X;
                ny[i] = fwd.Y;
            }
            // A group motion from fewer than two points is a guess, not evidence to keep a point by.
            if (!_tracker._options.ChainReacquire || group.Support < 2) return;
            // Points lost on an earlier frame: their anchor's appearance is stale (the object turned or deformed since),
            // so the content at their group-propagated position on the previous frame is tracked instead, and kept when
            // it round-trips and moves as the group does (background under a wrong position moves differently).
            var chain = new List<int>();
            for (int i = 0; i < n; i++)
            {
                if (score[i] >= thr || _age[i] == 0 || _anchor[i] is null) continue;
                chain.Add(i);
            }
            if (chain.Count == 0) return;
            var from = new (float X, float Y)[chain.Count];
            var to = new (float X, float Y)[chain.Count];
            var chainFwd = new LkResult[chain.Count];
            var chainFb = new float[chain.Count];
            for (int j = 0; j < chain.Count; j++)
            {
                int i = chain[j];
                from[j] = (_x[i], _y[i]);
                to[j] = group.Apply(_x[i], _y[i]);
            }
            TrackFb(_lk, _previous, current, from, to, chainFwd, chainFb, RefineLevels);
            for (int j = 0; j < chain.Count; j++)
            {
                int i = chain[j];
                var (px, py) = to[j];
                LkResult fwd = chainFwd[j];
                float s = _tracker.Score(fwd, chainFb[j], _x[i], _y[i]);
                if (s < thr) continue;
                float mx = px - _x[i], my = py - _y[i];
                float tol = MathF.Max(ChainTolerancePx, ChainToleranceFraction * MathF.Sqrt(mx * mx + my * my));
                float ex = fwd.X - px, ey = fwd.Y - py;
                if (ex * ex + ey * ey > tol * tol) continue;
                if (_matcher is not null && _matcher.Similarity(i, fwd.X, fwd.Y) < _fusion.MinSimilarity) continue;
                score[i] = s;
                nx[i] = fwd.X;
                ny[i] = fwd.Y;
            }
        }

        /// <summary>
        /// LK could not confirm these descriptor matches (blur, deformation), but they are cycle-consistent. One is kept,
        /// at descriptor precision, when its motion agrees with its nearest neighbours' motion (confirmed points and
        /// the other candidates): a match that jumped to look-alike background moves unlike the points around it.
        /// </summary>
        private void AcceptCoarse(List<(int I, float X, float Y, float Sim)> coarse, float[] score, float[] nx, float[] ny, float thr)
        {
            int n = _x.Length;
            var mvx = new float[n];
            var mvy = new float[n];
            var has = new bool[n];
            for (int i = 0; i < n; i++)
                if (score[i] >= thr) { mvx[i] = nx[i] - _x[i]; mvy[i] = ny[i] - _y[i]; has[i] = true; }
            foreach (var c in coarse) { mvx[c.I] = c.X - _x[c.I]; mvy[c.I] = c.Y - _y[c.I]; has[c.I] = true; }
            var accepted = new List<(int I, float X, float Y, float Sim)>();
            foreach (var c in coarse)
            {
                // The k nearest other points (on the previous frame) that have a motion estimate.
                var near = new List<(float D, int J)>();
                for (int j = 0; j < n; j++)
                {
                    if (j == c.I || !has[j]) continue;
                    float dx = _x[j] - _x[c.I], dy = _y[j] - _y[c.I];
                    near.Add((dx * dx + dy * dy, j));
                }
                if (near.Count < _fusion.Neighbours) continue;
                near.Sort((a, b) => a.D.CompareTo(b.D));
                var js = near.Take(_fusion.Neighbours).Select(p => p.J).ToArray();
                float rx = Median(js.Select(j => mvx[j])), ry = Median(js.Select(j => mvy[j]));
                float ex = mvx[c.I] - rx, ey = mvy[c.I] - ry;
                float tol = Math.Max(_fusion.CycleTolerance, 0.5f * MathF.Sqrt(rx * rx + ry * ry));
                if (ex * ex + ey * ey <= tol * tol) accepted.Add(c);
            }
            foreach (var c in accepted)
            {
                score[c.I] = thr + (1 - thr) * (c.Sim - _fusion.MatchSimilarity) / Math.Max(1e-3f, 1 - _fusion.MatchSimilarity);
                nx[c.I] = c.X;
                ny[c.I] = c.Y;
            }
        }

        private static float Median(IEnumerable<float> values)
        {
            float[] v = [.. values];
            Array.Sort(v);
            return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5f * (v[v.Length / 2 - 1] + v[v.Length / 2]);
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Array.Clear(_anchor);
            foreach (ImagePyramid p in _owned) p.Dispose();
            _owned.Clear();
            _matcher?.Dispose();
        }
    }
}
