using System.Globalization;
using FFMpegCore;

namespace EdgeSam.Video.Media;

/// <summary>Output codecs of <see cref="VideoWriter"/>.</summary>
public enum VideoCodec
{
    /// <summary>H.264 preview (libx264, yuv420p, CRF, <c>+faststart</c>) in .mp4/.m4v/.mov/.mkv; no alpha; odd sizes are padded to even.</summary>
    H264,

    /// <summary>ProRes 4444 with alpha (prores_ks profile 4444, yuva444p10le, 16-bit alpha) in .mov: the compositing master.</summary>
    ProRes4444,

    /// <summary>VP9 with alpha (libvpx-vp9, yuva420p, <c>-auto-alt-ref 0</c>) in .webm/.mkv: alpha for the web.</summary>
    Vp9Alpha,
}

/// <summary>Quality knobs of <see cref="VideoWriter"/>.</summary>
/// <param name="H264Crf">libx264 constant rate factor (0 lossless .. 51; ~18-23 is visually good).</param>
/// <param name="H264Preset">libx264 preset (<c>ultrafast</c> .. <c>veryslow</c>).</param>
/// <param name="Vp9Crf">libvpx-vp9 constant quality (0 .. 63, with <c>-b:v 0</c>).</param>
/// <param name="Vp9CpuUsed">libvpx-vp9 speed (0 slowest .. 8 fastest; realtime-ish above 5).</param>
/// <param name="H264Threads">libx264 threads; 0 = x264's default (about 1.5 per core, plus lookahead threads). One
/// thread costs the least CPU per frame, for a writer that runs beside other work on few cores.</param>
/// <param name="FrameColorTags">Also stamp the colour description (BT.709 primaries, transfer and matrix, limited
/// range: what the conversion below produces) on the frames themselves, not only on the stream, so the encoder writes
/// it into its bitstream: ProRes keeps its frame-header colour fields only this way (else ffprobe reads "unknown").</param>
public sealed record VideoWriterOptions(int H264Crf = 20, string H264Preset = "veryfast", int Vp9Crf = 30, int Vp9CpuUsed = 4, int H264Threads = 0,
    bool FrameColorTags = false);

/// <summary>
/// Encodes frames through one ffmpeg process run by FFMpegCore, fed rawvideo (rgb24 for H.264, rgba for the alpha
/// codecs) through its input pipe (<see cref="RawFrameInput"/>).
/// Atomic: ffmpeg writes <c>name.partial-XXXXXXXX.ext</c> in the target folder, and only <see cref="Complete"/>
/// renames it onto the target after ffmpeg exits cleanly. <see cref="Dispose"/> without a successful Complete (an
/// exception, a cancellation, an abandoned writer) kills ffmpeg and deletes the temporary file, so no file that
/// looks complete is left behind. Not thread-safe: one producer writes frames in order.
/// </summary>
public sealed partial class VideoWriter : IDisposable
{
    private readonly RawFrameInput _input;
    private readonly Task<FFMpegResult?> _encoding;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _cancel;
    private Stream? _pipe;
    private byte[]? _rgbaScratch;
    private bool _completed;
    private bool _disposed;

    /// <summary>The file that exists after <see cref="Complete"/>.</summary>
    public string Path { get; }

    /// <summary>Where ffmpeg writes until <see cref="Complete"/>.</summary>
    public string TempPath { get; }

    /// <summary>Size of the frames given to <see cref="Write(RgbImage)"/> (the encoded size may be padded to even for H.264).</summary>
    public int Width { get; }
    public int Height { get; }
    /// <summary>Size of the encoded picture: H.264 (yuv420p) pads odd sizes to even, the alpha codecs keep the frame size.</summary>
    public int EncodedWidth => Codec == VideoCodec.H264 ? (Width + 1) & ~1 : Width;
    public int EncodedHeight => Codec == VideoCodec.H264 ? (Height + 1) & ~1 : Height;

    public VideoCodec Codec { get; }
    public double FrameRate { get; }
    public int FramesWritten { get; private set; }

    /// <summary>True for the codecs that store an alpha channel.</summary>
    public bool HasAlpha => Codec != VideoCodec.H264;

    private VideoWriter(string path, string temp, int width, int height, double fps, VideoCodec codec,
        RawFrameInput input, Task<FFMpegResult?> encoding, CancellationTokenSource stop, CancellationToken cancel)
    {
        Path = path;
        TempPath = temp;
        Width = width;
        Height = height;
        FrameRate = fps;
        Codec = codec;
        _input = input;
        _encoding = encoding;
        _stop = stop;
        _cancel = cancel;
    }

