using EdgeSam.Video.Trackers.Lk;

namespace EdgeSam.Video.Trackers;

/// <summary>
/// Settings for <see cref="TrackerFactory.Create"/>. Each tracker reads the members that concern it; model paths are
/// files on disk (resolve them through the model store first where one is used).
/// </summary>
public sealed record TrackerOptions
{
    /// <summary>Intra-op threads for ONNX trackers (0 = ONNX Runtime's default).</summary>
    public int Threads { get; init; }

    /// <summary>Where the ONNX trackers (xfeat, onnx-window, tapir) run; lk has no model and always runs on the CPU.
    /// A GPU device needs CUDA 13 + cuDNN 9 installed (opening the session fails with one line naming what is missing otherwise).</summary>
    public EdgeSam.Video.Onnx.ExecutionDevice Device { get; init; } = EdgeSam.Video.Onnx.ExecutionDevice.Cpu;

    /// <summary>Overrides the tracker's own visibility threshold (in (0, 1]).</summary>
    public float? VisibilityThreshold { get; init; }

    /// <summary>
    /// Lucas-Kanade settings (<c>lk</c>, and the refinement stage of <c>xfeat</c>); null = each tracker's own tuned
    /// defaults (<see cref="LkOptions"/>'s for <c>lk</c>, <see cref="XFeat.XFeatTracker.DefaultLkOptions"/> for <c>xfeat</c>).
    /// </summary>
    public LkOptions? Lk { get; init; }

    /// <summary>
    /// Overrides <see cref="LkOptions.LostPointMotion"/> of the LK settings in use (<see cref="Lk"/> or the tracker's
    /// defaults) for <c>lk</c> and <c>xfeat</c>; null = keep them.
    /// </summary>
    public LostPointMotion? LostPointMotion { get; init; }

    /// <summary>Overrides <see cref="LkOptions.DenseReacquire"/> likewise (it applies with <see cref="Lk.LostPointMotion.DenseFlow"/> only).</summary>
    public bool? DenseReacquire { get; init; }

    /// <summary>The LK settings a tracker uses: <see cref="Lk"/> or <paramref name="defaults"/>, with the overrides above.</summary>
    public LkOptions ResolveLk(LkOptions defaults)
    {
        LkOptions lk = Lk ?? defaults;
        if (LostPointMotion is { } m) lk = lk with { LostPointMotion = m };
        if (DenseReacquire is { } d) lk = lk with { DenseReacquire = d };
        return lk;
    }

    /// <summary>
    /// <c>xfeat</c>: an XFeat ONNX file, or a folder holding <c>xfeat_WxH.onnx</c> files (the largest input is used).
    /// </summary>
    public string? XFeatModel { get; init; }

    /// <summary><c>xfeat</c>: descriptor matching settings.</summary>
    public XFeat.XFeatOptions XFeat { get; init; } = new();

    /// <summary><c>onnx-window</c>: the windowed tracker's ONNX file.</summary>
    public string? WindowModel { get; init; }

    /// <summary><c>onnx-window</c>: window length T when the model's video input has a dynamic T.</summary>
    public int? WindowLength { get; init; }

    /// <summary><c>onnx-window</c>: frames shared by consecutive windows (default T/2).</summary>
    public int? WindowOverlap { get; init; }

    /// <summary><c>onnx-window</c>: model input size (width, height) when the model's input has dynamic H/W.</summary>
    public (int Width, int Height)? WindowInputSize { get; init; }

    /// <summary><c>onnx-window</c>: true when the visibility output holds logits (a sigmoid is applied), false for probabilities.</summary>
    public bool VisibilityLogits { get; init; }

    /// <summary><c>tapir</c>: folder holding <c>tapir_pointencoder.onnx</c> and <c>tapir.onnx</c>.</summary>
    public string? TapirModelDirectory { get; init; }
}
