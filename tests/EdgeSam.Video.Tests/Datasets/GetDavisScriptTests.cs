using System.Diagnostics;
using EdgeSam.Video.Datasets;

namespace EdgeSam.Video.Tests.Datasets;

/// <summary>datasets/get-davis.sh in its offline mode (--mirror), as CI uses it; the download path needs the internet.</summary>
public class GetDavisScriptTests
{
    private static (int Code, string Err) RunScript(params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "datasets", "get-davis.sh"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        _ = stdout.Result;
        return (p.ExitCode, err);
    }

    [MirrorFact]
    public void Mirror_mode_links_davis2016_and_reports_a_missing_edition_in_one_line()
    {
        string dest = TestPaths.NewTempDir("getdavis");
        string mirror = Path.Combine(TestPaths.Shared, "datasets");
        var (code, err) = RunScript("--mirror", mirror, "--dest", dest, "--year", "2016");
        Assert.True(code == 0, err);
        Assert.Equal(10, new DavisDataset(Path.Combine(dest, "DAVIS2016"), DavisYear.Davis2016).SequenceNames.Count);

        (code, err) = RunScript("--mirror", mirror, "--dest", dest, "--year", "2016");
        Assert.Equal(0, code);
        Assert.Contains("already in", err);

        // The mirror has no full DAVIS 2017 tree or zip.
        (code, err) = RunScript("--mirror", mirror, "--dest", dest, "--year", "2017");
        Assert.Equal(1, code);
        Assert.Contains("error: DAVIS-2017-trainval-480p.zip is not in mirror", err);
        Assert.False(Directory.Exists(Path.Combine(dest, "DAVIS2017")));
    }
}
