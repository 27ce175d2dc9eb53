namespace EdgeSam.Video.Media;

/// <summary>
/// A file written under a temporary name in its target folder and renamed onto the target only by
/// <see cref="Commit"/>, so an interrupted or failed write never leaves a file that looks complete.
/// Dispose without Commit closes and deletes the temporary file. The rename is atomic on one file system
/// (same folder); an existing target is replaced.
/// </summary>
/// <example><code>
/// using var f = AtomicFile.Create("out/result.json");
/// f.Stream.Write(bytes);
/// f.Commit();
/// </code></example>
public sealed class AtomicFile : IDisposable
{
    private FileStream? _stream;
    private bool _committed;

    /// <summary>The file that exists after <see cref="Commit"/>.</summary>
    public string FinalPath { get; }

    /// <summary>The temporary file being written (same folder and extension: <c>name.partial-XXXXXXXX.ext</c>).</summary>
    public string TempPath { get; }

    /// <summary>The open stream on <see cref="TempPath"/>; closed by <see cref="Commit"/> or <see cref="Dispose"/>.</summary>
    public FileStream Stream => _stream ?? throw new ObjectDisposedException(nameof(AtomicFile));

    private AtomicFile(string finalPath, string tempPath, FileStream stream)
    {
        FinalPath = finalPath;
        TempPath = tempPath;
        _stream = stream;
    }

    /// <summary>Opens a temporary file beside <paramref name="path"/>, creating the folder when needed.</summary>
    public static AtomicFile Create(string path)
    {
        string full = PrepareTarget(path);
        string temp = TempPathFor(full);
        try
        {
            return new AtomicFile(full, temp, new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeSamException($"cannot write {path}: {FfTools.OneLine(e.Message)}", e);
        }
    }

    /// <summary>Flushes to disk, closes and renames onto <see cref="FinalPath"/>.</summary>
    public void Commit()
    {
        FileStream s = Stream;
        try
        {
            s.Flush(flushToDisk: true);
            s.Dispose();
            _stream = null;
            File.Move(TempPath, FinalPath, overwrite: true);
            _committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Dispose();
            throw new EdgeSamException($"cannot write {FinalPath}: {FfTools.OneLine(e.Message)}", e);
        }
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        if (!_committed) TryDelete(TempPath);
    }

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> data)
    {
        using AtomicFile f = Create(path);
        f.Stream.Write(data);
        f.Commit();
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, new System.Text.UTF8Encoding(false).GetBytes(text));

    /// <summary>
    /// A fresh temporary name beside <paramref name="fullPath"/> that keeps its extension (so tools that pick a
    /// format by extension, such as ffmpeg's muxers, still work): <c>dir/name.partial-1a2b3c4d.ext</c>.
    /// </summary>
    public static string TempPathFor(string fullPath)
    {
        string dir = Path.GetDirectoryName(fullPath) ?? ".";
        string stem = Path.GetFileNameWithoutExtension(fullPath), ext = Path.GetExtension(fullPath);
        return Path.Combine(dir, $"{stem}.partial-{Guid.NewGuid().ToString("N")[..8]}{ext}");
    }

    /// <summary>Full path of <paramref name="path"/>, its folder created; a folder in the way is an error.</summary>
    internal static string PrepareTarget(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new EdgeSamException($"cannot write {path}: it is a folder; give a file name.");
        string? dir = Path.GetDirectoryName(full);
        try
        {
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeSamException($"cannot create the folder for {path}: {FfTools.OneLine(e.Message)}", e);
        }
        return full;
    }

    internal static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
