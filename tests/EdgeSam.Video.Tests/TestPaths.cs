namespace EdgeSam.Video.Tests;

/// <summary>
/// Where tests find the repository and the shared mirror (<c>../shared</c> beside the clone, as in CI).
/// Tests that need the mirror are marked <see cref="MirrorFactAttribute"/> / <see cref="MirrorTheoryAttribute"/>: skipped
/// when it is absent, except under CI (<c>CI</c> set to true), where they run and fail.
/// </summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>EDGESAM_SHARED</c>, else <c>../shared</c> beside the repository.</summary>
    public static string Shared
    {
        get
        {
            if (!Directory.Exists(SharedCandidate))
                throw new InvalidOperationException($"shared mirror not found at {SharedCandidate}: clone the repo beside shared/ or set EDGESAM_SHARED.");
            return SharedCandidate;
        }
    }

    private static string SharedCandidate
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("EDGESAM_SHARED");
            return string.IsNullOrEmpty(env) ? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared")) : env;
        }
    }

    /// <summary>Whether this run is CI's (the CI variable set to true, as GitHub Actions, GitLab and most runners do).</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Why a test that needs the mirror does not run here, or null when it runs: the mirror is present, or this is CI
    /// (where a missing mirror must fail the run, not shrink it).
    /// </summary>
    public static string? MirrorSkipReason =>
        Directory.Exists(SharedCandidate) || InCi
            ? null
            : $"needs the shared mirror (DAVIS, models), not found at {SharedCandidate}: clone the repo beside shared/ or set EDGESAM_SHARED";

    public static string Davis2016 => Path.Combine(Shared, "datasets", "DAVIS2016");
    public static string ModelMirror => Path.Combine(Shared, "models");

    /// <summary>A fresh scratch folder under the test output, removed by nobody (bin/ is git-ignored).</summary>
    public static string NewTempDir(string name)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "scratch", $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// A DAVIS 2016-layout root holding the first <paramref name="frames"/> frames of one mirrored sequence (JPEGImages,
    /// Annotations, ImageSets/480p/val.txt), for runs that must stay short.
    /// </summary>
    public static string MiniDavis(string sequence, int frames, string tag)
    {
        string root = NewTempDir(tag);
        string jpg = Path.Combine(root, "JPEGImages", "480p", sequence), ann = Path.Combine(root, "Annotations", "480p", sequence);
        Directory.CreateDirectory(jpg);
        Directory.CreateDirectory(ann);
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "480p"));
        var lines = new List<string>();
        for (int i = 0; i < frames; i++)
        {
            string f = i.ToString("D5");
            File.Copy(Path.Combine(Davis2016, "JPEGImages", "480p", sequence, f + ".jpg"), Path.Combine(jpg, f + ".jpg"));
            File.Copy(Path.Combine(Davis2016, "Annotations", "480p", sequence, f + ".png"), Path.Combine(ann, f + ".png"));
            lines.Add($"/JPEGImages/480p/{sequence}/{f}.jpg /Annotations/480p/{sequence}/{f}.png");
        }
        File.WriteAllLines(Path.Combine(root, "ImageSets", "480p", "val.txt"), lines);
        return root;
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EdgeSam.Video.sln")))
                return d.FullName;
        throw new InvalidOperationException("EdgeSam.Video.sln not found above the test binaries.");
    }
}
