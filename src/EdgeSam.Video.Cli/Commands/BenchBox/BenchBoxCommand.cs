using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Datasets;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation.GraphCut;
using OpenCvSharp;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.BenchBox;

/// <summary>
/// <c>edgesam-video bench box --root DAVIS2016</c>: the first-frame mask a box prompt gives, against the ground truth,
/// for the box of each sequence's first-frame ground truth (tight, and grown by each margin): the weights-free graph
/// cut as <c>segment --box</c> runs it (a session's <see cref="VideoSession.AddBox"/>, refinement included) beside
/// OpenCV's GrabCut initialised with the same rectangle (the reference GrabCut), with the share of the box each mask
/// fills and the time of each. Whole-clip figures come from <c>run davis --prompt box|box-margin</c> and <c>eval davis</c>.
/// </summary>
internal static class BenchBoxCommand
{
    public static Command Create(CliContext ctx)
    {
        var root = new Option<string>("--root") { Description = "DAVIS 2016 root folder.", Required = true };
        var sequences = new Option<string[]>("--sequences") { Description = "Sequences to run (default: the val split).", AllowMultipleArgumentsPerToken = true };
        var iterations = new Option<int>("--grabcut-iterations") { Description = "Iterations of OpenCV's GrabCut.", DefaultValueFactory = _ => 5 };
        var cmd = new Command("box", "First-frame IoU of box prompts (tight and 5% margin) with the graph cut, against OpenCV's GrabCut on the same box.");
        foreach (Option o in new Option[] { root, sequences, iterations }) cmd.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(new BenchBoxSettings
        {
            Root = r.GetValue(root)!,
            Sequences = NameList.Split(r.GetValue(sequences)),
            GrabCutIterations = r.GetValue(iterations),
        }, ctx, ct)));
        return cmd;
    }

    public static int Run(BenchBoxSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.GrabCutIterations < 1) throw new EdgeSamException($"--grabcut-iterations {s.GrabCutIterations}: give 1 or more (default 5)");
        var dataset = new DavisDataset(s.Root, DavisYear.Davis2016);
        IReadOnlyList<string> names = s.Sequences.Count > 0 ? s.Sequences : dataset.SequenceNames;
        foreach (string n in names)
            if (!dataset.SequenceNames.Contains(n))
                throw new EdgeSamException($"sequence '{n}' is not in the DAVIS 2016 val split under {s.Root}; check --sequences");

        using VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut }, ctx);
        var table = new Table().AddColumns("sequence", "margin", "box fill (truth)", "graph cut IoU", "fill", "ms", "GrabCut IoU", "fill", "ms");
        var sums = s.Margins.ToDictionary(m => m, _ => (Ours: 0.0, Ref: 0.0, OursMs: 0.0, RefMs: 0.0));
        foreach (string name in names)
        {
            cancel.ThrowIfCancellationRequested();
            DavisSequence seq = dataset.Sequence(name);
            Mask truth = seq.ReadFirstFrameAnnotation().MaskOf(1);
            using IFrameSource frames = FrameSources.Open(seq.FramesFolder, cancel: cancel);
            RgbImage image = frames.Read(0, 1, cancel).First();
            foreach (float margin in s.Margins)
            {
                BoxF box = BoxPrompts.FromMask(truth, margin);
                double boxArea = BoxPrompts.Area(box);
                var clock = Stopwatch.StartNew();
                Mask ours;
                using (VideoSession session = model.OpenSession(frames))
                    ours = session.AddBox(0, 1, box, cancel);
                double oursMs = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                Mask reference = GrabCut(image, box, s.GrabCutIterations);
                double refMs = clock.Elapsed.TotalMilliseconds;
                double iouOurs = GraphCutBenchmark.IoU(ours, truth), iouRef = GraphCutBenchmark.IoU(reference, truth);
                var t = sums[margin];
                sums[margin] = (t.Ours + iouOurs, t.Ref + iouRef, t.OursMs + oursMs, t.RefMs + refMs);
                table.AddRow(name, Pct(margin), F(truth.Area() / boxArea, "F2"), F(iouOurs), F(ours.Area() / boxArea, "F2"), F(oursMs, "F0"),
                    F(iouRef), F(reference.Area() / boxArea, "F2"), F(refMs, "F0"));
            }
        }
        ctx.Console.Write(table);
        foreach (float margin in s.Margins)
        {
            var t = sums[margin];
            int n = names.Count;
            ctx.Console.WriteLine($"box {(margin == 0 ? "tight" : $"+{Pct(margin)} margin")}: mean first-frame IoU graph cut {F(t.Ours / n)} ({F(t.OursMs / n, "F0")} ms), OpenCV GrabCut {F(t.Ref / n)} ({F(t.RefMs / n, "F0")} ms, {s.GrabCutIterations} iterations) over {n} sequences");
        }
        return 0;
    }

    /// <summary>OpenCV's GrabCut from a rectangle (the box's inclusive pixel corners); object = definite or probable foreground.</summary>
    internal static Mask GrabCut(RgbImage image, BoxF box, int iterations)
    {
        int w = image.Width, h = image.Height;
        using var rgb = new Mat(h, w, MatType.CV_8UC3);
        Marshal.Copy(image.Pixels, 0, rgb.Data, image.Pixels.Length);
        using var bgr = new Mat();
        Cv2.CvtColor(rgb, bgr, ColorConversionCodes.RGB2BGR);
        using var mask = new Mat(h, w, MatType.CV_8UC1, Scalar.All(0));
        using var bgModel = new Mat();
        using var fgModel = new Mat();
        int x0 = (int)MathF.Floor(box.X0), y0 = (int)MathF.Floor(box.Y0);
        int x1 = Math.Min(w - 1, (int)MathF.Ceiling(box.X1)), y1 = Math.Min(h - 1, (int)MathF.Ceiling(box.Y1));
        Cv2.GrabCut(bgr, mask, new Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1), bgModel, fgModel, iterations, GrabCutModes.InitWithRect);
        var labels = new byte[w * h];
        Marshal.Copy(mask.Data, labels, 0, labels.Length);
        // GC_FGD = 1, GC_PR_FGD = 3.
        for (int i = 0; i < labels.Length; i++) labels[i] = (byte)(labels[i] & 1);
        return new Mask(w, h, labels);
    }

    private static string F(double v, string f = "F3") => v.ToString(f, CultureInfo.InvariantCulture);
    private static string Pct(float m) => (m * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
