using EdgeSam.Video.Media;
using EdgeSam.Video.Datasets;

namespace EdgeSam.Video.Evaluation;

/// <summary>
/// Builds <see cref="DavisSequenceInput"/>s from a DAVIS root and a results folder
/// (<c>&lt;results&gt;/&lt;seq&gt;/&lt;frame&gt;.png</c>, palette or grey), checking the layout up front so that a missing or
/// extra result frame is reported before any scoring.
/// </summary>
public static class DavisFolderEvaluation
{
    /// <summary>Evaluates <paramref name="resultsDir"/> against the DAVIS ground truth under <paramref name="davisRoot"/>.</summary>
    /// <exception cref="EdgeSamException">Missing ImageSets/annotations, a missing or extra result frame, a size mismatch,
    /// an id above the object count, or an unreadable PNG.</exception>
    public static DavisEvaluation Evaluate(string davisRoot, string resultsDir, DavisEvalOptions? options = null, CancellationToken cancel = default)
    {
        options ??= new DavisEvalOptions();
        var inputs = Open(davisRoot, resultsDir, options);
        return DavisEvaluator.Evaluate(inputs, options, cancel);
    }

    /// <summary>The sequences of the evaluation, checked and ready to score (PNG files are read lazily, in parallel).</summary>
    public static IReadOnlyList<DavisSequenceInput> Open(string davisRoot, string resultsDir, DavisEvalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(davisRoot))
            throw new EdgeSamException($"DAVIS root {davisRoot} does not exist; pass the folder that holds Annotations/ and ImageSets/.");
        if (!Directory.Exists(resultsDir))
            throw new EdgeSamException($"results folder {resultsDir} does not exist; pass the folder that holds one sub-folder of PNG masks per sequence.");
        string annotations = Path.Combine(davisRoot, "Annotations", "480p");
        if (!Directory.Exists(annotations))
            throw new EdgeSamException($"{annotations} does not exist; the DAVIS root must hold Annotations/480p/<sequence>/*.png.");

        var imageSet = ReadImageSet(davisRoot, options.Year);
        IReadOnlyList<string> names = options.Sequences ?? imageSet.Select(s => s.Name).ToList();
        if (names.Count == 0)
            throw new EdgeSamException($"no sequences to evaluate under {davisRoot}; check the ImageSets file or --sequences.");

        bool binary = options.Year == DavisYear.Davis2016;
        var inputs = new List<DavisSequenceInput>();
        foreach (string seq in names)
        {
            DatasetPaths.CheckName(seq, "sequence");
            string gtDir = Path.Combine(annotations, seq);
            string[] frames = imageSet.FirstOrDefault(s => s.Name == seq).Frames ?? ListPngStems(gtDir);
            if (frames.Length == 0)
                throw new EdgeSamException($"sequence {seq} has no annotations in {gtDir}; check the name (--sequences) and the DAVIS root.");
            foreach (string fr in frames)
                if (!File.Exists(Path.Combine(gtDir, fr + ".png")))
                    throw new EdgeSamException($"ground truth {gtDir}/{fr}.png is missing; the DAVIS root is incomplete.");

            string resDir = Path.Combine(resultsDir, seq);
            if (!Directory.Exists(resDir))
                throw new EdgeSamException($"results for sequence {seq} are missing: no folder {resDir}; write one PNG per frame there.");
            var expected = new HashSet<string>(frames, StringComparer.Ordinal);
            foreach (string stem in ListPngStems(resDir))
                if (!expected.Contains(stem))
                    throw new EdgeSamException($"extra result frame {seq}/{stem}.png: the ground truth of {seq} has no frame {stem}; remove it or check the sequence.");
            // The first frame is the given annotation, so its result is optional (the toolkit never reads it).
            for (int k = 1; k < frames.Length; k++)
                if (!File.Exists(Path.Combine(resDir, frames[k] + ".png")))
                    throw new EdgeSamException($"missing result frame {seq}/{frames[k]}.png in {resultsDir}; every annotated frame after the first needs a result.");

            string[] fr2 = frames;
            inputs.Add(new DavisSequenceInput(seq, fr2,
                k => ReadLabels(Path.Combine(gtDir, fr2[k] + ".png"), binary),
                k => ReadLabels(Path.Combine(resDir, fr2[k] + ".png"), binary)));
        }
        return inputs;
    }

    /// <summary>
    /// The year's val ImageSet: 2016 <c>ImageSets/480p/val.txt</c> lists "/JPEGImages/... /Annotations/480p/seq/frame.png"
    /// lines (frames as listed); 2017 <c>ImageSets/2017/val.txt</c> lists names (frames = sorted annotation PNGs).
    /// </summary>
    internal static List<(string Name, string[] Frames)> ReadImageSet(string davisRoot, DavisYear year)
    {
        string file = year == DavisYear.Davis2016
            ? Path.Combine(davisRoot, "ImageSets", "480p", "val.txt")
            : Path.Combine(davisRoot, "ImageSets", "2017", "val.txt");
        if (!File.Exists(file))
            throw new EdgeSamException($"{file} does not exist; is {davisRoot} a DAVIS {DavisYears.Number(year)} root (or pass --year {(year == DavisYear.Davis2016 ? 2017 : 2016)})?");
        var result = new List<(string, string[])>();
        if (year == DavisYear.Davis2017)
        {
            foreach (string line in File.ReadLines(file))
            {
                string name = line.Trim();
                if (name.Length == 0) continue;
                result.Add((name, ListPngStems(Path.Combine(davisRoot, "Annotations", "480p", name))));
            }
            return result;
        }
        var order = new List<string>();
        var frames = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (string line in File.ReadLines(file))
        {
            lineNo++;
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            // "/JPEGImages/480p/<seq>/<frame>.jpg /Annotations/480p/<seq>/<frame>.png"
            string ann = parts[^1];
            string[] segs = ann.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segs.Length < 2 || !ann.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new EdgeSamException($"{file} line {lineNo} is not '<image> <annotation>.png': '{line.Trim()}'; use the DAVIS 2016 ImageSets file.");
            string seq = segs[^2], stem = Path.GetFileNameWithoutExtension(segs[^1]);
            if (!frames.TryGetValue(seq, out var list))
            {
                frames[seq] = list = [];
                order.Add(seq);
            }
            list.Add(stem);
        }
        foreach (string s in order) result.Add((s, frames[s].ToArray()));
        return result;
    }

    private static string[] ListPngStems(string dir)
    {
        if (!Directory.Exists(dir)) return [];
        var stems = Directory.EnumerateFiles(dir, "*.png").Select(p => Path.GetFileNameWithoutExtension(p)!).ToArray();
        Array.Sort(stems, StringComparer.Ordinal); // np.sort(glob(...)) order
        return stems;
    }

    private static LabelMap ReadLabels(string path, bool binary)
    {
        LabelMap map = PngCodec.ReadLabels(path);
        if (binary)
        {
            // DAVIS 2016: any nonzero pixel (255 in the 0/255 masks, palette index 1, ...) is the one object.
            // min(v, 1) maps every nonzero byte to 1 (vectorised; in place is allowed).
            System.Numerics.Tensors.TensorPrimitives.Min(map.Data, (byte)1, map.Data);
        }
        return map;
    }
}
