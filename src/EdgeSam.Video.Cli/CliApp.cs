using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;

namespace EdgeSam.Video.Cli;

/// <summary>Builds the <c>edgesam-video</c> command tree and runs it with the tool's error policy.</summary>
public static class CliApp
{
    /// <summary>Exit code for bad input or environment (<see cref="EdgeSamException"/>).</summary>
    public const int ExitUserError = 2;

    /// <summary>Exit code after Ctrl-C (128 + SIGINT), as shells report it.</summary>
    public const int ExitInterrupted = 130;

    /// <summary>Exit code after SIGTERM (128 + 15): what a job scheduler that stopped the run expects to see.</summary>
    public const int ExitTerminated = 143;

    public static RootCommand Build(CliContext ctx)
    {
        var root = new RootCommand("EdgeSam.Video: segment objects through whole videos the SAM-PT way (point tracking + EdgeSAM).");
        foreach (Command c in Commands.CommandRegistry.Create(ctx))
            root.Add(c);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext ctx, CancellationToken cancel = default)
    {
        RootCommand root = Build(ctx);
        // No arguments at all: the overview, as most tools answer.
        ParseResult parsed = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parsed.Errors.Count > 0)
        {
            // One line, not System.CommandLine's error list followed by the whole help text: what was wrong and where
            // the usage is.
            var path = new List<string>();
            for (SymbolResult? r = parsed.CommandResult; r is CommandResult c; r = c.Parent)
                path.Insert(0, c.Parent is null ? "edgesam-video" : c.Command.Name);
            var messages = parsed.Errors.Select(e => e.Message.Trim().TrimEnd('.')).Distinct().ToList();
            // "Required command was not provided" only repeats what the other message says ("unrecognized ...").
            if (messages.Count > 1) messages.RemoveAll(m => m.StartsWith("Required command", StringComparison.Ordinal));
            string what = string.Join("; ", messages);
            ctx.Error.WriteLine($"error: {what}; see '{string.Join(' ', path)} --help'");
            return ExitUserError;
        }
        var config = new InvocationConfiguration
        {
            Output = new AnsiConsoleWriter(ctx.Console),
            Error = ctx.Error,
            EnableDefaultExceptionHandler = false,
        };
        // The tool handles SIGINT and SIGTERM itself (System.CommandLine's handler would make both the same
        // cancellation): the first one cancels the command and decides the exit code, 128 + the signal's number; a
        // second one gets the default action (the process ends at once).
        int signal = 0;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        void OnSignal(PosixSignalContext c, int code)
        {
            if (Interlocked.CompareExchange(ref signal, code, 0) != 0) return;
            c.Cancel = true;
            cts.Cancel();
        }
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, ExitInterrupted));
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, ExitTerminated));
        config.ProcessTerminationTimeout = null;
        try
        {
            return await parsed.InvokeAsync(config, cts.Token);
        }
        catch (EdgeSamException e)
        {
            ctx.Error.WriteLine($"error: {e.Message}");
            return ExitUserError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The safety net for file-system refusals the commands did not anticipate (disk full, permissions):
            // still one line, no stack trace.
            ctx.Error.WriteLine($"error: {e.Message.TrimEnd('.')}; check the paths given, their permissions and the free space");
            return ExitUserError;
        }
        catch (OperationCanceledException)
        {
            ctx.Error.WriteLine("interrupted: unfinished outputs keep their temporary names (*.partial) and were not finalised; finished items are kept (`run` resumes from them).");
            return Volatile.Read(ref signal) == ExitTerminated ? ExitTerminated : ExitInterrupted;
        }
    }

    /// <summary>Lets System.CommandLine's help and messages go through the injected console.</summary>
    private sealed class AnsiConsoleWriter(Spectre.Console.IAnsiConsole console) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
        public override void Write(char value) => console.Profile.Out.Writer.Write(value);
        public override void Write(string? value) => console.Profile.Out.Writer.Write(value);
        public override void WriteLine(string? value) => console.Profile.Out.Writer.WriteLine(value);
    }
}
