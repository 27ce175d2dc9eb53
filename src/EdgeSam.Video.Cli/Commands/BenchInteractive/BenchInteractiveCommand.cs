using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Datasets;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Cli.Commands.BenchInteractive;

/// <summary>
/// <c>edgesam-video bench interactive --root DAVIS --year 2016|2017 --rounds N --json FILE</c>: a robot user of the
/// correction loop, the click-based form of the DAVIS interactive protocol. Round 0 segments each sequence from its
/// first-frame ground truth exactly as <c>run davis</c> (restarts included). Each later round, per sequence: the scored
/// frame (all but the first and last) with the lowest J over objects, the object with the lowest J there, one
/// <see cref="RobotClick"/> on it as a correction (<see cref="SessionCorrection.Refine"/>), and the object re-walked over
/// the frames the click affects (<see cref="SessionCorrection.RepropagateAsync"/>, one walk under the sampler seed of the
/// run round 0 kept). Scores after every round use the official arithmetic (<see cref="DavisEvaluator"/>, as
/// <c>eval davis</c>); a round's seconds are its segmenting work alone (clicks are computed and scored off the clock).
/// </summary>
internal static class BenchInteractiveCommand
{
    public static Command Create(CliContext ctx)
    {
        var root = new Option<string>("--root") { Description = "DAVIS root (holds JPEGImages/, Annotations/ and ImageSets/).", Required = true };
        var year = new Option<int>("--year") { Description = "DAVIS year: 2016 (one object) or 2017.", DefaultValueFactory = _ => 2017 };
        year.AcceptOnlyFromAmong("2016", "2017");
        var sequences = new Option<string?>("--sequences") { Description = "Comma-separated names to run (default: the year's val split)." };
        var rounds = new Option<int>("--rounds") { Description = "Correction rounds after round 0 (one click per sequence each).", DefaultValueFactory = _ => 8 };
        var json = new Option<string?>("--json") { Description = "Write rounds, per-sequence scores and clicks as JSON to this file." };
        var blend = new Option<CorrectionBlend>("--blend")
        {
            Description = "Frames between the object's previous prompt and the click: keep the walk from the nearer prompt (NearestPrompt) or always take the click's backward walk (Replace).",
            DefaultValueFactory = _ => CorrectionBlend.NearestPrompt,
        };
        var pipeline = new PipelineOptions();
        var cmd = new Command("interactive", "Robot-user benchmark of the correction loop on DAVIS: J&F after each round of one click per sequence.");
        var settle = new Option<double>("--settle-iou")
        {
            Description = "Stop a correction's walk where the object's new mask matches its stored one to this IoU (0: walk the whole affected range).",
            DefaultValueFactory = _ => SessionCorrection.DefaultSettleIoU,
        };
        var overlays = new Option<string?>("--overlays") { Description = "Write the clicked frame before and after each correction, and its ground truth, as overlay PNGs into this folder." };
        var correction = new Option<CorrectionPrompt>("--correction")
        {
            Description = "What the clicked frame's decode gets besides the click and the current mask: the query points sampled from that mask (QueryPoints) or the box around it (Box).",
            DefaultValueFactory = _ => CorrectionPrompt.QueryPoints,
        };
        var extent = new Option<ClickExtent>("--click-extent")
        {
            Description = "How far a click reaches into the clicked frame's mask: its seed and, for a negative click, a disk (Point), or also the colour-connected region it points at, read against the object's prompt (Region).",
            DefaultValueFactory = _ => ClickExtent.Region,
        };
        var oracle = new Option<bool>("--oracle") { Description = "Correct with the clicked frame's ground-truth mask instead of the click: the ceiling any correction on one frame can reach." };
        var startMasks = new Option<string?>("--start-masks")
        {
            Description = "Start from these masks instead of segmenting round 0: a run davis results folder (DIR/<sequence>/<frame>.png); corrections then walk under --seed, so give the seed of the run that kept them.",
        };
        foreach (Option o in new Option[] { root, year, sequences, rounds, json, blend, correction, extent, oracle, settle, overlays, startMasks }) cmd.Add(o);
        pipeline.AddTo(cmd);
        cmd.SetAction((ParseResult r, CancellationToken ct) => RunAsync(new BenchInteractiveSettings
        {
            Root = r.GetValue(root)!,
            Year = r.GetValue(year),
            Sequences = NameList.SplitOrNull(r.GetValue(sequences)),
            Rounds = r.GetValue(rounds),
            Json = r.GetValue(json),
            Blend = r.GetValue(blend),
            Correction = r.GetValue(correction),
            Extent = r.GetValue(extent),
            Oracle = r.GetValue(oracle),
            Overlays = r.GetValue(overlays),
            SettleIoU = r.GetValue(settle),
            StartMasks = r.GetValue(startMasks),
            Pipeline = pipeline.Bind(r),
        }, ctx, ct));
        return cmd;
    }

