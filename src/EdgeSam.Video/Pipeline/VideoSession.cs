using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// All state of one video (SAM 2's <c>inference_state</c>): the objects, their prompts by frame, and where the last
/// propagation left them. Create it with <see cref="VideoSegmenter.OpenSession"/>.
/// <para>
/// Prompts: <see cref="AddMask"/>, <see cref="AddPoints"/>, <see cref="AddBox"/> on any frame; each prompt is reduced to
/// a mask on that frame, and a propagation that reaches the frame (re)seeds the object there: query points are
/// sampled from the mask (K-Medoids positives, background negatives), then tracked frame by frame and handed to the
/// segmenter. Object ids are the caller's (1..254, the label-map range) and stay stable in every result.
/// </para>
/// <para>
/// <see cref="Propagate"/> walks frames forward or backward from a start frame. An object takes part from the first
/// frame of the walk that holds a prompt for it (before that its status is <see cref="ObjectStatus.NotStarted"/>), or
/// from the walk's first frame when an earlier propagation (either direction) left it a state on the frame just
/// before it in the walk's direction: it goes on from there with those points and that mask. So after a correction on
/// frame k, <c>Propagate(k)</c> re-seeds the corrected object from its new prompt while the others go on from where
/// the last propagation left them on frame k - 1 (SAM 2 likewise reuses the other objects' stored outputs). A new
/// prompt for an object forgets that object's remembered states, which no longer follow from its prompts.
/// Overlaps are resolved per pixel: the higher segmenter score wins, a prompted mask always wins, ties go to the
/// lower id.
/// </para>
/// <para>
/// Memory: per object and walked frame the session keeps its points and its mask as run lengths (a few KB at 480p).
/// </para>
/// Not thread-safe; prompts cannot change while a propagation runs.
/// </summary>
public sealed class VideoSession : IDisposable
{
    private readonly VideoSegmenter _model;
    private readonly IFrameSource _frames;
    private readonly bool _ownsFrames;
    private readonly SortedDictionary<int, ObjectState> _objects = new();
    /// <summary>Per frame, where each object stood when a propagation last emitted that frame (latest walk wins).</summary>
    private readonly Dictionary<int, Dictionary<int, StoredState>> _history = new();

    private sealed record StoredState(PromptPoint[] Points, RunLengthMask Mask, int SeedArea);
    private bool _propagating;
    private bool _disposed;

    internal VideoSession(VideoSegmenter model, IFrameSource frames, bool ownsFrames)
    {
        _model = model;
        _frames = frames;
        _ownsFrames = ownsFrames;
        SamplerSeed = model.Options.Seed;
    }

    /// <summary>Seed of the query-point sampling for the propagations that follow (starts as the model's
    /// <see cref="VideoSegmenterOptions.Seed"/>). Walking the same prompts again under another seed gives another
    /// hypothesis of the same video (a restart): the sampler's choices are what differs between such runs.</summary>
    public int SamplerSeed { get; set; }

    public IFrameSource Frames => _frames;
    public int FrameCount => _frames.FrameCount;
    public int Width => _frames.Width;
    public int Height => _frames.Height;

    /// <summary>Object ids with at least one prompt, ascending.</summary>
    public IReadOnlyList<int> ObjectIds => _objects.Keys.ToArray();

    /// <summary>Frames holding a prompt for <paramref name="objectId"/>, ascending (empty for an unknown id).</summary>
    public IReadOnlyList<int> PromptFrames(int objectId) =>
        _objects.TryGetValue(objectId, out ObjectState? o) ? o.Prompts.Keys.ToArray() : [];

    /// <summary>Statistics of the latest propagation (live while it runs).</summary>
    public PropagationStats? LastStats { get; private set; }

    /// <summary>Prompts object <paramref name="objectId"/> with its mask on <paramref name="frame"/> (SAM 2's
    /// <c>add_new_mask</c>); replaces any earlier prompt of the object on that frame. An empty mask says the object is
    /// absent from that frame on (its tracking stops there).</summary>
    public void AddMask(int frame, int objectId, Mask mask) => RestorePrompt(frame, objectId, mask, null, null);

