using EdgeSam.Video.Media;
using EdgeSam.Video.Onnx;
using EdgeSam.Video.Trackers.Lk;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers.XFeat;

/// <summary>Tunables of the <c>xfeat</c> tracker (its LK stage uses <see cref="XFeatTracker.DefaultLkOptions"/> unless given others).</summary>
public sealed record XFeatOptions
{
    /// <summary>Frame pixels around the predicted position where the descriptor match is searched.</summary>
    public float SearchRadius { get; init; } = 72;

    /// <summary>Cosine similarity of XFeat descriptors below which a position is not the tracked point.</summary>
    public float MinSimilarity { get; init; } = 0.7f;

    /// <summary>How much more similar the best descriptor match must be than LK's position to overrule LK.</summary>
    public float Margin { get; init; } = 0.15f;

    /// <summary>Similarity at or above which a cycle-consistent descriptor match is accepted when LK cannot confirm it.</summary>
    public float MatchSimilarity { get; init; } = 0.75f;

    /// <summary>Frame pixels a backward descriptor match may land from the previous position (cycle consistency).</summary>
    public float CycleTolerance { get; init; } = 8;

    /// <summary>Nearest points whose median motion a descriptor-only match must agree with (0 = no check).</summary>
    public int Neighbours { get; init; } = 3;

    /// <summary>Context kept around the points' bounding box when choosing the region XFeat describes, in frame pixels.</summary>
    public float RegionMargin { get; init; } = 64;

    /// <summary>Largest enlargement of a small region into the model input (finer cells for small objects).</summary>
    public float MaxUpscale { get; init; } = 1.5f;

    /// <summary>
    /// Frame pixels around the group's prediction where a point still lost after LK, the local descriptor search and
    /// group re-acquisition is looked for by a distinct descriptor match (see <see cref="DistinctRatio"/>); the
    /// described region bounds it in practice. 0 = off.
    /// </summary>
    public float ReacquireRadius { get; init; } = 160;

    /// <summary>
    /// Ratio test of that wide search: the best match (similarity at least <see cref="MatchSimilarity"/>) counts only
    /// when no place farther than <see cref="DistinctExclusion"/> from it reaches this share of its similarity.
    /// DAVIS 2016 TrackScore@8, xfeat (inside / visible / all inside): off 0.952 / 0.629 / 0.800; 0.90 0.951 / 0.652 /
    /// 0.807; 0.92 0.939 / 0.670 / 0.804; 0.94 0.917 / 0.732 / 0.791; 0.95 0.895 / 0.784 / 0.802.
    /// </summary>
    public float DistinctRatio { get; init; } = 0.9f;

    /// <summary>Frame pixels around the best match that the ratio test ignores (its own peak spreads over neighbouring cells).</summary>
    public float DistinctExclusion { get; init; } = 16;

    internal void Validate()
    {
        if (!(ReacquireRadius >= 0)) throw new ArgumentOutOfRangeException(nameof(ReacquireRadius), "ReacquireRadius must be 0 (off) or a positive number of pixels.");
        if (!(DistinctRatio is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(DistinctRatio), "DistinctRatio must be in (0, 1].");
        if (!(DistinctExclusion >= 0)) throw new ArgumentOutOfRangeException(nameof(DistinctExclusion), "DistinctExclusion must be at least 0 pixels.");
        if (!(SearchRadius > 0)) throw new ArgumentOutOfRangeException(nameof(SearchRadius));
        if (!(MinSimilarity is > -1 and < 1)) throw new ArgumentOutOfRangeException(nameof(MinSimilarity));
        if (!(Margin >= 0)) throw new ArgumentOutOfRangeException(nameof(Margin));
        if (!(RegionMargin >= 0)) throw new ArgumentOutOfRangeException(nameof(RegionMargin));
        if (!(MaxUpscale >= 0.1f)) throw new ArgumentOutOfRangeException(nameof(MaxUpscale));
    }
}

/// <summary>
/// <c>xfeat</c>: Lucas-Kanade tracking (as <see cref="LkTracker"/>) made robust by XFeat dense descriptors. On every
/// frame XFeat describes the region around the points' predicted positions (one model run at the model's fixed
/// input size, so a region that fits keeps native resolution). A point's LK position is kept when it round-trips and
/// its descriptor still matches the point's appearance (its first-frame descriptor plus its last reliable one) about as
/// well as the best match within <see cref="XFeatOptions.SearchRadius"/>; otherwise LK restarts from that best match,
/// which recovers fast motion. A point whose best match is dissimilar is invisible (occluded or gone). A point still
/// lost after that is looked for over a wider radius (<see cref="XFeatOptions.ReacquireRadius"/>) and re-acquired
/// only by a distinct match (ratio test, <see cref="XFeatOptions.DistinctRatio"/>).
/// </summary>
public sealed class XFeatTracker : OnlineTrackerBase
{
    private readonly LkTracker _lk;
    private readonly XFeatModel _model;
    private readonly XFeatOptions _options;

