using EdgeSam.Video.Cli;
using Spectre.Console;

// Colour codes only for a terminal: redirected output (logs, CI, pipes) stays plain text.
IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
{
    Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
    ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
    Out = new AnsiConsoleOutput(Console.Out),
});
if (Console.IsOutputRedirected) console.Profile.Width = 200; // no terminal to fit: keep paths and URLs on one line
return await CliApp.RunAsync(args, new CliContext(console, Console.Error));
