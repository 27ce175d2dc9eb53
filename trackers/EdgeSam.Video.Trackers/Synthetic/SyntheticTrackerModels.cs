using EdgeSam.Video.Onnx;
using EdgeSam.Video.Onnx.Builder;

namespace EdgeSam.Video.Trackers.Synthetic;

/// <summary>
/// Fake tracker exports with the real signatures, written as <c>synthetic-*</c> so nobody mistakes them for models:
/// their outputs follow a known rule, so the adapters' plumbing (resizing, coordinate conventions, windows, state)
/// can be checked exactly.
/// </summary>
public static class SyntheticTrackerModels
{
    /// <summary>
    /// A windowed tracker (CoTracker/PIPs signature): video float[1,T,3,H,W], queries float[1,N,3] (t, x, y) ->
    /// tracks float[1,T,N,2] = (x, y) + (frame - t) * (dx, dy) in model pixels; visibility float[1,T,N] = 1 while
    /// the point is inside the model frame, else 0. N is dynamic unless <paramref name="fixedN"/> is given; with
    /// <paramref name="dynamicT"/> the file declares T symbolic (it still computes exactly <paramref name="t"/> frames,
    /// as a traced export would), and <paramref name="metadata"/> goes into the model's metadata_props.
    /// </summary>
    public static string Window(string dir, int t, int w, int h, float dx, float dy, int? fixedN = null,
        bool dynamicT = false, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var times = new float[t];
        for (int i = 0; i < t; i++) times[i] = i;
        OnnxDim n = fixedN is int f ? OnnxDim.Fixed(f) : OnnxDim.Symbolic("N");
        OnnxDim td = dynamicT ? OnnxDim.Symbolic("T") : OnnxDim.Fixed(t);
        var b = new OnnxGraphBuilder("synthetic_window")
            .AddInput("video", TensorElementType.Float, 1, td, 3, h, w)
            .AddInput("queries", TensorElementType.Float, 1, n, 3)
            .AddInt64Initializer("s_t0", [0], 1).AddInt64Initializer("s_t1", [1], 1)
            .AddInt64Initializer("s_xy0", [1], 1).AddInt64Initializer("s_xy1", [3], 1)
            .AddInt64Initializer("ax2", [2], 1)
            .AddInt64Initializer("shape_t", [1, 1, -1, 1], 4).AddInt64Initializer("shape_xy", [1, 1, -1, 2], 4)
            .AddFloatInitializer("times", times, 1, t, 1, 1)
            .AddFloatInitializer("velocity", [dx, dy], 1, 1, 1, 2)
            .AddFloatInitializer("extent", [w - 1, h - 1], 1, 1, 1, 2)
            .AddFloatInitializer("zero", [0f]).AddFloatInitializer("one", [1f])
            .AddNode("Slice", ["queries", "s_t0", "s_t1", "ax2"], ["qt"])
            .AddNode("Slice", ["queries", "s_xy0", "s_xy1", "ax2"], ["qxy"])
            .AddNode("Reshape", ["qt", "shape_t"], ["qt4"])
            .AddNode("Reshape", ["qxy", "shape_xy"], ["qxy4"])
            .AddNode("Sub", ["times", "qt4"], ["dt"])
            .AddNode("Mul", ["dt", "velocity"], ["motion"])
            .AddNode("Add", ["qxy4", "motion"], ["tracks"])
            .AddNode("Div", ["tracks", "extent"], ["unit"])
            .AddNode("ReduceMin", ["unit"], ["umin"], [OnnxAttribute.Ints("axes", 3), OnnxAttribute.Int("keepdims", 0)])
            .AddNode("ReduceMax", ["unit"], ["umax"], [OnnxAttribute.Ints("axes", 3), OnnxAttribute.Int("keepdims", 0)])
            .AddNode("GreaterOrEqual", ["umin", "zero"], ["lo"])
            .AddNode("LessOrEqual", ["umax", "one"], ["hi"])
            .AddNode("And", ["lo", "hi"], ["inside"])
            .AddNode("Cast", ["inside"], ["visibility"], [OnnxAttribute.Int("to", 1)])
            .AddOutput("tracks", TensorElementType.Float, 1, td, n, 2)
            .AddOutput("visibility", TensorElementType.Float, 1, td, n);
        if (metadata is not null)
            foreach (var (key, value) in metadata) b.AddMetadata(key, value);
        string path = Path.Combine(dir, "synthetic-window.onnx");
        b.Save(path);
        return path;
    }

