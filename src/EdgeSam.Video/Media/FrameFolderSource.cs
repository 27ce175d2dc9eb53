namespace EdgeSam.Video.Media;

/// <summary>
/// Frames of a folder of images (<c>.jpg .jpeg .png .bmp</c>) in natural order (<c>frame2</c> before <c>frame10</c>).
/// Numbering may have gaps (YouTube-VOS: <c>00000, 00005, 00010</c>): the index is the position in that order and
/// <see cref="FrameName"/> gives the file stem. All frames must have one size (checked from the file headers when
/// opened). Frames are decoded by OpenCV (<see cref="CvImage"/>; JPEG pixel for pixel as Pillow decodes it, which the
/// reference Python pipelines use), two frames decoded ahead on the thread pool; a file OpenCV cannot decode goes
/// through ffmpeg (<see cref="ImageFile.ReadRgb"/>), which names it when it fails too.
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
        return ReadDecoded(start, end, cancel);
    }

    /// <summary>Decoding with a lookahead of two frames (bounded memory; abandoning the enumeration just lets
    /// the in-flight decodes finish).</summary>
    private IEnumerable<RgbImage> ReadDecoded(int start, int end, CancellationToken cancel)
    {
        const int lookahead = 2;
        var pending = new Queue<Task<RgbImage>>();
        int next = start;
        while (next < end && pending.Count < lookahead) pending.Enqueue(DecodeAsync(next++, cancel));
        while (pending.Count > 0)
        {
            RgbImage img = pending.Dequeue().GetAwaiter().GetResult();
            if (next < end) pending.Enqueue(DecodeAsync(next++, cancel));
            yield return img;
        }
    }

    private Task<RgbImage> DecodeAsync(int index, CancellationToken cancel) => Task.Run(() =>
    {
        cancel.ThrowIfCancellationRequested();
        string file = _files[index];
        RgbImage img = ImageFile.ReadRgb(file, cancel);
        if (img.Width != Width || img.Height != Height)
            throw new EdgeSamException($"frame {Path.GetFileName(file)} in {Folder} decodes to {img.Width}x{img.Height}, the folder's frames are {Width}x{Height}; resize it.");
        return img;
    }, cancel);

    public void Dispose() { }
}
