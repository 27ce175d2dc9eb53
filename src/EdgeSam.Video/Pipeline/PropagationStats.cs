using System.Diagnostics;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// Where a propagation's time went. Stages run concurrently, so busy times add up to more than the wall time when
/// they overlap; <see cref="EncoderBoundFramesPerSecond"/> is the rate the encoder alone would allow, the ceiling
/// for the end-to-end rate. Updated live (read it from the consumer while frames arrive).
/// </summary>
public sealed class PropagationStats
{
    private long _frames, _decodeTicks, _embedTicks, _processTicks, _trackTicks, _segmentTicks, _segmentCalls, _waitTicks;
    private long _decodeCpu, _embedCpu, _processCpu, _consumerCpu;
    private readonly Stopwatch _wall = new();

    /// <summary>Frames yielded so far.</summary>
    public int Frames => (int)Interlocked.Read(ref _frames);

    /// <summary>Wall time since the propagation started.</summary>
    public TimeSpan Wall => _wall.Elapsed;

    /// <summary>Time spent reading/decoding frames from the source.</summary>
    public TimeSpan Decode => Ticks(ref _decodeTicks);

    /// <summary>Time spent in <see cref="Segmentation.IPromptSegmenter.Embed"/> (the image encoder), summed over the
    /// <see cref="EncoderWorkers"/> that embed frames at once.</summary>
    public TimeSpan Embed => Ticks(ref _embedTicks);

    /// <summary>Frames the encoder stage embedded at once (<see cref="VideoSegmenterOptions.EncoderWorkers"/>): the
    /// stage's own wall time is <see cref="Embed"/> divided by it.</summary>
    public int EncoderWorkers { get; internal set; } = 1;

    /// <summary>Busy time of the processing stage: tracking, the mask decoder, re-initialisation, overlap resolution
    /// (includes <see cref="Track"/> and <see cref="Segment"/>).</summary>
    public TimeSpan Process => Ticks(ref _processTicks);

    /// <summary>Time spent in the point tracker and the query-point sampler.</summary>
    public TimeSpan Track => Ticks(ref _trackTicks);

    /// <summary>Time spent in the mask decoder (all objects, all refinement passes).</summary>
    public TimeSpan Segment => Ticks(ref _segmentTicks);

    /// <summary>Decoder prompts run (one per object per pass).</summary>
    public long SegmentCalls => Interlocked.Read(ref _segmentCalls);

    /// <summary>Time the consumer spent between frames (writing outputs), measured from the pipeline's side.</summary>
    public TimeSpan Consumer => Ticks(ref _waitTicks);

    /// <summary>CPU time of the reading stage's thread (where the platform reports thread CPU time; else zero).
    /// Unlike the busy times, CPU times do not grow when a stage waits for a core on a loaded machine.</summary>
    public TimeSpan DecodeCpu => Nanos(ref _decodeCpu);

    /// <summary>CPU time of the thread that called the encoder (ONNX Runtime's own pool threads not included).</summary>
    public TimeSpan EmbedCpu => Nanos(ref _embedCpu);

    /// <summary>CPU time of the processing stage's thread (tracking, decoder calls on that thread, re-initialisation).</summary>
    public TimeSpan ProcessCpu => Nanos(ref _processCpu);

    /// <summary>CPU time of the consumer's thread between frames (writing outputs).</summary>
    public TimeSpan ConsumerCpu => Nanos(ref _consumerCpu);

    /// <summary>End-to-end frames per second so far.</summary>
    public double FramesPerSecond => Frames / Math.Max(Wall.TotalSeconds, 1e-9);

    /// <summary>Frames per second the encoder alone would allow (frames / embed time per worker).</summary>
    public double EncoderBoundFramesPerSecond => Frames / Math.Max(Embed.TotalSeconds / EncoderWorkers, 1e-9);

    /// <summary>
    /// The stage with the most busy time (decode, encoder, process or consumer): the one that bounds the end-to-end rate.
    /// With EdgeSAM it is the encoder; with the weights-free graph cut it is the processing stage (tracking and the cuts),
    /// its encoder stage taking a few milliseconds.
    /// </summary>
    public (string Stage, double FramesPerSecond) Bottleneck
    {
        get
        {
            (string, TimeSpan)[] stages = [("decode", Decode), ("encoder", Embed / EncoderWorkers), ("process", Process), ("consumer", Consumer)];
            (string name, TimeSpan busy) = stages.MaxBy(st => st.Item2);
            return (name, Frames / Math.Max(busy.TotalSeconds, 1e-9));
        }
    }

    /// <summary>One line: the figures a benchmark report needs.</summary>
    public override string ToString()
    {
        (string stage, double bound) = Bottleneck;
        return $"{Frames} frames in {Wall.TotalSeconds:F2} s = {FramesPerSecond:F2} frames/s end to end; slowest stage {stage}: {bound:F2} frames/s alone " +
        $"(ratio {FramesPerSecond / Math.Max(bound, 1e-9):F3}); busy: decode {Decode.TotalSeconds:F2} s, embed {Embed.TotalSeconds:F2} s, " +
        $"process {Process.TotalSeconds:F2} s (track {Track.TotalSeconds:F2} s, decoder {Segment.TotalSeconds:F2} s ({SegmentCalls} calls)), consumer {Consumer.TotalSeconds:F2} s" +
        (ProcessCpu > TimeSpan.Zero
            ? $"; thread CPU: decode {DecodeCpu.TotalSeconds:F2} s, encoder caller {EmbedCpu.TotalSeconds:F2} s, process {ProcessCpu.TotalSeconds:F2} s, consumer {ConsumerCpu.TotalSeconds:F2} s"
            : "");
    }

    internal void Start() => _wall.Start();
    internal void Stop() => _wall.Stop();
    internal void AddFrame() => Interlocked.Increment(ref _frames);
    internal void AddDecode(long ticks) => Interlocked.Add(ref _decodeTicks, ticks);
    internal void AddEmbed(long ticks) => Interlocked.Add(ref _embedTicks, ticks);
    internal void AddProcess(long ticks) => Interlocked.Add(ref _processTicks, ticks);
    internal void AddDecodeCpu(long nanos) { if (nanos > 0) Interlocked.Add(ref _decodeCpu, nanos); }
    internal void AddEmbedCpu(long nanos) { if (nanos > 0) Interlocked.Add(ref _embedCpu, nanos); }
    internal void AddProcessCpu(long nanos) { if (nanos > 0) Interlocked.Add(ref _processCpu, nanos); }
    internal void AddConsumerCpu(long nanos) { if (nanos > 0) Interlocked.Add(ref _consumerCpu, nanos); }
    internal void AddTrack(long ticks) => Interlocked.Add(ref _trackTicks, ticks);
    internal void AddSegment(long ticks, int calls)
    {
        Interlocked.Add(ref _segmentTicks, ticks);
        Interlocked.Add(ref _segmentCalls, calls);
    }
    internal void AddConsumer(long ticks) => Interlocked.Add(ref _waitTicks, ticks);

    private static TimeSpan Nanos(ref long t) => TimeSpan.FromTicks(Interlocked.Read(ref t) / 100);

    private static TimeSpan Ticks(ref long t) => TimeSpan.FromSeconds(Interlocked.Read(ref t) / (double)Stopwatch.Frequency);
}
