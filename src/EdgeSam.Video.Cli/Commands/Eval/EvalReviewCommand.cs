using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Cli.Commands.Eval;

/// <summary>
/// <c>edgesam-video eval review --root DAVIS --results R [--reports R/reports] [--fit]</c>: how well the per-frame
/// review flag of <c>run davis</c>'s reports finds frames with J &lt; 0.5 (recall, precision) and the AUROC of the
/// confidence; with <c>--fit</c>, also fits the confidence model's weights on these sequences and scores them in-sample
/// and leave-one-sequence-out.
/// </summary>
internal static class EvalReviewCommand
{
    public static Command Create(CliContext ctx)
    {
        var root = new Option<string>("--root") { Description = "DAVIS root (holds Annotations/480p and ImageSets).", Required = true };
        var results = new Option<string>("--results") { Description = "Results folder of 'run davis' (<results>/<sequence>/<frame>.png).", Required = true };
        var reports = new Option<string?>("--reports") { Description = "Folder of the per-sequence reports (default <results>/reports, where 'run davis' writes them)." };
        var year = EvalCommand.YearOption();
        var sequences = new Option<string?>("--sequences") { Description = "Comma-separated sequence names (default: the year's val ImageSet)." };
        var fit = new Option<bool>("--fit") { Description = "Also fit the confidence model's weights here (printed), scored in-sample and leave-one-sequence-out." };
        var json = new Option<string?>("--json") { Description = "Write the figures (and fitted weights) as JSON." };
        var threads = EvalCommand.ThreadsOption();
        var cmd = new Command("review", "How well the per-frame review flag finds frames with J < 0.5 (recall, precision, AUROC); --fit calibrates it.");
        foreach (Option o in new Option[] { root, results, reports, year, sequences, fit, json, threads }) cmd.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            string res = r.GetValue(results)!;
            var settings = new EvalReviewSettings(r.GetValue(root)!, res, r.GetValue(reports) ?? Path.Combine(res, "reports"),
                EvalCommand.ParseYear(r.GetValue(year)), NameList.SplitOrNull(r.GetValue(sequences)), r.GetValue(fit), r.GetValue(json), r.GetValue(threads));
            return Task.FromResult(Run(settings, ctx, ct));
        });
        return cmd;
    }

    internal static int Run(EvalReviewSettings s, CliContext ctx, CancellationToken ct)
    {
        if (s.Threads < 1) throw new EdgeSamException($"--threads {s.Threads} must be at least 1.");
        if (!Directory.Exists(s.Reports))
            throw new EdgeSamException($"reports folder {s.Reports} does not exist; 'run davis' writes <out>/reports/<sequence>.json (or pass --reports).");
        var options = new DavisEvalOptions { Year = s.Year, Sequences = s.Sequences, MaxDegreeOfParallelism = s.Threads };
        DavisEvaluation e = DavisFolderEvaluation.Evaluate(s.Root, s.Results, options, ct);
        IReadOnlyList<ReviewSample> samples = ReviewCalibration.Join(e, seq => Path.Combine(s.Reports, seq + ".json"));
        if (samples.Count == 0) throw new EdgeSamException($"the reports in {s.Reports} hold no scored frame; nothing to measure.");

        var figures = new List<(string Name, ReviewQuality Q)>();
        ReviewQuality reported = ReviewCalibration.QualityAsReported(samples);
        Line(ctx, $"{e.Sequences.Count} sequence(s), {reported.Frames} object frames scored, {reported.Bad} with J < {ReviewCalibration.BadJ}");
        Line(ctx, $"as reported: {Describe(reported)}");
        figures.Add(("reported", reported));
        double[]? weights = null;
        if (s.Fit)
        {
            weights = ReviewCalibration.Fit(samples);
            ReviewQuality inSample = ReviewCalibration.QualityOf(samples, weights);
            ReviewQuality loso = ReviewCalibration.LeaveOneSequenceOut(samples);
            Line(ctx, $"fitted weights (lambda {ReviewCalibration.DefaultLambda}; bias, {string.Join(", ", ConfidenceModel.FeatureNames)}): [{string.Join(", ", weights.Select(w => w.ToString("0.####", CultureInfo.InvariantCulture)))}]");
            Line(ctx, $"fitted, in-sample: {Describe(inSample)}");
            Line(ctx, $"fitted, leave-one-sequence-out: {Describe(loso)}");
            figures.Add(("fitted_in_sample", inSample));
            figures.Add(("fitted_leave_one_sequence_out", loso));
        }
        if (s.Json is not null)
        {
            WriteJson(s.Json, figures, weights);
            Line(ctx, $"wrote {s.Json}");
        }
        return 0;
    }

    private static string Describe(ReviewQuality q) =>
        $"review recall {F(q.Recall)}, precision {F(q.Precision)} ({q.Flagged} flagged), confidence AUROC {F(q.Auroc)}";

    private static void WriteJson(string path, List<(string Name, ReviewQuality Q)> figures, double[]? weights)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("bad_j_below", ReviewCalibration.BadJ);
            foreach (var (name, q) in figures)
            {
                w.WriteStartObject(name);
                w.WriteNumber("frames", q.Frames);
                w.WriteNumber("bad", q.Bad);
                w.WriteNumber("flagged", q.Flagged);
                Number(w, "recall", q.Recall);
                Number(w, "precision", q.Precision);
                Number(w, "auroc", q.Auroc);
                w.WriteEndObject();
            }
            if (weights is not null)
            {
                w.WriteStartObject("weights");
                w.WriteNumber("bias", weights[0]);
                for (int k = 0; k < ConfidenceModel.FeatureNames.Length; k++) w.WriteNumber(ConfidenceModel.FeatureNames[k], weights[k + 1]);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        using Media.AtomicFile f = Media.AtomicFile.Create(path);
        f.Stream.Write(stream.ToArray());
        f.Stream.Write("\n"u8);
        f.Commit();
    }

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    private static void Line(CliContext ctx, string text) => Segment.ConsoleLines.Line(ctx, $"eval review: {text}");

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.000", CultureInfo.InvariantCulture);
}
