namespace EdgeSam.Video.Cli;

/// <summary>Creates the output folders that commands are given, turning file-system refusals into one error line.</summary>
internal static class OutputFolder
{
    /// <summary>
    /// Creates <paramref name="path"/> (and its parents) when missing. Throws <see cref="EdgeSamException"/> naming
    /// <paramref name="option"/> when the path is an existing file or cannot be created (permissions, read-only disk).
    /// </summary>
    public static string Ensure(string path, string option)
    {
        if (File.Exists(path))
            throw new EdgeSamException($"{option} {path} is a file; give a folder for the outputs (it is created when missing)");
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeSamException($"{option} {path}: the folder cannot be created ({e.Message.TrimEnd('.')}); give a writable folder");
        }
        return path;
    }
}