    /// <param name="modelPath">An XFeat ONNX file (<c>xfeat_WxH.onnx</c>).</param>
    /// <param name="threads">ONNX Runtime intra-op threads (0 = its default).</param>
    /// <param name="lk">Settings of the Lucas-Kanade stage (null = <see cref="DefaultLkOptions"/>).</param>
    /// <param name="options">Descriptor matching settings.</param>
    /// <param name="visibilityThreshold">Overrides the visibility threshold (0.5).</param>
    /// <param name="device">Where the XFeat network runs (the LK refinement is managed code on the CPU).</param>
    public XFeatTracker(string modelPath, int threads = 0, LkOptions? lk = null, XFeatOptions? options = null, float? visibilityThreshold = null,
        ExecutionDevice device = ExecutionDevice.Cpu)
    {
        _options = options ?? new XFeatOptions();
        _options.Validate();
        _lk = new LkTracker(lk ?? DefaultLkOptions, visibilityThreshold);
        _model = new XFeatModel(modelPath, threads, device);
    }

    /// <summary>
    /// The LK stage's defaults: <see cref="LkOptions"/>'s, but with the 21 px window, no chained re-acquisition
    /// (<see cref="LkOptions.ChainReacquire"/>) and no half-resolution retry (<see cref="LkOptions.CoarseRetry"/>): the
    /// descriptor search already re-acquires lost points, and on DAVIS 2016 TrackScore@8 these added mostly look-alike
    /// occluders (bmx-trees) while the larger window cost inside share. Lost points follow the dense flow
    /// (<see cref="LkOptions.LostPointMotion"/>) but are not re-acquired from it (<see cref="LkOptions.DenseReacquire"/>
    /// off: inside 0.952 -> 0.925 for visible 0.629 -> 0.689 on DAVIS 2016 TrackScore@8).
    /// </summary>
    public static LkOptions DefaultLkOptions { get; } = new() { WindowRadius = 10, ChainReacquire = false, CoarseRetry = false, DenseReacquire = false };

    /// <summary>The model-store entry used when no model path is given (the largest input of the published files).</summary>
    public const string DefaultModelName = "xfeat_320x224";

    public override string Name => "xfeat";
    public override float VisibilityThreshold => _lk.VisibilityThreshold;
    public XFeatOptions Options => _options;

    /// <summary>
    /// The XFeat file to use from <paramref name="path"/>: the file itself, or in a folder the <c>xfeat_WxH.onnx</c>
    /// with the largest input area. Null when the folder holds none.
    /// </summary>
    public static string? PickModel(string path)
    {
        if (File.Exists(path)) return path;
        if (!Directory.Exists(path)) return null;
        string? best = null;
        long bestArea = 0;
        foreach (string f in Directory.GetFiles(path, "xfeat_*x*.onnx"))
        {
            string stem = System.IO.Path.GetFileNameWithoutExtension(f)["xfeat_".Length..];
            string[] wh = stem.Split('x');
            if (wh.Length == 2 && int.TryParse(wh[0], out int w) && int.TryParse(wh[1], out int h) && (long)w * h > bestArea)
            {
                bestArea = (long)w * h;
                best = f;
            }
        }
        return best;
    }