    /// <summary>
    /// Starts encoding <paramref name="width"/> x <paramref name="height"/> frames at <paramref name="frameRate"/> to
    /// <paramref name="path"/> (its folder is created). The extension must suit the codec: .mp4/.m4v/.mov/.mkv for
    /// H.264, .mov for ProRes 4444, .webm/.mkv for VP9. Cancelling <paramref name="cancel"/> kills ffmpeg; the next
    /// call throws <see cref="OperationCanceledException"/> and Dispose removes the partial file.
    /// </summary>
    public static VideoWriter Create(string path, int width, int height, double frameRate, VideoCodec codec,
        VideoWriterOptions? options = null, CancellationToken cancel = default)
    {
        RgbImage.ValidateSize(width, height);
        if (!(frameRate > 0) || !double.IsFinite(frameRate) || frameRate > 1000)
            throw new EdgeSamException($"frame rate {frameRate} for {path} is not a positive number up to 1000.");
        options ??= new VideoWriterOptions();
        if (options.H264Threads is < 0 or > 64)
            throw new ArgumentOutOfRangeException(nameof(options), options.H264Threads, "H264Threads must be 0 (x264's default) .. 64.");
        string full = AtomicFile.PrepareTarget(path);
        string muxer = MuxerFor(full, codec);
        string temp = AtomicFile.TempPathFor(full);

        if (full.Contains('"'))
            throw new EdgeSamException($"cannot write {path}: ffmpeg's output name may not contain a double quote; rename the file.");
        if (!SafeWord().IsMatch(options.H264Preset))
            throw new EdgeSamException($"H.264 preset '{options.H264Preset}' is not one word; use one of ultrafast .. veryslow.");

        // RGB -> Y'CbCr with the BT.709 matrix in limited range, and the stream tagged so players invert it the same way.
        const string matrix = "out_color_matrix=bt709:out_range=tv";
        string filter;
        var codecArgs = new List<string>();
        switch (codec)
        {
            case VideoCodec.H264:
                // yuv420p needs even sizes: pad the right/bottom edge with one black column/row rather than lose pixels.
                filter = $"pad=ceil(iw/2)*2:ceil(ih/2)*2,scale={matrix},format=yuv420p";
                codecArgs.AddRange(["-c:v", "libx264", "-preset", options.H264Preset, "-crf", options.H264Crf.ToString(CultureInfo.InvariantCulture),
                    "-pix_fmt", "yuv420p"]);
                if (options.H264Threads > 0)
                    codecArgs.AddRange(["-threads", options.H264Threads.ToString(CultureInfo.InvariantCulture)]);
                if (muxer is "mp4" or "mov") codecArgs.AddRange(["-movflags", "+faststart"]);
                break;
            case VideoCodec.ProRes4444:
                filter = $"scale={matrix},format=yuva444p10le";
                codecArgs.AddRange(["-c:v", "prores_ks", "-profile:v", "4444", "-pix_fmt", "yuva444p10le", "-alpha_bits", "16", "-vendor", "apl0"]);
                break;
            case VideoCodec.Vp9Alpha:
                // ffmpeg encodes the alpha plane with a second libvpx instance; alt-ref frames break that pairing
                // (ffmpeg: "Transparency encoding with auto_alt_ref does not work"), so they are off.
                filter = $"scale={matrix},format=yuva420p";
                codecArgs.AddRange(["-c:v", "libvpx-vp9", "-pix_fmt", "yuva420p", "-auto-alt-ref", "0",
                    "-crf", options.Vp9Crf.ToString(CultureInfo.InvariantCulture), "-b:v", "0",
                    "-deadline", "good", "-cpu-used", options.Vp9CpuUsed.ToString(CultureInfo.InvariantCulture), "-row-mt", "1"]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(codec), codec, null);
        }
        if (options.FrameColorTags)
        {
            // setparams marks the filtered frames; the encoder (prores_ks in particular) copies the frames' colour
            // fields, which the output options below alone leave "unknown" in ProRes.
            filter += ",setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709";
            codecArgs.AddRange(["-color_range", "tv"]);
        }
        codecArgs.AddRange(["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-f", muxer]);

        var input = new RawFrameInput(codec == VideoCodec.H264 ? "rgb24" : "rgba", width, height, Rate(frameRate));
        // Every piece is one word (no spaces: filters, codec names, numbers), so joining with spaces is exact; the
        // file name is quoted by FFMpegCore.
        string output = string.Join(' ', ["-nostats", "-map", "0:v", "-vf", filter, .. codecArgs]);
        FFMpegArgumentProcessor processor = FFMpegArguments
            .FromPipeInput(input)
            .OutputToFile(temp, overwrite: true, o => o.WithCustomArgument(output))
            .WithLogLevel(FFMpegCore.Enums.FFMpegLogLevel.Error);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // Cancelled, FFMpegCore asks ffmpeg to quit and kills it after the grace time: none, the file is discarded.
        processor.CancellableThrough(stop.Token, TimeSpan.Zero);
        Task<FFMpegResult?> encoding = Encode(processor);
        return new VideoWriter(full, temp, width, height, frameRate, codec, input, encoding, stop, cancel);
    }

