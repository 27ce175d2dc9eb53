using System.Diagnostics;
using System.Globalization;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Segmentation.EdgeSam;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.PipelineBench;

/// <summary>What one timed run of <see cref="ModelPipelineBench"/> measured.</summary>
internal sealed record BenchRun(string Kind, int Frames, TimeSpan Wall, PropagationStats? Stats, CpuSample Cpu, int Gen0, int Gen1, int Gen2,
    TimeSpan GcPause, long AllocatedBytes)
{
    public double FramesPerSecond => Frames / Math.Max(Wall.TotalSeconds, 1e-9);

    /// <summary>Encoder-only run: wall time of the encoder calls alone (frames read in between are not counted).</summary>
    public TimeSpan EncoderWall { get; init; }

    /// <summary>Encoder-only run: frames per second of the encoder alone.</summary>
    public double EncoderFramesPerSecond => Frames / Math.Max(EncoderWall.TotalSeconds, 1e-9);

    public double MsPerFrame(TimeSpan t) => t.TotalMilliseconds / Math.Max(Frames, 1);
}

/// <summary>
/// <c>bench pipeline --workload edgesam|graphcut</c>: the real pipeline of <c>segment</c> (the same
/// <see cref="PipelineFactory"/> settings, lk tracker, and <see cref="SegmentJob"/> writing palette PNG masks and the
/// H.264 overlay preview) over one clip, against each stage alone. Each repeat runs, in this order and on the same
/// frames and segmenter (same ONNX Runtime sessions and thread settings):
/// <list type="number">
/// <item>encoder only: every frame read and passed to the segmenter's <c>Embed</c> (preprocessing + encoder), nothing
/// else, with as many frames in the encoder at once as the job uses (<c>--encoder-workers</c>: frames are read in
/// batches, untimed, and each batch is embedded by that many threads); only the embedding is timed. Its rate is the
/// encoder-bound rate.</item>
/// <item>sequential: the whole job with <see cref="PipelineExecution.Sequential"/>: each stage's busy time is its cost
/// alone on the machine (the per-frame breakdown).</item>
/// <item>overlapped: the whole job as <c>segment</c> runs it; end-to-end frames/s = frames / the job's wall time
/// (preview start-up and flush included).</item>
/// </list>
/// Before the timed repeats, one encoder-only pass and one overlapped job run untimed over the clip's first 60 frames (warm-up).
/// The bound is the slowest stage alone: the encoder-only time, or a stage's busy time in the sequential run when
/// longer (the graph cut's processing stage: tracking + cuts run on one thread while its "encoder" only prepares the
/// colour graph). Ratio = end-to-end frames/s / bound frames/s, per repeat; medians and spreads over the repeats.
/// </summary>
internal static class ModelPipelineBench
{
    public static async Task<int> RunAsync(PipelineBenchSettings s, CliContext ctx, CancellationToken cancel)
    {
        if (s.Repeats < 1) throw new EdgeSamException($"bench pipeline: --repeats {s.Repeats}: give at least 1.");
        if ((s.Input is null) != (s.Mask is null))
            throw new EdgeSamException("bench pipeline: give --input and --mask together (a video or frame folder and its first frame's mask), or neither for a generated clip.");
        if ((s.Encoder is null) != (s.Decoder is null))
            throw new EdgeSamException("bench pipeline: give both --encoder and --decoder, or neither for the synthetic benchmark models.");
        string temp = Directory.CreateTempSubdirectory("edgesam-pipeline-bench-").FullName;
        try
        {
            (string input, string mask) = s.Input is null ? GenerateClip(temp, s, cancel) : (s.Input, s.Mask!);
            string? enc = s.Encoder, dec = s.Decoder;
            if (s.Workload == PipelineBenchWorkload.EdgeSam && enc is null)
                (enc, dec) = SyntheticEdgeSamModels.Write(Path.Combine(temp, "models"), SyntheticEdgeSamModels.EncoderSize.Benchmark);
            var settings = new PipelineSettings
            {
                Segmenter = s.Workload == PipelineBenchWorkload.EdgeSam ? SegmenterChoice.EdgeSam : SegmenterChoice.GraphCut,
                EncoderPath = enc,
                DecoderPath = dec,
                Tracker = "lk",
                EncoderThreads = s.EncoderThreads,
                EncoderWorkers = s.EncoderWorkers,
                DecoderThreads = s.DecoderThreads,
                OrtSpinning = s.OrtSpinning,
            };
            using VideoSegmenter overlapped = PipelineFactory.Create(settings, ctx);
            using var sequential = new VideoSegmenter(overlapped.Segmenter, overlapped.Tracker,
                overlapped.Options with { Execution = PipelineExecution.Sequential }, ownsComponents: false);

            int frameCount, width, height;
            using (IFrameSource probe = FrameSources.Open(input, cancel: cancel))
                (frameCount, width, height) = (probe.FrameCount, probe.Width, probe.Height);
            LabelMap prompt = SegmentCommand.ReadPromptMask(mask, width, height);
            string what = s.Workload == PipelineBenchWorkload.EdgeSam
                ? $"EdgeSAM-contract models {Path.GetFileName(enc)} + {Path.GetFileName(dec)}{(s.Encoder is null ? " (synthetic ~40 GFLOP encoder, not EdgeSAM)" : "")}"
                : "weights-free graph cut";
            ConsoleLines.Line(ctx, $"bench pipeline: {what}, tracker lk, {PipelineFactory.Describe(overlapped)}; {Path.GetFileName(input.TrimEnd('/'))}: {frameCount} frames {width}x{height}; " +
                $"consumer: palette PNG masks{(s.Preview ? " + H.264 preview" : "")}; {Environment.ProcessorCount} cores; {s.Repeats} repeat(s)" +
                (s.Workload == PipelineBenchWorkload.EdgeSam ? $"; encoder {EncoderThreadsText(overlapped)}" : ""));

            // Warm-up, untimed: the first pass of a fresh process is far slower than the steady state (2-core EPYC: encoder
            // alone 6.0 frames/s in the first repeat against 8.6 in the next two, with two warm-up runs of the encoder on
            // the first frame before it): JIT tiers, ONNX Runtime's arenas and thread pool, the page cache of the clip.
            // A median over repeats hides that but is skewed by it; one full pass of each kind first takes it out.
            // Its first WarmUpFrames frames are enough for that, so a long clip is not run twice over.
            string warmUp = frameCount > WarmUpFrames ? WritePrefix(input, WarmUpFrames, temp, cancel) : input;
            ConsoleLines.Line(ctx, $"bench pipeline: warm-up (untimed, not reported): one encoder-only pass and one overlapped job over the clip's first {Math.Min(frameCount, WarmUpFrames)} frames");
            MeasureEncoderOnly(overlapped.Segmenter, overlapped.Options.EncoderWorkers, warmUp, cancel);
            await MeasureJobAsync("warm-up", overlapped, warmUp, prompt, Path.Combine(temp, "out"), s, cancel);

            var runs = new List<(BenchRun Encoder, BenchRun Sequential, BenchRun Overlapped)>();
            for (int r = 0; r < s.Repeats; r++)
            {
                BenchRun e = MeasureEncoderOnly(overlapped.Segmenter, overlapped.Options.EncoderWorkers, input, cancel);
                BenchRun q = await MeasureJobAsync("sequential", sequential, input, prompt, Path.Combine(temp, "out"), s, cancel);
                BenchRun o = await MeasureJobAsync("overlapped", overlapped, input, prompt, Path.Combine(temp, "out"), s, cancel);
                runs.Add((e, q, o));
                (string stage, double boundFps) = Bound(e, q);
                ConsoleLines.Line(ctx, $"bench pipeline: repeat {r + 1}: encoder alone {e.EncoderFramesPerSecond:F2} frames/s, " +
                    $"sequential {q.FramesPerSecond:F2}, overlapped {o.FramesPerSecond:F2} frames/s end to end; bound ({stage} alone) {boundFps:F2} frames/s; " +
                    $"ratio {o.FramesPerSecond / boundFps:F3}; CPU per frame {Total(e):F1} ms encoder-only run, {Total(o):F1} ms overlapped");
            }
            Report(ctx, runs, s);
            return 0;
        }
        finally
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string EncoderThreadsText(VideoSegmenter model)
    {
        int threads = model.Segmenter is EdgeSamSegmenter e ? e.EncoderThreads : 0;
        string each = threads == 0 ? "ONNX Runtime's default threads (pinned to cores)" : $"{threads} ONNX Runtime thread(s), not pinned";
        int workers = model.Options.EncoderWorkers;
        return workers == 1 ? $"one frame at a time, {each}" : $"{workers} frames at once, each with {each}";
    }

    /// <summary>The slowest stage alone and its rate: the encoder-only run, or a stage of the sequential run.</summary>
    internal static (string Stage, double FramesPerSecond) Bound(BenchRun encoderOnly, BenchRun sequential)
    {
        var stages = new List<(string, TimeSpan)> { ("encoder", encoderOnly.EncoderWall) };
        PropagationStats q = sequential.Stats!;
        stages.Add(("decode", q.Decode));
        stages.Add(("process (track + decoder)", q.Process));
        stages.Add(("consumer (masks + preview)", q.Consumer));
        (string name, TimeSpan busy) = stages.MaxBy(x => x.Item2);
        int frames = name == "encoder" ? encoderOnly.Frames : sequential.Frames;
        return (name, frames / Math.Max(busy.TotalSeconds, 1e-9));
    }

    private static BenchRun MeasureEncoderOnly(IPromptSegmenter segmenter, int workers, string input, CancellationToken cancel)
    {
        var stats = new PropagationStats { EncoderWorkers = workers };
        Snapshot before = Snapshot.Take();
        var wall = Stopwatch.StartNew();
        long encoderTicks = 0;
        int n = 0;
        // Batches of a few frames per worker, so every worker stays busy but for the batch's last frames.
        var batch = new List<RgbImage>(4 * workers);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancel };
        void EmbedBatch()
        {
            long t0 = Stopwatch.GetTimestamp();
            Parallel.ForEach(batch, parallel, image =>
            {
                long t = Stopwatch.GetTimestamp();
                segmenter.Embed(image).Dispose();
                stats.AddEmbed(Stopwatch.GetTimestamp() - t);
            });
            encoderTicks += Stopwatch.GetTimestamp() - t0;
            n += batch.Count;
            batch.Clear();
        }
        using (IFrameSource frames = FrameSources.Open(input, cancel: cancel))
            foreach (RgbImage image in frames.Read(0, frames.FrameCount, cancel))
            {
                batch.Add(image);
                if (batch.Count == batch.Capacity) EmbedBatch();
            }
        if (batch.Count > 0) EmbedBatch();
        wall.Stop();
        return Snapshot.Since(before, "encoder only", n, wall.Elapsed, stats) with { EncoderWall = TimeSpan.FromSeconds(encoderTicks / (double)Stopwatch.Frequency) };
    }

