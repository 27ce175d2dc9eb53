using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Tests.Onnx;

/// <summary>The ONNX Runtime package as the tool loads it: which native library, its version and providers, errors, logging.</summary>
public class OrtRuntimeTests
{
    [Fact]
    public void The_native_library_is_the_packages_copy_beside_the_application_and_matches_the_referenced_version()
    {
        Assert.True(OrtRuntime.AvailableProviders.Count > 0);   // forces the native library to load
        string expected = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime.so");
        string[] mapped = File.ReadLines("/proc/self/maps").Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..] : "")
            .Where(p => Path.GetFileName(p).StartsWith("libonnxruntime.so", StringComparison.Ordinal)).Distinct().ToArray();
        Assert.Equal([expected], mapped);

        string csproj = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "src", "EdgeSam.Video", "EdgeSam.Video.csproj"));
        string referenced = Regex.Match(csproj, "Include=\"Microsoft.ML.OnnxRuntime.Gpu.Linux\" Version=\"([^\"]+)\"").Groups[1].Value;
        Assert.Matches(@"^\d+\.\d+\.\d+$", referenced);
        Assert.Equal(referenced, OrtRuntime.Version);
    }

    [Fact]
    public void The_gpu_build_lists_cpu_cuda_and_tensorrt()
    {
        Assert.Equal(["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"], OrtRuntime.AvailableProviders);
    }

    [Fact]
    public void Logging_level_can_change_after_the_environment_exists()
    {
        _ = OrtRuntime.Version;
        OrtLoggingLevel before = OrtRuntime.LoggingLevel;
        try
        {
            OrtRuntime.LoggingLevel = OrtLoggingLevel.Fatal;
            Assert.Equal(OrtLoggingLevel.Fatal, OrtRuntime.LoggingLevel);
            Assert.Throws<ArgumentOutOfRangeException>(() => OrtRuntime.LoggingLevel = (OrtLoggingLevel)9);
        }
        finally
        {
            OrtRuntime.LoggingLevel = before;
        }
    }

    [Fact]
    public void Cpu_only_use_needs_nothing_beyond_the_c_and_cpp_runtimes()
    {
        // The CUDA/TensorRT providers are separate libraries ORT loads only when asked; libonnxruntime.so itself must
        // load on a machine without CUDA (this one has none when the test runs without a GPU, but the check holds anywhere).
        string lib = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime.so");
        Assert.True(NativeLibrary.TryLoad(lib, out IntPtr handle));
        Assert.NotEqual(IntPtr.Zero, NativeLibrary.GetExport(handle, "OrtGetApiBase"));
    }
}
