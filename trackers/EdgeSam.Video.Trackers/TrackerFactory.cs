using EdgeSam.Video.Trackers.Lk;
using EdgeSam.Video.Trackers.XFeat;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers;

/// <summary>Creates point trackers by kind.</summary>
public static class TrackerFactory
{
    /// <summary>
    /// Creates a tracker. Throws <see cref="EdgeSamException"/> when a model file the kind needs is missing or unusable.
    /// </summary>
    public static IPointTracker Create(TrackerKind kind, TrackerOptions? options = null)
    {
        options ??= new TrackerOptions();
        return kind switch
        {
            TrackerKind.Lk => new LkTracker(options.Lk, options.VisibilityThreshold),
            TrackerKind.XFeat => CreateXFeat(options),
            _ => throw new EdgeSamException($"tracker '{kind.CliName()}' is not available in this build; use --tracker lk"),
        };
    }

    private static XFeatTracker CreateXFeat(TrackerOptions options)
    {
        string given = options.XFeatModel
            ?? throw new EdgeSamException("tracker 'xfeat' needs its model: pass --xfeat-model with an xfeat_WxH.onnx file or a folder of them (e.g. the model cache or mirror's xfeat folder)");
        string path = XFeatTracker.PickModel(given)
            ?? throw new EdgeSamException($"no XFeat model at {given}: give an xfeat_WxH.onnx file or a folder holding one");
        return new XFeatTracker(path, options.Threads, options.Lk, options.XFeat, options.VisibilityThreshold);
    }
}
