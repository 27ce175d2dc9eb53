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

/// <summary>What a propagation job did.</summary>
internal enum StudioWalk
{
    /// <summary>Every object (or the objects prompted for the first time) walked from the start frame in the direction asked.</summary>
    Walk,

    /// <summary>Corrections re-propagated as <c>segment --add</c> does (<see cref="SessionCorrection.RepropagateAsync"/>).</summary>
    Correction,
}

/// <summary>
/// The studio's side of one video: the <see cref="VideoSession"/> that <c>segment</c> would drive, stored in the same
/// session folder as <c>segment</c>'s (<see cref="SessionFolder"/>: session.json, prompts/, masks/, report.json), plus
/// the names and colours <c>segment</c> does not know (<see cref="StudioObjects"/>). A click goes through
/// <see cref="SessionCorrection.Apply"/> (on a frame where the object already has a mask it refines that mask, as
/// <c>segment --add</c> does); "Propagate" re-walks corrections through <see cref="SessionCorrection.RepropagateAsync"/>
/// and walks new objects (or, with nothing new, every object) from the frame shown. Every change is on disk when the
/// request answers (masks per frame as they are written, the report every few frames of a walk and at its end), so
/// closing the browser or stopping the server loses nothing, and <c>segment --add</c> and <c>studio</c> take turns on
/// one folder. Thread-safe: HTTP requests arrive on pool threads; the session is touched by one request or the job at
/// a time.
/// </summary>
internal sealed class StudioProject : IDisposable
{
    private readonly VideoSession _session;
    private readonly CachingSegmenter _cache;
    private readonly SessionFolder _folder;
    private readonly FolderSessionMasks _masks;
    private readonly SegmentationReport _report;
    private readonly StudioObjects _objects;
    private readonly string _input;
    /// <summary>Serialises everything that touches the session (prompts, removals, undo, the job).</summary>
    private readonly SemaphoreSlim _sessionGate = new(1, 1);
    /// <summary>Guards the report, the objects file, the undo steps and the subscribers.</summary>
    private readonly object _lock = new();
    private readonly List<Channel<string>> _subscribers = [];
    /// <summary>Clicks since the last walk, newest last: what Undo takes back.</summary>
    private readonly List<UndoStep> _undo = [];
    /// <summary>The running propagation, read by request threads without the gate (hence volatile).</summary>
    private volatile Job? _job;
    private int _nextJob;

    private sealed class Job(int id, CancellationTokenSource cancel)
    {
        public int Id { get; } = id;
        public CancellationTokenSource Cancel { get; } = cancel;
        public Task Task { get; set; } = Task.CompletedTask;
    }

    /// <summary>What a click replaced: the object's prompt on the frame (null: none), the frame's labels, the report
    /// entry and whether the prompt was already waiting for a walk.</summary>
    private sealed record UndoStep(int Object, int Frame, (Mask Mask, IReadOnlyList<PromptPoint>? Points, BoxF? Box)? Prompt,
        LabelMap Labels, FrameConfidence? Entry, bool WasPending);

    /// <summary>Opens the session folder <paramref name="root"/> (<c>--out</c>) over <paramref name="session"/>; a session
    /// stored there (by <c>segment</c> or the studio) is reopened.</summary>
    public StudioProject(VideoSession session, CachingSegmenter cache, string root, string input)
    {
        _session = session;
        _cache = cache;
        _input = input;
        _folder = new SessionFolder(Path.GetFullPath(root));
        Reopened = _folder.Exists;
        if (Reopened) _folder.Restore(session);
        Directory.CreateDirectory(_folder.MasksDir);
        _masks = new FolderSessionMasks(_folder.MasksDir, session.Frames);
        // Every frame gets a label map from the start (all background until something is segmented there), as segment's
        // masks/ has one per frame: segment --add, corrections and export read the folder as a whole.
        byte[]? blank = null;
        for (int f = 0; f < session.FrameCount; f++)
            if (!File.Exists(_masks.PathOf(f)))
                AtomicFile.WriteAllBytes(_masks.PathOf(f), blank ??= PngCodec.EncodeLabels(new LabelMap(session.Width, session.Height)));
        _report = File.Exists(_folder.ReportFile) ? SegmentationReport.Load(_folder.ReportFile) : new SegmentationReport();
        _objects = StudioObjects.Load(_folder.Root) ?? new StudioObjects();
        // Objects a segment run made (or gave a prompt with --add) that the studio has not named yet: segment walked them.
        foreach (int id in session.ObjectIds)
            if (!_objects.Objects.Any(o => o.Id == id))
            {
                _objects.Objects.Add(new StudioObject(id, $"object {id}", DisplayColors[(id - 1) % DisplayColors.Length]));
                _objects.Walked.Add(id);
            }
        _objects.Objects.Sort((a, b) => a.Id.CompareTo(b.Id));
        _objects.Pending.RemoveAll(p => session.Prompt(p.Frame, p.Object) is null);
        SaveAll();
    }

