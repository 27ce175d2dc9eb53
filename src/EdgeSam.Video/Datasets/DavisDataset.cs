using EdgeSam.Video.Media;

namespace EdgeSam.Video.Datasets;

/// <summary>DAVIS challenge edition: decides the ImageSets layout and how annotations become object ids.</summary>
public enum DavisYear
{
    /// <summary>Single object per sequence: any nonzero annotation pixel is object 1 (0/255 grey files, or the
    /// union of the DAVIS 2017 objects when read from a 2017 release).</summary>
    Davis2016,
    /// <summary>Multiple objects: palette indices are object ids, 255 is void.</summary>
    Davis2017,
}

/// <summary>
/// A DAVIS dataset folder: <c>JPEGImages/&lt;res&gt;/&lt;seq&gt;/%05d.jpg</c>, <c>Annotations/&lt;res&gt;/&lt;seq&gt;/%05d.png</c> and
/// the split lists: <c>ImageSets/2017/&lt;split&gt;.txt</c> / <c>ImageSets/2016/&lt;split&gt;.txt</c> (one sequence per line,
/// the DAVIS 2017 release) or <c>ImageSets/480p/&lt;split&gt;.txt</c> (the DAVIS 2016 release, lines of
/// <c>/JPEGImages/480p/seq/00000.jpg /Annotations/480p/seq/00000.png</c>).
/// </summary>
public sealed class DavisDataset
{
    public string Root { get; }
    public DavisYear Year { get; }

    /// <summary>Resolution folder name: <c>480p</c> (the benchmark) or <c>Full-Resolution</c> / <c>1080p</c>.</summary>
    public string Resolution { get; }

    /// <summary>Sequence names in split-file order (or sorted folder names when built from all folders).</summary>
    public IReadOnlyList<string> SequenceNames { get; }

    /// <summary>The split file the names came from; null when built from all folders.</summary>
    public string? SplitFile { get; }

    /// <param name="root">The folder holding JPEGImages/, Annotations/ and ImageSets/.</param>
    /// <param name="year">Edition: which ImageSets list is read and how annotations map to ids.</param>
    /// <param name="split">ImageSets list to read (<c>val</c>, <c>train</c>, <c>trainval</c>, <c>test-dev</c>...).</param>
    /// <param name="allSequences">Ignore ImageSets and take every sequence folder under Annotations/&lt;res&gt;/.</param>
    /// <param name="resolution">Resolution folder name under JPEGImages/ and Annotations/.</param>
    public DavisDataset(string root, DavisYear year, string split = "val", bool allSequences = false, string resolution = "480p")
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(split);
        Root = Path.GetFullPath(root);
        Year = year;
        Resolution = DatasetPaths.CheckName(resolution, "resolution");
        if (!Directory.Exists(Root))
            throw new EdgeSamException($"{root}: DAVIS folder not found; download it with datasets/get-davis.sh or pass the folder that holds JPEGImages/ and Annotations/");
        string annotations = Path.Combine(Root, "Annotations", Resolution);
        if (!Directory.Exists(annotations))
            throw new EdgeSamException($"{root}: no Annotations/{Resolution}/ folder; is this the DAVIS root (the folder holding JPEGImages/ and Annotations/)?");

        if (allSequences)
        {
            SequenceNames = Directory.EnumerateDirectories(annotations).Select(Path.GetFileName).OfType<string>()
                                     .Order(StringComparer.Ordinal).ToArray();
        }
        else
        {
            (SplitFile, SequenceNames) = ReadSplit(split);
        }
        if (SequenceNames.Count == 0)
            throw new EdgeSamException($"{SplitFile ?? annotations}: no sequences listed; check the DAVIS download");
    }

    private (string File, string[] Names) ReadSplit(string split)
    {
        string sets = Path.Combine(Root, "ImageSets");
        string yearDir = Year == DavisYear.Davis2017 ? "2017" : "2016";
        // The 2017 release lists names per edition; the 2016 release lists frame/annotation path pairs per resolution.
        string[] candidates =
        [
            Path.Combine(sets, yearDir, split + ".txt"),
            .. Year == DavisYear.Davis2016 ? new[] { Path.Combine(sets, Resolution, split + ".txt"), Path.Combine(sets, "480p", split + ".txt") } : [],
        ];
        string? file = candidates.FirstOrDefault(File.Exists);
        if (file == null)
            throw new EdgeSamException(
                $"{Root}: split list not found (looked for {string.Join(", ", candidates.Select(c => Path.GetRelativePath(Root, c)))}); pass another split or list all sequence folders");
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (string raw in File.ReadLines(file))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            string name;
            if (line.StartsWith('/'))
            {
                // "/JPEGImages/480p/blackswan/00000.jpg /Annotations/480p/blackswan/00000.png"
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 4 || parts[0] != "JPEGImages")
                    throw new EdgeSamException($"{file}:{lineNo}: cannot read a sequence from '{line}' (expected /JPEGImages/<res>/<seq>/<frame>.jpg ...)");
                name = parts[2];
            }
            else
            {
                name = line;
            }
            DatasetPaths.CheckName(name, "sequence", $"{file}:{lineNo}");
            if (seen.Add(name)) names.Add(name);
        }
        return (file, names.ToArray());
    }

    /// <summary>Every listed sequence (each checked when opened).</summary>
    public IEnumerable<DavisSequence> Sequences() => SequenceNames.Select(Sequence);

    /// <summary>Opens one sequence by name; it need not be in the split list.</summary>
    public DavisSequence Sequence(string name)
    {
        DatasetPaths.CheckName(name, "sequence");
        return new DavisSequence(this, name);
    }
}

