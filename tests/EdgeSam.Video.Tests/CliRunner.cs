using EdgeSam.Video.Cli;
using Spectre.Console;

namespace EdgeSam.Video.Tests;

/// <summary>Runs the CLI in-process with a captured, colourless console (200 columns).</summary>
public static class CliRunner
{
    /// <summary>A captured console; <paramref name="interactive"/> lets progress bars render as on a terminal.</summary>
    public static (CliContext Ctx, StringWriter Out, StringWriter Err) Context(bool interactive = false)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = interactive ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        return (new CliContext(console, error), output, error);
    }

    public static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var (ctx, output, error) = Context();
        int code = await CliApp.RunAsync(args, ctx);
        return (code, output.ToString(), error.ToString());
    }
}
