using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Cli.Commands.Studio;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using EdgeSam.Video.Tests.Pipeline;

namespace EdgeSam.Video.Tests.Studio;

/// <summary>
/// A running <c>studio</c> (the CLI command itself, in-process) on a random 127.0.0.1 port over the first frames of a
/// DAVIS 2016 sequence (every <see cref="Step"/>-th one), with the weights-free graph cut and one run per propagation;
/// an HTTP client carrying its token.
/// </summary>
internal sealed class StudioHost : IAsyncDisposable
{
    public const string DefaultSequence = "blackswan";

    private readonly CancellationTokenSource _stop = new();
    private Task<int> _run = Task.FromResult(0);

    /// <summary>The DAVIS 2016 sequence the clip is cut from; its ground truth scores the masks.</summary>
    public string Sequence { get; init; } = DefaultSequence;

    /// <summary>Frame i of the clip is frame i * Step of the sequence.</summary>
    public int Step { get; init; } = 1;
    /// <summary>Whether the studio's walks track the prompts' clicks (the default) or re-sample every point.</summary>
    public bool TrackClicks { get; init; } = true;

    public required string Input { get; init; }
    public required string Out { get; init; }
    public StudioServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public StringWriter Console { get; private set; } = null!;

    /// <summary>Starts the studio on <paramref name="frames"/> frames of <paramref name="sequence"/>, every
    /// <paramref name="step"/>-th from the first (or on <paramref name="input"/>/<paramref name="output"/> to reopen a
    /// session). <paramref name="trackClicks"/> false walks with every point re-sampled from the masks
    /// (<c>--track-clicks false</c>).</summary>
    public static async Task<StudioHost> StartAsync(int frames = 12, string? input = null, string? output = null,
        string sequence = DefaultSequence, int step = 1, bool trackClicks = true)
    {
        var host = new StudioHost
        {
            Sequence = sequence,
            Step = step,
            TrackClicks = trackClicks,
            Input = input ?? Clip(sequence, frames, step),
            Out = output ?? Path.Combine(TestPaths.NewTempDir("studio"), "session"),
        };
        await host.Start();
        return host;
    }

    /// <summary>A frame folder of <paramref name="frames"/> frames of <paramref name="sequence"/>, every
    /// <paramref name="step"/>-th, renumbered from 00000 so that frame names and indices agree as in a real clip.</summary>
    public static string Clip(string sequence, int frames, int step = 1)
    {
        if (step == 1) return SegmentCommandTests.FirstFrames(sequence, frames);
        string src = Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", sequence);
        string dst = TestPaths.NewTempDir(sequence);
        string[] all = Directory.GetFiles(src, "*.jpg").Order(StringComparer.Ordinal).ToArray();
        for (int i = 0; i < frames; i++) File.Copy(all[i * step], Path.Combine(dst, $"{i:D5}.jpg"));
        return dst;
    }

    private async Task Start()
    {
        var (ctx, output, _) = CliRunner.Context();
        Console = output;
        var started = new TaskCompletionSource<StudioServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var settings = new StudioSettings
        {
            Input = Input,
            Out = Out,
            Port = 0,
            Pipeline = new PipelineSettings { Segmenter = SegmenterChoice.GraphCut, Restarts = 1, TrackClicks = TrackClicks },
        };
        _run = Task.Run(() => StudioCommand.RunAsync(settings, ctx, s => started.TrySetResult(s), _stop.Token));
        Task first = await Task.WhenAny(started.Task, _run, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != started.Task)
            throw new InvalidOperationException($"the studio did not start: {(_run.IsFaulted ? _run.Exception : output.ToString())}");
        Server = started.Task.Result;
        Http = new HttpClient { BaseAddress = new Uri(Server.BaseAddress), Timeout = TimeSpan.FromMinutes(3) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Server.Token);
    }

