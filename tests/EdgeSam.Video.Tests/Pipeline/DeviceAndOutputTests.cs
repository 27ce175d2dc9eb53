using EdgeSam.Video.Cli;
using EdgeSam.Video.Onnx;
using EdgeSam.Video.Segmentation.EdgeSam;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>
/// <c>--device</c> is honest with either segmenter: a GPU device either runs a model there or stops in one line saying
/// why not (never a CPU run under a GPU label); and the normal output holds the user's lines only.
/// </summary>
public class DeviceAndOutputTests
{
    [Theory]
    [InlineData("cuda")]
    [InlineData("tensorrt")]
    public async Task Graph_cut_with_lk_on_a_gpu_device_is_refused_in_one_line(string device)
    {
        string input = SegmentCommandErrorTests.Frames(2), outDir = TestPaths.NewTempDir("gc-device");
        var (rc, stdout, stderr) = await CliRunner.Run("segment", input, "--out", outDir, "--points", "48,32,+", "--segmenter", "graphcut", "--device", device);
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Equal(
            $"error: --device {device}: nothing would run on the GPU: the graph-cut segmenter and the lk tracker have no GPU path; " +
            "use --device cpu, or give the GPU a model: --segmenter edgesam or --tracker xfeat.", stderr.Trim());
        Assert.False(Directory.Exists(Path.Combine(outDir, "masks")) && Directory.EnumerateFiles(Path.Combine(outDir, "masks")).Any());
        Assert.DoesNotContain("busy", stdout);
    }

    [NoCudaFact]
    public async Task EdgeSam_on_cuda_without_its_libraries_stops_in_one_line_naming_the_missing_library()
    {
        string input = SegmentCommandErrorTests.Frames(2), outDir = TestPaths.NewTempDir("es-cuda");
        (string enc, string dec) = SyntheticEdgeSamModels.Write(TestPaths.NewTempDir("es-cuda-models"));
        var (rc, _, stderr) = await CliRunner.Run("segment", input, "--out", outDir, "--points", "48,32,+",
            "--encoder", enc, "--decoder", dec, "--device", "cuda");
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Equal(
            $"error: ExecutionDevice.Cuda is unavailable: ONNX Runtime {OrtRuntime.Version} could not enable CUDAExecutionProvider " +
            "(libcublasLt.so.13: cannot open shared object file: No such file or directory); it needs an NVIDIA driver with CUDA 13 " +
            "and cuDNN 9 installed, their libraries on the loader path (e.g. LD_LIBRARY_PATH); or use the CPU device.", stderr.Trim());
    }

    [Fact]
    public async Task Stage_timings_are_printed_only_with_verbose()
    {
        string input = SegmentCommandErrorTests.Frames(3);
        string[] common = ["segment", input, "--points", "48,32,+", "--segmenter", "graphcut", "--restarts", "1", "--no-preview"];
        var (rc, quiet, err) = await CliRunner.Run([.. common, "--out", TestPaths.NewTempDir("quiet")]);
        Assert.True(rc == 0, err);
        Assert.DoesNotContain("busy:", quiet);
        Assert.Contains("segment: masks in ", quiet);
        var (rc2, verbose, err2) = await CliRunner.Run([.. common, "--out", TestPaths.NewTempDir("verbose"), "--verbose"]);
        Assert.True(rc2 == 0, err2);
        Assert.Contains("busy: decode ", verbose);
        Assert.Contains("thread CPU", verbose);
    }
}

/// <summary>Without EdgeSAM installed (an empty cache, no mirror): the graph cut steps in with one short note per command.</summary>
[Collection(nameof(EdgeSamMissingTests))]
public class EdgeSamMissingNoteTests
{
    private static async Task<(int Rc, string Out, string Err)> WithoutModels(params string[] args)
    {
        string? oldCache = Environment.GetEnvironmentVariable("EDGESAM_MODEL_CACHE"), oldMirror = Environment.GetEnvironmentVariable("EDGESAM_MODEL_MIRROR");
        Environment.SetEnvironmentVariable("EDGESAM_MODEL_CACHE", TestPaths.NewTempDir("empty-cache"));
        Environment.SetEnvironmentVariable("EDGESAM_MODEL_MIRROR", TestPaths.NewTempDir("empty-mirror"));
        try
        {
            return await CliRunner.Run(args);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDGESAM_MODEL_CACHE", oldCache);
            Environment.SetEnvironmentVariable("EDGESAM_MODEL_MIRROR", oldMirror);
        }
    }

    [Fact]
    public async Task The_missing_edgesam_note_is_one_short_line_once_however_many_runs()
    {
        string input = SegmentCommandErrorTests.Frames(3);
        var (rc, stdout, stderr) = await WithoutModels("segment", input, "--out", TestPaths.NewTempDir("note-once"), "--points", "48,32,+",
            "--restarts", "3", "--parallel-runs", "2", "--no-preview");
        Assert.True(rc == 0, stderr);
        string[] notes = stdout.Split('\n').Where(l => l.Contains("EdgeSAM")).ToArray();
        Assert.Equal(["note: EdgeSAM is not installed ('edgesam-video models fetch edge_sam_3x_encoder'); using the weights-free graph cut."], notes.Select(l => l.TrimEnd()));
    }

    [Fact]
    public async Task Auto_segmenter_falling_back_to_the_graph_cut_refuses_a_gpu_device_saying_why()
    {
        string input = SegmentCommandErrorTests.Frames(2);
        var (rc, _, stderr) = await WithoutModels("segment", input, "--out", TestPaths.NewTempDir("auto-cuda"), "--points", "48,32,+", "--device", "cuda");
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Equal(
            "error: --device cuda: nothing would run on the GPU: the graph-cut segmenter (EdgeSAM is not installed ('edgesam-video models fetch edge_sam_3x_encoder')) " +
            "and the lk tracker have no GPU path; use --device cpu, or give the GPU a model: --segmenter edgesam or --tracker xfeat.", stderr.Trim());
    }
}