    /// <summary>Runs ffmpeg to its end; the result, or null when it could not be started at all.</summary>
    private static async Task<FFMpegResult?> Encode(FFMpegArgumentProcessor processor)
    {
        try
        {
            return await processor.ProcessAsynchronously(throwOnError: false, FfTools.Options()).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial System.Text.RegularExpressions.Regex SafeWord();

    /// <summary>Appends an opaque frame (alpha 255 for the alpha codecs).</summary>
    public void Write(RgbImage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        CheckSize(frame.Width, frame.Height);
        if (!HasAlpha)
        {
            Send(frame.Pixels);
            return;
        }
        byte[] rgba = Scratch();
        ReadOnlySpan<byte> rgb = frame.Pixels;
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        Send(rgba);
    }

    /// <summary>Appends a frame with a separate alpha plane (<c>Width*Height</c> bytes, 0 transparent .. 255 opaque); alpha codecs only.</summary>
    public void Write(RgbImage frame, ReadOnlySpan<byte> alpha)
    {
        ArgumentNullException.ThrowIfNull(frame);
        CheckSize(frame.Width, frame.Height);
        if (!HasAlpha) throw new InvalidOperationException($"{Codec} stores no alpha; use ProRes4444 or Vp9Alpha.");
        if (alpha.Length != Width * Height)
            throw new ArgumentException($"alpha holds {alpha.Length} bytes, a {Width}x{Height} frame needs {Width * Height}.", nameof(alpha));
        byte[] rgba = Scratch();
        ReadOnlySpan<byte> rgb = frame.Pixels;
        for (int p = 0; p < alpha.Length; p++)
        {
            rgba[4 * p] = rgb[3 * p];
            rgba[4 * p + 1] = rgb[3 * p + 1];
            rgba[4 * p + 2] = rgb[3 * p + 2];
            rgba[4 * p + 3] = alpha[p];
        }
        Send(rgba);
    }

    /// <summary>Appends an interleaved RGBA frame (<c>Width*Height*4</c> bytes); alpha codecs only.</summary>
    public void WriteRgba(ReadOnlySpan<byte> rgba)
    {
        if (!HasAlpha) throw new InvalidOperationException($"{Codec} stores no alpha; write RGB frames or use ProRes4444 or Vp9Alpha.");
        if (rgba.Length != Width * Height * 4)
            throw new ArgumentException($"RGBA frame holds {rgba.Length} bytes, a {Width}x{Height} frame needs {Width * Height * 4}.", nameof(rgba));
        Send(rgba);
    }

    /// <summary>
    /// Ends the stream, waits for ffmpeg and renames the temporary file onto <see cref="Path"/> (replacing it).
    /// On failure the temporary file is deleted and an <see cref="EdgeSamException"/> carries ffmpeg's last message.
    /// </summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) return;
        if (FramesWritten == 0)
            throw new InvalidOperationException($"no frames were written to {Path}.");
        _input.Finish();
        FFMpegResult? result = WaitForEncoder();
        _cancel.ThrowIfCancellationRequested();
        if (result is not { ExitCode: 0 } || !File.Exists(TempPath))
        {
            AtomicFile.TryDelete(TempPath);
            throw Failure(result);
        }
        try
        {
            File.Move(TempPath, Path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            AtomicFile.TryDelete(TempPath);
            throw new EdgeSamException($"cannot write {Path}: {FfTools.OneLine(e.Message)}", e);
        }
        _completed = true;
    }

    /// <summary>Releases ffmpeg; without a successful <see cref="Complete"/> it kills ffmpeg and deletes the temporary file.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_completed)
        {
            _stop.Cancel();
            _input.Finish();
            try
            {
                WaitForEncoder();
            }
            catch (EdgeSamException)
            {
                // ffmpeg never ran; there is nothing to stop, and Dispose does not throw.
            }
        }
        _stop.Dispose();
        if (!_completed) AtomicFile.TryDelete(TempPath);
    }

    private void Send(ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) throw new InvalidOperationException($"{Path} is already complete.");
        _cancel.ThrowIfCancellationRequested();
        try
        {
            (_pipe ??= Connect()).Write(bytes);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // A closed pipe: ffmpeg exited (bad option, disk full) or was killed by cancellation; once ffmpeg has
            // exited FFMpegCore also disposes its end, so the write may find the pipe gone instead of broken.
            _cancel.ThrowIfCancellationRequested();
            FFMpegResult? result = WaitForEncoder();
            if (result?.ExitCode == 255) throw Failure(result); // interrupted by a signal
            throw new EdgeSamException($"ffmpeg stopped while writing {Path} (frame {FramesWritten}): {FfTools.LastMessage(result?.StandardError, "ffmpeg")}", e);
        }
        FramesWritten++;
    }

