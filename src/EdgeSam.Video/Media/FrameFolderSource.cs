using System.Globalization;
using System.Text;

namespace EdgeSam.Video.Media;

/// <summary>
/// Frames of a folder of images (<c>.jpg .jpeg .png .bmp</c>) in natural order (<c>frame2</c> before <c>frame10</c>).
/// Numbering may have gaps (YouTube-VOS: <c>00000, 00005, 00010</c>): the index is the position in that order and
/// <see cref="FrameName"/> gives the file stem. All frames must have one size (checked from the file headers when
/// opened). Each <see cref="Read"/> decodes through one ffmpeg process (the concat demuxer fed a file list on stdin),
/// one process per run of files of the same codec when a folder mixes JPEG and PNG.
/// </summary>
public sealed class FrameFolderSource : IFrameSource
{
    private readonly string[] _files;
    private readonly string[] _stems;

    public string Folder { get; }
    public int Width { get; }
    public int Height { get; }
    public int FrameCount => _files.Length;
    public double FrameRate { get; }

    /// <summary>The image files in frame order (full paths).</summary>
    public IReadOnlyList<string> Files => _files;

    private FrameFolderSource(string folder, string[] files, int width, int height, double frameRate)
    {
        Folder = folder;
        _files = files;
        _stems = [.. files.Select(Path.GetFileNameWithoutExtension).Select(s => s ?? "")];
        Width = width;
        Height = height;
        FrameRate = frameRate;
    }

    /// <summary>Lists and size-checks the frames of <paramref name="folder"/>; <paramref name="frameRate"/> is reported
    /// as the folder's rate (images carry none).</summary>
    public static FrameFolderSource Open(string folder, double frameRate = 24)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!(frameRate > 0) || !double.IsFinite(frameRate))
            throw new EdgeSamException($"frame rate {frameRate} for {folder} is not a positive number.");
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
            throw new EdgeSamException($"frame folder not found: {folder}; check the path.");
        string[] files = [.. Directory.EnumerateFiles(full)
            .Where(f => ImageFile.FrameExtensions.Contains(Path.GetExtension(f)) && !Path.GetFileName(f).StartsWith('.'))
            .OrderBy(f => Path.GetFileName(f), NaturalSort.Instance)];
        if (files.Length == 0)
            throw new EdgeSamException($"{folder} holds no frames (.jpg, .jpeg, .png or .bmp files); give a folder of frames or a video file.");
        foreach (string f in files)
            if (f.Contains('\n') || f.Contains('\r'))
                throw new EdgeSamException($"frame file name with a line break in {folder}: rename it.");

        (int w, int h) = ImageFile.Size(files[0]);
        for (int i = 1; i < files.Length; i++)
        {
            (int wi, int hi) = ImageFile.Size(files[i]);
            if (wi != w || hi != h)
                throw new EdgeSamException($"frames in {folder} differ in size: {Path.GetFileName(files[0])} is {w}x{h} but {Path.GetFileName(files[i])} is {wi}x{hi}; resize them to one size.");
        }
        return new FrameFolderSource(full, files, w, h, frameRate);
    }

    public string FrameName(int index) => _stems[index];

    public IEnumerable<RgbImage> Read(int start, int count, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int end = (int)Math.Min((long)start + count, _files.Length);
        if (start >= end) return [];
        return ReadRuns(start, end, cancel);
    }

    private IEnumerable<RgbImage> ReadRuns(int start, int end, CancellationToken cancel)
    {
        // The concat demuxer keeps the first file's decoder, so each run of one codec gets its own process.
        for (int runStart = start; runStart < end;)
        {
            string kind = CodecOf(_files[runStart]);
            int runEnd = runStart + 1;
            while (runEnd < end && CodecOf(_files[runEnd]) == kind) runEnd++;
            foreach (RgbImage img in ReadRun(runStart, runEnd, cancel))
                yield return img;
            runStart = runEnd;
        }
    }

    private IEnumerable<RgbImage> ReadRun(int start, int end, CancellationToken cancel)
    {
        var list = new StringBuilder("ffconcat version 1.0\n");
        string duration = (1.0 / FrameRate).ToString("0.######", CultureInfo.InvariantCulture);
        for (int i = start; i < end; i++)
        {
            // file: protocol because the list itself comes through pipe:, which relative paths would inherit;
            // a quote in a name is closed, escaped and reopened (concat's shell-like quoting).
            list.Append("file 'file:").Append(_files[i].Replace("'", "'\\''")).Append("'\n");
            list.Append("duration ").Append(duration).Append('\n');
        }
        List<string> args = ImageFile.DecodeArgs(
            ["-f", "concat", "-safe", "0", "-protocol_whitelist", "file,pipe", "-i", "pipe:0"], Width, Height);
        args.Remove("-nostdin");
        string what = end - start == 1 ? _files[start] : $"{Folder} (frames {_stems[start]}..{_stems[end - 1]})";
        int produced = 0;
        foreach (RgbImage img in RawFramePipe.Stream(args, list.ToString(), Width, Height, end - start, what, cancel))
        {
            produced++;
            yield return img;
        }
        if (produced != end - start)
            throw new EdgeSamException($"ffmpeg decoded {produced} of {end - start} frames from {what}; a frame file may be damaged.");
    }

    private static string CodecOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => "jpeg",
        var e => e,
    };

    public void Dispose() { }
}
