using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using static EdgeSam.Video.Tests.Pipeline.PipelineTestUtil;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>
/// <see cref="PipelineExecution.Sequential"/> (the reference runs of <c>bench pipeline</c>) must compute exactly what
/// the overlapped pipeline computes, in both directions and in every re-init mode (similar-area re-tracks held frames),
/// and account each stage's time.
/// </summary>
public class PipelineExecutionTests
{
    private const int W = 96, H = 64;

    private static readonly Disk Red = new(1, 220, 30, 30, t => (20 + 2f * t, 32), 8, t => t is 11 or 12);
    private static readonly Disk Green = new(2, 30, 220, 30, t => (76 - 1.5f * t, 30), 7);

    private static async Task<(List<FrameResult> Results, PropagationStats Stats, OracleSegmenter Segmenter)> Run(
        PipelineExecution execution, ReinitMode reinit, PropagationDirection direction, int frames, int encoderWorkers = 1, Func<int, int>? embedMs = null)
    {
        var clip = new DiskClip(W, H, frames, Red, Green);
        var segmenter = new OracleSegmenter(clip) { EmbedMilliseconds = embedMs };
        var sampler = new EvenSampler();
        var options = new VideoSegmenterOptions
        {
            Execution = execution, Reinit = reinit, RefinementPasses = 1, Sampler = sampler.Sample, PipelineDepth = 2, EncoderWorkers = encoderWorkers,
        };
        using var model = new VideoSegmenter(segmenter, new OracleTracker(clip), options);
        using VideoSession session = model.OpenSession(clip);
        int prompt = direction == PropagationDirection.Forward ? 0 : frames - 1;
        session.AddMask(prompt, 1, Red.Raster(W, H, prompt));
        session.AddMask(prompt, 2, Green.Raster(W, H, prompt));
        var stats = new PropagationStats();
        List<FrameResult> results = await CollectAsync(session.Propagate(prompt, direction, stats: stats));
        return (results, stats, segmenter);
    }

    [Theory]
    [InlineData(ReinitMode.Every, PropagationDirection.Forward)]
    [InlineData(ReinitMode.OnSimilarMaskArea, PropagationDirection.Forward)]
    [InlineData(ReinitMode.None, PropagationDirection.Forward)]
    [InlineData(ReinitMode.Every, PropagationDirection.Backward)]
    [InlineData(ReinitMode.OnSimilarMaskArea, PropagationDirection.Backward)]
    public async Task Sequential_gives_the_same_results_as_overlapped(ReinitMode reinit, PropagationDirection direction)
    {
        const int frames = 21;
        var (overlapped, _, _) = await Run(PipelineExecution.Overlapped, reinit, direction, frames);
        var (sequential, stats, segmenter) = await Run(PipelineExecution.Sequential, reinit, direction, frames);

        Assert.Equal(frames, sequential.Count);
        Assert.Equal(overlapped.Select(r => r.FrameIndex), sequential.Select(r => r.FrameIndex));
        for (int k = 0; k < frames; k++)
        {
            FrameResult a = overlapped[k], b = sequential[k];
            Assert.Equal(a.Labels.Data, b.Labels.Data);
            Assert.Equal(a.Objects.Select(o => (o.ObjectId, o.Status, o.Score, o.Reinitialized)), b.Objects.Select(o => (o.ObjectId, o.Status, o.Score, o.Reinitialized)));
            for (int i = 0; i < a.Objects.Count; i++)
                Assert.Equal(a.Objects[i].Points, b.Objects[i].Points);
        }
        Assert.Equal(reinit != ReinitMode.None, sequential.Any(r => r.Objects.Any(o => o.Reinitialized)));
        Assert.Equal(frames, stats.Frames);
        Assert.Equal(segmenter.Embeds, segmenter.EmbeddingsDisposed);
        Assert.True(stats.Embed > TimeSpan.Zero && stats.Process > TimeSpan.Zero && stats.Decode > TimeSpan.Zero);
        Assert.True(stats.Process >= stats.Track, $"process {stats.Process} includes track {stats.Track}");
    }

