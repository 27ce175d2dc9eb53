using System.CommandLine;

namespace EdgeSam.Video.Cli.Commands.Bench;

/// <summary><c>edgesam-video bench ...</c>: speed measurements of the tool's parts (one subcommand per area).</summary>
internal static class BenchCommand
{
    public static Command Create(CliContext ctx)
    {
        var bench = new Command("bench", "Measure the speed of parts of the tool.");
        bench.Add(Eval.EvalBenchCommand.Create(ctx));
        bench.Add(PipelineBench.PipelineBenchCommand.Create(ctx));
        return bench;
    }
}
