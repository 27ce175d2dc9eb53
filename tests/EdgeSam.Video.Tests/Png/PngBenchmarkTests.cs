using EdgeSam.Video.Media;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Png;

public class PngBenchmarkTests(ITestOutputHelper output)
{
    /// <summary>
    /// Runs the benchmark routine on a few DAVIS annotations (EDGESAM_PNG_BENCH_FILES raises the count for a real
    /// measurement) and prints the figures; it checks that the routine works, not how fast it is.
    /// </summary>
    [MirrorFact]
    public void Benchmark_routine_reports_every_operation()
    {
        int files = int.TryParse(Environment.GetEnvironmentVariable("EDGESAM_PNG_BENCH_FILES"), out int n) ? n : 5;
        var figures = PngBenchmark.Run(Path.Combine(TestPaths.Davis2016, "Annotations", "480p"), files, TestPaths.NewTempDir("png-bench"));
        foreach (var f in figures)
            output.WriteLine($"{f.Operation,-42} {f.Files,5} files  {f.MsPerFile,8:F3} ms/file wall  {f.CpuMsPerFile,8:F3} ms/file CPU  {f.MeanBytes,9:F0} bytes");
        Assert.Equal(27, figures.Count);
        Assert.All(figures, f => Assert.True(f.MsPerFile > 0));
        Assert.All(figures.Where(f => f.Operation.StartsWith("Encode")), f => Assert.True(f.MeanBytes > 100));
    }
}
