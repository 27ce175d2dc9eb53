using EdgeSam.Video.Cli;
using Spectre.Console;

namespace EdgeSam.Video.Tests;

/// <summary>Runs the CLI in-process with a captured, non-interactive, colourless console (200 columns).</summary>
public static class CliRunner
{
    public static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        int code = await CliApp.RunAsync(args, new CliContext(console, error));
        return (code, output.ToString(), error.ToString());
    }
}