    /// <summary>
    /// A causal TAPIR pair with the public export's names and shapes (models/manifest.json: 256/128 feature channels,
    /// grids at R/8 and R/4, causal state [1,12,N,2,2560]) in <c>dir/synthetic-tapir</c>. The encoder takes the queries
    /// as (y, x) pixels of the R x R input, as the export does, and scales them by R / input_resolution[0] (so a wrong
    /// resolution shows), or, with <paramref name="resolutionInput"/> false, has that input folded away as a traced
    /// export may; features 0 and 1 carry y and x. Each predictor run outputs tracks = (x, y) + steps * (dx, dy), steps
    /// read from the causal state, which grows by 1 per run; visibles (bool) = inside the input and the input frame
    /// within [-1, 1].
    /// </summary>
    public static string Tapir(string dir, int r, int fixedN, float dx, float dy, bool resolutionInput = true)
    {
        string folder = Path.Combine(dir, "synthetic-tapir");
        Directory.CreateDirectory(folder);
        const int feat = 256, hires = 128, mixer = 12, state = 2560;
        int grid = r / 8, hgrid = r / 4;
        var wq = new float[2 * feat];
        wq[0 * feat + 0] = 1; // y -> feature 0
        wq[1 * feat + 1] = 1; // x -> feature 1
        var encoder = new OnnxGraphBuilder("synthetic_tapir_pointencoder")
            .AddInput("query_points", TensorElementType.Float, 1, fixedN, 2)
            .AddInput("feature_grid", TensorElementType.Float, 1, grid, grid, feat)
            .AddInput("hires_feats_grid", TensorElementType.Float, 1, hgrid, hgrid, hires)
            .AddFloatInitializer("wq", wq, 2, feat)
            .AddFloatInitializer("wh", new float[2 * hires], 2, hires)
            .AddNode("MatMul", ["query_points", "wh"], ["hires_query_feats"]);
        if (resolutionInput)
            encoder.AddInput("input_resolution", TensorElementType.Int64, 2)
                .AddInt64Initializer("first", [0], 1)
                .AddFloatInitializer("r", [r])
                .AddNode("Gather", ["input_resolution", "first"], ["res0"], [OnnxAttribute.Int("axis", 0)])
                .AddNode("Cast", ["res0"], ["resf"], [OnnxAttribute.Int("to", 1)])
                .AddNode("Div", ["r", "resf"], ["scale"])
                .AddNode("Mul", ["query_points", "scale"], ["scaled"])
                .AddNode("MatMul", ["scaled", "wq"], ["query_feats"]);
        else
            encoder.AddNode("MatMul", ["query_points", "wq"], ["query_feats"]);
        encoder.AddOutput("query_feats", TensorElementType.Float, 1, fixedN, feat)
            .AddOutput("hires_query_feats", TensorElementType.Float, 1, fixedN, hires)
            .Save(Path.Combine(folder, "tapir_pointencoder.onnx"));

        var p = new float[feat * 2];
        p[1 * 2 + 0] = 1; // feature 1 (x) -> tracks x
        p[0 * 2 + 1] = 1; // feature 0 (y) -> tracks y
        new OnnxGraphBuilder("synthetic_tapir")
            .AddInput("input_frame", TensorElementType.Float, 1, 3, r, r)
            .AddInput("query_feats", TensorElementType.Float, 1, fixedN, feat)
            .AddInput("hires_query_feats", TensorElementType.Float, 1, fixedN, hires)
            .AddInput("causal_state", TensorElementType.Float, 1, mixer, fixedN, 2, state)
            .AddFloatInitializer("p", p, feat, 2)
            .AddFloatInitializer("velocity", [dx, dy], 1, 1, 2)
            .AddFloatInitializer("one", [1f]).AddFloatInitializer("zero", [0f]).AddFloatInitializer("size", [r])
            .AddFloatInitializer("range", [1.0001f]).AddFloatInitializer("nrange", [-1.0001f])
            .AddInt64Initializer("st_s", [0, 0, 0, 0], 4).AddInt64Initializer("st_e", [1, 1, 1, 1], 4).AddInt64Initializer("st_ax", [0, 1, 3, 4], 4)
            .AddInt64Initializer("steps_shape", [1, -1, 1], 3)
            .AddInt64Initializer("grid_shape", [1, grid, grid, feat], 4).AddInt64Initializer("hgrid_shape", [1, hgrid, hgrid, hires], 4)
            .AddNode("Add", ["causal_state", "one"], ["new_causal_state"])
            .AddNode("Slice", ["causal_state", "st_s", "st_e", "st_ax"], ["steps5"])
            .AddNode("Reshape", ["steps5", "steps_shape"], ["steps"])
            .AddNode("MatMul", ["query_feats", "p"], ["start"])
            .AddNode("Mul", ["steps", "velocity"], ["motion"])
            .AddNode("Add", ["start", "motion"], ["tracks"])
            .AddNode("ReduceMin", ["tracks"], ["tmin"], [OnnxAttribute.Ints("axes", 2), OnnxAttribute.Int("keepdims", 0)])
            .AddNode("ReduceMax", ["tracks"], ["tmax"], [OnnxAttribute.Ints("axes", 2), OnnxAttribute.Int("keepdims", 0)])
            .AddNode("GreaterOrEqual", ["tmin", "zero"], ["lo"])
            .AddNode("LessOrEqual", ["tmax", "size"], ["hi"])
            .AddNode("And", ["lo", "hi"], ["inside"])
            .AddNode("ReduceMax", ["input_frame"], ["fmax"], [OnnxAttribute.Int("keepdims", 0)])
            .AddNode("ReduceMin", ["input_frame"], ["fmin"], [OnnxAttribute.Int("keepdims", 0)])
            .AddNode("LessOrEqual", ["fmax", "range"], ["fhi"])
            .AddNode("GreaterOrEqual", ["fmin", "nrange"], ["flo"])
            .AddNode("And", ["fhi", "flo"], ["frame_ok"])
            .AddNode("And", ["inside", "frame_ok"], ["visibles"])
            .AddNode("Expand", ["zero", "grid_shape"], ["feature_grid"])
            .AddNode("Expand", ["zero", "hgrid_shape"], ["hires_feats_grid"])
            .AddOutput("tracks", TensorElementType.Float, 1, fixedN, 2)
            .AddOutput("visibles", TensorElementType.Bool, 1, fixedN)
            .AddOutput("new_causal_state", TensorElementType.Float, 1, mixer, fixedN, 2, state)
            .AddOutput("feature_grid", TensorElementType.Float, 1, grid, grid, feat)
            .AddOutput("hires_feats_grid", TensorElementType.Float, 1, hgrid, hgrid, hires)
            .Save(Path.Combine(folder, "tapir.onnx"));
        return folder;
    }
}
