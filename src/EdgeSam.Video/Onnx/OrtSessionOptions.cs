using System.Globalization;
using System.Text;
using Ort = Microsoft.ML.OnnxRuntime;

namespace EdgeSam.Video.Onnx;

/// <summary>ORT graph optimisation levels (<c>GraphOptimizationLevel</c>; values as in the C API).</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    /// <summary>Everything, including layout transformations (e.g. blocked convolutions, ~23% faster EdgeSAM encoder on CPU).</summary>
    All = 99,
}

/// <summary>Where a session runs its nodes.</summary>
public enum ExecutionDevice
{
    /// <summary>ORT's CPU execution provider (always available).</summary>
    Cpu,
    /// <summary>NVIDIA CUDA execution provider; needs an NVIDIA GPU with CUDA 13 and cuDNN 9 installed.</summary>
    Cuda,
    /// <summary>NVIDIA TensorRT execution provider, with CUDA for nodes TensorRT does not take; needs TensorRT 10 besides CUDA 13 and cuDNN 9.</summary>
    TensorRt,
}

/// <summary>
/// Settings for opening an <see cref="OrtInferenceSession"/>. A plain settings object: the native OrtSessionOptions is
/// built from it when a session is opened and released right after (ORT copies what it needs into the session).
/// </summary>
public sealed class OrtSessionOptions
{
    /// <summary>Threads used inside one node (0 = ORT's default, one per physical core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Threads used to run independent nodes in parallel (0 = ORT's default; only matters in parallel mode).</summary>
    public int InterOpThreads { get; set; }

    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.All;

    public ExecutionDevice ExecutionDevice { get; set; } = ExecutionDevice.Cpu;

    /// <summary>GPU ordinal for <see cref="ExecutionDevice.Cuda"/> and <see cref="ExecutionDevice.TensorRt"/>.</summary>
    public int DeviceId { get; set; }

    /// <summary>TensorRT only: build FP16 engines.</summary>
    public bool TensorRtFp16 { get; set; }

    /// <summary>TensorRT only: cache built engines in this folder (engine builds take minutes; strongly recommended).</summary>
    public string? TensorRtEngineCacheDirectory { get; set; }

    /// <summary>
    /// Whether idle ORT worker threads spin waiting for work (ORT's default, true). Spinning lowers latency but keeps
    /// cores busy between runs; turn it off when managed code runs between inferences on a machine with few cores.
    /// </summary>
    public bool AllowThreadSpinning { get; set; } = true;

