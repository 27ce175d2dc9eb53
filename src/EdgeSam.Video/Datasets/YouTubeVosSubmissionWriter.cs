using System.IO.Compression;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Datasets;

/// <summary>
/// Builds a YouTube-VOS CodaLab submission: a zip of <c>Annotations/&lt;video&gt;/&lt;frame&gt;.png</c> palette PNGs (object
/// ids as palette indices) for exactly the frames the split requires (<see cref="YouTubeVosVideo.RequiredFrames"/>).
/// The zip is written to a temporary file beside the target and renamed by <see cref="Complete"/>; disposing
/// without completing deletes it, so a zip at the target path is always whole.
/// </summary>
/// <remarks>Thread-safe: frames may be added from parallel workers.</remarks>
public sealed class YouTubeVosSubmissionWriter : IDisposable
{
    private readonly object _gate = new();
    private readonly YouTubeVosDataset _dataset;
    private readonly string _tempPath;
    private readonly HashSet<(string, string)> _written = [];
    private FileStream? _file;
    private ZipArchive? _zip;

    public string ZipPath { get; }

    public YouTubeVosSubmissionWriter(string zipPath, YouTubeVosDataset dataset)
    {
        ArgumentException.ThrowIfNullOrEmpty(zipPath);
        ArgumentNullException.ThrowIfNull(dataset);
        _dataset = dataset;
        ZipPath = Path.GetFullPath(zipPath);
        _tempPath = $"{ZipPath}.tmp-{Random.Shared.Next():x8}";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ZipPath)!);
            _file = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
            _zip = new ZipArchive(_file, ZipArchiveMode.Create, leaveOpen: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Dispose();
            throw new EdgeSamException($"{zipPath}: cannot create the submission zip ({e.Message.TrimEnd('.')}); check that the folder is writable", e);
        }
    }

    /// <summary>Frames written so far.</summary>
    public int Count { get { lock (_gate) return _written.Count; } }

    /// <summary>
    /// Adds one frame's labels. Returns false (and writes nothing) for frames the submission does not take, such as
    /// the intermediate frames of <c>valid_all_frames</c>; writing a frame twice is an error.
    /// </summary>
    public bool Write(string video, string frame, LabelMap labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        YouTubeVosVideo v = _dataset.Video(video);
        if (v.IndexOf(frame) < 0) return false;
        byte[] png = PngCodec.EncodeLabels(labels);
        lock (_gate)
        {
            ZipArchive zip = _zip ?? throw new InvalidOperationException("The submission is already completed or disposed.");
            if (!_written.Add((video, frame)))
                throw new InvalidOperationException($"Frame {frame} of video {video} was already written.");
            // PNG data is already deflated: storing it is as small and much faster.
            ZipArchiveEntry entry = zip.CreateEntry($"Annotations/{video}/{frame}.png", CompressionLevel.NoCompression);
            using Stream s = entry.Open();
            s.Write(png);
        }
        return true;
    }

    /// <summary>Required frames not yet written, as (video, frame), in video and frame order.</summary>
    public IReadOnlyList<(string Video, string Frame)> Missing()
    {
        lock (_gate)
            return _dataset.Videos.SelectMany(v => v.RequiredFrames.Select(f => (v.Name, f)))
                                  .Where(k => !_written.Contains(k)).ToArray();
    }

    /// <summary>
    /// Finishes the zip and moves it to <see cref="ZipPath"/>. Unless <paramref name="allowMissing"/>, every required
    /// frame must have been written (CodaLab rejects incomplete submissions).
    /// </summary>
    public void Complete(bool allowMissing = false)
    {
        lock (_gate)
        {
            if (_zip == null) throw new InvalidOperationException("The submission is already completed or disposed.");
            if (!allowMissing)
            {
                var missing = Missing();
                if (missing.Count > 0)
                    throw new EdgeSamException(
                        $"{ZipPath}: submission incomplete, {missing.Count} required frames missing (first: {missing[0].Video}/{missing[0].Frame}); segment every video of the split");
            }
            try
            {
                _zip.Dispose();
                _zip = null;
                _file!.Flush();
                _file.Dispose();
                _file = null;
                File.Move(_tempPath, ZipPath, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Dispose();
                throw new EdgeSamException($"{ZipPath}: cannot write the submission zip ({e.Message.TrimEnd('.')})", e);
            }
        }
    }

    /// <summary>Closes the writer; an uncompleted zip is deleted.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            try { _zip?.Dispose(); } catch (IOException) { }
            _zip = null;
            _file?.Dispose();
            _file = null;
            try { File.Delete(_tempPath); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }
}
