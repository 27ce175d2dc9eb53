using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using EdgeSam.Video.Export;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Cli.Commands.Studio;

/// <summary>A request the studio refuses: the HTTP status and one line saying what and how to fix it.</summary>
internal sealed class StudioRequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>Which way "Propagate" walks from its start frame.</summary>
internal enum StudioDirection
{
    Forward,
    Backward,
    /// <summary>Backward to the first frame, then forward to the last.</summary>
    Both,
}

/// <summary>
/// The studio's side of one video: the <see cref="VideoSession"/> the <c>segment</c> command would drive, the objects'
/// names and colours, the clicks, the per-frame report and the one propagation job at a time. Every change is saved
/// through <see cref="IStudioSessionStore"/> as it happens (masks per frame as they arrive, the rest after each
/// request), so closing the browser or stopping the server loses nothing. Thread-safe: HTTP requests arrive on pool
/// threads; the session itself is touched by one request or the job at a time.
/// </summary>
internal sealed class StudioProject : IDisposable
{
    private readonly VideoSession _session;
    private readonly CachingSegmenter _cache;
    private readonly IStudioSessionStore _store;
    private readonly string _input;
    /// <summary>Serialises everything that touches the session (prompts, removals, the job's start).</summary>
    private readonly SemaphoreSlim _sessionGate = new(1, 1);
    /// <summary>Guards the snapshot (objects, prompts, report) and the subscribers.</summary>
    private readonly object _lock = new();
    private readonly List<Channel<string>> _subscribers = [];
    private readonly StudioSnapshot _state;
    /// <summary>The running propagation, read by request threads without the gate (hence volatile).</summary>
    private volatile Job? _job;
    private int _nextJob;

    private sealed class Job(int id, CancellationTokenSource cancel)
    {
        public int Id { get; } = id;
        public CancellationTokenSource Cancel { get; } = cancel;
        public Task Task { get; set; } = Task.CompletedTask;
    }

    public StudioProject(VideoSession session, CachingSegmenter cache, IStudioSessionStore store, string input)
    {
        _session = session;
        _cache = cache;
        _store = store;
        _input = input;
        _state = store.Load() ?? new StudioSnapshot { Input = input, Frames = session.FrameCount };
        Restore();
    }

    public VideoSession Session => _session;
    public IStudioSessionStore Store => _store;
    public string Input => _input;
    public int FrameCount => _session.FrameCount;

    /// <summary>True when the session was reopened from <c>--out</c>.</summary>
    public bool Reopened => _state.Objects.Count > 0;

    /// <summary>Re-prompts the session from the saved prompt masks (exactly what the clicks produced, no recompute).</summary>
    private void Restore()
    {
        foreach (StudioPrompt p in _state.Prompts)
        {
            Mask? m = _store.ReadPromptMask(p.Object, p.Frame);
            if (m is not null && m.Width == _session.Width && m.Height == _session.Height) _session.AddMask(p.Frame, p.Object, m);
            else _session.AddPoints(p.Frame, p.Object, ToPoints(p.Points), ToBox(p.Box));
        }
    }

    /// <summary>Default display colours, bright and far apart: the DAVIS palette's first entries (dark red, dark
    /// green, ...) vanish on dark objects and on the timeline. The mask PNGs keep the palette regardless.</summary>
    private static readonly string[] DisplayColors =
        ["#3dc9ff", "#ffd23d", "#59e07a", "#c77dff", "#ff9a3d", "#ff6fcf", "#9ee6e0", "#ff4d4d"];

    public object Video(double fps) => new
    {
        frames = _session.FrameCount,
        width = _session.Width,
        height = _session.Height,
        fps,
        input = Path.GetFileName(Path.TrimEndingDirectorySeparator(_input)),
        objects = Objects(),
        // The masks are DAVIS palette PNGs: the page maps each palette colour back to its object id.
        palette = Enumerable.Range(0, 255).Select(i => { var (r, g, b) = DavisPalette.Color(i); return new[] { (int)r, g, b }; }).ToArray(),
        job = _job?.Id,
    };

    public object[] Objects()
    {
        lock (_lock)
            return _state.Objects.Select(o => (object)new
            {
                id = o.Id,
                name = o.Name,
                color = o.Color,
                promptFrames = _state.Prompts.Where(p => p.Object == o.Id).Select(p => p.Frame).Order().ToArray(),
            }).ToArray();
    }

