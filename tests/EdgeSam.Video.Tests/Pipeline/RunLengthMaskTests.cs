using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Tests.Pipeline;

public class RunLengthMaskTests
{
    /// <summary>Round trip over sizes around the vector length, densities from empty to full, and runs touching both
    /// ends of the buffer.</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(31, 5)]
    [InlineData(64, 2)]
    [InlineData(65, 9)]
    [InlineData(854, 480)]
    public void RoundTrip_IsExact(int w, int h)
    {
        foreach (int seed in new[] { 1, 2, 3 })
            foreach (double density in new[] { 0.0, 0.02, 0.5, 0.98, 1.0 })
            {
                var rng = new Random(seed);
                var m = new Mask(w, h);
                // Blocky runs (a blob's rows) rather than salt and pepper: flip with probability 1/8.
                bool on = rng.NextDouble() < density;
                for (int i = 0; i < m.Data.Length; i++)
                {
                    if (rng.Next(8) == 0) on = rng.NextDouble() < density;
                    m.Data[i] = on ? (byte)1 : (byte)0;
                }
                var rle = RunLengthMask.From(m);
                Mask back = rle.ToMask();
                Assert.Equal(w, back.Width);
                Assert.Equal(h, back.Height);
                Assert.Equal(m.Data, back.Data);
            }
    }

    [Fact]
    public void A_blob_costs_a_few_runs_per_row()
    {
        var m = new Mask(854, 480);
        for (int y = 100; y < 300; y++)
            for (int x = 200; x < 500; x++)
                m.Data[y * 854 + x] = 1;
        var rle = RunLengthMask.From(m);
        Assert.Equal(401, rle.RunCount); // leading background, then (object, background) per row
        Assert.Equal(m.Data, rle.ToMask().Data);
    }
}
