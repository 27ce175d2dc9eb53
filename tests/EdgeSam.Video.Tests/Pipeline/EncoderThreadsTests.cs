using EdgeSam.Video.Cli.Commands.Segment;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>The encoder's default thread count: ORT's own count (one per physical core), given explicitly so ORT does not pin the threads.</summary>
public class EncoderThreadsTests
{
    [Theory]
    [InlineData(2, "0", 2)]          // one hardware thread per core (this VM)
    [InlineData(2, "0\n", 2)]
    [InlineData(16, "0,8", 8)]       // SMT pairs listed apart
    [InlineData(16, "0-1", 8)]       // SMT pairs listed as a range
    [InlineData(8, "0-3", 2)]        // 4-way SMT
    [InlineData(1, "0,1", 1)]        // never below one
    [InlineData(4, null, 4)]         // no topology file: one thread per core
    [InlineData(4, "", 4)]
    [InlineData(4, "garbage", 4)]    // unreadable: every logical CPU
    public void PhysicalCoresFromTheSiblingList(int logical, string? siblings, int expected) =>
        Assert.Equal(expected, PipelineFactory.CountPhysicalCores(logical, siblings));

    [Fact]
    public void DefaultIsAnExplicitPositiveCountNoMoreThanTheCpus()
    {
        // 0 would let ONNX Runtime choose and pin its threads to cores.
        Assert.InRange(PipelineFactory.DefaultEncoderThreads, 1, Environment.ProcessorCount);
    }
}