    public StudioObject AddObject(string? name, string? color)
    {
        lock (_lock)
        {
            int id = 1;
            while (_state.Objects.Any(o => o.Id == id)) id++;
            if (id > 254) throw new StudioRequestException(409, "all 254 object ids are in use; remove an object first");
            var o = new StudioObject(id, CheckName(name) ?? $"object {id}", CheckColor(color) ?? DisplayColors[(id - 1) % DisplayColors.Length]);
            _state.Objects.Add(o);
            Save();
            return o;
        }
    }

    public StudioObject UpdateObject(int id, string? name, string? color)
    {
        lock (_lock)
        {
            int i = _state.Objects.FindIndex(o => o.Id == id);
            if (i < 0) throw UnknownObject(id);
            StudioObject o = _state.Objects[i];
            o = o with { Name = CheckName(name) ?? o.Name, Color = CheckColor(color) ?? o.Color };
            _state.Objects[i] = o;
            Save();
            return o;
        }
    }

    public async Task RemoveObject(int id, CancellationToken cancel)
    {
        await EnterSession(cancel);
        try
        {
            lock (_lock)
                if (!_state.Objects.Any(o => o.Id == id)) throw UnknownObject(id);
            _session.RemoveObject(id);
            lock (_lock)
            {
                _state.Objects.RemoveAll(o => o.Id == id);
                _state.Prompts.RemoveAll(p => p.Object == id);
                foreach (List<StudioObjectFrame> entries in _state.Report.Values) entries.RemoveAll(e => e.Id == id);
            }
            _store.DeletePromptMasks(id);
            // Its pixels leave every saved label map, so exports and the page no longer show it.
            for (int f = 0; f < FrameCount; f++)
            {
                cancel.ThrowIfCancellationRequested();
                LabelMap? labels = _store.ReadLabels(f);
                if (labels is null || Array.IndexOf(labels.Data, (byte)id) < 0) continue;
                for (int k = 0; k < labels.Data.Length; k++)
                    if (labels.Data[k] == id) labels.Data[k] = 0;
                _store.WriteLabels(f, labels);
            }
            lock (_lock) Save();
        }
        finally { _sessionGate.Release(); }
    }

