using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tracking;

/// <summary>A point to track: the content at pixel (<see cref="X"/>, <see cref="Y"/>) of frame <see cref="Frame"/>.
/// <see cref="Frame"/> is an index into the frames handed to the tracker (0 = the first of the block).</summary>
public readonly record struct QueryPoint(int Frame, float X, float Y);

/// <summary>A tracked point on one frame: position in that frame's pixels and a visibility score in [0, 1].
/// The point counts as visible when <see cref="Visibility"/> &gt;= the tracker's <see cref="IPointTracker.VisibilityThreshold"/>.</summary>
public readonly record struct TrackedPoint(float X, float Y, float Visibility);

/// <summary>How a tracker is best driven.</summary>
public enum TrackerMode
{
    /// <summary>Frame by frame (<see cref="IPointTracker.Start"/> then <see cref="IPointTrack.Step"/>).</summary>
    Online,
    /// <summary>A block of frames at once (<see cref="IPointTracker.TrackWindow"/>).</summary>
    Windowed,
}

/// <summary>
/// The point-tracker contract. Implementations live in <c>trackers/</c>; the library only knows this interface.
/// Both uses are supported by every tracker: online (frames arrive one by one, so a video of any length streams)
/// and windowed (a block of frames); <see cref="PreferredMode"/> says which one is native and cheaper.
/// Frames are fed in the direction of travel: a backward propagation simply hands frames in decreasing order.
/// Points that leave the frame, or lie within 1% of the border, are reported with visibility 0.
/// </summary>
public interface IPointTracker : IDisposable
{
    /// <summary>Short name as used on the command line (<c>lk</c>, <c>xfeat</c>, ...).</summary>
    string Name { get; }

    /// <summary>Visibility score at or above which a point is visible.</summary>
    float VisibilityThreshold { get; }

    TrackerMode PreferredMode { get; }

    /// <summary>For windowed trackers, the number of frames one native call takes; online trackers return 1.</summary>
    int WindowLength { get; }

    /// <summary>Starts an online track of <paramref name="points"/> (pixel coordinates on <paramref name="frame"/>).</summary>
    IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points);

    /// <summary>
    /// Tracks <paramref name="queries"/> through <paramref name="frames"/>. Returns <c>[frames.Count][queries.Length]</c>;
    /// for frames before a query's own frame the entry is the query position with visibility 0.
    /// </summary>
    TrackedPoint[][] TrackWindow(IReadOnlyList<RgbImage> frames, ReadOnlySpan<QueryPoint> queries);
}

/// <summary>An online track in progress. Not thread-safe.</summary>
public interface IPointTrack : IDisposable
{
    int PointCount { get; }

    /// <summary>Feeds the next frame and returns every point's position and visibility on it.</summary>
    TrackedPoint[] Step(RgbImage frame);
}
