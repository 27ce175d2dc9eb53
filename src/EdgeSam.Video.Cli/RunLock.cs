using System.Globalization;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Cli;

/// <summary>
/// An exclusive claim on an output (a <c>segment --out</c> folder, one sequence of <c>run</c>): an advisory lock on
/// a lock file (.NET takes <c>flock(LOCK_EX | LOCK_NB)</c> for <see cref="FileShare.None"/> on Unix), which the kernel
/// drops when the process dies, however it dies, so a killed run never leaves a stale claim. Who holds it (pid, host,
/// start time) is written beside it in <c>&lt;lock&gt;.owner</c>: the lock file itself cannot be read by others while
/// it is held. The lock file is never deleted: deleting it would let a third run lock a new file while a second still
/// holds the old one.
/// </summary>
internal sealed class RunLock : IDisposable
{
    /// <summary>Name of <c>segment</c>'s lock file in its output folder.</summary>
    public const string FolderLockName = ".edgesam-video.lock";

    private FileStream? _stream;
    private readonly string _ownerPath;

    private RunLock(FileStream stream, string ownerPath)
    {
        _stream = stream;
        _ownerPath = ownerPath;
    }

    /// <summary>Takes the lock at <paramref name="lockPath"/> (its folder created), or returns null with who holds it.</summary>
    public static RunLock? TryAcquire(string lockPath, out string holder)
    {
        holder = "";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(lockPath))!);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            holder = ReadOwner(lockPath + ".owner");
            return null;
        }
        string owner = string.Create(CultureInfo.InvariantCulture,
            $"pid {Environment.ProcessId} on {Environment.MachineName}, started {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        try
        {
            AtomicFile.WriteAllText(lockPath + ".owner", owner + "\n");
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new RunLock(stream, lockPath + ".owner");
    }

    /// <summary>
    /// Takes the lock of output folder <paramref name="folder"/> or stops with one line naming the run that holds it.
    /// </summary>
    public static RunLock AcquireFolder(string folder, string option)
    {
        RunLock? l = TryAcquire(Path.Combine(folder, FolderLockName), out string holder);
        return l ?? throw new EdgeSamException(
            $"{option} {folder} is in use by another run ({holder}); wait for it to finish, or give another {option}.");
    }

    private static string ReadOwner(string path)
    {
        try
        {
            string text = File.ReadAllText(path).Trim();
            return text.Length > 0 ? text : "owner unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "owner unknown";
        }
    }

    /// <summary>
    /// Deletes what interrupted runs left in <paramref name="folder"/> (not below it): temporary files and folders
    /// named <c>*.partial-*</c> (<see cref="AtomicFile"/>, video writers, export staging) and, when given,
    /// <paramref name="extraPatterns"/>. Only to be called while holding the folder's lock: then no live run's files
    /// are there. Returns how many entries were removed.
    /// </summary>
    public static int CleanStale(string folder, params string[] extraPatterns)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        foreach (string pattern in (string[])["*.partial-*", .. extraPatterns])
            foreach (string entry in Directory.EnumerateFileSystemEntries(folder, pattern).ToList())
            {
                try
                {
                    if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                    else File.Delete(entry);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        return removed;
    }

    public void Dispose()
    {
        if (_stream is null) return;
        AtomicFile.TryDelete(_ownerPath);
        _stream.Dispose();
        _stream = null;
    }
}