    private static async Task<BenchRun> MeasureJobAsync(string kind, VideoSegmenter model, string input, LabelMap prompt, string outDir,
        PipelineBenchSettings s, CancellationToken cancel)
    {
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        Directory.CreateDirectory(outDir);
        Snapshot before = Snapshot.Take();
        var wall = Stopwatch.StartNew();
        SegmentJob job;
        using (IFrameSource frames = FrameSources.Open(input, cancel: cancel))
        using (VideoSession session = model.OpenSession(frames))
        {
            session.AddLabels(0, prompt);
            job = new SegmentJob
            {
                Session = session,
                PromptFrame = 0,
                MasksDir = Path.Combine(outDir, "masks"),
                PreviewPath = s.Preview ? Path.Combine(outDir, "preview.mp4") : null,
                PreviewOptions = s.PreviewOptions ?? SegmentJob.DefaultPreviewOptions,
                MaskPngOptions = s.MaskCompression is { } level ? new PngWriteOptions { Compression = level } : SegmentJob.DefaultMaskPngOptions,
            };
            await job.RunAsync(_ => { }, cancel);
        }
        wall.Stop();
        PropagationStats stats = job.Stats.Single();
        BenchRun run = Snapshot.Since(before, kind, stats.Frames, wall.Elapsed, stats);
        Directory.Delete(outDir, recursive: true);
        return run;
    }

