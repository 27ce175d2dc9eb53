using EdgeSam.Video.Media;
using EdgeSam.Video.Onnx;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers.Onnx;

/// <summary>
/// <c>onnx-window</c>: adapter for a user-supplied windowed point tracker exported to ONNX in the CoTracker/PIPs
/// style. The contract (found by rank, whatever the names):
/// <list type="bullet">
/// <item>input video, float32 <c>[1, T, 3, H, W]</c>, RGB 0..255;</item>
/// <item>input queries, float32 <c>[1, N, 3]</c>: (t, x, y) with t the frame index inside the window and x, y in
/// model-input pixels;</item>
/// <item>output tracks, float32 <c>[1, T, N, 2]</c>: (x, y) per frame in model-input pixels;</item>
/// <item>output visibility, float32 (or bool) <c>[1, T, N]</c>: probabilities, or logits when
/// <see cref="TrackerOptions.VisibilityLogits"/> is set.</item>
/// </list>
/// T, H and W come from the model's fixed input dimensions, else from <see cref="TrackerOptions.WindowLength"/> and
/// <see cref="TrackerOptions.WindowInputSize"/>, else from the model's custom metadata (keys <c>window_length</c>,
/// <c>input_size</c> as <c>WxH</c>), else H x W is the frame size. The overlap likewise comes from
/// <see cref="TrackerOptions.WindowOverlap"/>, else metadata <c>window_overlap</c>, else T/2; logits from
/// <see cref="TrackerOptions.VisibilityLogits"/> or metadata <c>visibility</c> = <c>logits</c>. An exporter writes
/// these with <c>onnx.helper.set_model_props</c> (models/README.md). Frames are resized to H x W and coordinates
/// scaled back. Long blocks run as sliding windows advancing by <c>T - overlap</c> frames; points already tracked are
/// re-seeded on each window's first frame from their current estimate. A fixed N is filled by padding (or chunking).
/// Online use (<see cref="Start"/>/<see cref="IPointTrack.Step"/>) runs one window per frame over the last T frames.
/// </summary>
public sealed class OnnxWindowTracker : IPointTracker
{
    private readonly OrtInferenceSession _session;
    private readonly string _videoName, _queriesName, _tracksName, _visName;
    private readonly bool _visLogits, _visBool;
    private readonly int _fixedT, _fixedH, _fixedW, _fixedN;
    private readonly (int Width, int Height)? _inputSize;
    private readonly TrackerOptions _options;
    private readonly float _threshold;