    /// <summary>Clicks (and a box) for <paramref name="objectId"/> on <paramref name="frame"/>: segments the frame
    /// now and makes the mask the object's prompt there. Added to the frame's earlier clicks unless <paramref name="clear"/>.</summary>
    public async Task<object> Prompt(int frame, int objectId, float[][] points, float[]? box, bool clear, CancellationToken cancel)
    {
        CheckFrame(frame);
        lock (_lock)
            if (!_state.Objects.Any(o => o.Id == objectId)) throw UnknownObject(objectId);
        BoxF? b = ToBox(box);
        List<PromptPoint> clicks = ToPoints(points);
        foreach (PromptPoint p in clicks)
            if (p.X < 0 || p.Y < 0 || p.X > _session.Width - 1 || p.Y > _session.Height - 1)
                throw new StudioRequestException(400, $"point ({p.X}, {p.Y}) lies outside the {_session.Width}x{_session.Height} frame");
        if (b is { } bb && (!(bb.X1 > bb.X0 && bb.Y1 > bb.Y0) || bb.X0 < 0 || bb.Y0 < 0 || bb.X1 > _session.Width - 1 || bb.Y1 > _session.Height - 1))
            throw new StudioRequestException(400, $"box [{bb.X0}, {bb.Y0}, {bb.X1}, {bb.Y1}] is empty or leaves the {_session.Width}x{_session.Height} frame; give [x0, y0, x1, y1] with x0 < x1, y0 < y1");

        await EnterSession(cancel);
        try
        {
            long t0 = Stopwatch.GetTimestamp();
            // Thread CPU as well as wall time: on a shared machine the wall time says more about the neighbours.
            var c0 = ThreadCpuClock.Mark.Now();
            StudioPrompt? old;
            lock (_lock) old = clear ? null : _state.Prompts.Find(p => p.Object == objectId && p.Frame == frame);
            var all = new List<PromptPoint>(old is null ? [] : ToPoints(old.Points));
            all.AddRange(clicks);
            BoxF? useBox = b ?? (old is null ? null : ToBox(old.Box));
            if (all.Count == 0 && useBox is null)
                throw new StudioRequestException(400, "give at least one point [x, y, label] or a box [x0, y0, x1, y1]");
            _cache.Interactive = true;
            Mask mask = _session.AddPoints(frame, objectId, all, useBox, clearOld: true, cancel);
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double cpuMs = c0.Elapsed() / 1e6;

            _store.WritePromptMask(objectId, frame, mask);
            // A prompted mask wins its pixels on its frame (the session's overlap rule), so it is painted over the others.
            LabelMap labels = _store.ReadLabels(frame) ?? new LabelMap(_session.Width, _session.Height);
            byte[] d = labels.Data, m = mask.Data;
            for (int k = 0; k < d.Length; k++)
            {
                if (m[k] != 0) d[k] = (byte)objectId;
                else if (d[k] == objectId) d[k] = 0;
            }
            _store.WriteLabels(frame, labels);
            int area = mask.Area();
            lock (_lock)
            {
                _state.Prompts.RemoveAll(p => p.Object == objectId && p.Frame == frame);
                _state.Prompts.Add(new StudioPrompt(objectId, frame, all.Select(p => new[] { p.X, p.Y, p.Label == PointLabel.Positive ? 1f : 0f }).ToArray(),
                    useBox is { } u ? [u.X0, u.Y0, u.X1, u.Y1] : null));
                List<StudioObjectFrame> entries = _state.Report.TryGetValue(frame, out var e) ? e : _state.Report[frame] = [];
                entries.RemoveAll(x => x.Id == objectId);
                entries.Add(StudioConfidence.Prompted(objectId, area));
                // The others lost the pixels the prompt took.
                for (int i = 0; i < entries.Count; i++)
                    if (entries[i].Id != objectId) entries[i] = entries[i] with { Area = CountOf(d, entries[i].Id) };
                entries.Sort((x, y) => x.Id.CompareTo(y.Id));
                Save();
            }
            return new { frame, @object = objectId, area, confidence = 1.0, ms = Math.Round(ms, 1), cpuMs = Math.Round(cpuMs, 1) };
        }
        finally { _sessionGate.Release(); }
    }

    /// <summary>Starts the one propagation job; 409 while one runs.</summary>
    public async Task<int> StartPropagation(int from, StudioDirection direction, CancellationToken cancel)
    {
        CheckFrame(from);
        await EnterSession(cancel);
        try
        {
            if (_session.ObjectIds.Count == 0)
                throw new StudioRequestException(409, "no object has a prompt yet: click on an object first, then propagate");
            _cache.Interactive = false;
            var job = new Job(Interlocked.Increment(ref _nextJob), new CancellationTokenSource());
            _job = job;
            // The gate stays taken until the job ends: prompts and removals wait for it (and are refused meanwhile).
            job.Task = Task.Run(() => RunJob(job, from, direction));
            return job.Id;
        }
        catch
        {
            _sessionGate.Release();
            throw;
        }
    }

    public void Cancel(int job)
    {
        Job? j = _job;
        if (j is null || j.Id != job) throw new StudioRequestException(404, $"job {job} is not running (it finished, or never started)");
        j.Cancel.Cancel();
    }

    /// <summary>The running job's task (completed when none): tests and shutdown wait for it.</summary>
    public Task Running => _job?.Task ?? Task.CompletedTask;

