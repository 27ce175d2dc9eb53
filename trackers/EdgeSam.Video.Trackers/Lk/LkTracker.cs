using EdgeSam.Video.Media;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers.Lk;

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
        return new LkTrack(this, ImagePyramid.Build(frame, _options.PyramidLevels), points);
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
        private readonly LkTracker _tracker;
        private readonly LucasKanade _lk;
        private readonly int _width, _height;
        private readonly float[] _x, _y;
        private readonly ImagePyramid?[] _anchor;
        private readonly float[] _ax, _ay;
        private readonly int[] _age;
        private float _vx, _vy;
        private bool _disposed;

        public LkTrack(LkTracker tracker, ImagePyramid first, ReadOnlySpan<(float X, float Y)> points)
        {
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
            for (int i = 0; i < n; i++)
            {
                nx[i] = _x[i];
                ny[i] = _y[i];
                ImagePyramid? anchor = _anchor[i];
                if (anchor is null) continue;
                // Constant-velocity guess: the group's median motion on the previous step.
                var (fwd, fb) = TrackFb(_lk, anchor, current, _ax[i], _ay[i], _x[i] + _vx, _y[i] + _vy);
                score[i] = _tracker.Score(fwd, fb);
                if (fwd.Ok) { nx[i] = fwd.X; ny[i] = fwd.Y; }
                if (score[i] >= _tracker._threshold)
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
            _disposed = true;
            Array.Clear(_anchor);
        }
    }
}