    /// <summary>One sequence's state after one round.</summary>
    private sealed record RoundScore(int Round, double JF, double J, double F, double Seconds, RobotClickResult? Click, int ClickFrame, int ClickObject, int ChangedFrames,
        IReadOnlyList<(double J, double F)> Objects)
    {
        /// <summary>What the round's correction did, in the clicked object's J (IoU with the ground truth), or null.</summary>
        public CorrectionEffect? Effect { get; init; }
    }

    /// <summary>The clicked object's J on the clicked frame before the click, of the refined prompt mask and after the
    /// walk; and its mean J over the frames the walk rewrote (other than the clicked one), before and after.</summary>
    private sealed record CorrectionEffect(double ClickBefore, double ClickRefined, double ClickAfter, int Rewritten, double RewrittenBefore, double RewrittenAfter);

    public static async Task<int> RunAsync(BenchInteractiveSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.Rounds < 0) throw new EdgeSamException($"--rounds {s.Rounds}: give 0 or more correction rounds.");
        DavisYear year = s.Year == 2016 ? DavisYear.Davis2016 : DavisYear.Davis2017;
        var davis = new DavisDataset(s.Root, year);
        IReadOnlyList<string> names = davis.SequenceNames;
        if (s.Sequences is { } wanted)
        {
            foreach (string n in wanted)
                if (!names.Contains(n))
                    throw new EdgeSamException($"--sequences: '{n}' is not in the split under {s.Root} ({names.Count} names, e.g. {string.Join(", ", names.Take(3))}).");
            names = wanted.Distinct().ToList();
        }

        using VideoSegmenter model = PipelineFactory.Create(s.Pipeline, ctx);
        int restarts = PipelineFactory.Restarts(s.Pipeline, model);
        int parallel = PipelineFactory.ParallelRuns(s.Pipeline, model, restarts);
        ConsoleLines.Line(ctx, $"bench interactive: {names.Count} sequence(s), {s.Rounds} round(s), blend {s.Blend}, correction prompt {(s.Oracle ? "the ground-truth mask (--oracle)" : $"{s.Correction}, click extent {s.Extent}")}, settle IoU {s.SettleIoU}; round 0: {PipelineFactory.Describe(model, restarts, parallel)}; corrections: one walk under the kept run's seed");
        using PipelineFactory.LaneModelSet lanes = PipelineFactory.CreateLaneModels(s.Pipeline, parallel);

        var perSequence = new Dictionary<string, List<RoundScore>>();
        foreach (string name in names)
        {
            cancel.ThrowIfCancellationRequested();
            perSequence[name] = await RunSequence(model, restarts, lanes.Models, davis.Sequence(name), year, s, ctx, cancel);
        }

