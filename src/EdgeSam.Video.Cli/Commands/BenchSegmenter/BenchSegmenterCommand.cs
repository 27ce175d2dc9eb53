using System.CommandLine;
using System.Text.Json;
using EdgeSam.Video.Media;
using EdgeSam.Video.Onnx;
using EdgeSam.Video.Segmentation.EdgeSam;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.BenchSegmenter;

/// <summary><c>edgesam-video bench segmenter</c>: ms per encoder run and decoder call, and the managed pre/post share.</summary>
internal static class BenchSegmenterCommand
{
    public static Command Create(CliContext ctx)
    {
        var encoder = new Option<string?>("--encoder") { Description = "Encoder ONNX (EdgeSAM contract). Default: generated synthetic benchmark models." };
        var decoder = new Option<string?>("--decoder") { Description = "Decoder ONNX (EdgeSAM contract); give with --encoder." };
        var frame = new Option<string?>("--frame") { Description = "Image to run on. Default: a generated 854x480 frame." };
        var iterations = new Option<int>("--iterations") { Description = "Timed runs after one warm-up (medians are reported).", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Also write the figures as JSON to this file." };
        var cmd = new Command("segmenter", "Time EdgeSAM-contract models: encoder, decoder, and the managed pre/post-processing as a share of the encoder.");
        foreach (Option o in new Option[] { encoder, decoder, frame, iterations, threads, json }) cmd.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(new BenchSegmenterSettings(
            r.GetValue(encoder), r.GetValue(decoder), r.GetValue(frame), r.GetValue(iterations), r.GetValue(threads), r.GetValue(json)), ctx, ct)));
        return cmd;
    }

    internal static int Run(BenchSegmenterSettings s, CliContext ctx, CancellationToken cancel)
    {
        if ((s.Encoder is null) != (s.Decoder is null))
            throw new EdgeSamException("bench segmenter: give both --encoder and --decoder, or neither for the synthetic benchmark models.");
        if (s.Iterations < 1) throw new EdgeSamException($"--iterations {s.Iterations}: give at least 1.");
        string? temp = null;
        try
        {
            string enc, dec;
            if (s.Encoder is null)
            {
                temp = Directory.CreateTempSubdirectory("edgesam-bench-").FullName;
                (enc, dec) = SyntheticEdgeSamModels.Write(temp, SyntheticEdgeSamModels.EncoderSize.Benchmark);
                ctx.Console.MarkupLine("[grey]models: synthetic EdgeSAM-signature benchmark models (~40 GFLOP encoder, not EdgeSAM)[/]");
            }
            else
            {
                enc = s.Encoder;
                dec = s.Decoder!;
            }
            RgbImage image = s.Frame is null ? SyntheticFrame(854, 480) : ImageFile.ReadRgb(s.Frame, cancel);
            var opts = new OrtSessionOptions { IntraOpThreads = s.Threads };
            EdgeSamBenchmarkFigures f = EdgeSamBenchmark.Run(enc, dec, image, s.Iterations, opts, cancel);

            var table = new Table().AddColumns("stage", "median ms");
            table.AddRow("preprocess (resize + normalise)", $"{f.PreprocessMs:F2}");
            table.AddRow("encoder run", $"{f.EncoderMs:F1}");
            table.AddRow("decoder call (9 points)", $"{f.DecoderMs:F2}");
            table.AddRow("postprocess (1 mask)", $"{f.PostprocessMs:F2}");
            table.AddRow("Embed + Segment end to end", $"{f.EndToEndFrameMs:F1}");
            ctx.Console.Write(table);
            ctx.Console.WriteLine($"{f.Encoder} + {f.Decoder} on {f.FrameWidth}x{f.FrameHeight}, {f.Iterations} runs, threads {(s.Threads == 0 ? "all" : s.Threads)}: " +
                $"pre+post = {100 * f.PrePostShareOfEncoder:F2}% of an encoder run (goal <= 5%)");
            if (s.Json is not null)
                AtomicFile.WriteAllText(s.Json, JsonSerializer.Serialize(new
                {
                    encoder = f.Encoder, decoder = f.Decoder, width = f.FrameWidth, height = f.FrameHeight, iterations = f.Iterations,
                    preprocess_ms = f.PreprocessMs, encoder_ms = f.EncoderMs, decoder_ms = f.DecoderMs, postprocess_ms = f.PostprocessMs,
                    end_to_end_ms = f.EndToEndFrameMs, pre_post_share_of_encoder = f.PrePostShareOfEncoder,
                }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        finally
        {
            if (temp is not null) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>A deterministic textured frame (timing does not depend on content).</summary>
    internal static RgbImage SyntheticFrame(int w, int h)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                img.Pixels[i] = (byte)(x * 255 / w);
                img.Pixels[i + 1] = (byte)(y * 255 / h);
                img.Pixels[i + 2] = (byte)((x ^ y) & 0xFF);
            }
        return img;
    }
}