    /// <summary>Prompts every object of <paramref name="labels"/> (ids 1..254; 0 and 255 are background/void) with
    /// its mask on <paramref name="frame"/>. Returns the ids added.</summary>
    public IReadOnlyList<int> AddLabels(int frame, LabelMap labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        IReadOnlyList<int> ids = labels.ObjectIds();
        foreach (int id in ids) AddMask(frame, id, labels.MaskOf(id));
        return ids;
    }

    /// <summary>
    /// Prompts object <paramref name="objectId"/> with clicks (and optionally a box) on <paramref name="frame"/>
    /// (SAM 2's <c>add_new_points_or_box</c>): segments that frame now, with the same refinement passes as
    /// propagation, and returns the mask, which becomes the object's prompt on that frame. With
    /// <paramref name="clearOld"/> false the clicks are added to the frame's earlier clicks.
    /// </summary>
    /// <remarks><paramref name="prior"/> (the object's current mask on that frame, frame-sized) goes to the first decode as
    /// <see cref="SegmentationPrompt.Prior"/>: a correction refines what the object looks like now instead of starting
    /// over (the graph cut seeds its colour models and a soft unary from it; EdgeSAM has no mask input and ignores it).</remarks>
    /// <remarks><paramref name="context"/>: further points that join the decode but not the prompt's stored clicks (a
    /// correction's query points sampled from the current mask, as propagation would give that frame).</remarks>
    public Mask AddPoints(int frame, int objectId, IReadOnlyList<PromptPoint> points, BoxF? box = null, bool clearOld = true, CancellationToken cancel = default,
        Mask? prior = null, IReadOnlyList<PromptPoint>? context = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        CheckMutable();
        CheckFrame(frame);
        CheckId(objectId);
        foreach (PromptPoint p in points)
        {
            if (p.Label is not (PointLabel.Positive or PointLabel.Negative))
                throw new ArgumentException($"Point ({p.X}, {p.Y}) has label {p.Label}; clicks are Positive or Negative (give boxes as the box argument).", nameof(points));
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y) || p.X < 0 || p.Y < 0 || p.X > Width - 1 || p.Y > Height - 1)
                throw new ArgumentException($"Point ({p.X}, {p.Y}) lies outside the {Width}x{Height} frame.", nameof(points));
        }
        if (box is { } b && (!(b.X1 >= b.X0 && b.Y1 >= b.Y0) || b.X0 < 0 || b.Y0 < 0 || b.X1 > Width - 1 || b.Y1 > Height - 1))
            throw new ArgumentException($"Box ({b.X0}, {b.Y0})-({b.X1}, {b.Y1}) is empty or leaves the {Width}x{Height} frame.", nameof(box));

        var all = new List<PromptPoint>();
        BoxF? useBox = box;
        if (!clearOld && _objects.TryGetValue(objectId, out ObjectState? existing) && existing.Prompts.TryGetValue(frame, out FramePrompt? old) && old.Points is not null)
        {
            all.AddRange(old.Points);
            useBox ??= old.Box;
        }
        all.AddRange(points);
        if (all.Count == 0 && useBox is null)
            throw new ArgumentException("Give at least one point or a box.", nameof(points));

        RgbImage image = ReadFrame(frame, cancel);
        using IFrameEmbedding embedding = _model.Segmenter.Embed(image);
        if (prior is not null && (prior.Width != Width || prior.Height != Height))
            throw new ArgumentException($"The prior mask is {prior.Width}x{prior.Height}, the video is {Width}x{Height}.", nameof(prior));
        List<PromptPoint> decoded = context is null ? all : [.. all, .. context];
        var (mask, _) = PromptRefiner.Run(embedding, [new PromptRefiner.Request(decoded, useBox, prior is { IsEmpty: false } ? prior : null)], _model.Options.RefinementPasses, null)[0];
        GetOrAdd(objectId).Prompts[frame] = new FramePrompt { Mask = mask, Points = all, Box = useBox };
        Forget(objectId);
        return mask.Clone();
    }

    /// <summary>
    /// Puts back a prompt saved earlier (<see cref="Prompt"/>): its mask as the object's seed on <paramref name="frame"/>,
    /// and its clicks and box so later corrections on that frame add to them. Nothing is segmented: a stored session
    /// reopens in the time it takes to read it.
    /// </summary>
    public void RestorePrompt(int frame, int objectId, Mask mask, IReadOnlyList<PromptPoint>? points, BoxF? box)
    {
        ArgumentNullException.ThrowIfNull(mask);
        CheckMutable();
        CheckFrame(frame);
        CheckId(objectId);
        if (mask.Width != Width || mask.Height != Height)
            throw new ArgumentException($"The mask is {mask.Width}x{mask.Height}, the video is {Width}x{Height}.", nameof(mask));
        GetOrAdd(objectId).Prompts[frame] = new FramePrompt { Mask = mask.Clone(), Points = points?.ToList(), Box = box };
        Forget(objectId);
    }

    /// <summary>Object <paramref name="objectId"/>'s prompt on <paramref name="frame"/> (its seed mask, and the clicks and
    /// box that made it, null for a mask prompt), or null when that frame holds none for it.</summary>
    public (Mask Mask, IReadOnlyList<PromptPoint>? Points, BoxF? Box)? Prompt(int frame, int objectId) =>
        _objects.TryGetValue(objectId, out ObjectState? o) && o.Prompts.TryGetValue(frame, out FramePrompt? p)
            ? (p.Mask.Clone(), p.Points?.ToArray(), p.Box)
            : null;

    /// <summary>Frame <paramref name="frame"/> of the video, or one line saying it could not be read.</summary>
    internal RgbImage ReadFrame(int frame, CancellationToken cancel = default) =>
        _frames.Read(frame, 1, cancel).FirstOrDefault()
            ?? throw new EdgeSamException($"Frame {frame} could not be read from the video (it reports {FrameCount} frames).");

    /// <summary>The query points a propagation seeded from <paramref name="mask"/> on <paramref name="frame"/> would start
    /// with (the model's sampler, the session's <see cref="SamplerSeed"/>): positives first, then negatives.</summary>
    public IReadOnlyList<PromptPoint> SampleQueryPoints(int frame, int objectId, Mask mask, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(mask);
        CheckFrame(frame);
        if (mask.IsEmpty) return [];
        RgbImage image = ReadFrame(frame, cancel);
        VideoSegmenterOptions o = _model.Options;
        // The same seed mix as a propagation's seeding, so a correction's points are reproducible.
        int seed = unchecked(SamplerSeed * 1_000_003 + frame * 7_919 + objectId * 104_729);
        IReadOnlyList<PromptPoint> got = o.EffectiveSampler(mask, image, o.PositivePoints, o.NegativePoints, seed);
        return [.. got.Where(p => p.Label == PointLabel.Positive), .. got.Where(p => p.Label == PointLabel.Negative)];
    }

    /// <summary>
    /// The frames a new prompt of <paramref name="objectId"/> on <paramref name="frame"/> changes: from just after the
    /// object's previous prompted frame (or the video's start) to just before its next one (or the end), both walks
    /// starting at <paramref name="frame"/>. The neighbouring prompts re-seed the object, so nothing beyond them follows
    /// from this one.
    /// </summary>
    public (int First, int Last) AffectedRange(int objectId, int frame)
    {
        CheckFrame(frame);
        int first = 0, last = FrameCount - 1;
        if (_objects.TryGetValue(objectId, out ObjectState? o))
            foreach (int f in o.Prompts.Keys)
            {
                if (f < frame) first = Math.Max(first, f + 1);
                else if (f > frame) last = Math.Min(last, f - 1);
            }
        return (first, last);
    }

    /// <summary>Prompts object <paramref name="objectId"/> with a box on <paramref name="frame"/>; see <see cref="AddPoints"/>.</summary>
    public Mask AddBox(int frame, int objectId, BoxF box, CancellationToken cancel = default) =>
        AddPoints(frame, objectId, [], box, clearOld: true, cancel);

    /// <summary>Forgets the object and all its prompts (SAM 2's <c>remove_object</c>). False when there was none.</summary>
    public bool RemoveObject(int objectId)
    {
        CheckMutable();
        Forget(objectId);
        return _objects.Remove(objectId);
    }

    /// <summary>Forgets every object and prompt (SAM 2's <c>reset_state</c>).</summary>
    public void Reset()
    {
        CheckMutable();
        _objects.Clear();
        _history.Clear();
    }

    /// <summary>
    /// A new session over the same frames (not owned by it) with this session's objects, prompts and
    /// <see cref="SamplerSeed"/>, but none of its remembered walks, driven by <paramref name="model"/>. Given a model of its
    /// own (its own segmenter and tracker, as both keep per-frame state), the fork can propagate while this session
    /// does: restarts under other seeds run side by side. The frame source is then read from two threads at once,
    /// which the library's sources allow (each read is its own stream).
    /// </summary>
    public VideoSession Fork(VideoSegmenter model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckMutable();
        var fork = new VideoSession(model, _frames, ownsFrames: false) { SamplerSeed = SamplerSeed };
        foreach (var (id, o) in _objects)
        {
            ObjectState copy = fork.GetOrAdd(id);
            foreach (var (frame, prompt) in o.Prompts)
                copy.Prompts[frame] = new FramePrompt { Mask = prompt.Mask.Clone(), Points = prompt.Points?.ToList(), Box = prompt.Box };
        }
        return fork;
    }

    private void Forget(int objectId)
    {
        foreach (Dictionary<int, StoredState> states in _history.Values) states.Remove(objectId);
    }

    /// <summary>Called by the run on its processing thread; the session reads the history only between propagations.</summary>
    /// <summary>A walk of some objects only (<see cref="Propagate"/>'s <c>objectIds</c>) replaces their states and keeps
    /// the others'.</summary>
    private void Record(int frame, IReadOnlyDictionary<int, ObjectContinuation> states)
    {
        lock (_history)
        {
            if (!_history.TryGetValue(frame, out Dictionary<int, StoredState>? stored)) _history[frame] = stored = new(states.Count);
            else if (_walkObjects is null) stored.Clear();
            foreach (var (id, st) in states) stored[id] = new StoredState(st.Points, RunLengthMask.From(st.LastMask), st.SeedArea);
        }
    }

    /// <summary>The objects the running walk is limited to, null for all.</summary>
    private HashSet<int>? _walkObjects;

    /// <summary>A continuation from the remembered states on <paramref name="frame"/> for the objects without a prompt on
    /// <paramref name="start"/> (those are seeded there anyway); null when there is none.</summary>
    private Continuation? FromHistory(int frame, int start, PropagationDirection direction, HashSet<int>? only, CancellationToken cancel)
    {
        if (frame < 0 || frame >= FrameCount || !_history.TryGetValue(frame, out Dictionary<int, StoredState>? states)) return null;
        var objects = new Dictionary<int, ObjectContinuation>();
        foreach (var (id, st) in states)
            if ((only is null || only.Contains(id)) && _objects.TryGetValue(id, out ObjectState? o) && !o.Prompts.ContainsKey(start))
                objects[id] = new ObjectContinuation(st.Points, st.Mask.ToMask(), st.SeedArea);
        if (objects.Count == 0) return null;
        RgbImage image = ReadFrame(frame, cancel);
        return new Continuation { Direction = direction, LastFrame = frame, Image = image, Objects = objects };
    }

    /// <summary>
    /// The stages of <see cref="PipelineExecution.Sequential"/> one after another on the caller's thread: per frame,
    /// decode, embed and process, then the results that became final (none while a backward block is buffered); last,
    /// what <see cref="PropagationRun.Finish"/> releases. The yielded list is reused: consume it before moving on.
    /// </summary>
    private IEnumerable<List<FrameResult>> SequentialBatches(PropagationRun run, int start, int count, bool forward,
        PropagationStats stats, CancellationToken cancel)
    {
        var ready = new List<FrameResult>();
        foreach (var (frame, image) in WalkFrames(start, count, forward, _model.Options.BackwardBlockSize, stats, cancel))
        {
            long t0 = Stopwatch.GetTimestamp();
            var c0 = ThreadCpuClock.Mark.Now();
            IFrameEmbedding embedding = _model.Segmenter.Embed(image);
            stats.AddEmbedCpu(c0.Elapsed());
            long t1 = Stopwatch.GetTimestamp();
            stats.AddEmbed(t1 - t0);
            var c1 = ThreadCpuClock.Mark.Now();
            run.Process(frame, image, embedding, ready);
            stats.AddProcessCpu(c1.Elapsed());
            stats.AddProcess(Stopwatch.GetTimestamp() - t1);
            yield return ready;
            ready.Clear();
        }
        long t3 = Stopwatch.GetTimestamp();
        var c3 = ThreadCpuClock.Mark.Now();
        run.Finish(ready);
        stats.AddProcessCpu(c3.Elapsed());
        stats.AddProcess(Stopwatch.GetTimestamp() - t3);
        yield return ready;
    }

    /// <summary>
    /// Segments every object frame by frame from <paramref name="from"/> (default: forward, the first prompted frame;
    /// backward, the last) for at most <paramref name="maxFrames"/> frames (default: to the end of the video in that
    /// direction), yielding each frame's result in order as soon as it is final (SAM 2's <c>propagate_in_video</c>).
    /// Decoding, the image encoder, tracking+decoding and the consumer run concurrently through bounded channels, so
    /// writing outputs in the <c>await foreach</c> body overlaps with the next frames' work; memory stays flat in
    /// the video's length. Breaking out of the loop stops the pipeline.
    /// </summary>
    /// <param name="from">First frame of the walk.</param>
    /// <param name="direction">Forward (increasing index) or backward.</param>
    /// <param name="maxFrames">Most frames to walk, <paramref name="from"/> included.</param>
    /// <param name="stats">Optional live statistics object (also available as <see cref="LastStats"/>).</param>
    /// <param name="cancel">Stops the pipeline; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <param name="objectIds">Walk only these objects (a correction re-propagating one object); the results then hold
    /// only them, their overlaps resolved among themselves, and the other objects' remembered states stay as they
    /// were. Null: every object.</param>
    public async IAsyncEnumerable<FrameResult> Propagate(int? from = null, PropagationDirection direction = PropagationDirection.Forward,
        int? maxFrames = null, PropagationStats? stats = null, [EnumeratorCancellation] CancellationToken cancel = default,
        IReadOnlyCollection<int>? objectIds = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckMutable();
        if (_objects.Count == 0)
            throw new InvalidOperationException("No object has a prompt: call AddMask, AddPoints or AddBox first.");
        if (objectIds is not null)
        {
            if (objectIds.Count == 0) throw new ArgumentException("Give at least one object id, or null for all.", nameof(objectIds));
            foreach (int id in objectIds)
                if (!_objects.ContainsKey(id))
                    throw new ArgumentException($"Object {id} has no prompt in this session (objects: {string.Join(",", _objects.Keys)}).", nameof(objectIds));
        }
        List<ObjectState> walked = objectIds is null ? _objects.Values.ToList() : _objects.Values.Where(o => objectIds.Contains(o.Id)).ToList();
        bool forward = direction == PropagationDirection.Forward;
        int start = from ?? (forward ? walked.Min(o => o.Prompts.Keys.First()) : walked.Max(o => o.Prompts.Keys.Last()));
        CheckFrame(start);
        if (maxFrames is < 1) throw new ArgumentOutOfRangeException(nameof(maxFrames), maxFrames, "Must be >= 1.");
        int available = forward ? FrameCount - start : start + 1;
        int count = Math.Min(maxFrames ?? int.MaxValue, available);

        VideoSegmenterOptions options = _model.Options.Seed == SamplerSeed ? _model.Options : _model.Options with { Seed = SamplerSeed };
        stats ??= new PropagationStats();
        LastStats = stats;
        HashSet<int>? only = objectIds is null ? null : [.. objectIds];
        Continuation? continuation = FromHistory(forward ? start - 1 : start + 1, start, direction, only, cancel);

        foreach (ObjectState o in walked)
        {
            // Walks from corrections take their references from the object's mask prompt; build them when no walk
            // here has seeded from it yet (a session restored from disk).
            if (o.Anchor is not null || !o.Prompts.Values.Any(p => p.Points is not null)) continue;
            var masks = o.Prompts.Where(kv => kv.Value.Points is null && !kv.Value.Mask.IsEmpty).ToList();
            if (masks.Count == 0) continue;
            var (frame, prompt) = masks.MinBy(kv => Math.Abs(kv.Key - start));
            RgbImage image = ReadFrame(frame, cancel);
            o.Anchor = PropagationRun.MakeAnchor(options, image, prompt.Mask);
        }

        _propagating = true;
        _walkObjects = only;
        var run = new PropagationRun(options, _model.Tracker, walked, continuation, Width, Height, _frames.FrameName, stats, Record);
        if (options.Execution == PipelineExecution.Sequential)
        {
            stats.Start();
            try
            {
                foreach (List<FrameResult> batch in SequentialBatches(run, start, count, forward, stats, cancel))
                {
                    foreach (FrameResult r in batch)
                    {
                        long t2 = Stopwatch.GetTimestamp();
                        var c2 = ThreadCpuClock.Mark.Now();
                        yield return r;
                        stats.AddConsumerCpu(c2.Elapsed());
                        stats.AddConsumer(Stopwatch.GetTimestamp() - t2);
                        cancel.ThrowIfCancellationRequested();
                    }
                }
            }
            finally
            {
                run.Dispose();
                stats.Stop();
                _propagating = false;
                _walkObjects = null;
            }
            yield break;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var failure = new FailureBox();
        var decoded = Bounded<(int Frame, RgbImage Image)>(options.PipelineDepth);
        var embedded = Bounded<(int Frame, RgbImage Image, IFrameEmbedding Embedding)>(options.PipelineDepth);
        var output = Bounded<FrameResult>(options.PipelineDepth);
        stats.EncoderWorkers = options.EncoderWorkers;
        stats.Start();
        Task[] stages =
        [
            Task.Run(() => ReadStage(start, count, forward, options.BackwardBlockSize, decoded.Writer, stats, failure, cts), CancellationToken.None),
            Task.Run(() => EmbedStage(decoded.Reader, embedded.Writer, stats, failure, cts), CancellationToken.None),
            Task.Run(() => ProcessStage(run, embedded.Reader, output.Writer, stats, failure, cts), CancellationToken.None),
        ];
        try
        {
            while (true)
            {
                (bool ok, FrameResult? item) = await TryReadAsync(output.Reader, cts.Token);
                if (!ok) break;
                long t0 = Stopwatch.GetTimestamp();
                var c0 = ThreadCpuClock.Mark.Now();
                yield return item!;
                stats.AddConsumerCpu(c0.Elapsed());
                stats.AddConsumer(Stopwatch.GetTimestamp() - t0);
            }
        }
        finally
        {
            cts.Cancel();
            try { await Task.WhenAll(stages); } catch { /* each stage reports through the failure box */ }
            while (embedded.Reader.TryRead(out var left)) left.Embedding.Dispose();
            run.Dispose();
            stats.Stop();
            _propagating = false;
            _walkObjects = null;
        }
        if (failure.Error is { } error) ExceptionDispatchInfo.Throw(error);
        cancel.ThrowIfCancellationRequested();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsFrames) _frames.Dispose();
    }

    private sealed class FailureBox
    {
        private Exception? _error;
        public Exception? Error => Volatile.Read(ref _error);
        public void Set(Exception e) => Interlocked.CompareExchange(ref _error, e, null);
    }

    private static Channel<T> Bounded<T>(int depth) => Channel.CreateBounded<T>(new BoundedChannelOptions(depth)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private static async Task<(bool, T?)> TryReadAsync<T>(ChannelReader<T> reader, CancellationToken token)
    {
        try
        {
            while (await reader.WaitToReadAsync(token))
                if (reader.TryRead(out T? item)) return (true, item);
        }
        catch (OperationCanceledException) { }
        catch (ChannelClosedException) { }
        return (false, default);
    }

    /// <summary>Records a stage's own failure (not the cancellation that another stage's failure caused) and stops the others.</summary>
    private static void Fail(Exception e, FailureBox failure, CancellationTokenSource cts)
    {
        if (e is OperationCanceledException && cts.IsCancellationRequested) return;
        if (e is ChannelClosedException) return;
        failure.Set(e);
        cts.Cancel();
    }

    private async Task ReadStage(int start, int count, bool forward, int block, ChannelWriter<(int, RgbImage)> writer,
        PropagationStats stats, FailureBox failure, CancellationTokenSource cts)
    {
        CancellationToken token = cts.Token;
        try
        {
            foreach (var item in WalkFrames(start, count, forward, block, stats, token))
                await writer.WriteAsync(item, token);
        }
        catch (Exception e) { Fail(e, failure, cts); }
        finally { writer.TryComplete(); }
    }

    /// <summary>The frames of a walk in walk order, decode time recorded in <paramref name="stats"/>.</summary>
    private IEnumerable<(int Frame, RgbImage Image)> WalkFrames(int start, int count, bool forward, int block,
        PropagationStats stats, CancellationToken token)
    {
        if (forward)
        {
            int frame = start;
            using IEnumerator<RgbImage> e = _frames.Read(start, count, token).GetEnumerator();
            while (true)
            {
                long t0 = Stopwatch.GetTimestamp();
                var c0 = ThreadCpuClock.Mark.Now();
                bool more = e.MoveNext();
                stats.AddDecodeCpu(c0.Elapsed());
                stats.AddDecode(Stopwatch.GetTimestamp() - t0);
                if (!more) yield break;
                yield return (frame++, e.Current);
            }
        }
        // Streams backwards without holding the video: read a block forward, hand it over in reverse.
        int low = start - count + 1;
        for (int end = start; end >= low; end -= block)
        {
            int first = Math.Max(low, end - block + 1);
            long t0 = Stopwatch.GetTimestamp();
            var c0 = ThreadCpuClock.Mark.Now();
            List<RgbImage> frames = _frames.Read(first, end - first + 1, token).ToList();
            stats.AddDecodeCpu(c0.Elapsed());
            stats.AddDecode(Stopwatch.GetTimestamp() - t0);
            if (frames.Count != end - first + 1)
                throw new EdgeSamException($"Frames {first}..{end} could not all be read from the video ({frames.Count} came back); it may be truncated.");
            for (int k = frames.Count - 1; k >= 0; k--)
                yield return (first + k, frames[k]);
        }
    }

    private async Task EmbedStage(ChannelReader<(int Frame, RgbImage Image)> reader, ChannelWriter<(int, RgbImage, IFrameEmbedding)> writer,
        PropagationStats stats, FailureBox failure, CancellationTokenSource cts)
    {
        CancellationToken token = cts.Token;
        int workers = _model.Options.EncoderWorkers;
        // Up to `workers` frames are in the encoder at once; they are handed on oldest first, so the order stays the walk's.
        var inFlight = new Queue<(int Frame, RgbImage Image, Task<IFrameEmbedding> Embedding)>(workers);
        try
        {
            await foreach (var (frame, image) in reader.ReadAllAsync(token))
            {
                // Each extra frame gets a thread of its own (LongRunning): an encoder run blocks for a frame's time, and on
                // the shared thread pool it would hold a thread the other stages' continuations need.
                inFlight.Enqueue((frame, image, workers == 1
                    ? Task.FromResult(EmbedTimed(image))
                    : Task.Factory.StartNew(() => EmbedTimed(image), token, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
                if (inFlight.Count == workers) await HandOnOldest();
            }
            while (inFlight.Count > 0) await HandOnOldest();
        }
        catch (Exception e) { Fail(e, failure, cts); }
        finally
        {
            // A failed or cancelled walk still waits for the encoder runs it started (the segmenter may be disposed
            // next) and returns their buffers.
            while (inFlight.Count > 0)
            {
                try { (await inFlight.Dequeue().Embedding).Dispose(); }
                catch (Exception e) { Fail(e, failure, cts); }
            }
            writer.TryComplete();
        }

        async Task HandOnOldest()
        {
            var (frame, image, pending) = inFlight.Peek();
            IFrameEmbedding embedding = await pending;
            inFlight.Dequeue();
            try { await writer.WriteAsync((frame, image, embedding), token); }
            catch { embedding.Dispose(); throw; }
        }

        IFrameEmbedding EmbedTimed(RgbImage image)
        {
            long t0 = Stopwatch.GetTimestamp();
            var c0 = ThreadCpuClock.Mark.Now();
            IFrameEmbedding embedding = _model.Segmenter.Embed(image);
            stats.AddEmbedCpu(c0.Elapsed());
            stats.AddEmbed(Stopwatch.GetTimestamp() - t0);
            return embedding;
        }
    }

    private static async Task ProcessStage(PropagationRun run, ChannelReader<(int Frame, RgbImage Image, IFrameEmbedding Embedding)> reader,
        ChannelWriter<FrameResult> writer, PropagationStats stats, FailureBox failure, CancellationTokenSource cts)
    {
        CancellationToken token = cts.Token;
        var ready = new List<FrameResult>();
        try
        {
            await foreach (var (frame, image, embedding) in reader.ReadAllAsync(token))
            {
                long t0 = Stopwatch.GetTimestamp();
                var c0 = ThreadCpuClock.Mark.Now();
                run.Process(frame, image, embedding, ready);
                stats.AddProcessCpu(c0.Elapsed());
                stats.AddProcess(Stopwatch.GetTimestamp() - t0);
                foreach (FrameResult r in ready) await writer.WriteAsync(r, token);
                ready.Clear();
            }
            long t1 = Stopwatch.GetTimestamp();
            var c1 = ThreadCpuClock.Mark.Now();
            run.Finish(ready);
            stats.AddProcessCpu(c1.Elapsed());
            stats.AddProcess(Stopwatch.GetTimestamp() - t1);
            foreach (FrameResult r in ready) await writer.WriteAsync(r, token);
        }
        catch (Exception e) { Fail(e, failure, cts); }
        finally { writer.TryComplete(); }
    }

    private ObjectState GetOrAdd(int id)
    {
        if (!_objects.TryGetValue(id, out ObjectState? o)) _objects[id] = o = new ObjectState(id);
        return o;
    }

    private void CheckMutable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_propagating) throw new InvalidOperationException("A propagation is running; finish or abandon it before changing prompts.");
    }

    private void CheckFrame(int frame)
    {
        if ((uint)frame >= (uint)FrameCount)
            throw new ArgumentOutOfRangeException(nameof(frame), frame, $"The video has frames 0..{FrameCount - 1}.");
    }

    private static void CheckId(int id)
    {
        if (id is < 1 or > 254)
            throw new ArgumentOutOfRangeException(nameof(id), id, "Object ids are 1..254 (the label-map range).");
    }
}