    public override IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points) =>
        _lk.Start(frame, points, new Matcher(_model, _options), new CoarseFusion(_options.SearchRadius, _options.MinSimilarity, _options.Margin, _options.MatchSimilarity, _options.CycleTolerance, _options.Neighbours,
            _options.ReacquireRadius, _options.DistinctRatio, _options.DistinctExclusion));

    public override void Dispose()
    {
        _model.Dispose();
        _lk.Dispose();
        base.Dispose();
    }

    private sealed class Matcher(XFeatModel model, XFeatOptions options) : ICoarseMatcher
    {
        private float[] _first = [];
        private float[] _last = [];
        private float[] _reference = [];
        private DescriptorMap? _map, _previous;
        private readonly float[] _tmp = new float[DescriptorMap.Dim];

        public void Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points)
        {
            int n = points.Length;
            _first = new float[n * DescriptorMap.Dim];
            _last = new float[n * DescriptorMap.Dim];
            _reference = new float[n * DescriptorMap.Dim];
            var live = new bool[n];
            Array.Fill(live, true);
            Prepare(frame, points, live);
            for (int i = 0; i < n; i++)
            {
                _map!.SampleAt(points[i].X, points[i].Y, _first.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim));
                _first.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim).CopyTo(_last.AsSpan(i * DescriptorMap.Dim));
                _first.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim).CopyTo(_reference.AsSpan(i * DescriptorMap.Dim));
            }
        }

        public void Prepare(RgbImage frame, ReadOnlySpan<(float X, float Y)> predicted, ReadOnlySpan<bool> live)
        {
            // Region: the live points' box plus context, grown to the model's aspect, clipped to the frame where it can be.
            float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
            for (int i = 0; i < predicted.Length; i++)
            {
                if (!live[i]) continue;
                x0 = Math.Min(x0, predicted[i].X); x1 = Math.Max(x1, predicted[i].X);
                y0 = Math.Min(y0, predicted[i].Y); y1 = Math.Max(y1, predicted[i].Y);
            }
            if (x0 > x1) { x0 = 0; y0 = 0; x1 = frame.Width - 1; y1 = frame.Height - 1; }
            float m = options.RegionMargin + options.SearchRadius * 0.5f;
            x0 = Math.Max(0, x0 - m); y0 = Math.Max(0, y0 - m);
            x1 = Math.Min(frame.Width - 1, x1 + m); y1 = Math.Min(frame.Height - 1, y1 + m);
            float rw = x1 - x0 + 1, rh = y1 - y0 + 1;
            float scale = Math.Min(options.MaxUpscale, Math.Min(model.Width / rw, model.Height / rh));
            float fw = model.Width / scale, fh = model.Height / scale;
            float cx = (x0 + x1) * 0.5f, cy = (y0 + y1) * 0.5f;
            float ox = Fit(cx - fw * 0.5f, fw, frame.Width), oy = Fit(cy - fh * 0.5f, fh, frame.Height);
            _previous = _map;
            _map = model.Describe(frame, ox, oy, scale);
        }

        // Shifts a region start so the region stays inside [0, size) when it is smaller than the frame, else centres it.
        private static float Fit(float start, float length, int size) =>
            length >= size ? (size - length) * 0.5f : Math.Clamp(start, 0, size - length);

        public (float X, float Y, float Similarity) Match(int i, float x, float y, float radius) =>
            Search(_map!, _reference.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim), x, y, radius);

        public (float X, float Y, float Similarity, float Second) MatchDistinct(int i, float x, float y, float radius, float exclusion)
        {
            DescriptorMap map = _map!;
            ReadOnlySpan<float> r = _reference.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim);
            var (bx, by, best) = Search(map, r, x, y, radius);
            if (best <= -1) return (x, y, -1, -1);
            var (pcx, pcy) = map.ToCell(x, y);
            var (bcx, bcy) = map.ToCell(bx, by);
            float rc = radius * map.Scale / 8, ec = exclusion * map.Scale / 8;
            int cx0 = Math.Max(0, (int)MathF.Floor(pcx - rc)), cx1 = Math.Min(map.CellsX - 1, (int)MathF.Ceiling(pcx + rc));
            int cy0 = Math.Max(0, (int)MathF.Floor(pcy - rc)), cy1 = Math.Min(map.CellsY - 1, (int)MathF.Ceiling(pcy + rc));
            float second = -1;
            for (int cy = cy0; cy <= cy1; cy++)
                for (int cx = cx0; cx <= cx1; cx++)
                {
                    float dx = cx - pcx, dy = cy - pcy;
                    if (dx * dx + dy * dy > (rc + 0.5f) * (rc + 0.5f)) continue;
                    float ex = cx - bcx, ey = cy - bcy;
                    if (ex * ex + ey * ey < ec * ec) continue;
                    second = Math.Max(second, Dot(r, map.Cell(cx, cy)));
                }
            return (bx, by, best, second);
        }

        public bool CycleConsistent(float x, float y, float prevX, float prevY, float radius, float tolerance)
        {
            if (_previous is null || !_map!.Covers(x, y)) return false;
            var d = new float[DescriptorMap.Dim];
            _map.SampleAt(x, y, d);
            var (bx, by, _) = Search(_previous, d, prevX, prevY, radius);
            float ex = bx - prevX, ey = by - prevY;
            return ex * ex + ey * ey <= tolerance * tolerance;
        }

        private static (float X, float Y, float Similarity) Search(DescriptorMap map, ReadOnlySpan<float> r, float x, float y, float radius)
        {
            var (pcx, pcy) = map.ToCell(x, y);
            float rc = radius * map.Scale / 8;
            int cx0 = Math.Max(0, (int)MathF.Floor(pcx - rc)), cx1 = Math.Min(map.CellsX - 1, (int)MathF.Ceiling(pcx + rc));
            int cy0 = Math.Max(0, (int)MathF.Floor(pcy - rc)), cy1 = Math.Min(map.CellsY - 1, (int)MathF.Ceiling(pcy + rc));
            float best = -2;
            int bx = -1, by = -1;
            for (int cy = cy0; cy <= cy1; cy++)
                for (int cx = cx0; cx <= cx1; cx++)
                {
                    float dx = cx - pcx, dy = cy - pcy;
                    if (dx * dx + dy * dy > (rc + 0.5f) * (rc + 0.5f)) continue;
                    float s = Dot(r, map.Cell(cx, cy));
                    if (s > best) { best = s; bx = cx; by = cy; }
                }
            if (bx < 0) return (x, y, -1);
            // Sub-cell peak: a parabola through the best cell and its neighbours, per axis.
            float sx = bx, sy = by;
            if (bx > 0 && bx < map.CellsX - 1) sx += Peak(Dot(r, map.Cell(bx - 1, by)), best, Dot(r, map.Cell(bx + 1, by)));
            if (by > 0 && by < map.CellsY - 1) sy += Peak(Dot(r, map.Cell(bx, by - 1)), best, Dot(r, map.Cell(bx, by + 1)));
            var (fx, fy) = map.ToFrame(sx, sy);
            return (fx, fy, best);
        }

        private static float Peak(float left, float centre, float right)
        {
            float d = left - 2 * centre + right;
            return d < 0 ? Math.Clamp(0.5f * (left - right) / d, -0.5f, 0.5f) : 0;
        }

        public float Similarity(int i, float x, float y)
        {
            if (!_map!.Covers(x, y)) return -1;
            _map.SampleAt(x, y, _tmp);
            return Dot(_reference.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim), _tmp);
        }

        public void Update(int i, float x, float y)
        {
            if (!_map!.Covers(x, y)) return;
            Span<float> last = _last.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim);
            _map.SampleAt(x, y, last);
            // The reference mixes the first appearance (no drift) with the latest (follows deformation and lighting).
            Span<float> reference = _reference.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim);
            ReadOnlySpan<float> first = _first.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim);
            float norm = 0;
            for (int k = 0; k < reference.Length; k++) { reference[k] = first[k] + last[k]; norm += reference[k] * reference[k]; }
            float inv = norm > 0 ? 1 / MathF.Sqrt(norm) : 0;
            for (int k = 0; k < reference.Length; k++) reference[k] *= inv;
        }

        private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

        public void Dispose() { }
    }
}
