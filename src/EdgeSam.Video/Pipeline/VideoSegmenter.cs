using EdgeSam.Video.Media;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// The reusable half of the video predictor (SAM 2's model, SAM-PT's algorithm): a prompt segmenter, a point tracker
/// and the options. It holds no per-video state; <see cref="OpenSession"/> starts a <see cref="VideoSession"/> per
/// video. Sessions of one segmenter may exist side by side but only one should propagate at a time (the segmenter
/// and tracker are shared and need not be thread-safe).
/// </summary>
public sealed class VideoSegmenter : IDisposable
{
    private readonly bool _ownsComponents;

    /// <param name="segmenter">Prompt segmenter (EdgeSAM or the graph cut).</param>
    /// <param name="tracker">Point tracker (any <see cref="IPointTracker"/>; driven online, frame by frame).</param>
    /// <param name="options">Algorithm options; <see cref="VideoSegmenterOptions.Sampler"/> is required.</param>
    /// <param name="ownsComponents">Dispose <paramref name="segmenter"/>, <paramref name="tracker"/> and the options'
    /// <see cref="VideoSegmenterOptions.DenseMotion"/> (when disposable) with this object.</param>
    public VideoSegmenter(IPromptSegmenter segmenter, IPointTracker tracker, VideoSegmenterOptions options, bool ownsComponents = false)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Segmenter = segmenter;
        Tracker = tracker;
        Options = options;
        _ownsComponents = ownsComponents;
    }

    public IPromptSegmenter Segmenter { get; }
    public IPointTracker Tracker { get; }
    public VideoSegmenterOptions Options { get; }

    /// <summary>Starts a session on <paramref name="frames"/> (SAM 2's <c>init_state</c>). Nothing is read yet.</summary>
    /// <param name="frames">The video; read again by every propagation, never held whole.</param>
    /// <param name="ownsFrames">Dispose <paramref name="frames"/> with the session.</param>
    public VideoSession OpenSession(IFrameSource frames, bool ownsFrames = false)
    {
        ArgumentNullException.ThrowIfNull(frames);
        return new VideoSession(this, frames, ownsFrames);
    }

    public void Dispose()
    {
        if (!_ownsComponents) return;
        Segmenter.Dispose();
        Tracker.Dispose();
        (Options.DenseMotion as IDisposable)?.Dispose();
    }
}