    public VideoSession Session => _session;
    public string Root => _folder.Root;
    public string MasksDir => _folder.MasksDir;
    public string Input => _input;
    public int FrameCount => _session.FrameCount;

    /// <summary>True when a stored session was reopened from <c>--out</c>.</summary>
    public bool Reopened { get; }

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
        formats = ExportFormats.AllNames,
        job = _job?.Id,
    };

    public object[] Objects()
    {
        lock (_lock)
            return _objects.Objects.Select(o => (object)new
            {
                id = o.Id,
                name = o.Name,
                color = o.Color,
                promptFrames = _session.PromptFrames(o.Id),
                walked = _objects.Walked.Contains(o.Id),
            }).ToArray();
    }

    public StudioObject AddObject(string? name, string? color)
    {
        lock (_lock)
        {
            int id = 1;
            while (_objects.Objects.Any(o => o.Id == id) || _session.ObjectIds.Contains(id)) id++;
            if (id > 254) throw new StudioRequestException(409, "all 254 object ids are in use; remove an object first");
            var o = new StudioObject(id, CheckName(name) ?? $"object {id}", CheckColor(color) ?? DisplayColors[(id - 1) % DisplayColors.Length]);
            _objects.Objects.Add(o);
            _objects.Objects.Sort((a, b) => a.Id.CompareTo(b.Id));
            _objects.Save(Root);
            return o;
        }
    }

    public StudioObject UpdateObject(int id, string? name, string? color)
    {
        lock (_lock)
        {
            int i = _objects.Objects.FindIndex(o => o.Id == id);
            if (i < 0) throw UnknownObject(id);
            StudioObject o = _objects.Objects[i];
            o = o with { Name = CheckName(name) ?? o.Name, Color = CheckColor(color) ?? o.Color };
            _objects.Objects[i] = o;
            _objects.Save(Root);
            return o;
        }
    }

    /// <summary>Forgets the object, its prompts and its report entries, and clears its pixels from every frame.</summary>
    public async Task RemoveObject(int id, CancellationToken cancel)
    {
        await EnterSession(cancel);
        try
        {
            if (!HasObject(id)) throw UnknownObject(id);
            _session.RemoveObject(id);
            lock (_lock)
            {
                _objects.Objects.RemoveAll(o => o.Id == id);
                _objects.Walked.Remove(id);
                _objects.Pending.RemoveAll(p => p.Object == id);
                _undo.RemoveAll(u => u.Object == id);
                _report.RemoveObject(id);
            }
            // Its pixels leave every saved label map, so exports and the page no longer show it.
            for (int f = 0; f < FrameCount; f++)
            {
                cancel.ThrowIfCancellationRequested();
                LabelMap labels = _masks.Read(f);
                if (Array.IndexOf(labels.Data, (byte)id) < 0) continue;
                for (int k = 0; k < labels.Data.Length; k++)
                    if (labels.Data[k] == id) labels.Data[k] = 0;
                _masks.Write(f, _session.Frames.FrameName(f), labels);
            }
            SaveAll();
        }
        finally { _sessionGate.Release(); }
    }

    /// <summary>
    /// Clicks (and a box) for <paramref name="objectId"/> on <paramref name="frame"/>, applied as <c>segment --add</c>
    /// applies a prompt (<see cref="SessionCorrection.Apply"/>): where the object already has a mask on that frame (a
    /// walk's, or earlier clicks'), the clicks refine it (earlier clicks there stay, the current mask is the prior);
    /// elsewhere the frame is segmented afresh. <paramref name="clear"/> drops the frame's earlier clicks first (a box
    /// drawn anew). The mask becomes the object's prompt there and is painted into the frame's labels.
    /// </summary>
    public async Task<object> Prompt(int frame, int objectId, float[][] points, float[]? box, bool clear, CancellationToken cancel)
    {
        CheckFrame(frame);
        if (!HasObject(objectId)) throw UnknownObject(objectId);
        BoxF? b = ToBox(box);
        List<PromptPoint> clicks = ToPoints(points);
        foreach (PromptPoint p in clicks)
            if (p.X < 0 || p.Y < 0 || p.X > _session.Width - 1 || p.Y > _session.Height - 1)
                throw new StudioRequestException(400, $"point ({p.X}, {p.Y}) lies outside the {_session.Width}x{_session.Height} frame");
        if (b is { } bb && (!(bb.X1 > bb.X0 && bb.Y1 > bb.Y0) || bb.X0 < 0 || bb.Y0 < 0 || bb.X1 > _session.Width - 1 || bb.Y1 > _session.Height - 1))
            throw new StudioRequestException(400, $"box [{bb.X0}, {bb.Y0}, {bb.X1}, {bb.Y1}] is empty or leaves the {_session.Width}x{_session.Height} frame; give [x0, y0, x1, y1] with x0 < x1, y0 < y1");
        if (clicks.Count == 0 && b is null)
            throw new StudioRequestException(400, "give at least one point [x, y, label] or a box [x0, y0, x1, y1]");

        await EnterSession(cancel);
        try
        {
            long t0 = Stopwatch.GetTimestamp();
            // Thread CPU as well as wall time: on a shared machine the wall time says more about the neighbours.
            var c0 = ThreadCpuClock.Mark.Now();
            int hits = _cache.Hits;
            LabelMap before = _masks.Read(frame);
            var step = new UndoStep(objectId, frame, _session.Prompt(frame, objectId), before, _report.Entry(frame, objectId), IsPending(objectId, frame));
            if (clear && step.Prompt is not null) RemovePrompt(frame, objectId);
            _cache.Interactive = true;
            var spec = new PromptSpec(frame, objectId, clicks, b, null) { Origin = $"frame {frame}, object {objectId}" };
            Mask mask;
            try
            {
                mask = SessionCorrection.Apply(_session, spec, _masks, cancel);
            }
            catch (EdgeSamException e)
            {
                if (clear && step.Prompt is { } p) _session.RestorePrompt(frame, objectId, p.Mask, p.Points, p.Box);
                throw new StudioRequestException(422, e.Message.TrimEnd('.'));
            }
            bool refined = step.Prompt is not null || before.Data.AsSpan().IndexOf((byte)objectId) >= 0;
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double cpuMs = c0.Elapsed() / 1e6;

            // A prompted mask wins its pixels on its frame (the session's overlap rule), so it is painted over the others.
            var labels = new LabelMap(before.Width, before.Height, (byte[])before.Data.Clone());
            byte[] d = labels.Data, m = mask.Data;
            for (int k = 0; k < d.Length; k++)
            {
                if (m[k] != 0) d[k] = (byte)objectId;
                else if (d[k] == objectId) d[k] = 0;
            }
            _masks.Write(frame, _session.Frames.FrameName(frame), labels);
            int area = mask.Area();
            lock (_lock)
            {
                int positives = _session.Prompt(frame, objectId)?.Points?.Count(p => p.Label == PointLabel.Positive) ?? 0;
                _report.Set(frame, _session.Frames.FrameName(frame), objectId, FrameConfidence.Prompted(area, positives));
                // The others lost the pixels the prompt took.
                foreach (int other in _session.ObjectIds)
                    if (other != objectId && _report.Entry(frame, other) is { } e && CountOf(d, other) is var a && a != e.Area)
                        _report.Set(frame, _session.Frames.FrameName(frame), other, Resized(e, a));
                if (!step.WasPending) _objects.Pending.Add(new StudioPending(objectId, frame));
                _undo.Add(step);
            }
            SaveAll();
            return new
            {
                frame,
                @object = objectId,
                area,
                confidence = 1.0,
                refined,
                cached = _cache.Hits > hits,
                ms = Math.Round(ms, 1),
                cpuMs = Math.Round(cpuMs, 1),
            };
        }
        finally { _sessionGate.Release(); }
    }

    /// <summary>Takes back the latest click since the last walk: the object's prompt on that frame, the frame's labels
    /// and its report entry return to what they were before it.</summary>
    public async Task<object> Undo(CancellationToken cancel)
    {
        await EnterSession(cancel);
        try
        {
            UndoStep step;
            lock (_lock)
            {
                if (_undo.Count == 0)
                    throw new StudioRequestException(409, "nothing to undo: undo takes back clicks made since the last propagation");
                step = _undo[^1];
                _undo.RemoveAt(_undo.Count - 1);
            }
            if (step.Prompt is { } p) _session.RestorePrompt(step.Frame, step.Object, p.Mask, p.Points, p.Box);
            else RemovePrompt(step.Frame, step.Object);
            _masks.Write(step.Frame, _session.Frames.FrameName(step.Frame), step.Labels);
            lock (_lock)
            {
                string name = _session.Frames.FrameName(step.Frame);
                foreach (int id in _objects.Objects.Select(o => o.Id))
                {
                    if (id == step.Object)
                    {
                        if (step.Entry is { } e) _report.Set(step.Frame, name, id, e);
                        else _report.Remove(step.Frame, id);
                    }
                    else if (_report.Entry(step.Frame, id) is { } e && CountOf(step.Labels.Data, id) is var a && a != e.Area)
                        _report.Set(step.Frame, name, id, Resized(e, a));
                }
                if (!step.WasPending) _objects.Pending.Remove(new StudioPending(step.Object, step.Frame));
            }
            SaveAll();
            return new { @object = step.Object, frame = step.Frame, left = _undo.Count };
        }
        finally { _sessionGate.Release(); }
    }

    /// <summary>
    /// Deletes object <paramref name="objectId"/>'s prompt on <paramref name="frame"/>. The frame keeps its current
    /// mask until a walk passes; the object's nearest remaining prompt waits for the next "Propagate", which re-walks
    /// from it over the frames the deleted prompt used to seed.
    /// </summary>
    public async Task<object> DeletePrompt(int objectId, int frame, CancellationToken cancel)
    {
        CheckFrame(frame);
        if (!HasObject(objectId)) throw UnknownObject(objectId);
        await EnterSession(cancel);
        try
        {
            if (_session.Prompt(frame, objectId) is null)
                throw new StudioRequestException(404, $"object {objectId} has no prompt on frame {frame} (prompts: GET /api/prompts)");
            RemovePrompt(frame, objectId);
            int? nearest = null;
            lock (_lock)
            {
                _objects.Pending.RemoveAll(p => p.Object == objectId && p.Frame == frame);
                // Undo steps are snapshots around the deleted prompt; replaying one now would bring it back.
                _undo.Clear();
                if (_objects.Walked.Contains(objectId) && _session.PromptFrames(objectId) is { Count: > 0 } left)
                {
                    nearest = left.MinBy(f => (Math.Abs(f - frame), f));
                    if (!IsPending(objectId, nearest.Value)) _objects.Pending.Add(new StudioPending(objectId, nearest.Value));
                }
            }
            SaveAll();
            return new { @object = objectId, frame, deleted = true, repropagateFrom = nearest };
        }
        finally { _sessionGate.Release(); }
    }

    /// <summary>Drops one prompt from the session (which has no call for it): the object is forgotten and its other
    /// prompts put back as they were.</summary>
    private void RemovePrompt(int frame, int objectId)
    {
        var keep = _session.PromptFrames(objectId).Where(f => f != frame).Select(f => (Frame: f, Prompt: _session.Prompt(f, objectId)!.Value)).ToList();
        _session.RemoveObject(objectId);
        foreach (var (f, p) in keep) _session.RestorePrompt(f, objectId, p.Mask, p.Points, p.Box);
    }

    /// <summary>
    /// Starts the one propagation job; 409 while one runs. Prompts of walked objects made since their last walk are
    /// corrections: each is re-propagated as <c>segment --add</c> does (that object alone, from the corrected frame to
    /// its neighbouring prompts both ways, stopping where the new mask meets the stored one). Objects prompted for the
    /// first time are then walked from <paramref name="from"/> in <paramref name="direction"/>; with nothing new at
    /// all, every object is.
    /// </summary>
    public async Task<int> StartPropagation(int from, StudioDirection direction, CancellationToken cancel)
    {
        CheckFrame(from);
        await EnterSession(cancel);
        try
        {
            if (_session.ObjectIds.Count == 0)
                throw new StudioRequestException(409, "no object has a prompt yet: click on an object first, then propagate");
            List<StudioPending> corrections;
            HashSet<int> fresh;
            lock (_lock)
            {
                corrections = _objects.Pending.Where(p => _objects.Walked.Contains(p.Object)).OrderBy(p => p.Frame).ThenBy(p => p.Object).ToList();
                fresh = _objects.Pending.Where(p => !_objects.Walked.Contains(p.Object)).Select(p => p.Object).ToHashSet();
            }
            // Nothing new: walk everything again from here (extending a walk, or another draw of it).
            IReadOnlyCollection<int>? walkObjects = corrections.Count == 0 && fresh.Count == 0 ? null : fresh;
            _cache.Interactive = false;
            var job = new Job(Interlocked.Increment(ref _nextJob), new CancellationTokenSource());
            _job = job;
            // The gate stays taken until the job ends: prompts and removals are refused meanwhile.
            job.Task = Task.Run(() => RunJob(job, from, direction, corrections, walkObjects));
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

    private async Task RunJob(Job job, int from, StudioDirection direction, List<StudioPending> corrections, IReadOnlyCollection<int>? walkObjects)
    {
        int walked = 0, changed = 0;
        bool cancelled = false;
        string? error = null;
        long t0 = Stopwatch.GetTimestamp();
        var stats = new List<PropagationStats>();
        var started = new HashSet<int>();
        int total = 0;
        foreach (StudioPending c in corrections)
        {
            var (first, last) = _session.AffectedRange(c.Object, c.Frame);
            total += last - first + 1;
        }
        if (walkObjects is null || walkObjects.Count > 0)
            total += direction switch
            {
                StudioDirection.Forward => FrameCount - from,
                StudioDirection.Backward => from + 1,
                _ => FrameCount + 1,
            };
        var done = new List<StudioPending>();
        long lastSave = Stopwatch.GetTimestamp();
        void Progress(int frame, string mode)
        {
            walked++;
            // The masks are on disk already; the report follows every few seconds, so a killed server loses little of
            // it without rewriting a growing file on every frame.
            if (Stopwatch.GetElapsedTime(lastSave).TotalSeconds > 2)
            {
                lock (_lock) _report.WriteJson(_folder.ReportFile);
                lastSave = Stopwatch.GetTimestamp();
            }
            Broadcast(new { job = job.Id, frame, mode, objects = Entries(frame), walked, total = Math.Max(total, walked) });
        }
        try
        {
            // The correction's confidence gate (a re-walked frame replaces the stored one only where it is not less sure,
            // as segment --add does) reads and updates a report of the stored masks; it gets its own copy, because
            // requests read _report under _lock while the walk runs on this thread.
            SegmentationReport? gate = null;
            if (corrections.Count > 0)
                lock (_lock) gate = _report.Copy();
            foreach (StudioPending c in corrections)
            {
                if (_session.Prompt(c.Frame, c.Object) is null) { done.Add(c); continue; }
                CorrectionResult r = await SessionCorrection.RepropagateAsync(_session, c.Object, c.Frame, _masks, CorrectionBlend.NearestPrompt,
                    onChanged: (result, labels) =>
                    {
                        if (_session.LastStats is { } st && !stats.Contains(st)) stats.Add(st);
                        lock (_lock) Record(result, labels, [c.Object]);
                        changed++;
                        Progress(result.FrameIndex, "correction");
                    }, job.Cancel.Token, report: gate);
                if (_session.LastStats is { } last && !stats.Contains(last)) stats.Add(last);
                done.Add(c);
            }
            if (walkObjects is null || walkObjects.Count > 0)
            {
                PropagationDirection[] walks = direction switch
                {
                    StudioDirection.Forward => [PropagationDirection.Forward],
                    StudioDirection.Backward => [PropagationDirection.Backward],
                    _ => [PropagationDirection.Backward, PropagationDirection.Forward],
                };
                foreach (PropagationDirection walk in walks)
                {
                    var st = new PropagationStats();
                    stats.Add(st);
                    await foreach (FrameResult r in _session.Propagate(from, walk, null, st, job.Cancel.Token, walkObjects))
                    {
                        var ids = r.Objects.Where(o => o.Status != ObjectStatus.NotStarted).Select(o => o.ObjectId).ToHashSet();
                        started.UnionWith(ids);
                        LabelMap labels = Compose(r, ids);
                        _masks.Write(r.FrameIndex, r.FrameName, labels);
                        lock (_lock) Record(r, labels, ids);
                        changed++;
                        Progress(r.FrameIndex, "walk");
                    }
                }
            }
        }
        catch (OperationCanceledException) { cancelled = true; }
        catch (Exception e) when (e is EdgeSamException or InvalidOperationException or ArgumentException or IOException)
        {
            error = e.Message;
        }
        finally
        {
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            double cpuMs = stats.Sum(x => (x.DecodeCpu + x.EmbedCpu + x.ProcessCpu).TotalMilliseconds);
            lock (_lock)
            {
                foreach (StudioPending c in done) _objects.Pending.Remove(c);
                foreach (int id in started) _objects.Walked.Add(id);
                // A walk of an object follows its prompts: those waiting for one are followed now.
                if (!cancelled && error is null) _objects.Pending.RemoveAll(p => started.Contains(p.Object));
                _undo.Clear();
            }
            SaveAll();
            _job = null;
            _sessionGate.Release();
            Broadcast(new
            {
                job = job.Id,
                done = true,
                mode = corrections.Count > 0 ? StudioWalk.Correction : StudioWalk.Walk,
                corrections = done.Count,
                cancelled,
                error,
                frames = walked,
                changed,
                seconds = Math.Round(seconds, 3),
                msPerFrame = walked > 0 ? Math.Round(1000 * seconds / walked, 1) : (double?)null,
                // CPU of the walk's stages (decode, embed, track + segment) per frame: what the work costs regardless of
                // what else the machine runs.
                cpuMsPerFrame = walked > 0 && cpuMs > 0 ? Math.Round(cpuMs / walked, 1) : (double?)null,
            });
            job.Cancel.Dispose();
        }
    }

    /// <summary>
    /// A walked frame's new labels: the stored ones with the walked objects' pixels replaced by their new masks. Objects
    /// the walk did not cover (not asked for, or not reached yet: their first prompt lies further on) keep what an
    /// earlier walk found; a prompt of theirs on this frame keeps its pixels, as a prompt always wins in propagation.
    /// </summary>
    private LabelMap Compose(FrameResult r, HashSet<int> walked)
    {
        LabelMap old = _masks.Read(r.FrameIndex);
        var data = (byte[])old.Data.Clone();
        for (int k = 0; k < data.Length; k++)
            if (data[k] != 0 && walked.Contains(data[k])) data[k] = 0;
        Mask? held = null;
        foreach (int other in _session.ObjectIds)
        {
            if (walked.Contains(other) || _session.Prompt(r.FrameIndex, other) is not { } p) continue;
            held ??= new Mask(old.Width, old.Height);
            for (int k = 0; k < data.Length; k++) held.Data[k] |= p.Mask.Data[k];
        }
        byte[] n = r.Labels.Data;
        for (int k = 0; k < data.Length; k++)
            if (n[k] != 0 && walked.Contains(n[k]) && (held is null || held.Data[k] == 0)) data[k] = n[k];
        return new LabelMap(old.Width, old.Height, data);
    }

    /// <summary>The report entries of a walked frame: the walked objects' from the result, areas of the others from the
    /// labels written (they may have lost pixels to the walked ones). Under <see cref="_lock"/>.</summary>
    private void Record(FrameResult r, LabelMap labels, IReadOnlyCollection<int> walked)
    {
        foreach (ObjectFrameResult o in r.Objects)
            if (walked.Contains(o.ObjectId) && o.Confidence is { } c)
            {
                int area = CountOf(labels.Data, o.ObjectId);
                _report.Set(r.FrameIndex, r.FrameName, o.ObjectId, area == c.Area ? c : Resized(c, area));
            }
        foreach (int id in _session.ObjectIds)
            if (!walked.Contains(id) && _report.Entry(r.FrameIndex, id) is { } e && CountOf(labels.Data, id) is var a && a != e.Area)
                _report.Set(r.FrameIndex, r.FrameName, id, Resized(e, a));
    }

    /// <summary>Each object's entry on <paramref name="frame"/> as the event stream and the page carry it.</summary>
    private object[] Entries(int frame)
    {
        lock (_lock)
            return _objects.Objects.Select(o => _report.Entry(frame, o.Id) is { } e
                ? (object)new { id = o.Id, area = e.Area, confidence = Math.Round(e.Confidence, 4), review = e.Review, @event = SegmentationReport.EventCode(e.Event) }
                : new { id = o.Id, area = 0, confidence = (double?)null, review = false, @event = (string?)null }).ToArray();
    }

    private static FrameConfidence Resized(FrameConfidence c, int area) => new()
    {
        Confidence = c.Confidence, Review = c.Review, Reasons = c.Reasons, Event = c.Event, Area = area,
        VisiblePoints = c.VisiblePoints, Features = c.Features,
    };

    /// <summary>The per-frame report as <c>segment</c> writes <c>report.json</c> (<see cref="SegmentationReport"/>'s schema).</summary>
    public string ReportJson()
    {
        lock (_lock) return _report.ToJson();
    }

    public object[] Prompts()
    {
        var list = new List<object>();
        foreach (int id in _session.ObjectIds)
            foreach (int f in _session.PromptFrames(id))
            {
                var (mask, points, box) = _session.Prompt(f, id)!.Value;
                list.Add(new
                {
                    @object = id,
                    frame = f,
                    points = (points ?? []).Select(p => new[] { p.X, p.Y, p.Label == PointLabel.Positive ? 1f : 0f }).ToArray(),
                    box = box is { } b ? new[] { b.X0, b.Y0, b.X1, b.Y1 } : null,
                    kind = points is null && box is null ? "mask" : "clicks",
                    pending = IsPending(id, f),
                });
            }
        return [.. list];
    }

    /// <summary>
    /// Runs the <c>export</c> command's exporter on the session's masks into <c>&lt;out&gt;/export/&lt;format&gt;/</c>.
    /// </summary>
    public async Task<IReadOnlyList<string>> Export(ExportRequest template, CancellationToken cancel)
    {
        await EnterSession(cancel);
        try
        {
            if (_session.ObjectIds.Count == 0) throw new StudioRequestException(409, "nothing to export yet: add an object, click on it and propagate");
            ExportResult result = await Task.Run(() => RotoExporter.Export(template with { MasksDir = _folder.MasksDir }, null, cancel), cancel);
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
        string json = JsonSerializer.Serialize(payload, StudioObjects.Json);
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
        lock (_lock) return _objects.Objects.Any(o => o.Id == id);
    }

    private bool IsPending(int objectId, int frame)
    {
        lock (_lock) return _objects.Pending.Contains(new StudioPending(objectId, frame));
    }

    /// <summary>The session (session.json, prompts/), the report and the objects file, each written atomically.</summary>
    private void SaveAll()
    {
        lock (_lock)
        {
            _folder.Save(_session);
            _report.WriteJson(_folder.ReportFile);
            _objects.Save(Root);
        }
    }

    private static StudioRequestException UnknownObject(int id) =>
        new(404, $"object {id} does not exist; create it with POST /api/objects first");

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
