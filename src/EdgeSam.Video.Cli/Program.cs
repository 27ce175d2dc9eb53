using EdgeSam.Video.Cli;
using Spectre.Console;

return await CliApp.RunAsync(args, new CliContext(AnsiConsole.Console, Console.Error));