    public async Task<JsonElement> Json(HttpMethod method, string path, object? body = null)
    {
        using var req = new HttpRequestMessage(method, path);
        if (body is not null) req.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using HttpResponseMessage r = await Http.SendAsync(req);
        string text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{method} {path}: {(int)r.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The label map the server serves for <paramref name="frame"/>.</summary>
    public async Task<LabelMap> Labels(int frame)
    {
        byte[] png = await Http.GetByteArrayAsync($"/api/masks/{frame}.png");
        return PngCodec.ToLabels(PngCodec.Decode(png, $"mask {frame}"), $"mask {frame}");
    }

    /// <summary>The label map of <paramref name="frame"/> as stored in the session folder (what <c>segment --add</c> and
    /// <c>export</c> read), not as served.</summary>
    public LabelMap DiskLabels(int frame) => PngCodec.ReadLabels(Path.Combine(Out, "masks", frame.ToString("D5") + ".png"));

    /// <summary>Jaccard of object <paramref name="id"/>'s stored mask on <paramref name="frame"/> with the ground truth.</summary>
    public double DiskIoU(int frame, int id = 1) => DavisMetrics.Jaccard(Truth(frame), DiskLabels(frame).MaskOf(id));

    /// <summary>The ground truth of clip frame <paramref name="frame"/>.</summary>
    public Mask Truth(int frame) => Truth(frame * Step, Sequence);

    /// <summary>GET /api/report (segment's report.json schema) as frame index -> object id -> entry.</summary>
    public async Task<Dictionary<int, Dictionary<int, JsonElement>>> Report()
    {
        JsonElement r = await Json(HttpMethod.Get, "/api/report");
        Assert.Equal("edgesam-video report 1", r.GetProperty("schema").GetString());
        var map = new Dictionary<int, Dictionary<int, JsonElement>>();
        foreach (JsonProperty f in r.GetProperty("frames").EnumerateObject())
            map[f.Value.GetProperty("index").GetInt32()] = f.Value.GetProperty("objects").EnumerateObject()
                .ToDictionary(o => int.Parse(o.Name, System.Globalization.CultureInfo.InvariantCulture), o => o.Value.Clone());
        return map;
    }

    public static Mask Truth(int frame, string sequence) => SegmentCommandTests.Truth(sequence, frame.ToString("D5"));

    /// <summary>Jaccard of object <paramref name="id"/>'s served mask on <paramref name="frame"/> with the ground truth.</summary>
    public async Task<double> IoU(int frame, int id = 1) => DavisMetrics.Jaccard(Truth(frame), (await Labels(frame)).MaskOf(id));

    /// <summary>The ground truth's bounding box on <paramref name="frame"/> of <see cref="DefaultSequence"/>, grown by <paramref name="margin"/> pixels.</summary>
    public static int[] TruthBox(int frame, int margin = 8)
    {
        Mask m = Truth(frame, DefaultSequence);
        var (x0, y0, x1, y1) = m.BoundingBox()!.Value;
        return [Math.Max(0, x0 - margin), Math.Max(0, y0 - margin), Math.Min(m.Width - 1, x1 + margin), Math.Min(m.Height - 1, y1 + margin)];
    }

    /// <summary>A ground-truth object pixel of <see cref="DefaultSequence"/> far inside the object (the most eroded one), for a positive click.</summary>
    public static (int X, int Y) Inside(int frame)
    {
        var (x, y, _) = MostInside(Truth(frame, DefaultSequence));
        return (x, y);
    }

    /// <summary>The pixel of <paramref name="m"/> farthest from its outside (city-block distance, two passes), and that
    /// distance (0 for an empty mask).</summary>
    public static (int X, int Y, int Distance) MostInside(Mask m)
    {
        int w = m.Width, h = m.Height;
        var d = new int[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (!m[x, y]) continue;
                int a = x > 0 ? d[i - 1] : 0, b = y > 0 ? d[i - w] : 0;
                d[i] = Math.Min(a, b) + 1;
            }
        int best = 0, bx = 0, by = 0;
        for (int y = h - 1; y >= 0; y--)
            for (int x = w - 1; x >= 0; x--)
            {
                int i = y * w + x;
                if (d[i] == 0) continue;
                int a = x < w - 1 ? d[i + 1] : 0, b = y < h - 1 ? d[i + w] : 0;
                d[i] = Math.Min(d[i], Math.Min(a, b) + 1);
                if (d[i] > best) (best, bx, by) = (d[i], x, y);
            }
        return (bx, by, best);
    }

    /// <summary>
    /// Where a careful person clicks next on <paramref name="frame"/> given the mask shown (the usual protocol of
    /// interactive-segmentation benchmarks): in the middle of the largest error, positive where the mask misses the
    /// object, negative where it spills onto the background. Static ones are on <see cref="DefaultSequence"/>.
    /// </summary>
    public static (int X, int Y, int Label) NextClick(int frame, Mask shown) => NextClick(Truth(frame, DefaultSequence), shown);

    /// <inheritdoc cref="NextClick(int, Mask)"/>
    public (int X, int Y, int Label) NextClickOn(int frame, Mask shown) => NextClick(Truth(frame), shown);

    private static (int X, int Y, int Label) NextClick(Mask truth, Mask shown)
    {
        var missed = new Mask(truth.Width, truth.Height);
        var spilled = new Mask(truth.Width, truth.Height);
        for (int i = 0; i < truth.Data.Length; i++)
        {
            bool t = truth.Data[i] != 0, s = shown.Data[i] != 0;
            if (t && !s) missed.Data[i] = 1;
            if (s && !t) spilled.Data[i] = 1;
        }
        var fn = MostInside(missed);
        var fp = MostInside(spilled);
        return fn.Distance >= fp.Distance ? (fn.X, fn.Y, 1) : (fp.X, fp.Y, 0);
    }

    /// <summary>Clicks on <paramref name="frame"/> for <paramref name="id"/> through the API as <see cref="NextClick(int, Mask)"/>
    /// says until the mask's IoU reaches <paramref name="target"/> or <paramref name="maxClicks"/> were made; returns
    /// the IoU and the clicks made.</summary>
    public async Task<(double IoU, int Clicks)> ClickUntil(int frame, int id, double target, int maxClicks, bool clearFirst = false)
    {
        double j = 0;
        for (int k = 1; k <= maxClicks; k++)
        {
            var (x, y, label) = NextClickOn(frame, (await Labels(frame)).MaskOf(id));
            await Json(HttpMethod.Post, "/api/prompts", new { frame, @object = id, points = new[] { new float[] { x, y, label } }, clear = clearFirst && k == 1 });
            j = await IoU(frame, id);
            if (j >= target) return (j, k);
        }
        return (j, maxClicks);
    }

    /// <summary>Reads the event stream until the <c>done</c> event of <paramref name="job"/>; returns every event of it.</summary>
    public static async Task<List<JsonElement>> ReadJob(StreamReader events, int job, TimeSpan timeout)
    {
        var list = new List<JsonElement>();
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            string? line = await events.ReadLineAsync(cts.Token);
            if (line is null) throw new InvalidOperationException("the event stream ended before the job was done");
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            JsonElement e = JsonDocument.Parse(line[6..]).RootElement.Clone();
            if (e.GetProperty("job").GetInt32() != job) continue;
            list.Add(e);
            if (e.TryGetProperty("done", out JsonElement d) && d.GetBoolean()) return list;
        }
    }

    /// <summary>Stops the studio the way Ctrl-C does and waits for it to exit.</summary>
    public async Task<int> StopAsync()
    {
        _stop.Cancel();
        return await _run.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (!_run.IsCompleted) await StopAsync();
        _stop.Dispose();
    }
}
