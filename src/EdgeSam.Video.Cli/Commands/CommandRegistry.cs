using System.CommandLine;

namespace EdgeSam.Video.Cli.Commands;

/// <summary>
/// The top-level commands, one folder each under <c>Commands/</c> (a typed settings class and a command class).
/// </summary>
internal static class CommandRegistry
{
    public static IEnumerable<Command> Create(CliContext ctx)
    {
        yield return Info.InfoCommand.Create(ctx);
        yield return Models.ModelsCommand.Create(ctx);
        yield return Eval.EvalCommand.Create(ctx);
        yield return Bench.BenchCommand.Create(ctx);
        yield return TrackBench.TrackBenchCommand.Create(ctx);
        yield return Segment.SegmentCommand.Create(ctx);
        yield return Demo.DemoCommand.Create(ctx);
        yield return Run.RunCommand.Create(ctx);
        yield return BenchGraphCut.BenchGraphCutCommand.Create(ctx, legacyTopLevel: true);
        yield return Export.ExportCommand.Create(ctx);
        yield return Studio.StudioCommand.Create(ctx);
    }
}
