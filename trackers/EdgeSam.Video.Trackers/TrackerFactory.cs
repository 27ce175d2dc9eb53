using EdgeSam.Video.Trackers.Lk;
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
            _ => throw new EdgeSamException($"tracker '{kind.CliName()}' is not available in this build; use --tracker lk"),
        };
    }
}