    private async Task RunJob(Job job, int from, StudioDirection direction)
    {
        int frames = 0;
        bool cancelled = false;
        string? error = null;
        long t0 = Stopwatch.GetTimestamp();
        var stats = new List<PropagationStats>();
        int total = direction switch
        {
            StudioDirection.Forward => FrameCount - from,
            StudioDirection.Backward => from + 1,
            _ => FrameCount + 1,
        };
        try
        {
            PropagationDirection[] walks = direction switch
            {
                StudioDirection.Forward => [PropagationDirection.Forward],
                StudioDirection.Backward => [PropagationDirection.Backward],
                _ => [PropagationDirection.Backward, PropagationDirection.Forward],
            };
            foreach (PropagationDirection walk in walks)
            {
                var previous = new Dictionary<int, int>();
                var st = new PropagationStats();
                stats.Add(st);
                await foreach (FrameResult r in _session.Propagate(from, walk, null, st, job.Cancel.Token))
                {
                    var entries = new List<StudioObjectFrame>(r.Objects.Count);
                    foreach (ObjectFrameResult o in r.Objects)
                    {
                        StudioObjectFrame e = StudioConfidence.Of(o, previous.TryGetValue(o.ObjectId, out int a) ? a : null);
                        if (o.Status != ObjectStatus.NotStarted) previous[o.ObjectId] = e.Area;
                        entries.Add(e);
                    }
                    List<StudioObjectFrame> merged = Merge(r, entries);
                    frames++;
                    // The masks are on disk already; the report follows every so often, so a killed server loses
                    // little of it without rewriting a growing file on every frame.
                    if (frames % 25 == 0) lock (_lock) Save();
                    Broadcast(new { job = job.Id, frame = r.FrameIndex, objects = merged, walked = frames, total });
                }
            }
        }
        catch (OperationCanceledException) { cancelled = true; }
        catch (Exception e) { error = e.Message; }
        finally
        {
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            double cpuMs = stats.Sum(x => (x.DecodeCpu + x.EmbedCpu + x.ProcessCpu).TotalMilliseconds);
            lock (_lock) Save();
            _job = null;
            _sessionGate.Release();
            Broadcast(new
            {
                job = job.Id,
                done = true,
                cancelled,
                error,
                frames,
                seconds = Math.Round(seconds, 3),
                msPerFrame = frames > 0 ? Math.Round(1000 * seconds / frames, 1) : (double?)null,
                // CPU of the walk's stages (decode, embed, track + segment) per frame: what the work costs regardless of
                // what else the machine runs.
                cpuMsPerFrame = frames > 0 ? Math.Round(cpuMs / frames, 1) : (double?)null,
            });
            job.Cancel.Dispose();
        }
    }

    /// <summary>
    /// Writes a propagated frame. An object the walk has not reached yet (<see cref="ObjectStatus.NotStarted"/>: its
    /// first prompt lies further on) keeps what an earlier walk found on this frame, pixels and report entry alike,
    /// rather than being blanked by a walk that never looked for it.
    /// </summary>
    private List<StudioObjectFrame> Merge(FrameResult r, List<StudioObjectFrame> entries)
    {
        var waiting = entries.Where(e => e.Status == ObjectStatus.NotStarted).Select(e => e.Id).ToHashSet();
        LabelMap labels = r.Labels;
        List<StudioObjectFrame>? before;
        lock (_lock) before = _state.Report.TryGetValue(r.FrameIndex, out var b) ? [.. b] : null;
        if (waiting.Count > 0 && _store.ReadLabels(r.FrameIndex) is { } old)
        {
            labels = new LabelMap(labels.Width, labels.Height, (byte[])labels.Data.Clone());
            byte[] d = labels.Data, o = old.Data;
            for (int k = 0; k < d.Length; k++)
                if (d[k] == 0 && o[k] != 0 && waiting.Contains(o[k])) d[k] = o[k];
        }
        _store.WriteLabels(r.FrameIndex, labels);
        var merged = new List<StudioObjectFrame>(entries.Count);
        foreach (StudioObjectFrame e in entries)
            merged.Add(waiting.Contains(e.Id) && before?.Find(x => x.Id == e.Id) is { } kept ? kept : e);
        lock (_lock) _state.Report[r.FrameIndex] = merged;
        return merged;
    }

    public object Report()
    {
        lock (_lock)
            return new
            {
                frames = FrameCount,
                report = _state.Report.Select(kv => new { frame = kv.Key, objects = kv.Value.ToArray() }).ToArray(),
            };
    }

    public object[] Prompts()
    {
        lock (_lock)
            return _state.Prompts.Select(p => (object)new { @object = p.Object, frame = p.Frame, points = p.Points, box = p.Box }).ToArray();
    }

    /// <summary>
    /// Runs the <c>export</c> command's exporter on the session's masks into <c>&lt;out&gt;/export/&lt;format&gt;/</c>.
    /// Frames no walk has reached get an empty label map first: the exporter pairs the i-th mask with the i-th frame.
    /// </summary>
    public async Task<IReadOnlyList<string>> Export(ExportRequest template, CancellationToken cancel)
    {
        await EnterSession(cancel);
        try
        {
            if (_state.Objects.Count == 0) throw new StudioRequestException(409, "nothing to export yet: add an object, click on it and propagate");
            LabelMap? empty = null;
            for (int f = 0; f < FrameCount; f++)
                if (_store.ReadLabelsPng(f) is null) _store.WriteLabels(f, empty ??= new LabelMap(_session.Width, _session.Height));
            ExportResult result = await Task.Run(() => RotoExporter.Export(template with { MasksDir = _store.MasksDir }, null, cancel), cancel);
            return result.Files;
        }
        catch (EdgeSamException e) { throw new StudioRequestException(400, e.Message.TrimEnd('.')); }
        finally { _sessionGate.Release(); }
    }