    public OnnxWindowTracker(string modelPath, TrackerOptions? options = null)
    {
        _options = options ?? new TrackerOptions();
        var so = new OrtSessionOptions { IntraOpThreads = _options.Threads, InterOpThreads = 1, ExecutionDevice = _options.Device };
        _session = new OrtInferenceSession(modelPath, so);
        try
        {
            string Fail(string what) => $"{modelPath} does not look like a windowed tracker export ({what}); it needs inputs video float[1,T,3,H,W] and queries float[1,N,3], outputs tracks float[1,T,N,2] and visibility [1,T,N]";
            OrtTensorInfo video = _session.Inputs.FirstOrDefault(i => i.Shape.Length == 5) ?? throw new EdgeSamException(Fail("no rank-5 video input"));
            OrtTensorInfo queries = _session.Inputs.FirstOrDefault(i => i.Shape.Length == 3 && i.Shape[2] == 3) ?? throw new EdgeSamException(Fail("no [1,N,3] queries input"));
            OrtTensorInfo tracks = _session.Outputs.FirstOrDefault(o => o.Shape.Length == 4 && o.Shape[3] == 2) ?? throw new EdgeSamException(Fail("no [1,T,N,2] tracks output"));
            OrtTensorInfo vis = _session.Outputs.FirstOrDefault(o => o.Shape.Length == 3) ?? throw new EdgeSamException(Fail("no [1,T,N] visibility output"));
            if (_session.Inputs.Count != 2) throw new EdgeSamException(Fail($"it has {_session.Inputs.Count} inputs"));
            if (video.ElementType != TensorElementType.Float || queries.ElementType != TensorElementType.Float || tracks.ElementType != TensorElementType.Float)
                throw new EdgeSamException(Fail("video, queries and tracks must be float32"));
            if (vis.ElementType is not (TensorElementType.Float or TensorElementType.Bool))
                throw new EdgeSamException(Fail($"visibility is {vis.ElementType}"));
            if (video.Shape[2] is not (3 or -1)) throw new EdgeSamException(Fail("video channel dimension is not 3"));
            (_videoName, _queriesName, _tracksName, _visName) = (video.Name, queries.Name, tracks.Name, vis.Name);
            _visBool = vis.ElementType == TensorElementType.Bool;
            string? metaVis = _session.CustomMetadata("visibility");
            if (metaVis is not null && metaVis is not ("logits" or "probability"))
                throw new EdgeSamException($"{modelPath}: metadata visibility '{metaVis}' is neither 'logits' nor 'probability'; fix the export's metadata");
            _visLogits = (_options.VisibilityLogits || metaVis == "logits") && !_visBool;
            int? metaT = MetaInt(_session, modelPath, "window_length"), metaOverlap = MetaInt(_session, modelPath, "window_overlap");
            _inputSize = _options.WindowInputSize ?? MetaSize(_session, modelPath);
            _fixedT = (int)video.Shape[1];
            _fixedH = (int)video.Shape[3];
            _fixedW = (int)video.Shape[4];
            _fixedN = (int)queries.Shape[1];
            int t = _fixedT > 0 ? _fixedT : _options.WindowLength ?? metaT
                ?? throw new EdgeSamException($"{modelPath} has a dynamic window length: pass --window-length T (TrackerOptions.WindowLength), or store window_length in the model's metadata");
            if (t < 2) throw new EdgeSamException($"window length {t} of {modelPath} is too short: a window needs at least 2 frames");
            if (_fixedT > 0 && _options.WindowLength is int wl && wl != _fixedT)
                throw new EdgeSamException($"window length {wl} was asked but {modelPath} takes exactly {_fixedT} frames; leave the window length out");
            WindowLength = t;
            if (_fixedT > 0 && _options.WindowLength is null && metaT is int mt && mt != _fixedT)
                throw new EdgeSamException($"{modelPath}: metadata window_length {mt} contradicts its video input's {_fixedT} frames; fix the export's metadata");
            Overlap = _options.WindowOverlap ?? metaOverlap ?? t / 2;
            if (Overlap < 0 || Overlap >= t) throw new EdgeSamException($"window overlap {Overlap} must be in [0, {t - 1}] for a {t}-frame window");
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        _threshold = _options.VisibilityThreshold ?? 0.5f;
    }

    public string Name => "onnx-window";
    public float VisibilityThreshold => _threshold;
    public TrackerMode PreferredMode => TrackerMode.Windowed;
    public int WindowLength { get; }

    /// <summary>Frames shared by consecutive windows.</summary>
    public int Overlap { get; }

    private ModelFrame Geometry(int fw, int fh)
    {
        int w = _fixedW > 0 ? _fixedW : _inputSize?.Width ?? fw;
        int h = _fixedH > 0 ? _fixedH : _inputSize?.Height ?? fh;
        return new ModelFrame(fw, fh, w, h);
    }

    private static int? MetaInt(OrtInferenceSession session, string path, string key)
    {
        string? v = session.CustomMetadata(key);
        if (v is null) return null;
        return int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n)
            ? n : throw new EdgeSamException($"{path}: metadata {key} '{v}' is not a whole number; fix the export's metadata");
    }

    private static (int Width, int Height)? MetaSize(OrtInferenceSession session, string path)
    {
        string? v = session.CustomMetadata("input_size");
        if (v is null) return null;
        return SizeText.TryParse(v) ?? throw new EdgeSamException($"{path}: metadata input_size '{v}' is not WxH (e.g. 512x384); fix the export's metadata");
    }

