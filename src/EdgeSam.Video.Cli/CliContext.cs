using Spectre.Console;

namespace EdgeSam.Video.Cli;

/// <summary>
/// What a command may touch of the outside world: the console it writes to (injected so tests can capture it)
/// and the error stream for the one-line failure message.
/// </summary>
public sealed class CliContext(IAnsiConsole console, TextWriter error)
{
    public IAnsiConsole Console { get; } = console;
    public TextWriter Error { get; } = error;

    /// <summary>True when progress bars may redraw (an interactive terminal).</summary>
    public bool Interactive => Console.Profile.Capabilities.Interactive;
}