    /// <summary>
    /// Extra session configuration entries (keys from ORT's onnxruntime_session_options_config_keys.h, e.g.
    /// "session.disable_prepacking" = "1"), applied after the settings above.
    /// </summary>
    public IDictionary<string, string> ConfigEntries { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Extra CUDA provider options (keys of OrtCUDAProviderOptionsV2, e.g. "cudnn_conv_algo_search" = "HEURISTIC",
    /// "gpu_mem_limit"), applied after <see cref="DeviceId"/>; used for Cuda and for TensorRT's CUDA fallback.
    /// </summary>
    public IDictionary<string, string> CudaProviderOptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Extra TensorRT provider options (keys of OrtTensorRTProviderOptionsV2, e.g. "trt_max_workspace_size",
    /// "trt_profile_min_shapes"/"trt_profile_opt_shapes"/"trt_profile_max_shapes" for dynamic inputs).
    /// </summary>
    public IDictionary<string, string> TensorRtProviderOptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Per-session log severity; null uses <see cref="OrtRuntime.LoggingLevel"/>.</summary>
    public OrtLoggingLevel? LogSeverityLevel { get; set; }

    /// <summary>CPU, 1 intra-op thread, all optimisations: deterministic and cheap on a shared machine (tests, small models).</summary>
    public static OrtSessionOptions SingleThreadedCpu() => new() { IntraOpThreads = 1, InterOpThreads = 1 };

    internal const string CudaProvider = "CUDAExecutionProvider";
    internal const string TensorRtProvider = "TensorrtExecutionProvider";

    /// <summary>
    /// The package's session options built from these settings; the caller disposes them once the session is open.
    /// Provider failures become one-line <see cref="EdgeSamException"/>s naming what is missing.
    /// </summary>
    internal Ort.SessionOptions CreateNative()
    {
        if (IntraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "must be >= 0 (0 = ORT default)");
        if (InterOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(InterOpThreads), InterOpThreads, "must be >= 0 (0 = ORT default)");
        if (!Enum.IsDefined(GraphOptimizationLevel)) throw new ArgumentOutOfRangeException(nameof(GraphOptimizationLevel));
        if (!Enum.IsDefined(ExecutionDevice)) throw new ArgumentOutOfRangeException(nameof(ExecutionDevice));

        _ = OrtRuntime.Env;   // created first, with this project's logging, before the package would create a default one
        var options = new Ort.SessionOptions();
        try
        {
            options.IntraOpNumThreads = IntraOpThreads;
            options.InterOpNumThreads = InterOpThreads;
            options.GraphOptimizationLevel = (Ort.GraphOptimizationLevel)(int)GraphOptimizationLevel;
            if (!AllowThreadSpinning)
            {
                AddConfigEntry(options, "session.intra_op.allow_spinning", "0");
                AddConfigEntry(options, "session.inter_op.allow_spinning", "0");
            }
            foreach (var (key, value) in ConfigEntries) AddConfigEntry(options, key, value);
            if (LogSeverityLevel is { } level) options.LogSeverityLevel = (Ort.OrtLoggingLevel)level;
            switch (ExecutionDevice)
            {
                case ExecutionDevice.Cuda:
                    AppendCuda(options);
                    break;
                case ExecutionDevice.TensorRt:
                    // Provider order is preference order: TensorRT first, CUDA for the nodes TensorRT leaves (then CPU).
                    AppendTensorRt(options);
                    AppendCuda(options);
                    break;
            }
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    private static void AddConfigEntry(Ort.SessionOptions options, string key, string value)
    {
        try
        {
            options.AddSessionConfigEntry(key, value);
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw OrtException.From(e, $"setting session option {key}={value}");
        }
    }

    private void AppendCuda(Ort.SessionOptions options)
    {
        RequireProvider(CudaProvider);
        var entries = new Dictionary<string, string> { ["device_id"] = DeviceId.ToString(CultureInfo.InvariantCulture) };
        foreach (var (key, value) in CudaProviderOptions) entries[key] = value;
        Append(CudaProvider, () =>
        {
            using var cuda = new Ort.OrtCUDAProviderOptions();
            cuda.UpdateOptions(entries);
            options.AppendExecutionProvider_CUDA(cuda);
            return true;
        });
    }

    private void AppendTensorRt(Ort.SessionOptions options)
    {
        RequireProvider(TensorRtProvider);
        var entries = new Dictionary<string, string>
        {
            ["device_id"] = DeviceId.ToString(CultureInfo.InvariantCulture),
            ["trt_fp16_enable"] = TensorRtFp16 ? "1" : "0",
        };
        if (!string.IsNullOrEmpty(TensorRtEngineCacheDirectory))
        {
            Directory.CreateDirectory(TensorRtEngineCacheDirectory);
            entries["trt_engine_cache_enable"] = "1";
            entries["trt_engine_cache_path"] = Path.GetFullPath(TensorRtEngineCacheDirectory);
        }
        foreach (var (key, value) in TensorRtProviderOptions) entries[key] = value;
        Append(TensorRtProvider, () =>
        {
            using var trt = new Ort.OrtTensorRTProviderOptions();
            trt.UpdateOptions(entries);
            options.AppendExecutionProvider_Tensorrt(trt);
            return true;
        });
    }

    /// <summary>Fails before touching provider options when the native library was built without the provider.</summary>
    private void RequireProvider(string provider)
    {
        IReadOnlyList<string> available = OrtRuntime.AvailableProviders;
        if (!available.Contains(provider))
            throw new EdgeSamException(
                $"ExecutionDevice.{ExecutionDevice} needs {provider}, but ONNX Runtime {OrtRuntime.Version} only provides {string.Join(", ", available)}; " +
                "use the CPU device.");
    }

    /// <summary>
    /// Appends a provider, turning its failure into one line. ORT loads the provider's library
    /// (libonnxruntime_providers_cuda.so, ..._tensorrt.so, beside libonnxruntime.so) at this point; when CUDA, cuDNN or
    /// TensorRT are missing the loader's reason ("... with error: libcublasLt.so.13: cannot open shared object file ...")
    /// is in the exception's message on some calls, and on others only in ORT's log line while the exception says
    /// "Failed to load shared library"; so the log lines are captured and the reason is taken from whichever has it.
    /// </summary>
    private void Append(string provider, Func<bool> append)
    {
        IReadOnlyList<string> logged = [];
        try
        {
            OrtRuntime.CaptureErrors(append, out logged);
        }
        catch (Ort.OnnxRuntimeException e)
        {
            OrtException ort = OrtException.From(e, null);
            string reason = LoaderReason([.. logged, OrtRuntime.OneLine(ort.OrtMessage)]);
            string needs = provider == TensorRtProvider ? "TensorRT 10, CUDA 13 and cuDNN 9" : "CUDA 13 and cuDNN 9";
            throw new EdgeSamException(
                $"ExecutionDevice.{ExecutionDevice} is unavailable: ONNX Runtime {OrtRuntime.Version} could not enable {provider} ({reason}); " +
                $"it needs an NVIDIA driver with {needs} installed, their libraries on the loader path (e.g. LD_LIBRARY_PATH); or use the CPU device.", ort);
        }
    }

    /// <summary>The dynamic loader's reason from the last message that has one, else the last message.</summary>
    private static string LoaderReason(string[] messages)
    {
        const string marker = "with error: ";
        for (int i = messages.Length - 1; i >= 0; i--)
        {
            int at = messages[i].LastIndexOf(marker, StringComparison.Ordinal);
            if (at >= 0) return messages[i][(at + marker.Length)..].Trim();
        }
        return messages[^1];
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(ExecutionDevice).Append(", intra-op ").Append(IntraOpThreads == 0 ? "default" : IntraOpThreads.ToString(System.Globalization.CultureInfo.InvariantCulture))
          .Append(", inter-op ").Append(InterOpThreads == 0 ? "default" : InterOpThreads.ToString(System.Globalization.CultureInfo.InvariantCulture))
          .Append(", optimisation ").Append(GraphOptimizationLevel);
        if (ExecutionDevice != ExecutionDevice.Cpu) sb.Append(", device ").Append(DeviceId);
        return sb.ToString();
    }
}