    private static void Report(CliContext ctx, List<(BenchRun Encoder, BenchRun Sequential, BenchRun Overlapped)> runs, PipelineBenchSettings s)
    {
        static string Ms(IEnumerable<double> v) => Spread(v, "F1");
        var t = new Table().AddColumns("per frame (median, min-max over repeats)", "encoder only", "sequential (each stage alone)", "overlapped");
        string Col(Func<(BenchRun E, BenchRun Q, BenchRun O), BenchRun> pick, Func<BenchRun, double?> f)
        {
            var v = runs.Select(x => f(pick(x))).Where(x => x is not null).Select(x => x!.Value).ToList();
            return v.Count == 0 ? "-" : Ms(v);
        }
        void Add(string label, Func<BenchRun, double?> f, bool e = true, bool q = true, bool o = true) => t.AddRow(label,
            e ? Col(x => x.E, f) : "", q ? Col(x => x.Q, f) : "", o ? Col(x => x.O, f) : "");

        static double? Cpu(BenchRun r, TimeSpan t) => t > TimeSpan.Zero ? r.MsPerFrame(t) : null;
        Add("wall ms", r => 1000 / r.FramesPerSecond);
        Add("  decode (read frames): busy ms", r => r.MsPerFrame(r.Stats!.Decode), e: false);
        Add(runs[0].Encoder.Stats!.EncoderWorkers > 1 ? "  encoder (Embed: pre + model): busy ms, summed over workers" : "  encoder (Embed: pre + model): busy ms", r => r.MsPerFrame(r.Stats!.Embed));
        Add("  process stage: busy ms", r => r.MsPerFrame(r.Stats!.Process), e: false);
        Add("    tracker + point sampling ms", r => r.MsPerFrame(r.Stats!.Track), e: false);
        Add("    mask decoder (all passes) ms", r => r.MsPerFrame(r.Stats!.Segment), e: false);
        Add("  consumer (PNG masks + preview): busy ms", r => r.MsPerFrame(r.Stats!.Consumer), e: false);
        Add("CPU of the decode thread ms", r => Cpu(r, r.Stats!.DecodeCpu), e: false);
        Add("CPU of the thread calling the encoder ms", r => Cpu(r, r.Stats!.EmbedCpu), e: false);
        Add("CPU of the process stage's thread ms", r => Cpu(r, r.Stats!.ProcessCpu), e: false);
        Add("CPU of the consumer's thread ms", r => Cpu(r, r.Stats!.ConsumerCpu), e: false);
        Add("CPU of this process (all threads) ms", r => r.Cpu.Self is { } c ? r.MsPerFrame(c) : null);
        Add("CPU of ffmpeg children (read + preview) ms", r => r.Cpu.Children is { } c ? r.MsPerFrame(c) : null);
        Add("GC pause ms", r => r.MsPerFrame(r.GcPause));
        Add("allocated MB", r => r.AllocatedBytes / 1e6 / Math.Max(r.Frames, 1));
        // CollectionCount(0) counts every collection (a gen2 GC collects gen0 too).
        Add("GCs per 100 frames", r => 100.0 * r.Gen0 / Math.Max(r.Frames, 1));
        Add("  of which gen2 (full)", r => 100.0 * r.Gen2 / Math.Max(r.Frames, 1));
        ctx.Console.Write(t);

        var bounds = runs.Select(x => Bound(x.Encoder, x.Sequential)).ToList();
        var encFps = runs.Select(x => x.Encoder.EncoderFramesPerSecond).ToList();
        var e2e = runs.Select(x => x.Overlapped.FramesPerSecond).ToList();
        var ratios = runs.Select((x, i) => x.Overlapped.FramesPerSecond / bounds[i].FramesPerSecond).ToList();
        string boundStage = bounds.GroupBy(b => b.Stage).MaxBy(g => g.Count())!.Key;
        ConsoleLines.Line(ctx, $"bench pipeline: encoder-only {Spread(encFps, "F2")} frames/s; bound = {boundStage} alone {Spread(bounds.Select(b => b.FramesPerSecond), "F2")} frames/s; " +
            $"end to end {Spread(e2e, "F2")} frames/s");
        ConsoleLines.Line(ctx, $"bench pipeline: end-to-end / bound = {Spread(ratios, "F3")} (median, min-max over {runs.Count} repeat(s); goal >= 0.9); " +
            $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
        // Where the CPU goes: the encoder-only run's CPU (reading frames + Embed) against the overlapped run's (everything,
        // ffmpeg included). When the encoder alone keeps every core busy, as EdgeSAM's does on a small CPU, the share of
        // the work that is the encoder's is the ratio the machine allows at best; unlike wall times it hardly moves
        // when other programs load the machine.
        var cpu = runs.Where(x => !double.IsNaN(Total(x.Overlapped)) && !double.IsNaN(Total(x.Encoder)))
            .Select(x => (Encoder: Total(x.Encoder), Overlapped: Total(x.Overlapped))).ToList();
        if (cpu.Count > 0 && s.Workload == PipelineBenchWorkload.EdgeSam)
            ConsoleLines.Line(ctx, $"bench pipeline: CPU per frame: encoder-only run {Spread(cpu.Select(c => c.Encoder), "F1")} ms, overlapped run {Spread(cpu.Select(c => c.Overlapped), "F1")} ms " +
                $"(ffmpeg included); besides the encoder {Spread(cpu.Select(c => c.Overlapped - c.Encoder), "F1")} ms; encoder share of the CPU work {Spread(cpu.Select(c => c.Encoder / c.Overlapped), "F3")}");
        else if (cpu.Count > 0)
        {
            // A single-threaded bottleneck (the graph cut's processing stage) sets the pace as long as everything else
            // fits on the other cores: compare its thread's CPU with the whole run's CPU spread over the cores.
            ConsoleLines.Line(ctx, $"bench pipeline: CPU per frame: overlapped run {Spread(cpu.Select(c => c.Overlapped), "F1")} ms (ffmpeg included) = " +
                $"{Spread(cpu.Select(c => c.Overlapped / Environment.ProcessorCount), "F1")} ms per core; the process stage's thread " +
                $"{Spread(runs.Select(x => x.Overlapped.MsPerFrame(x.Overlapped.Stats!.ProcessCpu)), "F1")} ms");
        }
    }

    /// <summary>CPU ms per frame of the process and its ffmpeg children (NaN where not measurable).</summary>
    private static double Total(BenchRun r) =>
        r.Cpu.Self is { } self && r.Cpu.Children is { } children ? (self + children).TotalMilliseconds / Math.Max(r.Frames, 1) : double.NaN;

    internal static string Spread(IEnumerable<double> values, string format)
    {
        var v = values.OrderBy(x => x).ToList();
        if (v.Count == 0) return "-";
        double median = v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
        string m = median.ToString(format, CultureInfo.InvariantCulture);
        return v.Count == 1 ? m : $"{m} ({v[0].ToString(format, CultureInfo.InvariantCulture)}-{v[^1].ToString(format, CultureInfo.InvariantCulture)})";
    }

    /// <summary>Frames of the untimed warm-up pass.</summary>
    private const int WarmUpFrames = 60;

    /// <summary>The first <paramref name="frames"/> frames of <paramref name="input"/> as an H.264 video in
    /// <paramref name="temp"/> (read through ffmpeg, as the clip itself is).</summary>
    private static string WritePrefix(string input, int frames, string temp, CancellationToken cancel)
    {
        string video = Path.Combine(temp, "warm-up.mp4");
        using IFrameSource source = FrameSources.Open(input, cancel: cancel);
        using VideoWriter w = VideoWriter.Create(video, source.Width, source.Height, source.FrameRate, VideoCodec.H264, new VideoWriterOptions(H264Crf: 18), cancel);
        foreach (RgbImage f in source.Read(0, frames, cancel)) w.Write(f);
        w.Complete();
        return video;
    }

    /// <summary>Writes the generated clip as an H.264 video (so reading goes through ffmpeg, as for a user's video) and
    /// its first frame's mask.</summary>
    private static (string Input, string Mask) GenerateClip(string temp, PipelineBenchSettings s, CancellationToken cancel)
    {
        using var clip = new SyntheticClip(s.Width, s.Height, s.Frames);
        string video = Path.Combine(temp, "clip.mp4");
        using (VideoWriter w = VideoWriter.Create(video, clip.Width, clip.Height, clip.FrameRate, VideoCodec.H264, new VideoWriterOptions(H264Crf: 18), cancel))
        {
            foreach (RgbImage f in clip.Read(0, clip.FrameCount, cancel)) w.Write(f);
            w.Complete();
        }
        string mask = Path.Combine(temp, "mask0.png");
        PngCodec.WriteMask(mask, clip.TruthMask(0));
        return (video, mask);
    }

    private readonly record struct Snapshot(CpuSample Cpu, int Gen0, int Gen1, int Gen2, TimeSpan Pause, long Allocated)
    {
        /// <summary>Before a run: collect first, so the run does not pay for the previous run's garbage.</summary>
        public static Snapshot Take()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return Read();
        }

        private static Snapshot Read() => new(CpuSample.Now(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: true));

        /// <summary>After a run: what it used since <paramref name="before"/>.</summary>
        public static BenchRun Since(Snapshot before, string kind, int frames, TimeSpan wall, PropagationStats? stats)
        {
            Snapshot now = Read();
            return new BenchRun(kind, frames, wall, stats, now.Cpu - before.Cpu, now.Gen0 - before.Gen0, now.Gen1 - before.Gen1, now.Gen2 - before.Gen2,
                now.Pause - before.Pause, now.Allocated - before.Allocated);
        }
    }
}
