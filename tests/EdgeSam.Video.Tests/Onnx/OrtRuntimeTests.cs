using EdgeSam.Video.Onnx;
using EdgeSam.Video.Onnx.Native;

namespace EdgeSam.Video.Tests.Onnx;

/// <summary>
/// The native library lookup and the C API table: functions whose results are checkable confirm the indices counted
/// from onnxruntime_c_api.h (a wrong index calls the wrong function and fails or crashes here).
/// </summary>
public class OrtRuntimeTests
{
    [Fact]
    public void Loads_the_bootstrapped_library_and_reports_path_and_version()
    {
        string expectedVersion = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, ".native", "onnxruntime", "VERSION")).Trim();
        Assert.Equal(expectedVersion, OrtRuntime.Version);   // OrtApiBase::GetVersionString
        Assert.True(File.Exists(OrtRuntime.LibraryPath), OrtRuntime.LibraryPath);
        Assert.EndsWith("libonnxruntime.so.1", OrtRuntime.LibraryPath);
        Assert.Equal(11u, OrtRuntime.ApiVersion);
    }

    [Fact]
    public void Available_providers_include_cpu()
    {
        Assert.Contains("CPUExecutionProvider", OrtRuntime.AvailableProviders);   // [125]/[126]
    }

    [Theory]
    [InlineData(OrtErrorCode.Fail, "plain")]
    [InlineData(OrtErrorCode.InvalidArgument, "naïve ünïcode message")]
    [InlineData(OrtErrorCode.EpFail, "multi\nline")]
    public unsafe void Status_round_trip_reads_code_and_message_and_releases(OrtErrorCode code, string message)
    {
        OrtApi api = OrtNative.Api;
        IntPtr status;
        fixed (byte* m = OrtNative.PinnedUtf8(message))
            status = api.CreateStatus((int)code, m);                                     // [0]
        Assert.NotEqual(IntPtr.Zero, status);
        var e = Assert.Throws<OrtException>(() => OrtStatusCheck.ThrowIfError(status, "doing X"));   // [1], [2], [93]
        Assert.Equal(code, e.ErrorCode);
        Assert.Equal(message, e.OrtMessage);
        Assert.StartsWith("doing X: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.IsAssignableFrom<EdgeSamException>(e);
        OrtStatusCheck.ThrowIfError(IntPtr.Zero);   // success is a no-op
    }

    [Fact]
    public void Explicit_library_variable_is_the_only_candidate()
    {
        var c = OrtNative.Candidates("/opt/ort/libonnxruntime.so.1", AppContext.BaseDirectory);
        Assert.Single(c);
        Assert.Equal("/opt/ort/libonnxruntime.so.1", c[0].PathOrName);
        Assert.Equal("EDGESAM_ORT_LIB", c[0].Origin);
    }

    [Fact]
    public void Without_the_variable_native_folder_above_the_app_comes_before_the_system()
    {
        var c = OrtNative.Candidates(null, AppContext.BaseDirectory);
        Assert.Equal(2, c.Count);
        Assert.Equal(Path.Combine(TestPaths.RepoRoot, ".native", "onnxruntime", "libonnxruntime.so.1"), c[0].PathOrName);
        Assert.Equal("libonnxruntime.so.1", c[1].PathOrName);
        Assert.False(c[1].IsFile);
    }

    [Fact]
    public void Nothing_loadable_gives_one_line_naming_every_place_and_the_variable()
    {
        string dir = TestPaths.NewTempDir("ort-missing");
        string notALibrary = Path.Combine(dir, "libonnxruntime.so.1");
        File.WriteAllBytes(notALibrary, [1, 2, 3, 4]);
        var (handle, _, error) = OrtNative.TryLoad(
        [
            new OrtLibraryCandidate(Path.Combine(dir, "absent.so"), "EDGESAM_ORT_LIB", true),
            new OrtLibraryCandidate(notALibrary, ".native", true),
            new OrtLibraryCandidate("libnot-onnxruntime-at-all.so.7", "the system library path", false),
        ]);
        Assert.Equal(IntPtr.Zero, handle);
        Assert.NotNull(error);
        Assert.Contains(Path.Combine(dir, "absent.so"), error);
        Assert.Contains("no such file", error);
        Assert.Contains(notALibrary, error);
        Assert.Contains("libnot-onnxruntime-at-all.so.7", error);
        Assert.Contains("EDGESAM_ORT_LIB", error);
        Assert.Contains("src/bootstrap.sh", error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Bad_library_variable_is_reported_without_falling_back()
    {
        string bogus = Path.Combine(TestPaths.NewTempDir("ort-env"), "libonnxruntime.so.1");
        string? error = OrtNative.ProbeLoadError(bogus, AppContext.BaseDirectory);
        Assert.NotNull(error);
        Assert.Contains($"{bogus} (EDGESAM_ORT_LIB): no such file", error);
        Assert.DoesNotContain("system library path", error);   // an explicit choice is not replaced by another library

        Assert.Null(OrtNative.ProbeLoadError(OrtRuntime.LibraryPath, "/"));   // the real library via the variable

        string libm = File.ReadLines("/proc/self/maps").Select(l => l[(l.IndexOf('/') is var i and >= 0 ? i : l.Length)..])
            .First(p => Path.GetFileName(p).StartsWith("libm.so", StringComparison.Ordinal));
        string? notOrt = OrtNative.ProbeLoadError(libm, "/");
        Assert.Equal($"{libm} is not an ONNX Runtime library (it has no OrtGetApiBase export); set EDGESAM_ORT_LIB to a libonnxruntime.so.1.", notOrt);
    }

    [Fact]
    public void Logging_level_cannot_change_after_the_environment_exists()
    {
        _ = OrtNative.Env;
        OrtLoggingLevel current = OrtRuntime.LoggingLevel;
        OrtRuntime.LoggingLevel = current;   // same value: allowed
        Assert.Throws<InvalidOperationException>(() => OrtRuntime.LoggingLevel = current == OrtLoggingLevel.Fatal ? OrtLoggingLevel.Error : OrtLoggingLevel.Fatal);
    }
}
