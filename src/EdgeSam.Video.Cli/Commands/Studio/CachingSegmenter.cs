using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;

namespace EdgeSam.Video.Cli.Commands.Studio;

/// <summary>
/// Keeps the embedding of the frame a person is clicking on. <see cref="Pipeline.VideoSession.AddPoints"/> embeds its
/// frame on every call and disposes the embedding afterwards (neither the graph cut nor EdgeSAM caches across calls),
/// which for EdgeSAM is an encoder run (~100+ ms on a CPU) per click. While <see cref="Interactive"/> is on, an
/// <see cref="Embed"/> of the same pixels as the previous one returns that embedding again, and the caller's Dispose
/// is ignored; the cache holds one frame and is dropped when another frame is embedded or
/// <see cref="Interactive"/> is switched off (propagations embed every frame of the walk themselves, from several
/// threads: they never see the cache).
/// </summary>
internal sealed class CachingSegmenter(IPromptSegmenter inner) : IPromptSegmenter
{
    private readonly object _lock = new();
    private RgbImage? _frame;
    private IFrameEmbedding? _embedding;
    private bool _interactive;

    public string Name => inner.Name;

    /// <summary>Embeddings made since the last reset (for tests and figures).</summary>
    public int Misses { get; private set; }

    public int Hits { get; private set; }

    /// <summary>On while prompts are being added; switching it off drops the cached embedding.</summary>
    public bool Interactive
    {
        get { lock (_lock) return _interactive; }
        set
        {
            lock (_lock)
            {
                _interactive = value;
                if (!value) Drop();
            }
        }
    }

    public IFrameEmbedding Embed(RgbImage frame)
    {
        lock (_lock)
        {
            if (!_interactive) return inner.Embed(frame);
            if (_frame is not null && _embedding is not null && _frame.Width == frame.Width && _frame.Height == frame.Height
                && _frame.Pixels.AsSpan().SequenceEqual(frame.Pixels))
            {
                Hits++;
                return new Borrowed(_embedding);
            }
            Drop();
            Misses++;
            _embedding = inner.Embed(frame);
            _frame = frame;
            return new Borrowed(_embedding);
        }
    }

    private void Drop()
    {
        _embedding?.Dispose();
        _embedding = null;
        _frame = null;
    }

    /// <summary>Drops the cache; the inner segmenter stays its owner's (the <see cref="Pipeline.VideoSegmenter"/> the
    /// factory built).</summary>
    public void Dispose()
    {
        lock (_lock) Drop();
    }

    /// <summary>The cached embedding lent to one caller: its Dispose leaves the embedding to the cache.</summary>
    private sealed class Borrowed(IFrameEmbedding e) : IFrameEmbedding
    {
        public int Width => e.Width;
        public int Height => e.Height;
        public SegmentationResult Segment(SegmentationPrompt prompt) => e.Segment(prompt);
        public IReadOnlyList<SegmentationResult> Segment(IReadOnlyList<SegmentationPrompt> prompts) => e.Segment(prompts);
        public void Dispose() { }
    }
}
