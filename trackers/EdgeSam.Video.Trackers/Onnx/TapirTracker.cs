using EdgeSam.Video.Media;
using EdgeSam.Video.Onnx;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers.Onnx;

/// <summary>
/// <c>tapir</c>: adapter for the public causal TAPIR / BootsTAPIR ONNX export (the community export of
/// google-deepmind/tapnet's causal model, github.com/ibaiGorordo/Tapir-Pytorch-Inference <c>onnx_export.py</c>):
/// two files in one folder.
/// <list type="bullet">
/// <item><c>tapir.onnx</c> (one frame per run): inputs <c>input_frame</c> float [1,3,R,R] RGB in [-1,1],
/// <c>query_feats</c> [1,N,256], <c>hires_query_feats</c> [1,N,128], <c>causal_state</c> [I,B,N,2,C]; outputs
/// <c>tracks</c> [1,N,2] (x, y in input pixels, pixel edges at integers), <c>visibles</c> [1,N] (bool, or float
/// probability), <c>new_causal_state</c> (same shape as the input state, fed back next frame; older exports name it
/// <c>causal_state</c>), <c>feature_grid</c> [1,R/8,R/8,256], <c>hires_feats_grid</c> [1,R/4,R/4,128].</item>
/// <item><c>tapir_pointencoder.onnx</c>: inputs <c>query_points</c> [1,N,2] as (y, x) pixels of the R x R input
/// (pixel edges at integers), <c>feature_grid</c>, <c>hires_feats_grid</c> (from a <c>tapir.onnx</c> run on the query
/// frame) and <c>input_resolution</c> (int64 [2] = R, R), which a traced export may have folded into a constant;
/// outputs <c>query_feats</c>, <c>hires_query_feats</c>. The export's <c>get_query_features</c> scales the points by
/// grid size / input_resolution, so they are pixels with or without that input (a summary that calls them normalised
/// (x, y) does not match the export's code, which this adapter follows).</item>
/// </list>
/// Start runs <c>tapir.onnx</c> once on the query frame for its feature grids, encodes the queries, then runs it
/// again on the query frame with the real query features and a zero state (as the export's own example does), so
/// each Step is one run. A fixed N is filled by padding; more points than N run as several groups, each with its
/// own state.
/// </summary>
public sealed class TapirTracker : OnlineTrackerBase
{
    public const string EncoderFile = "tapir_pointencoder.onnx";
    public const string PredictorFile = "tapir.onnx";

    private readonly OrtInferenceSession _encoder, _predictor;
    private readonly int _resolution;
    private readonly int _fixedN;
    private readonly long[] _stateShape;
    private readonly string _stateOut;
    private readonly bool _encoderTakesResolution, _visBool;
    private readonly float _threshold;

    public TapirTracker(string modelDirectory, TrackerOptions? options = null)
    {
        options ??= new TrackerOptions();
        string enc = Path.Combine(modelDirectory, EncoderFile), pred = Path.Combine(modelDirectory, PredictorFile);
        foreach (string f in new[] { enc, pred })
            if (!File.Exists(f)) throw new EdgeSamException($"TAPIR model file {f} not found: the tapir tracker needs {EncoderFile} and {PredictorFile} in one folder (export them with Tapir-Pytorch-Inference's onnx_export.py)");
        var so = new OrtSessionOptions { IntraOpThreads = options.Threads, InterOpThreads = 1, ExecutionDevice = options.Device };
        _predictor = new OrtInferenceSession(pred, so);
        try
        {
            _encoder = new OrtInferenceSession(enc, so);
        }
        catch
        {
            _predictor.Dispose();
            throw;
        }
        try
        {
            OrtTensorInfo frame = _predictor.Input("input_frame");
            if (frame.Shape.Length != 4 || frame.Shape[1] != 3 || frame.Shape[2] <= 0 || frame.Shape[2] != frame.Shape[3])
                throw new EdgeSamException($"{pred}: input_frame is {frame}, expected float[1,3,R,R] with a fixed R; re-export with a fixed --resolution");
            _resolution = (int)frame.Shape[2];
            OrtTensorInfo state = _predictor.Input("causal_state");
            _stateShape = [.. state.Shape];
            _fixedN = (int)_predictor.Input("query_feats").Shape[1];
            if (_stateShape.Length != 5) throw new EdgeSamException($"{pred}: causal_state is {state}, expected [iterations, blocks, N, 2, channels]");
            for (int d = 0; d < 5; d++)
                if (d != 2 && _stateShape[d] <= 0) throw new EdgeSamException($"{pred}: causal_state {state} has a dynamic dimension {d}; only N may be dynamic");
            _stateOut = _predictor.Outputs.Any(o => o.Name == "new_causal_state") ? "new_causal_state" : "causal_state";
            _predictor.Output(_stateOut);
            _predictor.Output("tracks");
            OrtTensorInfo vis = _predictor.Output("visibles");
            _visBool = vis.ElementType == TensorElementType.Bool;
            _predictor.Output("feature_grid");
            _predictor.Output("hires_feats_grid");
            _encoder.Input("query_points");
            _encoderTakesResolution = _encoder.Inputs.Any(i => i.Name == "input_resolution");
            _encoder.Output("query_feats");
            _encoder.Output("hires_query_feats");
        }
        catch
        {
            _predictor.Dispose();
            _encoder.Dispose();
            throw;
        }
        _threshold = options.VisibilityThreshold ?? 0.5f;
    }

