using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>Status lines of the pipeline commands. Written unwrapped: Spectre wraps at the profile width (80 when
/// output is redirected), which would split the lines batch logs are grepped for.</summary>
internal static class ConsoleLines
{
    public static void Line(CliContext ctx, string text)
    {
        if (ctx.Interactive) ctx.Console.WriteLine(text);
        else ctx.Console.Profile.Out.Writer.WriteLine(text);
    }

    /// <summary>A note shown once per command, however many pipelines (restarts, parallel runs, sequences) hit it.</summary>
    public static void NoteOnce(CliContext ctx, string text)
    {
        if (ctx.FirstTime(text)) Note(ctx, text);
    }

    public static void Note(CliContext ctx, string text)
    {
        if (ctx.Interactive) ctx.Console.MarkupLine($"[yellow]note:[/] {Markup.Escape(text)}");
        else ctx.Console.Profile.Out.Writer.WriteLine($"note: {text}");
    }
}