    /// <summary>A new SSE subscriber; its channel gets every event from now on.</summary>
    public ChannelReader<string> Subscribe()
    {
        var ch = Channel.CreateBounded<string>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock) _subscribers.Add(ch);
        return ch.Reader;
    }

    public void Unsubscribe(ChannelReader<string> reader)
    {
        lock (_lock) _subscribers.RemoveAll(c => c.Reader == reader);
    }

    private void Broadcast(object payload)
    {
        string json = JsonSerializer.Serialize(payload, FolderSessionStore.Json);
        lock (_lock)
            foreach (Channel<string> c in _subscribers) c.Writer.TryWrite(json);
    }

    /// <summary>Takes the session, or refuses with 409 when a propagation holds it.</summary>
    private async Task EnterSession(CancellationToken cancel)
    {
        if (_job is { } j) throw new StudioRequestException(409, $"propagation job {j.Id} is running; wait for it or cancel it (POST /api/jobs/{j.Id}/cancel)");
        await _sessionGate.WaitAsync(cancel);
        if (_job is { } k)
        {
            _sessionGate.Release();
            throw new StudioRequestException(409, $"propagation job {k.Id} is running; wait for it or cancel it (POST /api/jobs/{k.Id}/cancel)");
        }
    }

    public void CheckFrame(int frame)
    {
        if ((uint)frame >= (uint)FrameCount)
            throw new StudioRequestException(404, $"frame {frame} does not exist; the video has frames 0..{FrameCount - 1}");
    }

    public bool HasObject(int id)
    {
        lock (_lock) return _state.Objects.Any(o => o.Id == id);
    }

    private static StudioRequestException UnknownObject(int id) =>
        new(404, $"object {id} does not exist; create it with POST /api/objects first");

    private void Save() => _store.Save(_state);

    private static int CountOf(byte[] d, int id)
    {
        int n = 0;
        foreach (byte v in d) if (v == id) n++;
        return n;
    }

    private static string? CheckName(string? name)
    {
        if (name is null) return null;
        name = name.Trim();
        if (name.Length is 0 or > 60 || name.Any(char.IsControl))
            throw new StudioRequestException(400, "an object name has 1 to 60 printable characters");
        return name;
    }

    private static string? CheckColor(string? color)
    {
        if (color is null) return null;
        if (!System.Text.RegularExpressions.Regex.IsMatch(color, "^#[0-9a-fA-F]{6}$"))
            throw new StudioRequestException(400, $"colour '{color}' is not #rrggbb");
        return color.ToLowerInvariant();
    }

    private static List<PromptPoint> ToPoints(float[][]? points)
    {
        var list = new List<PromptPoint>();
        foreach (float[]? p in points ?? [])
        {
            if (p is null || p.Length != 3 || !float.IsFinite(p[0]) || !float.IsFinite(p[1]) || p[2] is not (0f or 1f))
                throw new StudioRequestException(400, "each point is [x, y, label] in frame pixels with label 1 (positive) or 0 (negative)");
            list.Add(new PromptPoint(p[0], p[1], p[2] == 1f ? PointLabel.Positive : PointLabel.Negative));
        }
        return list;
    }

    private static BoxF? ToBox(float[]? box)
    {
        if (box is null) return null;
        if (box.Length != 4 || box.Any(v => !float.IsFinite(v)))
            throw new StudioRequestException(400, "a box is [x0, y0, x1, y1] in frame pixels");
        return new BoxF(box[0], box[1], box[2], box[3]);
    }

    public void Dispose()
    {
        try { _job?.Cancel.Cancel(); } catch (ObjectDisposedException) { }
        try { Running.Wait(TimeSpan.FromSeconds(30)); } catch (AggregateException) { }
        _sessionGate.Dispose();
    }
}
