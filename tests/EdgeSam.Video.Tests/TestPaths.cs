namespace EdgeSam.Video.Tests;

/// <summary>
/// Where tests find the repository and the shared mirror (<c>../shared</c> beside the clone, as in CI).
/// Tests that need the mirror fail (not skip) when it is absent: CI always has it.
/// </summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>EDGESAM_SHARED</c>, else <c>../shared</c> beside the repository.</summary>
    public static string Shared
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("EDGESAM_SHARED");
            string dir = string.IsNullOrEmpty(env) ? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared")) : env;
            if (!Directory.Exists(dir))
                throw new InvalidOperationException($"shared mirror not found at {dir}: clone the repo beside shared/ or set EDGESAM_SHARED.");
            return dir;
        }
    }

    public static string Davis2016 => Path.Combine(Shared, "datasets", "DAVIS2016");
    public static string ModelMirror => Path.Combine(Shared, "models");

    /// <summary>A fresh scratch folder under the test output, removed by nobody (bin/ is git-ignored).</summary>
    public static string NewTempDir(string name)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "scratch", $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EdgeSam.Video.sln")))
                return d.FullName;
        throw new InvalidOperationException("EdgeSam.Video.sln not found above the test binaries.");
    }
}
