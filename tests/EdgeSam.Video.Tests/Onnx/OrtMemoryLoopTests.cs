using System.Diagnostics;
using EdgeSam.Video.Onnx;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Onnx;

/// <summary>Runs alone (no other test allocating native memory or OrtValues at the same time), so RSS and live counts are meaningful.</summary>
[CollectionDefinition(nameof(OrtMemoryCollection), DisableParallelization = true)]
public sealed class OrtMemoryCollection;

/// <summary>
/// 2,000 runs must not grow the process: every input value, output value and pin is released. A leak of one 256 KB
/// output per run would add ~500 MB; the bound is 8 MB of resident memory after warm-up and a full GC.
/// </summary>
[Collection(nameof(OrtMemoryCollection))]
public class OrtMemoryLoopTests(ITestOutputHelper output)
{
    private const int Side = 256;
    private const int Runs = 2000;
    private const long RssBoundKb = 8 * 1024;

    [Fact]
    public void Two_thousand_runs_with_ort_allocated_outputs_do_not_grow_memory_or_leak_values()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.ScaleShift(Side), "scale", OrtSessionOptions.SingleThreadedCpu());
        float[] x = new float[Side * Side];
        for (int i = 0; i < x.Length; i++) x[i] = i % 1000;

        void RunOnce(int i)
        {
            x[0] = i;
            using var vx = OrtValue.CreateTensor(x, Side, Side);   // a fresh pin + OrtValue per run, released each time
            using OrtRunOutputs r = s.Run([("x", vx)]);
            ReadOnlySpan<float> y = r[0].GetTensorData<float>();
            if (y[0] != 2f * i + 1f || y[^1] != 2f * x[^1] + 1f) Assert.Fail($"run {i}: wrong output {y[0]}");
        }

        Measure("ORT-allocated outputs", RunOnce);
    }

    [Fact]
    public void Two_thousand_runs_into_preallocated_outputs_do_not_grow_memory_or_allocate()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.ScaleShift(Side), "scale", OrtSessionOptions.SingleThreadedCpu());
        float[] x = new float[Side * Side], y = new float[Side * Side];
        using var vx = OrtValue.CreateTensor(x, Side, Side);
        using var vy = OrtValue.CreateTensor(y, Side, Side);

        void RunOnce(int i)
        {
            x[0] = i;
            s.Run([("x", vx)], [("y", vy)]);
            if (y[0] != 2f * i + 1f) Assert.Fail($"run {i}: wrong output {y[0]}");
        }

        // The package's Run marshals the names and value handles of each call (~0.5 KB); a per-run output tensor would
        // be 256 KB, so 1 KB still tells the two apart.
        Measure("preallocated outputs", RunOnce, managedBytesPerRunBound: 1024);
    }

    private void Measure(string label, Action<int> runOnce, long managedBytesPerRunBound = long.MaxValue)
    {
        for (int i = 0; i < 200; i++) runOnce(i);   // warm-up: ORT arenas, JIT, first-run planning
        long liveBefore = OrtValue.LiveCount;
        long rssBefore = RssKb();

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Runs; i++) runOnce(i);
        sw.Stop();
        long managedPerRun = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / Runs;

        long liveAfter = OrtValue.LiveCount;   // before RssKb's collection: a value left to its finalizer counts as a leak
        long rssAfter = RssKb();
        output.WriteLine($"{label}: VmRSS before {rssBefore} kB, after {rssAfter} kB, growth {rssAfter - rssBefore} kB over {Runs} runs; " +
                         $"{sw.Elapsed.TotalMilliseconds / Runs:F3} ms per run; managed allocation {managedPerRun} B per run; live OrtValues {liveBefore} -> {liveAfter}");
        Assert.Equal(liveBefore, liveAfter);
        Assert.True(rssAfter - rssBefore < RssBoundKb, $"{label}: RSS grew by {rssAfter - rssBefore} kB over {Runs} runs");
        Assert.True(managedPerRun <= managedBytesPerRunBound, $"{label}: {managedPerRun} managed bytes allocated per run");
    }

    private static long RssKb()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidOperationException("no VmRSS line in /proc/self/status");
    }
}