    public TrackedPoint[][] TrackWindow(IReadOnlyList<RgbImage> frames, ReadOnlySpan<QueryPoint> queries)
    {
        ArgumentNullException.ThrowIfNull(frames);
        int count = frames.Count, n = queries.Length;
        if (count == 0) return [];
        for (int i = 0; i < n; i++)
            if ((uint)queries[i].Frame >= (uint)count)
                throw new ArgumentOutOfRangeException(nameof(queries), $"Query {i} is on frame {queries[i].Frame}, the block holds {count} frames.");
        int fw = frames[0].Width, fh = frames[0].Height;
        var result = new TrackedPoint[count][];
        for (int f = 0; f < count; f++)
        {
            if (frames[f].Width != fw || frames[f].Height != fh)
                throw new ArgumentException($"Frame {f} is {frames[f].Width}x{frames[f].Height}, frame 0 is {fw}x{fh}.", nameof(frames));
            result[f] = new TrackedPoint[n];
            for (int i = 0; i < n; i++) result[f][i] = new TrackedPoint(queries[i].X, queries[i].Y, 0);
        }
        for (int i = 0; i < n; i++)
        {
            QueryPoint q = queries[i];
            result[q.Frame][i] = new TrackedPoint(q.X, q.Y, FrameBorder.IsInside(q.X, q.Y, fw, fh) ? 1 : 0);
        }
        if (n == 0) return result;
        int t = WindowLength, step = t - Overlap;
        QueryPoint[] q0 = queries.ToArray();
        for (int s = 0; ; s += step)
        {
            var window = new List<RgbImage>(t);
            for (int k = 0; k < t && s + k < count; k++) window.Add(frames[s + k]);
            var idx = new List<int>();
            var seeds = new List<(int T, float X, float Y)>();
            for (int i = 0; i < n; i++)
            {
                int qf = q0[i].Frame;
                if (qf >= s + window.Count) continue;          // starts in a later window
                if (qf < s) seeds.Add((0, result[s][i].X, result[s][i].Y)); // re-seed from the current estimate
                else seeds.Add((qf - s, q0[i].X, q0[i].Y));
                idx.Add(i);
            }
            if (idx.Count > 0)
            {
                var (xs, ys, vs) = RunWindow(window, seeds);
                int m = seeds.Count;
                for (int j = 0; j < m; j++)
                {
                    int i = idx[j];
                    for (int k = seeds[j].T + 1; k < window.Count; k++)
                    {
                        float x = xs[k * m + j], y = ys[k * m + j];
                        float v = FrameBorder.IsInside(x, y, fw, fh) ? vs[k * m + j] : 0;
                        result[s + k][i] = new TrackedPoint(x, y, v);
                    }
                }
            }
            if (s + t >= count) break;
        }
        return result;
    }

