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

    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>True the first time <paramref name="key"/> is passed during this command (thread-safe).</summary>
    public bool FirstTime(string key)
    {
        lock (_seen) return _seen.Add(key);
    }

    /// <summary>True when progress bars may redraw (an interactive terminal).</summary>
    public bool Interactive => Console.Profile.Capabilities.Interactive;
}