        // Global figures as eval davis: means over all objects of all sequences; seconds summed over sequences.
        var rounds = new List<(int Round, double JF, double J, double F, double Seconds)>();
        for (int r = 0; r <= s.Rounds; r++)
        {
            var objs = perSequence.Values.SelectMany(l => l[r].Objects).ToList();
            double j = objs.Average(o => o.J), f = objs.Average(o => o.F);
            rounds.Add((r, (j + f) / 2, j, f, perSequence.Values.Sum(l => l[r].Seconds)));
        }
        // Area under the J&F-by-round curve (trapezoids over rounds 0..N, divided by N: 1 is perfect from round 0 on).
        double auc = s.Rounds == 0 ? rounds[0].JF : Enumerable.Range(0, s.Rounds).Sum(r => (rounds[r].JF + rounds[r + 1].JF) / 2) / s.Rounds;
        foreach (var r in rounds)
            ConsoleLines.Line(ctx, FormattableString.Invariant($"bench interactive: round {r.Round}: J&F {r.JF:F4} (J {r.J:F4}, F {r.F:F4}), {r.Seconds:F1} s"));
        ConsoleLines.Line(ctx, FormattableString.Invariant($"bench interactive: area under the J&F-by-round curve {auc:F4} (rounds 0-{s.Rounds})"));
        if (s.Json is not null) WriteJson(s, restarts, rounds, auc, perSequence);
        return 0;
    }

    private static async Task<List<RoundScore>> RunSequence(VideoSegmenter model, int restarts, IReadOnlyList<VideoSegmenter> lanes, DavisSequence seq,
        DavisYear year, BenchInteractiveSettings s, CliContext ctx, CancellationToken cancel)
    {
        using IFrameSource frames = FrameSources.Open(seq.FramesFolder, cancel: cancel);
        if (frames.FrameCount != seq.FrameCount)
            throw new EdgeSamException($"sequence '{seq.Name}' has {frames.FrameCount} images but the dataset lists {seq.FrameCount} frames; check the download.");
        LabelMap[] truth = Enumerable.Range(0, seq.FrameCount).Select(seq.ReadAnnotation).ToArray();
        using VideoSession session = model.OpenSession(frames);
        if (session.AddLabels(0, truth[0]).Count == 0)
            throw new EdgeSamException($"{seq.AnnotationPath(0)}: the first-frame annotation of '{seq.Name}' has no object; check the DAVIS download.");
        var masks = new MemorySessionMasks(frames.FrameCount);
        SegmentationReport? report = null;
        string work = Path.Combine(Path.GetTempPath(), $"edgesam-interactive-{Environment.ProcessId}-{seq.Name}");
        var scores = new List<RoundScore>();
        try
        {
            var clock = Stopwatch.StartNew();
            if (s.StartMasks is not null)
            {
                // Round 0 given: masks read as stored, corrections under --seed (the seed of the run that made them).
                for (int i = 0; i < frames.FrameCount; i++)
                {
                    string path = Path.Combine(s.StartMasks, seq.Name, frames.FrameName(i) + ".png");
                    if (!File.Exists(path))
                        throw new EdgeSamException($"--start-masks: {path} is missing; give a run davis results folder that holds every frame of '{seq.Name}'.");
                    LabelMap labels = PngCodec.ReadLabels(path);
                    if (labels.Width != frames.Width || labels.Height != frames.Height)
                        throw new EdgeSamException($"--start-masks: {path} is {labels.Width}x{labels.Height} but '{seq.Name}' is {frames.Width}x{frames.Height}.");
                    masks.Write(i, frames.FrameName(i), labels);
                }
                string reportPath = Path.Combine(s.StartMasks, "reports", seq.Name + ".json");
                if (File.Exists(reportPath)) report = SegmentationReport.Load(reportPath);
            }
            else
            {
                var job = new SegmentJob
                {
                    Session = session, PromptFrame = 0, MasksDir = work, Restarts = restarts, LaneModels = lanes,
                    OnLabels = (i, name, labels) => masks.Write(i, name, labels),
                };
                await job.RunAsync(_ => { }, cancel);
                report = job.Report;
                // Corrections walk once, under the seed of the run round 0 kept (see the README's figures for why).
                session.SamplerSeed += job.ChosenRestart;
            }
            scores.Add(Score(seq, year, truth, masks, 0, clock.Elapsed.TotalSeconds, null, -1, -1, 0));
            Report(ctx, seq.Name, scores[^1]);

            for (int round = 1; round <= s.Rounds; round++)
            {
                cancel.ThrowIfCancellationRequested();
                RoundScore last = scores[^1];
                var (frame, objectId) = Worst(seq, year, truth, masks);
                RobotClickResult? click = frame < 0 ? null
                    : RobotClick.Next(truth[frame].MaskOf(objectId), masks.Read(frame).MaskOf(objectId));
                if (click is not { } c)
                {
                    // Nothing left to correct: the round costs nothing and changes nothing.
                    scores.Add(last with { Round = round, Seconds = 0, Click = null, ClickFrame = -1, ClickObject = -1, ChangedFrames = 0 });
                    continue;
                }
                clock.Restart();
                PromptPoint p = new(c.X, c.Y, c.Positive ? PointLabel.Positive : PointLabel.Negative);
                LabelMap before = masks.Read(frame);
                // Label maps are replaced, never edited, on a write: these references keep the masks before the correction.
                LabelMap[] old = Enumerable.Range(0, frames.FrameCount).Select(masks.Read).ToArray();
                var rewritten = new List<int>();
                Mask refined;
                if (s.Oracle)
                {
                    refined = truth[frame].MaskOf(objectId);
                    session.AddMask(frame, objectId, refined);
                }
                else
                    refined = SessionCorrection.Refine(session, frame, objectId, [p], null, masks.Read(frame).MaskOf(objectId), cancel, s.Correction, s.Extent);
                CorrectionResult done = await SessionCorrection.RepropagateAsync(session, objectId, frame, masks, s.Blend,
                    onChanged: (r, _) => { if (r.FrameIndex != frame) rewritten.Add(r.FrameIndex); }, cancel: cancel, settleIoU: s.SettleIoU, report: report);
                double seconds = clock.Elapsed.TotalSeconds;
                if (s.Overlays is not null) WriteOverlays(s.Overlays, seq.Name, round, frames, frame, before, masks.Read(frame), truth[frame], p);
                double JOf(LabelMap labels, int f) => IoU(truth[f].MaskOf(objectId), labels.MaskOf(objectId));
                var effect = new CorrectionEffect(JOf(before, frame), IoU(truth[frame].MaskOf(objectId), refined), JOf(masks.Read(frame), frame), rewritten.Count,
                    rewritten.Count == 0 ? double.NaN : rewritten.Average(f => JOf(old[f], f)),
                    rewritten.Count == 0 ? double.NaN : rewritten.Average(f => JOf(masks.Read(f), f)));
                scores.Add(Score(seq, year, truth, masks, round, seconds, c, frame, objectId, done.ChangedFrames) with { Effect = effect });
                Report(ctx, seq.Name, scores[^1]);
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
        return scores;
    }

    /// <summary>The clicked frame before and after the correction (the click drawn), and its ground truth, as PNGs.</summary>
    private static void WriteOverlays(string dir, string name, int round, IFrameSource frames, int frame, LabelMap before, LabelMap after, LabelMap truth, PromptPoint click)
    {
        Directory.CreateDirectory(dir);
        RgbImage image = frames.Read(frame, 1).First();
        OverlayMarker[] marker = [new(click.X, click.Y, click.Label == PointLabel.Positive, true)];
        string stem = Path.Combine(dir, $"{name}-r{round}-f{frame}");
        PngCodec.WriteRgb(stem + "-before.png", Overlay.Draw(image, before, marker));
        PngCodec.WriteRgb(stem + "-after.png", Overlay.Draw(image, after, marker));
        PngCodec.WriteRgb(stem + "-truth.png", Overlay.Draw(image, truth, marker));
    }

    private static void Report(CliContext ctx, string name, RoundScore r)
    {
        string click = r.Click is { } c ? $"; click ({c.X}, {c.Y}) {(c.Positive ? "+" : "-")} on frame {r.ClickFrame} object {r.ClickObject} (region {c.RegionArea} px), {r.ChangedFrames} frames changed" : "";
        if (r.Effect is { } e)
            click += FormattableString.Invariant($"; clicked frame J {e.ClickBefore:F3} -> refined {e.ClickRefined:F3} -> stored {e.ClickAfter:F3}; {e.Rewritten} other frames rewritten, their J {e.RewrittenBefore:F3} -> {e.RewrittenAfter:F3}");
        ConsoleLines.Line(ctx, FormattableString.Invariant($"bench interactive: {name} round {r.Round}: J&F {r.JF:F4} (J {r.J:F4}, F {r.F:F4}), {r.Seconds:F1} s{click}"));
    }

    /// <summary>Plain IoU of two masks (1 when both are empty); the diagnostics' J, without DAVIS's void handling.</summary>
    private static double IoU(Mask truth, Mask mask)
    {
        long inter = 0, union = 0;
        for (int i = 0; i < truth.Data.Length; i++)
        {
            bool a = truth.Data[i] != 0, b = mask.Data[i] != 0;
            if (a && b) inter++;
            if (a || b) union++;
        }
        return union == 0 ? 1 : inter / (double)union;
    }

    private static DavisEvaluation Evaluate(DavisSequence seq, DavisYear year, LabelMap[] truth, ISessionMasks masks) =>
        DavisEvaluator.Evaluate([new DavisSequenceInput(seq.Name, seq.FrameNames, i => truth[i], masks.Read)], new DavisEvalOptions { Year = year });

    private static RoundScore Score(DavisSequence seq, DavisYear year, LabelMap[] truth, ISessionMasks masks, int round, double seconds,
        RobotClickResult? click, int frame, int objectId, int changed)
    {
        DavisEvaluation e = Evaluate(seq, year, truth, masks);
        var objects = e.Objects.Select(o => (o.JStatistics.Mean, o.FStatistics.Mean)).ToList();
        double j = objects.Average(o => o.Item1), f = objects.Average(o => o.Item2);
        return new RoundScore(round, (j + f) / 2, j, f, seconds, click, frame, objectId, changed, objects);
    }

    /// <summary>The scored frame with the lowest mean J over objects, and its object with the lowest J (first on ties);
    /// (-1, -1) when the sequence has no scored frame.</summary>
    private static (int Frame, int ObjectId) Worst(DavisSequence seq, DavisYear year, LabelMap[] truth, ISessionMasks masks)
    {
        DavisEvaluation e = Evaluate(seq, year, truth, masks);
        int scored = e.Objects.Count == 0 ? 0 : e.Objects[0].J.Count;
        int bestFrame = -1;
        double bestJ = double.PositiveInfinity;
        for (int k = 0; k < scored; k++)
        {
            double j = e.Objects.Average(o => o.J[k]);
            if (j < bestJ) { bestJ = j; bestFrame = k; }
        }
        if (bestFrame < 0) return (-1, -1);
        ObjectScores worst = e.Objects.MinBy(o => o.J[bestFrame])!;
        // Scored frames are 1..n-2: entry k is frame k + 1.
        return (bestFrame + 1, worst.ObjectId);
    }

    private static void WriteScores(Utf8JsonWriter w, int round, double jf, double j, double f, double seconds)
    {
        w.WriteNumber("round", round);
        w.WriteNumber("J&F", jf);
        w.WriteNumber("J", j);
        w.WriteNumber("F", f);
        w.WriteNumber("seconds", Math.Round(seconds, 3));
    }

    private static void WriteJson(BenchInteractiveSettings s, int restarts, List<(int Round, double JF, double J, double F, double Seconds)> rounds, double auc,
        Dictionary<string, List<RoundScore>> perSequence)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("root", s.Root);
            w.WriteNumber("year", s.Year);
            w.WriteNumber("restarts", restarts);
            w.WriteString("blend", s.Blend.ToString());
            w.WriteString("correction", s.Correction.ToString());
            w.WriteString("click_extent", s.Extent.ToString());
            w.WriteBoolean("oracle", s.Oracle);
            w.WriteNumber("settle_iou", s.SettleIoU);
            w.WriteStartArray("rounds");
            foreach (var r in rounds)
            {
                w.WriteStartObject();
                WriteScores(w, r.Round, r.JF, r.J, r.F, r.Seconds);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("auc", auc);
            w.WriteStartObject("per_sequence");
            foreach (var (name, list) in perSequence)
            {
                w.WriteStartArray(name);
                foreach (RoundScore r in list)
                {
                    w.WriteStartObject();
                    WriteScores(w, r.Round, r.JF, r.J, r.F, r.Seconds);
                    if (r.Click is { } c)
                    {
                        w.WriteStartObject("click");
                        w.WriteNumber("frame", r.ClickFrame);
                        w.WriteNumber("object", r.ClickObject);
                        w.WriteNumber("x", c.X);
                        w.WriteNumber("y", c.Y);
                        w.WriteNumber("label", c.Positive ? 1 : 0);
                        w.WriteNumber("region_area", c.RegionArea);
                        w.WriteEndObject();
                        w.WriteNumber("changed_frames", r.ChangedFrames);
                        if (r.Effect is { } e)
                        {
                            w.WriteStartObject("effect");
                            w.WriteNumber("click_j_before", Math.Round(e.ClickBefore, 4));
                            w.WriteNumber("click_j_refined", Math.Round(e.ClickRefined, 4));
                            w.WriteNumber("click_j_after", Math.Round(e.ClickAfter, 4));
                            w.WriteNumber("rewritten", e.Rewritten);
                            if (e.Rewritten > 0)
                            {
                                w.WriteNumber("rewritten_j_before", Math.Round(e.RewrittenBefore, 4));
                                w.WriteNumber("rewritten_j_after", Math.Round(e.RewrittenAfter, 4));
                            }
                            w.WriteEndObject();
                        }
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        string? dir = Path.GetDirectoryName(Path.GetFullPath(s.Json!));
        if (dir is not null) Directory.CreateDirectory(dir);
        AtomicFile.WriteAllBytes(s.Json!, stream.ToArray());
    }
}
