namespace EdgeSam.Video.Datasets;

/// <summary>Checks shared by the dataset readers and writers.</summary>
internal static class DatasetPaths
{
    /// <summary>
    /// A sequence, video or frame name that is used as a single path component: not empty, no directory separators,
    /// not "." or "..", no characters invalid in file names. Protects writers from escaping their output folder.
    /// </summary>
    public static string CheckName(string name, string what, string? where = null)
    {
        if (string.IsNullOrWhiteSpace(name) || name is "." or ".." || name.IndexOfAny(['/', '\\']) >= 0
            || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new EdgeSamException($"{(where == null ? "" : where + ": ")}'{name}' is not a valid {what} name (it must be a plain file name without path separators)");
        return name;
    }

    /// <summary>Frame names (file stems) of the images with <paramref name="extension"/> in a folder, ordinal order.</summary>
    public static string[] FrameNames(string folder, string extension) =>
        Directory.EnumerateFiles(folder, "*" + extension)
                 .Select(Path.GetFileNameWithoutExtension)
                 .OfType<string>()
                 .Order(StringComparer.Ordinal)
                 .ToArray();
}
