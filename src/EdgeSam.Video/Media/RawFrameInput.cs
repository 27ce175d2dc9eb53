using System.Globalization;
using FFMpegCore.Pipes;

namespace EdgeSam.Video.Media;

/// <summary>
/// The writers' input for FFMpegCore: raw frames pushed by the caller, one at a time, straight into the pipe ffmpeg
/// reads. FFMpegCore's own <see cref="RawVideoPipeSource"/> pulls frames from an enumerable on its thread and writes
/// its rate as a decimal (<c>-r 29.97</c>, which is not NTSC's 30000/1001); this source hands the connected pipe to
/// the producer instead, so a frame is written synchronously without a copy or a queue (memory stays one frame), a
/// dead ffmpeg shows as a failed write at once, and the rate is the exact fraction.
/// </summary>
internal sealed class RawFrameInput : IPipeSource
{
    private readonly string _arguments;
    private readonly TaskCompletionSource<Stream> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RawFrameInput(string pixelFormat, int width, int height, string rate)
    {
        _arguments = string.Create(CultureInfo.InvariantCulture, $"-f rawvideo -pix_fmt {pixelFormat} -s {width}x{height} -framerate {rate}");
    }

    /// <summary>Completes once ffmpeg has connected to the pipe, with the stream to write frames to.</summary>
    public Task<Stream> Connected => _connected.Task;

    public string GetStreamArguments() => _arguments;

    /// <summary>FFMpegCore calls this once ffmpeg has connected; returning closes the pipe (ffmpeg's end of input),
    /// so it waits until the producer is done or FFMpegCore stops the run (ffmpeg exited or was cancelled).</summary>
    public async Task WriteAsync(Stream outputStream, CancellationToken cancellationToken)
    {
        _connected.TrySetResult(outputStream);
        await using CancellationTokenRegistration stop = cancellationToken.Register(() => _finished.TrySetResult());
        await _finished.Task.ConfigureAwait(false);
    }

    /// <summary>Ends the input: ffmpeg sees the end of the stream and finishes the file.</summary>
    public void Finish()
    {
        _finished.TrySetResult();
        _connected.TrySetCanceled();
    }
}
