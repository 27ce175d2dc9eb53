using EdgeSam.Video.Media;

namespace EdgeSam.Video.Export;

/// <summary>
/// The mask PNGs of a folder, one per frame in natural name order, read as label maps: palette PNGs give object ids
/// (void 255 becomes background), grey PNGs give object 1 wherever the grey is nonzero (DAVIS 2016 stores 0/255).
/// </summary>
public sealed class MaskSequence
{
    public string Folder { get; }
    public IReadOnlyList<string> Paths { get; }
    public int Width { get; }
    public int Height { get; }
    public int Count => Paths.Count;

    private MaskSequence(string folder, IReadOnlyList<string> paths, int w, int h)
    {
        Folder = folder;
        Paths = paths;
        Width = w;
        Height = h;
    }

    /// <summary>Lists the folder and reads the first mask for the size; no PNGs or a missing folder is an error.</summary>
    public static MaskSequence Open(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
            throw new EdgeSamException($"masks folder not found: {folder}; give the folder of per-frame mask PNGs.");
        string[] paths = Directory.EnumerateFiles(folder)
            .Where(p => p.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => Path.GetFileName(p), NaturalSort.Instance).ToArray();
        if (paths.Length == 0)
            throw new EdgeSamException($"no .png masks in {folder}; give a folder of per-frame mask PNGs (DAVIS palette or 0/255 grey).");
        LabelMap first = Read(paths[0]);
        return new MaskSequence(folder, paths, first.Width, first.Height);
    }

    /// <summary>Stem of frame <paramref name="index"/>'s mask file (<c>00005</c>).</summary>
    public string FrameName(int index) => Path.GetFileNameWithoutExtension(Paths[index]);

    /// <summary>Reads frame <paramref name="index"/>; a mask of another size than the first is an error.</summary>
    public LabelMap ReadLabels(int index)
    {
        LabelMap m = Read(Paths[index]);
        if (m.Width != Width || m.Height != Height)
            throw new EdgeSamException($"{Paths[index]} is {m.Width}x{m.Height} but the first mask is {Width}x{Height}; all masks of a sequence must have one size.");
        return m;
    }

    /// <summary>One mask file as labels (rules in the class summary).</summary>
    public static LabelMap Read(string path)
    {
        PngImage img = PngCodec.Read(path);
        if (img.ColorType is PngColorType.Gray or PngColorType.GrayAlpha)
        {
            // Grey masks are binary ground truth: any nonzero level (or, for a translucent matte, alpha) is the one
            // object, at any bit depth (a 16-bit 0/1000 mask is binary, not an out-of-range id).
            Mask m = PngCodec.ToMask(img);
            return new LabelMap(m.Width, m.Height, m.Data);
        }
        LabelMap map = PngCodec.ToLabels(img, path);
        byte[] d = map.Data;
        for (int i = 0; i < d.Length; i++) if (d[i] == LabelMap.Void) d[i] = 0;
        return map;
    }
}
