namespace EdgeSam.Video.Trackers;

/// <summary>The built-in point trackers and model adapters (<see cref="TrackerFactory"/>).</summary>
public enum TrackerKind
{
    /// <summary>Pyramidal Lucas-Kanade with forward-backward visibility; no weights (<c>lk</c>).</summary>
    Lk,

    /// <summary>XFeat dense descriptors (ONNX) for coarse correspondence, refined by Lucas-Kanade (<c>xfeat</c>).</summary>
    XFeat,

    /// <summary>A user-supplied windowed ONNX tracker export in the CoTracker/PIPs style (<c>onnx-window</c>).</summary>
    OnnxWindow,

    /// <summary>The public causal TAPIR/BootsTAPIR ONNX export (<c>tapir</c>).</summary>
    Tapir,
}

/// <summary>Command-line names of <see cref="TrackerKind"/>.</summary>
public static class TrackerKinds
{
    public static string CliName(this TrackerKind kind) => kind switch
    {
        TrackerKind.Lk => "lk",
        TrackerKind.XFeat => "xfeat",
        TrackerKind.OnnxWindow => "onnx-window",
        TrackerKind.Tapir => "tapir",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static IReadOnlyList<TrackerKind> All { get; } = Enum.GetValues<TrackerKind>();

    /// <summary>Parses a command-line name (case-insensitive); null when unknown.</summary>
    public static TrackerKind? TryParse(string name)
    {
        foreach (TrackerKind k in All)
            if (string.Equals(k.CliName(), name, StringComparison.OrdinalIgnoreCase)) return k;
        return null;
    }
}