/// <summary>
/// One DAVIS sequence. Frames are listed from its JPEG folder (<see cref="FramesFolder"/>, which the pipeline opens
/// with the media layer's frame sources); annotations are read through <see cref="PngCodec"/>.
/// </summary>
public sealed class DavisSequence
{
    private readonly string[] _frames;

    public string Name { get; }
    public DavisYear Year { get; }

    /// <summary><c>JPEGImages/&lt;res&gt;/&lt;seq&gt;</c>.</summary>
    public string FramesFolder { get; }

    /// <summary><c>Annotations/&lt;res&gt;/&lt;seq&gt;</c>.</summary>
    public string AnnotationsFolder { get; }

    internal DavisSequence(DavisDataset dataset, string name)
    {
        Name = name;
        Year = dataset.Year;
        FramesFolder = Path.Combine(dataset.Root, "JPEGImages", dataset.Resolution, name);
        AnnotationsFolder = Path.Combine(dataset.Root, "Annotations", dataset.Resolution, name);
        if (!Directory.Exists(FramesFolder))
            throw new EdgeSamException($"{FramesFolder}: frames of DAVIS sequence '{name}' not found; check the download (JPEGImages/{dataset.Resolution}/)");
        _frames = DatasetPaths.FrameNames(FramesFolder, ".jpg");
        if (_frames.Length == 0)
            throw new EdgeSamException($"{FramesFolder}: no .jpg frames in DAVIS sequence '{name}'");
    }

    public int FrameCount => _frames.Length;

    /// <summary>Frame names (file stems, <c>00000</c>, <c>00001</c>...), in order.</summary>
    public IReadOnlyList<string> FrameNames => _frames;

    public string FramePath(int index) => Path.Combine(FramesFolder, _frames[CheckIndex(index)] + ".jpg");

    public string AnnotationPath(int index) => Path.Combine(AnnotationsFolder, _frames[CheckIndex(index)] + ".png");

    /// <summary>Whether frame <paramref name="index"/> has a ground-truth file (test-dev gives the first frame only).</summary>
    public bool HasAnnotation(int index) => File.Exists(AnnotationPath(index));

    /// <summary>
    /// The ground truth of one frame: DAVIS 2017 ids as stored (255 = void); DAVIS 2016 any nonzero pixel = 1.
    /// </summary>
    public LabelMap ReadAnnotation(int index)
    {
        string path = AnnotationPath(index);
        if (!File.Exists(path))
            throw new EdgeSamException($"{path}: no annotation for frame {_frames[index]} of DAVIS sequence '{Name}'");
        LabelMap map = PngCodec.ReadLabels(path);
        if (Year == DavisYear.Davis2016)
        {
            byte[] d = map.Data;
            for (int i = 0; i < d.Length; i++) d[i] = d[i] != 0 ? (byte)1 : (byte)0;
        }
        return map;
    }

    /// <summary>The first frame's ground truth: the semi-supervised prompt.</summary>
    public LabelMap ReadFirstFrameAnnotation() => ReadAnnotation(0);

    /// <summary>Object ids of the first frame (DAVIS objects all appear there), ascending, void excluded.</summary>
    public IReadOnlyList<int> ObjectIds() => ReadFirstFrameAnnotation().ObjectIds();

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)_frames.Length)
            throw new ArgumentOutOfRangeException(nameof(index), $"Frame {index} is outside sequence '{Name}' of {_frames.Length} frames.");
        return index;
    }
}