    /// <summary>The pipe, once ffmpeg has opened its input; ffmpeg failing before that is reported from its messages.</summary>
    private Stream Connect()
    {
        Task done = Task.WhenAny(_input.Connected, _encoding).GetAwaiter().GetResult();
        _cancel.ThrowIfCancellationRequested();
        if (done == _input.Connected && _input.Connected.IsCompletedSuccessfully) return _input.Connected.Result;
        throw Failure(WaitForEncoder());
    }

    /// <summary>ffmpeg's result once it has exited (bounded: a killed ffmpeg is gone within moments).</summary>
    private FFMpegResult? WaitForEncoder()
    {
        try
        {
            return _encoding.Wait(TimeSpan.FromSeconds(30)) ? _encoding.Result : null;
        }
        catch (AggregateException e) when (e.InnerException is System.ComponentModel.Win32Exception or FFMpegCore.Exceptions.FFMpegException or InvalidOperationException)
        {
            throw new EdgeSamException(FfTools.Missing("ffmpeg", e.InnerException), e.InnerException);
        }
    }

    /// <summary>
    /// The exception for a failed run: one line naming the file and ffmpeg's own complaint, or
    /// <see cref="OperationCanceledException"/> when ffmpeg stopped on a signal (exit code 255, e.g. the terminal's
    /// Ctrl-C reaching the child too), which is an interruption, not bad input.
    /// </summary>
    private Exception Failure(FFMpegResult? result)
    {
        if (result?.ExitCode == 255)
            return new OperationCanceledException($"ffmpeg was interrupted while writing {Path}.");
        string code = result is null ? "" : $" (exit code {result.ExitCode})";
        return new EdgeSamException($"ffmpeg failed on {Path}{code}: {FfTools.LastMessage(result?.StandardError, "ffmpeg")}");
    }

    private void CheckSize(int w, int h)
    {
        if (w != Width || h != Height)
            throw new ArgumentException($"frame is {w}x{h}, {Path} was opened for {Width}x{Height}.");
    }

    private byte[] Scratch() => _rgbaScratch ??= new byte[Width * Height * 4];

    private static string MuxerFor(string path, VideoCodec codec)
    {
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        string? muxer = (codec, ext) switch
        {
            (VideoCodec.H264, ".mp4" or ".m4v") => "mp4",
            (VideoCodec.H264 or VideoCodec.ProRes4444, ".mov") => "mov",
            (VideoCodec.H264 or VideoCodec.Vp9Alpha, ".mkv") => "matroska",
            (VideoCodec.Vp9Alpha, ".webm") => "webm",
            _ => null,
        };
        return muxer ?? throw new EdgeSamException(codec switch
        {
            VideoCodec.H264 => $"cannot write H.264 to {path}: use a .mp4, .mov or .mkv file name.",
            VideoCodec.ProRes4444 => $"cannot write ProRes 4444 to {path}: use a .mov file name.",
            _ => $"cannot write VP9 with alpha to {path}: use a .webm or .mkv file name.",
        });
    }

    /// <summary>The rate as ffmpeg reads it; NTSC-style rates become exact <c>n*1000/1001</c> fractions.</summary>
    internal static string Rate(double fps)
    {
        double ntsc = fps * 1001 / 1000;
        if (Math.Abs(ntsc - Math.Round(ntsc)) < 1e-3 && Math.Abs(fps - Math.Round(fps)) > 1e-3)
            return string.Create(CultureInfo.InvariantCulture, $"{Math.Round(ntsc) * 1000}/1001");
        return fps.ToString("0.######", CultureInfo.InvariantCulture);
    }
}