    private static void AssertSameResults(List<FrameResult> expected, List<FrameResult> actual)
    {
        Assert.Equal(expected.Select(r => r.FrameIndex), actual.Select(r => r.FrameIndex));
        for (int k = 0; k < expected.Count; k++)
        {
            FrameResult a = expected[k], b = actual[k];
            Assert.Equal(a.Labels.Data, b.Labels.Data);
            Assert.Equal(a.Objects.Select(o => (o.ObjectId, o.Status, o.Score, o.Reinitialized)), b.Objects.Select(o => (o.ObjectId, o.Status, o.Score, o.Reinitialized)));
            for (int i = 0; i < a.Objects.Count; i++)
                Assert.Equal(a.Objects[i].Points, b.Objects[i].Points);
        }
    }

    /// <summary>
    /// Several frames in the encoder at once must not change a result or its order, even when later frames finish
    /// first (every third frame's embedding is slow here).
    /// </summary>
    [Theory]
    [InlineData(2, PropagationDirection.Forward)]
    [InlineData(3, PropagationDirection.Forward)]
    [InlineData(3, PropagationDirection.Backward)]
    [InlineData(8, PropagationDirection.Forward)]
    public async Task Several_encoder_workers_give_the_results_of_one(int workers, PropagationDirection direction)
    {
        const int frames = 21;
        var (one, _, _) = await Run(PipelineExecution.Overlapped, ReinitMode.Every, direction, frames);
        var (several, stats, segmenter) = await Run(PipelineExecution.Overlapped, ReinitMode.Every, direction, frames, workers, t => t % 3 == 0 ? 40 : 0);

        Assert.Equal(frames, several.Count);
        AssertSameResults(one, several);
        Assert.Equal(frames, segmenter.Embeds);
        Assert.Equal(segmenter.Embeds, segmenter.EmbeddingsDisposed);
        Assert.Equal(workers, stats.EncoderWorkers);
        // Frames did run in the encoder at once (the next frame starts while a slow one sleeps), never more than asked.
        Assert.InRange(segmenter.MaxConcurrentEmbeds, 2, workers);
    }

    /// <summary>An encoder failure with frames in flight ends the walk with that error and returns every embedding made.</summary>
    [Fact]
    public async Task An_encoder_failure_with_several_workers_surfaces_and_releases_embeddings()
    {
        var clip = new DiskClip(W, H, 30, Red);
        var segmenter = new OracleSegmenter(clip) { FailOnFrame = 9, EmbedMilliseconds = t => t % 2 == 0 ? 5 : 0 };
        var sampler = new EvenSampler();
        using var model = new VideoSegmenter(segmenter, new OracleTracker(clip),
            new VideoSegmenterOptions { RefinementPasses = 0, Sampler = sampler.Sample, EncoderWorkers = 4, PipelineDepth = 2 });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, Red.Raster(W, H, 0));
        var seen = new List<int>();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (FrameResult r in session.Propagate()) seen.Add(r.FrameIndex);
        });
        Assert.Contains("frame 9 failed", e.Message);
        // Frames before the failing one may come out (in order); none after it.
        Assert.Equal(Enumerable.Range(0, seen.Count), seen);
        Assert.True(seen.Count <= 9, $"{seen.Count} frames came out");
        Assert.Equal(segmenter.Embeds, segmenter.EmbeddingsDisposed);
    }

    [Fact]
    public void EncoderWorkers_out_of_range_is_rejected()
    {
        var clip = new DiskClip(W, H, 3, Red);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoSegmenter(new OracleSegmenter(clip), new OracleTracker(clip), new VideoSegmenterOptions { EncoderWorkers = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoSegmenter(new OracleSegmenter(clip), new OracleTracker(clip), new VideoSegmenterOptions { EncoderWorkers = 65 }));
    }

    [Fact]
    public async Task Sequential_stops_on_cancellation_and_releases_embeddings()
    {
        var clip = new DiskClip(W, H, 30, Red);
        var segmenter = new OracleSegmenter(clip);
        var sampler = new EvenSampler();
        using var model = new VideoSegmenter(segmenter, new OracleTracker(clip),
            new VideoSegmenterOptions { Execution = PipelineExecution.Sequential, RefinementPasses = 0, Sampler = sampler.Sample });
        using VideoSession session = model.OpenSession(clip);
        session.AddMask(0, 1, Red.Raster(W, H, 0));
        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (FrameResult r in session.Propagate(cancel: cts.Token))
                if (++seen == 3) cts.Cancel();
        });
        Assert.Equal(3, seen);
        Assert.Equal(segmenter.Embeds, segmenter.EmbeddingsDisposed);
        // The session is usable again: a new walk goes through.
        Assert.Equal(30, (await CollectAsync(session.Propagate())).Count);
    }
}
