using EdgeSam.Video.Cli.Commands.Studio;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Tests.Pipeline;

namespace EdgeSam.Video.Tests.Studio;

/// <summary>The studio keeps the clicked frame's embedding: clicks on one frame embed it once, with the same masks.</summary>
public class CachingSegmenterTests
{
    private static Disk Red() => new(1, 220, 40, 40, t => (40 + 2 * t, 40), 12);

    [Fact]
    public void Clicks_on_one_frame_embed_it_once_and_give_the_uncached_masks()
    {
        var clip = new DiskClip(96, 80, 6, Red());
        var inner = new OracleSegmenter(clip);
        var sampler = new EvenSampler();
        var options = new VideoSegmenterOptions { RefinementPasses = 1, Sampler = sampler.Sample };
        using var cache = new CachingSegmenter(inner);
        using var cached = new VideoSegmenter(cache, new OracleTracker(clip), options);
        using VideoSession session = cached.OpenSession(clip);
        using var plain = new VideoSegmenter(new OracleSegmenter(clip), new OracleTracker(clip), options);
        using VideoSession reference = plain.OpenSession(clip);

        cache.Interactive = true;
        PromptPoint[] clicks = [new(44, 40, PointLabel.Positive), new(46, 42, PointLabel.Positive), new(80, 70, PointLabel.Negative)];
        for (int k = 1; k <= clicks.Length; k++)
        {
            Mask m = session.AddPoints(2, 1, clicks[..k]);
            Assert.Equal(reference.AddPoints(2, 1, clicks[..k]).Data, m.Data);
        }
        Assert.Equal(1, inner.Embeds);
        Assert.Equal((1, 2), (cache.Misses, cache.Hits));
        // Another frame replaces the cached one; the embedding given back early is not disposed under the cache.
        session.AddPoints(3, 1, clicks[..1]);
        session.AddPoints(3, 1, clicks[..2]);
        Assert.Equal(2, inner.Embeds);
        Assert.Equal(1, inner.EmbeddingsDisposed);
        // Off (a propagation is about to run): every embed is the segmenter's own again, and the cache is released.
        cache.Interactive = false;
        Assert.Equal(2, inner.EmbeddingsDisposed);
        session.AddPoints(3, 1, clicks[..1]);
        Assert.Equal(3, inner.Embeds);
        Assert.Equal(3, inner.EmbeddingsDisposed);
    }
}
