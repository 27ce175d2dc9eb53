using EdgeSam.Video.Media;

namespace EdgeSam.Video.Datasets;

/// <summary>
/// Writes results in the DAVIS submission layout, <c>&lt;root&gt;/&lt;sequence&gt;/&lt;frame&gt;.png</c>: 8-bit palette PNGs with the
/// DAVIS palette whose indices are the object ids (preserved as given). Each file is written atomically, so an
/// interrupted run leaves only complete files; re-running overwrites.
/// </summary>
public sealed class DavisResultWriter
{
    public string Root { get; }

    public DavisResultWriter(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    public string PathOf(string sequence, string frameName) =>
        Path.Combine(Root, DatasetPaths.CheckName(sequence, "sequence"), DatasetPaths.CheckName(frameName, "frame") + ".png");

    /// <summary>Writes one frame's labels and returns the file path.</summary>
    public string Write(string sequence, string frameName, LabelMap labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        string path = PathOf(sequence, frameName);
        PngCodec.WriteLabels(path, labels);
        return path;
    }

    /// <summary>Whether a result for this frame exists already (for resuming an interrupted run).</summary>
    public bool Exists(string sequence, string frameName) => File.Exists(PathOf(sequence, frameName));
}
