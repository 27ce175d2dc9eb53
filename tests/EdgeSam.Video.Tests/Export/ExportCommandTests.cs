using EdgeSam.Video.Cli;
using Spectre.Console;

namespace EdgeSam.Video.Tests.Export;

public class ExportCommandTests
{
    private static Task<(int Rc, string Out, string Err)> Run(params string[] args) => Run(false, args);

    private static async Task<(int Rc, string Out, string Err)> Run(bool interactive, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        console.Profile.Width = 400;
        int rc = await CliApp.RunAsync(args, new CliContext(console, error));
        return (rc, output.ToString(), error.ToString());
    }

    [MirrorFact]
    public async Task Export_svg_writes_files_and_reports_shape_figures()
    {
        var (masks, frames) = ExportFixtures.Subset("breakdance", 4, max: 6);
        string outDir = TestPaths.NewTempDir("cli-svg");
        var (rc, output, err) = await Run("export", masks, "--frames", frames, "--to", "svg", "--out", outDir, "--smooth", "1", "--objects", "1");
        Assert.True(rc == 0, err);
        Assert.Contains("exported 6 frames of object(s) 1 as svg: 6 file(s)", output);
        Assert.Matches(@"shapes: \d+ \(runs of constant topology\), \d+\.\d vertices per shape \(mean\), \d+\.\d keys per 100 frames \(Auto\)", output);
        Assert.Matches(@"jitter .*: \d+\.\d{3} px before, \d+\.\d{3} px after smoothing \(k = 1\)", output);
        Assert.Equal(6, Directory.GetFiles(Path.Combine(outDir, "breakdance_svg"), "*.svg").Length);
    }

    [MirrorFact]
    public async Task Export_ae_to_a_named_file()
    {
        var (masks, _) = ExportFixtures.Subset("blackswan", 10, max: 3);
        string file = Path.Combine(TestPaths.NewTempDir("cli-ae"), "roto.jsx");
        var (rc, output, err) = await Run("export", masks, "--to", "ae", "--out", file, "--fps", "25");
        Assert.True(rc == 0, err);
        Assert.Contains(file, output);
        Assert.Contains(", 3 / 25, 25);", File.ReadAllText(file));
    }

    [MirrorFact]
    public async Task Interactive_console_shows_progress_and_the_summary()
    {
        var (masks, _) = ExportFixtures.Subset("car-shadow", 10, max: 3);
        string outDir = TestPaths.NewTempDir("cli-prog");
        var (rc, output, err) = await Run(true, "export", masks, "--to", "coco", "--out", outDir);
        Assert.True(rc == 0, err);
        Assert.Contains("exported 3 frames of object(s) 1 as coco", output);
        Assert.True(File.Exists(Path.Combine(outDir, "car-shadow_coco.json")));
    }

    [MirrorFact]
    public async Task A_segment_output_folder_exports_its_masks_under_the_folder_name()
    {
        var (masks, _) = ExportFixtures.Subset("dog", 10, max: 3);
        string segOut = Path.Combine(TestPaths.NewTempDir("cli-seg"), "shot12");
        Directory.CreateDirectory(segOut);
        Directory.Move(masks, Path.Combine(segOut, "masks"));
        File.WriteAllText(Path.Combine(segOut, "preview.mp4"), "");
        string outDir = TestPaths.NewTempDir("cli-seg-out");
        var (rc, output, err) = await Run("export", segOut, "--to", "ytvis", "--out", outDir);
        Assert.True(rc == 0, err);
        Assert.Contains("exported 3 frames of object(s) 1 as ytvis", output);
        Assert.True(File.Exists(Path.Combine(outDir, "shot12_ytvis.json")));
    }

    [MirrorFact]
    public async Task Bad_format_and_missing_frames_are_one_error_line_with_exit_2()
    {
        var (masks, _) = ExportFixtures.Subset("blackswan", 25, max: 1);
        string outDir = TestPaths.NewTempDir("cli-bad");
        var (rc, _, err) = await Run("export", masks, "--to", "gif", "--out", outDir);
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.StartsWith("error: unknown export format 'gif'", err);
        Assert.Single(err.Trim().Split('\n'));
        (rc, _, err) = await Run("export", masks, "--to", "prores", "--out", outDir);
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Contains("--matte-only", err);
        (rc, _, err) = await Run("export", masks, "--to", "svg", "--out", outDir, "--objects", "1,x");
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Single(err.Trim().Split('\n'));
    }
}
