using EdgeSam.Video.Media;

namespace EdgeSam.Video.Cli.Commands.Studio;

/// <summary>
/// Frames as JPEG for the page, one at a time, read from the source on demand (never the whole video). The last
/// <see cref="Capacity"/> encoded frames are kept: stepping back and forth over a few frames costs no decode.
/// </summary>
internal sealed class FrameJpegs(IFrameSource frames, int quality = 85)
{
    /// <summary>Frames kept (~50 KB each at 480p).</summary>
    public const int Capacity = 64;

    private readonly LinkedList<(int Frame, byte[] Jpeg)> _recent = new();
    private readonly object _lock = new();

    public byte[] Get(int frame, CancellationToken cancel)
    {
        lock (_lock)
        {
            for (var n = _recent.First; n is not null; n = n.Next)
                if (n.Value.Frame == frame)
                {
                    _recent.Remove(n);
                    _recent.AddFirst(n);
                    return n.Value.Jpeg;
                }
        }
        RgbImage image = frames.Read(frame, 1, cancel).FirstOrDefault()
            ?? throw new EdgeSamException($"frame {frame} could not be read from the video (it reports {frames.FrameCount} frames).");
        byte[] jpeg = Encode(image, quality);
        lock (_lock)
        {
            _recent.AddFirst((frame, jpeg));
            while (_recent.Count > Capacity) _recent.RemoveLast();
        }
        return jpeg;
    }

    public static byte[] Encode(RgbImage image, int quality) => CvImage.EncodeJpeg(image, quality);
}
