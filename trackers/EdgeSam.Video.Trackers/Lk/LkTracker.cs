using EdgeSam.Video.Media;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers.Lk;

/// <summary>How LK and a coarse matcher are combined (see <see cref="ICoarseMatcher"/>).</summary>
/// <param name="SearchRadius">Frame pixels around the predicted position searched by the matcher.</param>
/// <param name="MinSimilarity">Descriptor similarity below which a position is not the point (occluded or lost).</param>
/// <param name="Margin">How much better the matcher's best position must look than LK's before LK is restarted there.</param>
internal readonly record struct CoarseFusion(float SearchRadius, float MinSimilarity, float Margin);

/// <summary>
/// <c>lk</c>: pyramidal Lucas-Kanade point tracking with a forward-backward visibility score. No weights.
/// Each frame's pyramid is built once and shared by every point and both directions. A point is tracked from its
/// last reliable observation (normally the previous frame): when the round trip back lands near where it started and
/// the window still matches, the point is visible and that frame becomes its new anchor; otherwise it is invisible,
/// follows its visible neighbours' median motion, and is retried from the same anchor on the next frames
/// (re-acquisition after a short occlusion) until <see cref="LkOptions.MaxGap"/> frames have passed.
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
        return new LkTrack(this, ImagePyramid.Build(frame, _options.PyramidLevels), points, null, default);
    }

    /// <summary>Starts a track whose search is helped by <paramref name="matcher"/> (owned by the track from here on).</summary>
    internal IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points, ICoarseMatcher matcher, CoarseFusion fusion)
    {
        ArgumentNullException.ThrowIfNull(frame);
        try
        {
            matcher.Start(frame, points);
            return new LkTrack(this, ImagePyramid.Build(frame, _options.PyramidLevels), points, matcher, fusion);
        }
        catch
        {
            matcher.Dispose();
            throw;
        }
    }

    /// <summary>Forward-backward tracking of one point; shared with trackers that refine coarse matches by LK.</summary>
    internal static (LkResult Forward, float FbError) TrackFb(LucasKanade lk, ImagePyramid from, ImagePyramid to, float x, float y, float guessX, float guessY)
    {
        LkResult fwd = lk.Track(from, to, x, y, guessX, guessY);
        if (!fwd.Ok) return (fwd, float.PositiveInfinity);
        LkResult back = lk.Track(to, from, fwd.X, fwd.Y, x, y);
        if (!back.Ok) return (fwd, float.PositiveInfinity);
        float ex = back.X - x, ey = back.Y - y;
        return (fwd, MathF.Sqrt(ex * ex + ey * ey));
    }

    internal float Score(LkResult fwd, float fbError)
    {
        if (!fwd.Ok || !(fwd.Residual <= _options.MaxResidual) || !float.IsFinite(fbError)) return 0;
        float z = fbError / _options.ForwardBackwardSigma;
        return MathF.Exp(-0.5f * z * z);
    }

    private sealed class LkTrack : IPointTrack
    {
        private readonly ICoarseMatcher? _matcher;
        private readonly CoarseFusion _fusion;
        private readonly LkTracker _tracker;
        private readonly LucasKanade _lk;
        private readonly int _width, _height;
        private readonly float[] _x, _y;
        private readonly ImagePyramid?[] _anchor;
        private readonly float[] _ax, _ay;
        private readonly int[] _age;
        private float _vx, _vy;
        private bool _disposed;

        public LkTrack(LkTracker tracker, ImagePyramid first, ReadOnlySpan<(float X, float Y)> points, ICoarseMatcher? matcher, CoarseFusion fusion)
        {
            _matcher = matcher;
            _fusion = fusion;
            _tracker = tracker;
            _lk = new LucasKanade(tracker._options.Solver);
            _width = first.Width;
            _height = first.Height;
            int n = points.Length;
            _x = new float[n];
            _y = new float[n];
            _ax = new float[n];
            _ay = new float[n];
            _age = new int[n];
            _anchor = new ImagePyramid?[n];
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

        public TrackedPoint[] Step(RgbImage frame)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ArgumentNullException.ThrowIfNull(frame);
            if (frame.Width != _width || frame.Height != _height)
                throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}, the track started on {_width}x{_height}.", nameof(frame));
            ImagePyramid current = ImagePyramid.Build(frame, _tracker._options.PyramidLevels);
            int n = _x.Length;
            var result = new TrackedPoint[n];
            var score = new float[n];
            var nx = new float[n];
            var ny = new float[n];
            var moves = new List<(float Dx, float Dy)>(n);
            if (_matcher is not null)
            {
                var predicted = new (float X, float Y)[n];
                var live = new bool[n];
                for (int i = 0; i < n; i++) { predicted[i] = (_x[i] + _vx, _y[i] + _vy); live[i] = _anchor[i] is not null; }
                _matcher.Prepare(frame, predicted, live);
            }
            float thr = _tracker._threshold;
            for (int i = 0; i < n; i++)
            {
                nx[i] = _x[i];
                ny[i] = _y[i];
                ImagePyramid? anchor = _anchor[i];
                if (anchor is null) continue;
                // Constant-velocity guess: the group's median motion on the previous step.
                float gx = _x[i] + _vx, gy = _y[i] + _vy;
                var (fwd, fb) = TrackFb(_lk, anchor, current, _ax[i], _ay[i], gx, gy);
                score[i] = _tracker.Score(fwd, fb);
                if (fwd.Ok) { nx[i] = fwd.X; ny[i] = fwd.Y; }
                if (_matcher is not null)
                {
                    // LK's answer stands when it round-trips and looks like the point at least about as well as the
                    // best descriptor match nearby; otherwise LK is restarted from the descriptor match.
                    float simA = fwd.Ok ? _matcher.Similarity(i, fwd.X, fwd.Y) : -1;
                    var (bx, by, simB) = _matcher.Match(i, gx, gy, _fusion.SearchRadius);
                    bool acceptA = score[i] >= thr && simA >= _fusion.MinSimilarity && simA >= simB - _fusion.Margin;
                    if (!acceptA)
                    {
                        score[i] = 0;
                        if (simB >= _fusion.MinSimilarity)
                        {
                            var (fwdC, fbC) = TrackFb(_lk, anchor, current, _ax[i], _ay[i], bx, by);
                            float sC = _tracker.Score(fwdC, fbC);
                            float simC = fwdC.Ok ? _matcher.Similarity(i, fwdC.X, fwdC.Y) : -1;
                            if (sC >= thr && simC >= _fusion.MinSimilarity)
                            {
                                score[i] = sC;
                                nx[i] = fwdC.X;
                                ny[i] = fwdC.Y;
                            }
                        }
                    }
                }
                if (score[i] >= thr)
                {
                    moves.Add((nx[i] - _x[i], ny[i] - _y[i]));
                }
            }
            // Unreliable points move with the reliable ones (median: robust to the odd bad track).
            (float mdx, float mdy) = moves.Count > 0 ? (Median(moves.Select(m => m.Dx)), Median(moves.Select(m => m.Dy))) : (_vx, _vy);
            if (_tracker._options.PredictMotion) { _vx = mdx; _vy = mdy; }
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
                    nx[i] = _x[i] + mdx;
                    ny[i] = _y[i] + mdy;
                    if (_anchor[i] is not null && ++_age[i] > _tracker._options.MaxGap) _anchor[i] = null;
                }
                _x[i] = nx[i];
                _y[i] = ny[i];
                float vis = FrameBorder.IsInside(nx[i], ny[i], _width, _height) ? score[i] : 0;
                result[i] = new TrackedPoint(nx[i], ny[i], vis);
            }
            return result;
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
            _matcher?.Dispose();
        }
    }
}
