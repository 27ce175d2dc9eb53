using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSam.Video.Datasets;
using EdgeSam.Video.Media;
using EdgeSam.Video.Segmentation.GraphCut;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.BenchGraphCut;

/// <summary>
/// <c>edgesam-video bench graphcut --root DIR [--every 10] [--json f]</c>: single-frame quality and speed of the
/// weights-free graph-cut segmenter on a DAVIS-layout dataset (protocol: <see cref="GraphCutBenchmark"/>).
/// Frames are decoded before the clock starts; the time is Embed + one Segment on this one thread.
/// </summary>
internal static class BenchGraphCutCommand
{
    /// <summary>The command under <c>bench</c> as <c>graphcut</c>; with <paramref name="legacyTopLevel"/>, the same command
    /// as the hidden top-level <c>bench-graphcut</c> that earlier versions had, so existing scripts keep working.</summary>
    public static Command Create(CliContext ctx, bool legacyTopLevel = false)
    {
        var root = new Option<string>("--root") { Description = "DAVIS root folder (holds JPEGImages/<res> and Annotations/<res>).", Required = true };
        var every = new Option<int>("--every") { Description = "Score every n-th frame of each sequence (0, n, 2n, ...).", DefaultValueFactory = _ => 10 };
        var sequences = new Option<string[]>("--sequences") { Description = "Sequences to run (default: every annotated one).", AllowMultipleArgumentsPerToken = true };
        var resolution = new Option<string>("--resolution") { Description = "Resolution folder.", DefaultValueFactory = _ => "480p" };
        var positives = new Option<int>("--positives") { Description = "K-Medoids positive points per frame.", DefaultValueFactory = _ => 8 };
        var negatives = new Option<int>("--negatives") { Description = "K-Medoids negative points per frame, from the background band around the object.", DefaultValueFactory = _ => 8 };
        var band = new Option<float>("--negative-band") { Description = "Negatives are sampled from background pixels within this many sqrt(object area) of the object (large = whole background).", DefaultValueFactory = _ => GraphCutBenchmark.DefaultNegativeBand };
        var seed = new Option<int>("--seed") { Description = "Point sampling seed.", DefaultValueFactory = _ => 0 };
        var longSide = new Option<int?>("--working-long-side") { Description = "Long side of the working image (default: the segmenter's, 400)." };
        var json = new Option<string?>("--json") { Description = "Write the figures as JSON to this file." };
        var cmd = new Command(legacyTopLevel ? "bench-graphcut" : "graphcut", "Mean IoU and ms/frame of the graph-cut segmenter on DAVIS, prompted from each frame's ground truth.")
        {
            Hidden = legacyTopLevel,
        };
        foreach (Option o in new Option[] { root, every, sequences, resolution, positives, negatives, band, seed, longSide, json }) cmd.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            var s = new BenchGraphCutSettings
            {
                Root = r.GetValue(root)!,
                Every = r.GetValue(every),
                Sequences = NameList.Split(r.GetValue(sequences)),
                Resolution = r.GetValue(resolution) ?? "480p",
                Positives = r.GetValue(positives),
                Negatives = r.GetValue(negatives),
                Seed = r.GetValue(seed),
                NegativeBand = r.GetValue(band),
                WorkingLongSide = r.GetValue(longSide),
                JsonPath = r.GetValue(json),
            };
            return Task.FromResult(Run(s, ctx, ct));
        });
        return cmd;
    }

    public static int Run(BenchGraphCutSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.Every < 1) throw new EdgeSamException($"--every {s.Every} is not a frame step; give 1 or more (e.g. --every 10)");
        if (s.Positives < 1) throw new EdgeSamException($"--positives {s.Positives}: at least one positive point is needed");
        if (s.Negatives < 0) throw new EdgeSamException($"--negatives {s.Negatives} is negative; give 0 or more");
        if (!(s.NegativeBand > 0)) throw new EdgeSamException($"--negative-band {s.NegativeBand} must be positive (default {GraphCutBenchmark.DefaultNegativeBand})");
        if (s.WorkingLongSide is < 16) throw new EdgeSamException($"--working-long-side {s.WorkingLongSide} is too small; give 16 or more (default 400)");
        string? jsonFull = s.JsonPath is null ? null : Path.GetFullPath(s.JsonPath);
        if (jsonFull is not null && Path.GetDirectoryName(jsonFull) is string dir && !Directory.Exists(dir))
            throw new EdgeSamException($"folder for --json does not exist: {dir}; create it or choose another path");

        var dataset = new DavisDataset(s.Root, DavisYear.Davis2016, allSequences: true, resolution: s.Resolution);
        IReadOnlyList<string> names = s.Sequences.Count > 0 ? s.Sequences : dataset.SequenceNames;
        if (names.Count == 0) throw new EdgeSamException($"no annotated sequences under {s.Root}; check --root and --resolution");
        foreach (string n in names)
            if (!dataset.SequenceNames.Contains(n))
                throw new EdgeSamException($"sequence '{n}' has no Annotations/{s.Resolution}/{n} under {s.Root}; check --sequences");

        var options = s.WorkingLongSide is int ls ? GraphCutOptions.Default with { WorkingLongSide = ls } : GraphCutOptions.Default;
        using var segmenter = new GraphCutSegmenter(options);
        var perSeq = new List<(string Name, List<PromptedFrameResult> Frames)>();
        foreach (string name in names)
        {
            DavisSequence seq = dataset.Sequence(name);
            var frames = new List<PromptedFrameResult>();
            for (int i = 0; i < seq.FrameCount; i += s.Every)
            {
                cancel.ThrowIfCancellationRequested();
                if (!seq.HasAnnotation(i)) continue;
                Mask truth = PngCodec.ReadMask(seq.AnnotationPath(i));
                if (truth.IsEmpty) continue; // no object to prompt from (occluded): nothing to score
                RgbImage frame = ImageFile.ReadRgb(seq.FramePath(i), cancel);
                if (frame.Width != truth.Width || frame.Height != truth.Height)
                    throw new EdgeSamException($"{seq.FramePath(i)} is {frame.Width}x{frame.Height} but its annotation is {truth.Width}x{truth.Height}; the dataset is inconsistent");
                frames.Add(GraphCutBenchmark.Measure(segmenter, frame, truth, s.Positives, s.Negatives, s.Seed + i, s.NegativeBand));
            }
            perSeq.Add((name, frames));
            if (frames.Count > 0)
                ctx.Console.MarkupLineInterpolated($"[grey]{name,-20} IoU {Fmt(frames.Average(f => f.IoU))}  {frames.Count} frames  {Fmt(Median(frames.Select(f => f.CpuMs)), "F1")} ms cpu[/]");
        }

        List<PromptedFrameResult> all = [.. perSeq.SelectMany(p => p.Frames)];
        if (all.Count == 0) throw new EdgeSamException($"no annotated frame with an object among the chosen sequences under {s.Root}");
        var table = new Table().AddColumns("sequence", "frames", "mean IoU", "ms/frame cpu", "ms/frame wall");
        foreach (var (name, frames) in perSeq.Where(p => p.Frames.Count > 0))
            table.AddRow(name, frames.Count.ToString(CultureInfo.InvariantCulture), Fmt(frames.Average(f => f.IoU)),
                Fmt(Median(frames.Select(f => f.CpuMs)), "F1"), Fmt(Median(frames.Select(f => f.WallMs)), "F1"));
        double meanIoU = all.Average(f => f.IoU);
        double seqMean = perSeq.Where(p => p.Frames.Count > 0).Average(p => p.Frames.Average(f => f.IoU));
        double cpuMedian = Median(all.Select(f => f.CpuMs)), wallMedian = Median(all.Select(f => f.WallMs));
        table.AddRow("all", all.Count.ToString(CultureInfo.InvariantCulture), Fmt(meanIoU), Fmt(cpuMedian, "F1"), Fmt(wallMedian, "F1"));
        ctx.Console.Write(table);
        ctx.Console.WriteLine($"mean IoU {Fmt(meanIoU)} over {all.Count} frames (mean of sequence means {Fmt(seqMean)}); median {Fmt(cpuMedian, "F1")} ms/frame single-threaded CPU time, {Fmt(wallMedian, "F1")} ms wall");
        ctx.Console.WriteLine($"prompt: {s.Positives} K-Medoids positives + {s.Negatives} K-Medoids negatives within {s.NegativeBand:0.##}*sqrt(area) of the object; time = Embed + one Segment at {segmenter.Options.WorkingLongSide} px working long side");

        if (jsonFull is not null) WriteJson(jsonFull, s, segmenter.Options, perSeq, meanIoU, seqMean, cpuMedian, wallMedian, all.Count);
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Where(x => !double.IsNaN(x)).Order()];
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    private static string Fmt(double v, string f = "F4") => double.IsNaN(v) ? "-" : v.ToString(f, CultureInfo.InvariantCulture);

    private static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;

    private static void WriteJson(string path, BenchGraphCutSettings s, GraphCutOptions o, List<(string Name, List<PromptedFrameResult> Frames)> perSeq,
        double meanIoU, double seqMean, double cpuMedian, double wallMedian, int frames)
    {
        var seqs = new JsonObject();
        foreach (var (name, f) in perSeq.Where(p => p.Frames.Count > 0))
            seqs[name] = new JsonObject
            {
                ["frames"] = f.Count,
                ["mean_iou"] = Num(f.Average(x => x.IoU)),
                ["ms_per_frame_cpu_median"] = Num(Median(f.Select(x => x.CpuMs))),
                ["ms_per_frame_wall_median"] = Num(Median(f.Select(x => x.WallMs))),
            };
        var doc = new JsonObject
        {
            ["benchmark"] = "graphcut-single-frame",
            ["every"] = s.Every,
            ["positives"] = s.Positives,
            ["negatives"] = s.Negatives,
            ["negative_band"] = s.NegativeBand,
            ["seed"] = s.Seed,
            ["working_long_side"] = o.WorkingLongSide,
            ["frames"] = frames,
            ["mean_iou"] = Num(meanIoU),
            ["mean_iou_of_sequences"] = Num(seqMean),
            ["ms_per_frame_cpu_median"] = Num(cpuMedian),
            ["ms_per_frame_wall_median"] = Num(wallMedian),
            ["sequences"] = seqs,
        };
        AtomicFile.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
