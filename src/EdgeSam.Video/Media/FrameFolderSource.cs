namespace EdgeSam.Video.Media;

/// <summary>
/// Frames of a folder of images (<c>.jpg .jpeg .png .bmp</c>) in natural order (<c>frame2</c> before <c>frame10</c>).
/// The frames are the images of the folder's most frequent kind and those of other kinds named like them; others (a
/// prompt mask <c>00000.png</c> beside <c>00000.jpg ...</c>) are left out and listed in <see cref="IgnoredFiles"/>;
/// two frames of one stem are refused.
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
        string[] images = [.. Directory.EnumerateFiles(full)
            .Where(f => ImageFile.FrameExtensions.Contains(Path.GetExtension(f)) && !Path.GetFileName(f).StartsWith('.'))
            .OrderBy(f => Path.GetFileName(f), NaturalSort.Instance)];
        if (images.Length == 0)
            throw new EdgeSamException($"{folder} holds no frames (.jpg, .jpeg, .png or .bmp files); give a folder of frames or a video file.");
        (string[] files, string[] ignored) = PickFrames(images, folder);
        foreach (string f in files)
            if (f.Contains('\n') || f.Contains('\r'))
                throw new EdgeSamException($"frame file name with a line break in {folder}: rename it.");
        // Outputs are named after the frames' stems: two frames of one stem would write one mask file.
        var stems = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string f in files)
        {
            string stem = Path.GetFileNameWithoutExtension(f);
            if (stems.TryGetValue(stem, out string? other))
                throw new EdgeSamException($"frames {Path.GetFileName(other)} and {Path.GetFileName(f)} in {folder} share the name '{stem}', so their masks would overwrite each other; rename or remove one.");
            stems[stem] = f;
        }

        (int w, int h) = ImageFile.Size(files[0]);
        for (int i = 1; i < files.Length; i++)
        {
            (int wi, int hi) = ImageFile.Size(files[i]);
            if (wi != w || hi != h)
                throw new EdgeSamException($"frames in {folder} differ in size: {Path.GetFileName(files[0])} is {w}x{h} but {Path.GetFileName(files[i])} is {wi}x{hi}; resize them to one size.");
        }
        return new FrameFolderSource(full, files, w, h, frameRate) { IgnoredFiles = ignored };
    }

    /// <summary>
    /// Images of the folder that are not frames (see <see cref="PickFrames"/>: a prompt mask <c>00000.png</c> kept
    /// beside <c>00000.jpg</c> ... frames), in natural order.
    /// </summary>
    public IReadOnlyList<string> IgnoredFiles { get; private init; } = [];

    /// <summary>
    /// The frames are the images of the folder's dominant kind (JPEG = .jpg/.jpeg, PNG, BMP: the kind with the most
    /// files), plus images of other kinds named like them (same pattern of letters and digit runs: <c>00015.png</c>
    /// among <c>00000.jpg ...</c>, a folder of mixed formats) that share no frame's name. The rest is left out: an
    /// image of another kind with a frame's name (the prompt mask <c>00000.png</c> beside <c>00000.jpg</c>) or named
    /// otherwise (<c>mask.png</c>). When two kinds tie for the most files and something would be left out, which are
    /// the frames cannot be told: refused.
    /// </summary>
    private static (string[] Frames, string[] Ignored) PickFrames(string[] images, string folder)
    {
        var kinds = images.GroupBy(CodecOf).Select(g => (Kind: g.Key, Count: g.Count())).OrderByDescending(k => k.Count).ToList();
        if (kinds.Count == 1) return (images, []);
        string kind = kinds[0].Kind;
        var stems = new HashSet<string>(images.Where(f => CodecOf(f) == kind).Select(Path.GetFileNameWithoutExtension)!, StringComparer.OrdinalIgnoreCase);
        var shapes = new HashSet<string>(stems.Select(Shape), StringComparer.OrdinalIgnoreCase);
        bool IsFrame(string f)
        {
            if (CodecOf(f) == kind) return true;
            string stem = Path.GetFileNameWithoutExtension(f);
            return !stems.Contains(stem) && shapes.Contains(Shape(stem));
        }
        string[] frames = [.. images.Where(IsFrame)], ignored = [.. images.Where(f => !IsFrame(f))];
        if (ignored.Length > 0 && kinds[0].Count == kinds[1].Count)
            throw new EdgeSamException(
                $"{folder} holds {string.Join(" and ", kinds.Select(k => $"{k.Count} {KindName(k.Kind)}"))} images, as many of one kind as of another, so which are the frames is unclear; keep the frames alone in the folder (move the other images out).");
        return (frames, ignored);
    }

    /// <summary>A frame file's kind: its lower-case extension, with .jpg and .jpeg one kind.</summary>
    private static string CodecOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => "jpeg",
        var e => e,
    };

    /// <summary>A name's pattern: each run of digits becomes <c>#</c> (<c>frame_00012</c> -> <c>frame_#</c>).</summary>
    private static string Shape(string stem) => System.Text.RegularExpressions.Regex.Replace(stem, "[0-9]+", "#");

    /// <summary>How a frame kind is named to users: <c>.jpg/.jpeg</c>, <c>.png</c>, <c>.bmp</c>.</summary>
    public static string KindName(string kind) => kind == "jpeg" ? ".jpg/.jpeg" : kind;


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