    /// <summary>
    /// Runs the model over up to T frames (the last repeated to fill the window) for queries (t, x, y) in frame
    /// pixels. Returns per frame k and query j (index k * m + j) the position in frame pixels and visibility in [0, 1].
    /// </summary>
    private (float[] X, float[] Y, float[] V) RunWindow(IReadOnlyList<RgbImage> window, List<(int T, float X, float Y)> seeds)
    {
        int t = WindowLength, m = seeds.Count;
        ModelFrame g = Geometry(window[0].Width, window[0].Height);
        int plane = 3 * g.Width * g.Height;
        var video = new float[(long)t * plane is var total && total <= int.MaxValue ? (int)total : throw new EdgeSamException($"a {t}-frame window of {g.Width}x{g.Height} is too large")];
        for (int k = 0; k < t; k++)
            g.WritePlanar(window[Math.Min(k, window.Count - 1)], video.AsSpan(k * plane, plane), 1, 0);
        var xs = new float[t * m];
        var ys = new float[t * m];
        var vs = new float[t * m];
        int chunk = _fixedN > 0 ? _fixedN : m;
        using OrtValue videoValue = OrtValue.CreateTensor(video, 1, t, 3, g.Height, g.Width);
        for (int start = 0; start < m; start += chunk)
        {
            int len = Math.Min(chunk, m - start);
            var q = new float[chunk * 3];
            for (int j = 0; j < chunk; j++)
            {
                // Padding repeats the chunk's first query; its outputs are dropped.
                var (qt, qx, qy) = seeds[start + (j < len ? j : 0)];
                var (mx, my) = g.ToModel(qx, qy);
                q[j * 3] = qt;
                q[j * 3 + 1] = mx;
                q[j * 3 + 2] = my;
            }
            using OrtValue qv = OrtValue.CreateTensor(q, 1, chunk, 3);
            using OrtRunOutputs outputs = _session.Run([new NamedOrtValue(_videoName, videoValue), new NamedOrtValue(_queriesName, qv)], [_tracksName, _visName]);
            OrtValue tracks = outputs[0], vis = outputs[1];
            if (tracks.Shape.Length != 4 || tracks.Shape[1] != t || tracks.Shape[2] != chunk || tracks.Shape[3] != 2)
                throw new EdgeSamException($"{_session.ModelName}: output {_tracksName} came back as {tracks}, expected [1,{t},{chunk},2]");
            if (vis.Shape.Length != 3 || vis.Shape[1] != t || vis.Shape[2] != chunk)
                throw new EdgeSamException($"{_session.ModelName}: output {_visName} came back as {vis}, expected [1,{t},{chunk}]");
            ReadOnlySpan<float> tr = tracks.GetTensorData<float>();
            for (int k = 0; k < t; k++)
                for (int j = 0; j < len; j++)
                {
                    int o = (k * chunk + j) * 2;
                    var (fx, fy) = g.ToFrame(tr[o], tr[o + 1]);
                    xs[k * m + start + j] = fx;
                    ys[k * m + start + j] = fy;
                    float v;
                    if (_visBool) v = vis.GetTensorData<bool>()[k * chunk + j] ? 1 : 0;
                    else
                    {
                        v = vis.GetTensorData<float>()[k * chunk + j];
                        if (_visLogits) v = 1 / (1 + MathF.Exp(-v));
                    }
                    vs[k * m + start + j] = float.IsFinite(v) ? Math.Clamp(v, 0, 1) : 0;
                }
        }
        return (xs, ys, vs);
    }

    public IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return new OnlineTrack(this, frame, points.ToArray());
    }

    public void Dispose() => _session.Dispose();

    /// <summary>
    /// Online driving: keeps the last T frames and the estimates on them; each step runs one window over them with
    /// the points seeded on the oldest kept frame, and reports the newest frame.
    /// </summary>
    private sealed class OnlineTrack(OnnxWindowTracker owner, RgbImage first, (float X, float Y)[] points) : IPointTrack
    {
        private readonly List<RgbImage> _frames = [first];
        private readonly List<(float X, float Y)[]> _estimates = [points];

        public int PointCount => points.Length;

        public TrackedPoint[] Step(RgbImage frame)
        {
            ArgumentNullException.ThrowIfNull(frame);
            if (frame.Width != first.Width || frame.Height != first.Height)
                throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}, the track started on {first.Width}x{first.Height}.", nameof(frame));
            _frames.Add(frame);
            if (_frames.Count > owner.WindowLength)
            {
                _frames.RemoveAt(0);
                _estimates.RemoveAt(0);
            }
            int n = points.Length;
            var result = new TrackedPoint[n];
            if (n == 0) { _estimates.Add([]); return result; }
            var seeds = new List<(int T, float X, float Y)>(n);
            foreach (var (x, y) in _estimates[0]) seeds.Add((0, x, y));
            var (xs, ys, vs) = owner.RunWindow(_frames, seeds);
            int k = _frames.Count - 1;
            var now = new (float X, float Y)[n];
            for (int j = 0; j < n; j++)
            {
                float x = xs[k * n + j], y = ys[k * n + j];
                now[j] = (x, y);
                result[j] = new TrackedPoint(x, y, FrameBorder.IsInside(x, y, frame.Width, frame.Height) ? vs[k * n + j] : 0);
            }
            _estimates.Add(now);
            return result;
        }

        public void Dispose() => _frames.Clear();
    }
}