    public override string Name => "tapir";
    public override float VisibilityThreshold => _threshold;

    /// <summary>The model's square input size R.</summary>
    public int Resolution => _resolution;

    public override IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return new Track(this, frame, points.ToArray());
    }

    public override void Dispose()
    {
        _predictor.Dispose();
        _encoder.Dispose();
        base.Dispose();
    }

    /// <summary>One group of at most N points with its query features and causal state.</summary>
    private sealed class Group
    {
        public required int Start;
        public required int Count;
        public required int N;
        public required float[] QueryFeats;
        public required long[] QueryFeatsShape;
        public required float[] HiresFeats;
        public required long[] HiresFeatsShape;
        public required float[] State;
        public required long[] StateShape;
    }

    private sealed class Track : IPointTrack
    {
        private readonly TapirTracker _owner;
        private readonly ModelFrame _geometry;
        private readonly float[] _input;
        private readonly List<Group> _groups = [];
        private readonly int _count;

        public Track(TapirTracker owner, RgbImage first, (float X, float Y)[] points)
        {
            _owner = owner;
            _count = points.Length;
            int r = owner._resolution;
            _geometry = new ModelFrame(first.Width, first.Height, r, r);
            _input = new float[3 * r * r];
            _geometry.WritePlanar(first, _input, 2f / 255, -1);
            int chunk = owner._fixedN > 0 ? owner._fixedN : Math.Max(1, points.Length);
            for (int start = 0; start < points.Length; start += chunk)
            {
                int len = Math.Min(chunk, points.Length - start);
                _groups.Add(Encode(points.AsSpan(start, len), start, chunk));
            }
            // Prime the causal state on the query frame (the export's example feeds the query frame first).
            Run();
        }

        public int PointCount => _count;

        private Group Encode(ReadOnlySpan<(float X, float Y)> pts, int start, int n)
        {
            TapirTracker o = _owner;
            int r = o._resolution;
            long[] stateShape = [.. o._stateShape];
            stateShape[2] = n;
            var zeroState = new float[stateShape.Aggregate(1L, (a, b) => a * b)];
            long[] qfShape = [1, n, o._predictor.Input("query_feats").Shape[2]];
            long[] hfShape = [1, n, o._predictor.Input("hires_query_feats").Shape[2]];
            var qf = new float[qfShape[1] * qfShape[2]];
            var hf = new float[hfShape[1] * hfShape[2]];
            // A run with empty queries yields the query frame's feature grids.
            float[] grid, hires;
            long[] gridShape, hiresShape;
            using (OrtValue frame = OrtValue.CreateTensor(_input, 1, 3, r, r))
            using (OrtValue q = OrtValue.CreateTensor(qf, qfShape))
            using (OrtValue h = OrtValue.CreateTensor(hf, hfShape))
            using (OrtValue s = OrtValue.CreateTensor(zeroState, stateShape))
            using (OrtRunOutputs outs = o._predictor.Run([new("input_frame", frame), new("query_feats", q), new("hires_query_feats", h), new("causal_state", s)], ["feature_grid", "hires_feats_grid"]))
            {
                grid = outs[0].ToArray<float>();
                gridShape = outs[0].Shape.ToArray();
                hires = outs[1].ToArray<float>();
                hiresShape = outs[1].Shape.ToArray();
            }
            var qp = new float[n * 2];
            for (int j = 0; j < n; j++)
            {
                var (x, y) = _geometry.ToModel(pts[j < pts.Length ? j : 0].X, pts[j < pts.Length ? j : 0].Y);
                // (y, x), pixel edges at integers: the centre of model pixel i is i + 0.5.
                float ye = y + 0.5f, xe = x + 0.5f;
                qp[j * 2] = ye;
                qp[j * 2 + 1] = xe;
            }
            var inputs = new List<NamedOrtValue>();
            try
            {
                inputs.Add(new("query_points", OrtValue.CreateTensor(qp, 1, n, 2)));
                inputs.Add(new("feature_grid", OrtValue.CreateTensor(grid, gridShape)));
                inputs.Add(new("hires_feats_grid", OrtValue.CreateTensor(hires, hiresShape)));
                if (o._encoderTakesResolution)
                {
                    OrtTensorInfo res = o._encoder.Input("input_resolution");
                    inputs.Add(new("input_resolution", res.ElementType == TensorElementType.Int32
                        ? OrtValue.CreateTensor(new[] { r, r }, 2)
                        : OrtValue.CreateTensor(new long[] { r, r }, 2)));
                }
                using OrtRunOutputs enc = o._encoder.Run([.. inputs], ["query_feats", "hires_query_feats"]);
                return new Group
                {
                    Start = start, Count = pts.Length, N = n,
                    QueryFeats = enc[0].ToArray<float>(), QueryFeatsShape = enc[0].Shape.ToArray(),
                    HiresFeats = enc[1].ToArray<float>(), HiresFeatsShape = enc[1].Shape.ToArray(),
                    State = zeroState, StateShape = stateShape,
                };
            }
            finally
            {
                foreach (NamedOrtValue v in inputs) v.Value.Dispose();
            }
        }

        /// <summary>Runs every group on the frame in <see cref="_input"/>; returns positions (frame pixels) and visibility.</summary>
        private TrackedPoint[] Run()
        {
            TapirTracker o = _owner;
            int r = o._resolution;
            var result = new TrackedPoint[_count];
            foreach (Group g in _groups)
            {
                using OrtValue frame = OrtValue.CreateTensor(_input, 1, 3, r, r);
                using OrtValue q = OrtValue.CreateTensor(g.QueryFeats, g.QueryFeatsShape);
                using OrtValue h = OrtValue.CreateTensor(g.HiresFeats, g.HiresFeatsShape);
                using OrtValue s = OrtValue.CreateTensor(g.State, g.StateShape);
                using OrtRunOutputs outs = o._predictor.Run([new("input_frame", frame), new("query_feats", q), new("hires_query_feats", h), new("causal_state", s)], ["tracks", "visibles", o._stateOut]);
                OrtValue tracks = outs[0], vis = outs[1], state = outs[2];
                if (tracks.ElementCount != g.N * 2 || vis.ElementCount != g.N || state.ElementCount != g.State.Length)
                    throw new EdgeSamException($"{o._predictor.ModelName}: outputs came back as tracks {tracks}, visibles {vis}, state {state} for {g.N} points");
                state.GetTensorData<float>().CopyTo(g.State);
                ReadOnlySpan<float> t = tracks.GetTensorData<float>();
                for (int j = 0; j < g.Count; j++)
                {
                    // Pixel edges at integers -> centres at integers, then back to the frame.
                    var (x, y) = _geometry.ToFrame(t[j * 2] - 0.5f, t[j * 2 + 1] - 0.5f);
                    float v = o._visBool ? (vis.GetTensorData<bool>()[j] ? 1 : 0) : Math.Clamp(vis.GetTensorData<float>()[j], 0, 1);
                    if (!FrameBorder.IsInside(x, y, _geometry.FrameWidth, _geometry.FrameHeight)) v = 0;
                    result[g.Start + j] = new TrackedPoint(x, y, v);
                }
            }
            return result;
        }

        public TrackedPoint[] Step(RgbImage frame)
        {
            ArgumentNullException.ThrowIfNull(frame);
            _geometry.WritePlanar(frame, _input, 2f / 255, -1);
            return Run();
        }

        public void Dispose() => _groups.Clear();
    }
}
