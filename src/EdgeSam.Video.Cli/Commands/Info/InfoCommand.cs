using System.CommandLine;
using Spectre.Console;
using System.Reflection;

namespace EdgeSam.Video.Cli.Commands.Info;

/// <summary><c>edgesam-video info</c>: version and runtime facts, for bug reports.</summary>
internal static class InfoCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("info", "Print the tool version and runtime environment.");
        cmd.SetAction(_ =>
        {
            string version = typeof(EdgeSamException).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
            ctx.Console.WriteLine($"edgesam-video {version}");
            ctx.Console.WriteLine($".NET {Environment.Version} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription} ({Environment.ProcessorCount} cores)");
            // Built-in providers, not usable ones: CUDA and TensorRT load their libraries only when a session asks for them.
            ctx.Console.WriteLine($"ONNX Runtime {Onnx.OrtRuntime.Version}, execution providers: {string.Join(", ", Onnx.OrtRuntime.AvailableProviders)}");
            ctx.Console.WriteLine($"OpenCV {EdgeSam.Video.Media.MediaVersions.OpenCv()}");
            ctx.Console.WriteLine($"ffmpeg {EdgeSam.Video.Media.MediaVersions.Ffmpeg()}");
            return 0;
        });
        return cmd;
    }
}
