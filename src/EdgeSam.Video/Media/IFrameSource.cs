namespace EdgeSam.Video.Media;

/// <summary>
/// Frames that can be read in order from any start frame: a video file (one ffmpeg process per read, rawvideo RGB24
/// over a pipe) or a folder of images. Reading streams: nothing holds the whole video in memory, so a consumer that
/// needs to go backwards reads blocks and walks each block in reverse. <see cref="Read"/> may be called from several
/// threads at once (sessions forked for parallel restarts share one source); each call is its own stream.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>Display width in pixels (after the container's rotation is applied).</summary>
    int Width { get; }

    /// <summary>Display height in pixels (after the container's rotation is applied).</summary>
    int Height { get; }

    /// <summary>Number of frames available.</summary>
    int FrameCount { get; }

    /// <summary>Frames per second (folders: 24 unless told otherwise).</summary>
    double FrameRate { get; }

    /// <summary>Name used for this frame's outputs: a folder's file stem (<c>00005</c>), a video's zero-padded index.</summary>
    string FrameName(int index);

    /// <summary>Streams frames <c>[start, start + count)</c> (clamped to the end) in order; each image is the caller's.</summary>
    IEnumerable<RgbImage> Read(int start, int count, CancellationToken cancel = default);
}
