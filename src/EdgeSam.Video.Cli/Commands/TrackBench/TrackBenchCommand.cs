using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSam.Video.Media;
using EdgeSam.Video.Trackers;
using EdgeSam.Video.Trackers.Benchmark;
using EdgeSam.Video.Tracking;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.TrackBench;

/// <summary>
/// <c>edgesam-video track-bench davis --root DIR [--sequences a b] [--horizon 8] [--tracker lk xfeat] [--json f]</c>:
/// TrackScore@h of point trackers on a DAVIS-layout dataset (see <see cref="TrackScore"/>).
/// </summary>
internal static class TrackBenchCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("track-bench", "Benchmark point trackers (TrackScore: are tracked points still on the object?).");
        var davis = new Command("davis", "TrackScore@h on a DAVIS-layout dataset: 8 K-Medoids points from the mask at t = 0, h, 2h, ..., tracked to t+h.");
        var root = new Option<string>("--root") { Description = "DAVIS root folder (holds JPEGImages/<res> and Annotations/<res>).", Required = true };
        var sequences = new Option<string[]>("--sequences") { Description = "Sequences to run (default: all annotated ones).", AllowMultipleArgumentsPerToken = true };
        var resolution = new Option<string>("--resolution") { Description = "Resolution folder.", DefaultValueFactory = _ => "480p" };
        var horizon = new Option<int>("--horizon") { Description = "Frames each point is tracked (h).", DefaultValueFactory = _ => 8 };
        var trackers = new Option<string[]>("--tracker") { Description = "Trackers to score: lk, xfeat, onnx-window, tapir (several allowed).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["lk"] };
        var json = new Option<string?>("--json") { Description = "Write the figures as JSON to this file." };
        var xfeat = new Option<string?>("--xfeat-model") { Description = "XFeat ONNX file or folder of xfeat_WxH.onnx files." };
        var windowModel = new Option<string?>("--window-model") { Description = "Windowed ONNX tracker (onnx-window)." };
        var tapir = new Option<string?>("--tapir-dir") { Description = "Folder with tapir_pointencoder.onnx and tapir.onnx." };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for ONNX trackers (0 = default).", DefaultValueFactory = _ => 0 };
        var visThreshold = new Option<float?>("--visibility-threshold") { Description = "Override the tracker's visibility threshold." };
        var lostMotion = new Option<string?>("--lost-motion") { Description = TrackerOptionParsing.LostMotionHelp };
        var denseReacquire = new Option<string?>("--dense-reacquire") { Description = "lk/xfeat: on|off: declare a lost point visible again where the dense flow round-trips and moves with the group (with dense-flow carry only). Default: the tracker's own (lk on, xfeat off)." };
        var pointsCsv = new Option<string?>("--points-csv") { Description = "Write every query point's end state as CSV to this file (tracker, sequence, start_frame, point, query and end positions, visibility, inside, distance to the mask, ground-truth centroid shift) for per-point analysis." };
        foreach (Option o in new Option[] { root, sequences, resolution, horizon, trackers, json, xfeat, windowModel, tapir, threads, visThreshold, lostMotion, denseReacquire, pointsCsv }) davis.Add(o);
        davis.SetAction((ParseResult r, CancellationToken ct) =>
        {
            var kinds = new List<TrackerKind>();
            foreach (string name in NameList.Split(r.GetValue(trackers) ?? ["lk"]))
                kinds.Add(TrackerKinds.TryParse(name) ?? throw new EdgeSamException($"unknown tracker '{name}' for --tracker; use one of {string.Join(", ", TrackerKinds.All.Select(k => k.CliName()))}"));
            var settings = new TrackBenchSettings
            {
                Root = r.GetValue(root)!,
                Sequences = NameList.Split(r.GetValue(sequences)),
                Resolution = r.GetValue(resolution) ?? "480p",
                Horizon = r.GetValue(horizon),
                Trackers = kinds,
                JsonPath = r.GetValue(json),
                PointsCsvPath = r.GetValue(pointsCsv),
                TrackerOptions = new TrackerOptions
                {
                    XFeatModel = r.GetValue(xfeat),
                    WindowModel = r.GetValue(windowModel),
                    TapirModelDirectory = r.GetValue(tapir),
                    Threads = r.GetValue(threads),
                    VisibilityThreshold = r.GetValue(visThreshold),
                    LostPointMotion = TrackerOptionParsing.LostMotion(r.GetValue(lostMotion)),
                    DenseReacquire = TrackerOptionParsing.OnOff(r.GetValue(denseReacquire), "--dense-reacquire"),
                },
            };
            return Task.FromResult(Run(settings, ctx, ct));
        });
        cmd.Add(davis);
        return cmd;
    }

    public static int Run(TrackBenchSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.Horizon < 1) throw new EdgeSamException($"--horizon {s.Horizon} is not a frame count; give a horizon of at least 1 (e.g. --horizon 8)");
        if (s.Trackers.Count == 0) throw new EdgeSamException("no tracker given; pass --tracker lk (or xfeat, onnx-window, tapir)");
        string imagesDir = Path.Combine(s.Root, "JPEGImages", s.Resolution);
        string annDir = Path.Combine(s.Root, "Annotations", s.Resolution);
        if (!Directory.Exists(imagesDir) || !Directory.Exists(annDir))
            throw new EdgeSamException($"{s.Root} is not a DAVIS root: JPEGImages/{s.Resolution} or Annotations/{s.Resolution} is missing; pass the folder that holds them with --root");
        IReadOnlyList<string> names = s.Sequences.Count > 0
            ? s.Sequences
            : [.. Directory.GetDirectories(annDir).Select(Path.GetFileName).OfType<string>().Where(n => Directory.Exists(Path.Combine(imagesDir, n))).Order(StringComparer.Ordinal)];
        if (names.Count == 0) throw new EdgeSamException($"no annotated sequences under {annDir}; check --root and --resolution");
        foreach (string n in names)
            if (!Directory.Exists(Path.Combine(imagesDir, n)) || !Directory.Exists(Path.Combine(annDir, n)))
                throw new EdgeSamException($"sequence '{n}' is not under {s.Root} (needs JPEGImages/{s.Resolution}/{n} and Annotations/{s.Resolution}/{n}); check --sequences");
        // A window needs frames t and t+h: a horizon as long as every sequence would score nothing and print blanks.
        int longest = names.Max(n => Directory.GetFiles(Path.Combine(annDir, n), "*.png").Length);
        if (longest <= s.Horizon)
            throw new EdgeSamException($"--horizon {s.Horizon} leaves no window to score: the longest sequence has {longest} annotated frames; give a horizon below {longest} (e.g. --horizon 8)");

        string? csvPath = s.PointsCsvPath is null ? null : OutputPath(s.PointsCsvPath, "--points-csv");
        string? jsonPath = s.JsonPath is null ? null : OutputPath(s.JsonPath, "--json");
        StringBuilder? csv = csvPath is null ? null : new StringBuilder(PointsCsvHeader + "\n");
        string csvTracker = "", csvSequence = "";
        var bench = new TrackScore(s.Horizon)
        {
            ProbeSampling = true,
            PointSink = csv is null ? null : p => AppendCsv(csv, csvTracker, csvSequence, p),
        };
        var results = new List<(TrackerKind Kind, string Name, float Threshold, List<(string Seq, TrackScoreResult R)> PerSeq)>();
        foreach (TrackerKind kind in s.Trackers)
        {
            using IPointTracker tracker = TrackerFactory.Create(kind, s.TrackerOptions);
            var perSeq = new List<(string, TrackScoreResult)>();
            foreach (string name in names)
            {
                cancel.ThrowIfCancellationRequested();
                (csvTracker, csvSequence) = (tracker.Name, name);
                using var seq = new DavisFrames(Path.Combine(imagesDir, name), Path.Combine(annDir, name), s.Horizon + 1, cancel);
                TrackScoreResult r = bench.Run(tracker, seq.FrameCount, seq.Frame, seq.Mask, cancel);
                perSeq.Add((name, r));
                ctx.Console.MarkupLineInterpolated($"[grey]{tracker.Name,-12} {name,-20} inside {Fmt(r.Inside)}  visible {Fmt(r.VisibleShare)}  all inside {Fmt(r.AllInsideShare)}  {Fmt(r.MsPerFrame, "F1")} ms/frame[/]");
            }
            results.Add((kind, tracker.Name, tracker.VisibilityThreshold, perSeq));
        }

        var table = new Table().AddColumns("tracker", "sequences", "points", "inside", "visible", "all inside", "ms/frame");
        foreach (var (_, name, _, perSeq) in results)
        {
            TrackScoreResult t = TrackScoreResult.Sum(perSeq.Select(p => p.R));
            table.AddRow(name, perSeq.Count.ToString(CultureInfo.InvariantCulture), t.Points.ToString(CultureInfo.InvariantCulture), Fmt(t.Inside), Fmt(t.VisibleShare), Fmt(t.AllInsideShare), Fmt(t.MsPerFrame, "F1"));
        }
        ctx.Console.Write(table);
        TrackScoreResult all = TrackScoreResult.Sum(results.SelectMany(x => x.PerSeq.Select(p => p.R)));
        ctx.Console.WriteLine($"TrackScore@{s.Horizon}: inside = share of visible points inside the ground truth at t+{s.Horizon}; visible = share declared visible; all inside = share of all points inside, visible or not.");
        ctx.Console.WriteLine($"prompt sampling (8 K-Medoids positives + 72 mixed negatives): mean {Fmt(all.SamplingMsPerProbe, "F2")} ms, fastest {Fmt(all.SamplingMinMs, "F2")} ms over {all.SamplingProbes} calls");

        ctx.Console.WriteLine($"reference: a rigid translation by the ground-truth centroid's motion puts {Fmt(all.CentroidInsideShare)} of the query points inside at t+{s.Horizon} (no tracker).");

        if (jsonPath is not null) WriteJson(s, jsonPath, results.Select(x => (x.Name, x.Threshold, (IReadOnlyList<(string, TrackScoreResult)>)x.PerSeq)).ToList(), all);
        if (csvPath is not null) Media.AtomicFile.WriteAllText(csvPath, csv!.ToString());
        return 0;
    }

    /// <summary>Columns of <c>--points-csv</c>; mask_distance is empty beyond <see cref="TrackScore.MaxMaskDistance"/> px.</summary>
    internal const string PointsCsvHeader = "tracker,sequence,start_frame,point,query_x,query_y,x,y,visibility,visible,inside,mask_distance,centroid_dx,centroid_dy";

    private static void AppendCsv(StringBuilder sb, string tracker, string sequence, TrackScorePoint p)
    {
        static string F(float v) => float.IsFinite(v) ? v.ToString("0.###", CultureInfo.InvariantCulture) : "";
        sb.Append(tracker).Append(',').Append(sequence).Append(',')
          .Append(p.StartFrame.ToString(CultureInfo.InvariantCulture)).Append(',').Append(p.Index.ToString(CultureInfo.InvariantCulture)).Append(',')
          .Append(F(p.QueryX)).Append(',').Append(F(p.QueryY)).Append(',').Append(F(p.End.X)).Append(',').Append(F(p.End.Y)).Append(',')
          .Append(F(p.End.Visibility)).Append(',').Append(p.Visible ? '1' : '0').Append(',').Append(p.Inside ? '1' : '0').Append(',')
          .Append(F(p.MaskDistance)).Append(',').Append(F(p.CentroidDx)).Append(',').Append(F(p.CentroidDy)).Append('\n');
    }

    /// <summary>Full path of an output file whose folder must exist (checked before any tracking starts).</summary>
    private static string OutputPath(string path, string option)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null && !Directory.Exists(dir)) throw new EdgeSamException($"folder for {option} does not exist: {dir}; create it or choose another path");
        return full;
    }

    private static string Fmt(double v, string f = "F3") => double.IsNaN(v) ? "-" : v.ToString(f, CultureInfo.InvariantCulture);

    private static JsonObject Figures(TrackScoreResult r) => new()
    {
        ["inside"] = Num(r.Inside),
        ["visible"] = Num(r.VisibleShare),
        ["all_inside"] = Num(r.AllInsideShare),
        ["centroid_reference_inside"] = Num(r.CentroidInsideShare),
        ["ms_per_frame"] = Num(r.MsPerFrame),
        ["points"] = r.Points,
        ["visible_points"] = r.Visible,
        ["visible_inside_points"] = r.VisibleInside,
        ["windows"] = r.Windows,
    };

    private static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;

    private static void WriteJson(TrackBenchSettings s, string full, List<(string Name, float Threshold, IReadOnlyList<(string Seq, TrackScoreResult R)> PerSeq)> results, TrackScoreResult all)
    {
        JsonObject Tracker((string Name, float Threshold, IReadOnlyList<(string Seq, TrackScoreResult R)> PerSeq) t)
        {
            JsonObject o = Figures(TrackScoreResult.Sum(t.PerSeq.Select(p => p.R)));
            o["tracker"] = t.Name;
            o["visibility_threshold"] = t.Threshold;
            var seqs = new JsonObject();
            foreach (var (seq, r) in t.PerSeq) seqs[seq] = Figures(r);
            o["sequences"] = seqs;
            return o;
        }
        // Top level: the first tracker's figures (the common single-tracker case), plus every tracker by name.
        JsonObject doc = Tracker(results[0]);
        doc["benchmark"] = "trackscore";
        doc["horizon"] = s.Horizon;
        doc["points_per_window"] = TrackScore.PointsPerWindow;
        doc["sampling_ms_per_call"] = Num(all.SamplingMsPerProbe);
        doc["sampling_ms_fastest"] = Num(all.SamplingMinMs);
        var trackers = new JsonObject();
        foreach (var t in results) trackers[t.Name] = Tracker(t);
        doc["trackers"] = trackers;
        Media.AtomicFile.WriteAllText(full, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// A DAVIS sequence read in blocks: frames through <see cref="FrameSources"/>, ground truth through
    /// <see cref="PngCodec.ReadMask"/>. TrackScore asks for frames in increasing order within a window and windows
    /// share their boundary frame, so one cached block of h+1 frames serves every request.
    /// </summary>
    private sealed class DavisFrames : IDisposable
    {
        private readonly IFrameSource _source;
        private readonly string _annotations;
        private readonly int _block;
        private readonly CancellationToken _cancel;
        private int _start = -1;
        private List<RgbImage> _frames = [];

        public DavisFrames(string images, string annotations, int block, CancellationToken cancel)
        {
            _source = FrameSources.Open(images, cancel: cancel);
            _annotations = annotations;
            _block = block;
            _cancel = cancel;
        }

        public int FrameCount => _source.FrameCount;

        public RgbImage Frame(int i)
        {
            if (_start < 0 || i < _start || i >= _start + _frames.Count)
            {
                _start = i;
                _frames = [.. _source.Read(i, _block, _cancel)];
            }
            return _frames[i - _start];
        }

        public Mask Mask(int i)
        {
            string path = Path.Combine(_annotations, _source.FrameName(i) + ".png");
            if (!File.Exists(path)) throw new EdgeSamException($"ground truth missing: {path}; TrackScore needs a mask for every frame");
            Mask m = PngCodec.ReadMask(path);
            if (m.Width != _source.Width || m.Height != _source.Height)
                throw new EdgeSamException($"{path} is {m.Width}x{m.Height} but the frames are {_source.Width}x{_source.Height}; use annotations of the same resolution");
            return m;
        }

        public void Dispose() => _source.Dispose();
    }
}
