using System.Diagnostics;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Tests.Pipeline;

public class PropagationStatsTests
{
    [Theory]
    [InlineData(1, 9, 3, 2, "encoder")]   // EdgeSAM: the encoder bounds the rate
    [InlineData(1, 0.1, 6, 2, "process")] // graph cut: tracking + cuts bound it
    [InlineData(5, 1, 1, 2, "decode")]
    [InlineData(1, 1, 1, 4, "consumer")]
    public void Bottleneck_is_the_stage_with_the_most_busy_time(double decode, double embed, double process, double consumer, string expected)
    {
        var stats = new PropagationStats();
        long S(double seconds) => (long)(seconds * Stopwatch.Frequency);
        stats.AddDecode(S(decode));
        stats.AddEmbed(S(embed));
        stats.AddProcess(S(process));
        stats.AddConsumer(S(consumer));
        for (int i = 0; i < 10; i++) stats.AddFrame();

        (string stage, double fps) = stats.Bottleneck;
        Assert.Equal(expected, stage);
        Assert.Equal(10 / new[] { decode, embed, process, consumer }.Max(), fps, 6);
        Assert.Contains($"slowest stage {expected}:", stats.ToString());
    }
}
