using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeSam.Video.Media;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Studio;

/// <summary>The studio's HTTP API against the running server on 127.0.0.1 (a random port), on the first 12 frames of
/// DAVIS 2016 blackswan with the weights-free graph cut; masks are scored against the ground truth.</summary>
public class StudioApiTests(ITestOutputHelper output)
{
    private static async Task<(HttpStatusCode Status, string Body)> Send(HttpClient http, HttpMethod method, string path, string? body = null, bool auth = true)
    {
        using var req = new HttpRequestMessage(method, path);
        if (body is not null) req.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (!auth) req.Headers.Authorization = null;
        using HttpResponseMessage r = await http.SendAsync(req);
        return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>A 4xx answer is one line of JSON with an error message.</summary>
    private static void OneLineError(string body)
    {
        Assert.Single(body.TrimEnd('\n').Split('\n'));
        Assert.False(string.IsNullOrWhiteSpace(JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()));
    }

    [MirrorFact]
    public async Task Every_route_needs_the_token_and_bad_requests_get_one_line_4xx()
    {
        await using StudioHost host = await StudioHost.StartAsync(frames: 4);
        using var anonymous = new HttpClient { BaseAddress = host.Http.BaseAddress };
        foreach (string path in new[] { "/", "/studio.js", "/api/video", "/api/frames/0.jpg", "/api/masks/0.png", "/api/report", "/api/events", "/nothing" })
        {
            var (st, body) = await Send(anonymous, HttpMethod.Get, path);
            Assert.True(st == HttpStatusCode.Unauthorized, $"{path}: {st}");
            OneLineError(body);
        }
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.Server.Token + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(anonymous, HttpMethod.Get, "/api/video")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(anonymous, HttpMethod.Post, "/api/objects", "{}")).Status);
        // The token in the address works too (what the printed link carries), and sets the page's cookie.
        using (HttpResponseMessage r = await new HttpClient().GetAsync($"{host.Server.PageAddress}"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Contains("edgesam_studio=", string.Join(";", r.Headers.GetValues("Set-Cookie")));
            Assert.Contains("studio.js", await r.Content.ReadAsStringAsync());
        }

        HttpClient http = host.Http;
        var cases = new (HttpMethod Method, string Path, string? Body, HttpStatusCode Expected)[]
        {
            (HttpMethod.Get, "/api/frames/4.jpg", null, HttpStatusCode.NotFound),
            (HttpMethod.Get, "/api/masks/-1.png", null, HttpStatusCode.NotFound),
            (HttpMethod.Post, "/api/objects", "{\"name\": \"swan\"", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/objects", "{\"name\": \"swan\", \"color\": \"red\"}", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/prompts", "{\"frame\": 0, \"object\": 7, \"points\": [[10, 10, 1]]}", HttpStatusCode.NotFound),
            (HttpMethod.Post, "/api/prompts", "{\"frame\": 0}", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/prompts", "[1, 2]", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/propagate", "{\"from\": 0, \"direction\": \"sideways\"}", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/propagate", "{\"from\": 0}", HttpStatusCode.Conflict),
            (HttpMethod.Post, "/api/jobs/5/cancel", null, HttpStatusCode.NotFound),
            (HttpMethod.Post, "/api/export", "{\"to\": \"gif\"}", HttpStatusCode.BadRequest),
            (HttpMethod.Delete, "/api/objects/9", null, HttpStatusCode.NotFound),
            (HttpMethod.Delete, "/api/objects/9/prompts/0", null, HttpStatusCode.NotFound),
            (HttpMethod.Post, "/api/prompts/undo", null, HttpStatusCode.Conflict),
            (HttpMethod.Post, "/api/propagate", "{\"from\": 2, \"direction\": ", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/objects", "{\"name\": \"" + new string('a', 70_000) + "\"}", HttpStatusCode.RequestEntityTooLarge),
        };
        foreach (var (method, path, body, expected) in cases)
        {
            var (st, text) = await Send(http, method, path, body);
            output.WriteLine($"{method} {path}: {(int)st} {text.Trim()}");
            Assert.True(st == expected, $"{method} {path}: {(int)st} {text}, expected {(int)expected}");
            OneLineError(text);
        }
        // A point off the frame and a prompt for an object that exists but on a frame that does not.
        JsonElement obj = await host.Json(HttpMethod.Post, "/api/objects", new { name = "swan" });
        int id = obj.GetProperty("id").GetInt32();
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Post, "/api/prompts", $"{{\"frame\": 0, \"object\": {id}, \"points\": [[900, 10, 1]]}}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, HttpMethod.Post, "/api/prompts", $"{{\"frame\": 40, \"object\": {id}, \"points\": [[9, 10, 1]]}}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Post, "/api/prompts", $"{{\"frame\": 0, \"object\": {id}, \"points\": [[9, 10, 3]]}}")).Status);

        // A removed object leaves the saved masks, the prompts and the object list.
        int other = (await host.Json(HttpMethod.Post, "/api/objects", new { name = "water" })).GetProperty("id").GetInt32();
        await host.Json(HttpMethod.Post, "/api/prompts", new { frame = 0, @object = other, points = new[] { new float[] { 600, 420, 1 } } });
        Assert.Contains(other, (await host.Labels(0)).ObjectIds());
        await host.Json(HttpMethod.Delete, $"/api/objects/{other}");
        Assert.DoesNotContain(other, (await host.Labels(0)).ObjectIds());
        Assert.Equal(0, (await host.Json(HttpMethod.Get, "/api/prompts")).GetArrayLength());
        Assert.Equal(1, (await host.Json(HttpMethod.Get, "/api/video")).GetProperty("objects").GetArrayLength());

        // No path leaves the session folder: a file beside it is never served, however the path is spelled.
        string secret = Path.Combine(Path.GetDirectoryName(host.Out)!, "secret.txt");
        File.WriteAllText(secret, "not for the page");
        foreach (string path in new[] { "/api/files/../secret.txt", "/api/files/..%2Fsecret.txt", "/api/files/%2e%2e/secret.txt", "/api/files/%2e%2e%2fsecret.txt", "/api/files/" + Uri.EscapeDataString(secret) })
        {
            var (st, text) = await Send(http, HttpMethod.Get, path);
            output.WriteLine($"GET {path}: {(int)st} {text.Trim()}");
            Assert.DoesNotContain("not for the page", text);
            Assert.True((int)st is >= 400 and < 500, $"{path}: {st}");
        }
    }

    [MirrorFact]
    public async Task Tracked_clicks_keep_the_car_where_resampled_points_lose_it()
    {
        // car-shadow at half its frame rate (the browser test's clip): the same robot clicks on frame 0, then one walk
        // forward. Re-sampling every point from the masks, the walk keeps less and less of the car as it drives off
        // (IoU ~0.54 on the last 7 frames); with the clicks tracked as query points it keeps it (~0.84).
        const int frames = 20;
        async Task<double[]> Walk(bool track)
        {
            await using StudioHost host = await StudioHost.StartAsync(frames, sequence: "car-shadow", step: 2, trackClicks: track);
            using var events = new StreamReader(await host.Http.GetStreamAsync("/api/events"));
            int id = (await host.Json(HttpMethod.Post, "/api/objects", new { name = "car" })).GetProperty("id").GetInt32();
            var (j0, clicks) = await host.ClickUntil(0, id, 0.85, 8);
            int job = (await host.Json(HttpMethod.Post, "/api/propagate", new { from = 0, direction = "forward" })).GetProperty("job").GetInt32();
            await StudioHost.ReadJob(events, job, TimeSpan.FromMinutes(3));
            double[] ious = new double[frames];
            for (int f = 0; f < frames; f++) ious[f] = await host.IoU(f, id);
            output.WriteLine($"track clicks {track}: frame 0 IoU {j0:F3} after {clicks} click(s); walk " + string.Join(" ", ious.Select(v => v.ToString("F3"))));
            return ious;
        }
        double[] tracked = await Walk(true), resampled = await Walk(false);
        Assert.Equal(tracked[0], resampled[0]);
        double late = tracked[^7..].Average(), lateResampled = resampled[^7..].Average();
        Assert.True(late > lateResampled + 0.1 && late > 0.75, $"last 7 frames: mean IoU {late:F3} tracked, {lateResampled:F3} re-sampled");
    }

    [MirrorFact]
    public async Task Box_prompt_propagate_correct_repropagate_and_export_follow_the_ground_truth()
    {
        const int frames = 12;
        await using StudioHost host = await StudioHost.StartAsync(frames);
        HttpClient http = host.Http;
        using var events = new StreamReader(await http.GetStreamAsync("/api/events"));

        JsonElement video = await host.Json(HttpMethod.Get, "/api/video");
        Assert.Equal(frames, video.GetProperty("frames").GetInt32());
        Assert.Equal(854, video.GetProperty("width").GetInt32());
        int id = (await host.Json(HttpMethod.Post, "/api/objects", new { name = "swan" })).GetProperty("id").GetInt32();
        Assert.Equal(1, id);
        await host.Json(new HttpMethod("PATCH"), $"/api/objects/{id}", new { name = "black swan", color = "#33cc99" });
        Assert.Equal("black swan", (await host.Json(HttpMethod.Get, "/api/video")).GetProperty("objects")[0].GetProperty("name").GetString());

        // A box around the swan on frame 0 (the graph cut keeps only its pale back), then clicks where the mask is wrong.
        var (x, y) = StudioHost.Inside(0);
        JsonElement p = await host.Json(HttpMethod.Post, "/api/prompts", new { frame = 0, @object = id, points = Array.Empty<float[]>(), box = StudioHost.TruthBox(0) });
        output.WriteLine($"box prompt: {p}, IoU {await host.IoU(0):F3}");
        Assert.True(p.GetProperty("area").GetInt32() > 0);
        Assert.Equal(1.0, p.GetProperty("confidence").GetDouble());
        var (j0, clicks) = await host.ClickUntil(0, id, 0.85, 8);
        output.WriteLine($"frame 0 IoU {j0:F3} after {clicks} click(s)");
        Assert.True(j0 > 0.8, $"prompt mask IoU {j0:F3} after {clicks} clicks");

        int job = (await host.Json(HttpMethod.Post, "/api/propagate", new { from = 0, direction = "forward" })).GetProperty("job").GetInt32();
        // One job at a time, and no prompt while it runs.
        var (st2, body2) = await Send(http, HttpMethod.Post, "/api/propagate", "{\"from\": 0, \"direction\": \"forward\"}");
        Assert.Equal(HttpStatusCode.Conflict, st2);
        OneLineError(body2);
        var (st3, _) = await Send(http, HttpMethod.Post, "/api/prompts", $"{{\"frame\": 3, \"object\": {id}, \"points\": [[{x}, {y}, 1]]}}");
        Assert.Equal(HttpStatusCode.Conflict, st3);
        List<JsonElement> ev = await StudioHost.ReadJob(events, job, TimeSpan.FromMinutes(3));
        JsonElement done = ev[^1];
        output.WriteLine($"done: {done}");
        Assert.False(done.GetProperty("cancelled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("error").ValueKind);
        Assert.Equal(frames, done.GetProperty("frames").GetInt32());
        Assert.Equal(Enumerable.Range(0, frames), ev.SkipLast(1).Select(e => e.GetProperty("frame").GetInt32()));
        foreach (JsonElement e in ev.SkipLast(1))
        {
            JsonElement o = e.GetProperty("objects")[0];
            Assert.Equal(id, o.GetProperty("id").GetInt32());
            Assert.InRange(o.GetProperty("confidence").GetDouble(), 0, 1);
            Assert.Equal((await host.Labels(e.GetProperty("frame").GetInt32())).MaskOf(id).Area(), o.GetProperty("area").GetInt32());
        }
        double[] ious = new double[frames];
        for (int f = 0; f < frames; f++) ious[f] = await host.IoU(f);
        output.WriteLine("IoU after the first walk: " + string.Join(" ", ious.Select(v => v.ToString("F3"))));
        Assert.True(ious.Average() > 0.75, $"mean IoU {ious.Average():F3}");

        // The report is segment's report.json: every walked frame, the prompt frame marked as such.
        Dictionary<int, Dictionary<int, JsonElement>> report = await host.Report();
        Assert.Equal(Enumerable.Range(0, frames), report.Keys.Order());
        Assert.Equal("prompted", report[0][id].GetProperty("event").GetString());
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(File.ReadAllText(Path.Combine(host.Out, "report.json"))).RootElement),
            JsonSerializer.Serialize((await host.Json(HttpMethod.Get, "/api/report"))));

        // A correction on frame 8: the clicks refine the propagated mask there (the mask shown is the prior, as
        // segment --add does), then "Propagate" re-walks the swan from frame 8 to the neighbouring prompts.
        LabelMap[] stored = Enumerable.Range(0, frames).Select(host.DiskLabels).ToArray();
        var (nx, ny, nl) = StudioHost.NextClick(8, stored[8].MaskOf(id));
        JsonElement fix = await host.Json(HttpMethod.Post, "/api/prompts", new { frame = 8, @object = id, points = new[] { new float[] { nx, ny, nl } } });
        Assert.True(fix.GetProperty("refined").GetBoolean(), fix.ToString());
        var (j8, c8) = await host.ClickUntil(8, id, Math.Max(0.9, ious[8] + 0.02), 5);
        output.WriteLine($"frame 8 IoU {ious[8]:F3} -> {j8:F3} after {c8 + 1} click(s)");
        Assert.True(j8 > ious[8], $"the correction lowered frame 8's IoU: {ious[8]:F3} -> {j8:F3}");
        Assert.Equal(c8 + 1, (await host.Json(HttpMethod.Get, "/api/prompts")).EnumerateArray().Single(p => p.GetProperty("frame").GetInt32() == 8).GetProperty("points").GetArrayLength());
        job = (await host.Json(HttpMethod.Post, "/api/propagate", new { from = 8, direction = "forward" })).GetProperty("job").GetInt32();
        ev = await StudioHost.ReadJob(events, job, TimeSpan.FromMinutes(3));
        output.WriteLine($"correction: {ev[^1]}");
        Assert.Equal("correction", ev[^1].GetProperty("mode").GetString());
        Assert.Equal(1, ev[^1].GetProperty("corrections").GetInt32());
        // Frames nearer the first prompt than the correction keep the first walk's masks (SessionCorrection's blend).
        for (int f = 0; f <= 4; f++) Assert.Equal(stored[f].Data, host.DiskLabels(f).Data);
        Assert.Equal(j8, host.DiskIoU(8), 6);
        for (int f = 8; f < frames; f++) ious[f] = host.DiskIoU(f);
        output.WriteLine("IoU after the correction: " + string.Join(" ", ious.Select(v => v.ToString("F3"))));
        Assert.True(ious.Skip(8).Average() > 0.8, $"mean IoU after the correction {ious.Skip(8).Average():F3}");
        Assert.Equal("prompted", (await host.Report())[8][id].GetProperty("event").GetString());

        // A cancelled walk says so and stops early.
        job = (await host.Json(HttpMethod.Post, "/api/propagate", new { from = frames - 1, direction = "backward" })).GetProperty("job").GetInt32();
        await host.Json(HttpMethod.Post, $"/api/jobs/{job}/cancel");
        ev = await StudioHost.ReadJob(events, job, TimeSpan.FromMinutes(3));
        Assert.True(ev[^1].GetProperty("cancelled").GetBoolean() || ev[^1].GetProperty("frames").GetInt32() == frames, ev[^1].ToString());

        // Every export format writes under the session folder; the links serve the files.
        foreach (string to in new[] { "json", "alpha-png", "svg", "coco", "ytvis", "ae", "nuke", "prores", "webm" })
        {
            JsonElement x1 = await host.Json(HttpMethod.Post, "/api/export", new { to });
            string[] files = x1.GetProperty("files").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.NotEmpty(files);
            foreach (string f in files) Assert.True(File.Exists(Path.Combine(host.Out, f)), f);
            Assert.All(files, f => Assert.StartsWith("export/", f));
            string url = x1.GetProperty("urls")[0].GetString()!;
            using HttpResponseMessage r = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(new FileInfo(Path.Combine(host.Out, files[0])).Length, (await r.Content.ReadAsByteArrayAsync()).Length);
            if (to is "prores" or "webm")
            {
                // A matte video of every frame, with its alpha: ProRes 4444 (yuva) in .mov, VP9 with alpha in .webm.
                string probe = Probe(Path.Combine(host.Out, files[0]));
                output.WriteLine($"{to}: {files[0]}: {probe}");
                Assert.Contains(to == "prores" ? "codec_name=prores" : "codec_name=vp9", probe);
                Assert.Contains($"nb_read_frames={frames}", probe);
                Assert.Contains(to == "prores" ? "pix_fmt=yuva444p" : "ALPHA_MODE=1", probe, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    private static string Probe(string file)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,pix_fmt,nb_read_frames:stream_tags", "-of", "default=nw=1", file])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text.Replace('\n', ' ');
    }

    [MirrorFact]
    public async Task Undo_and_delete_take_back_prompts_on_the_page_and_on_disk()
    {
        await using StudioHost host = await StudioHost.StartAsync(frames: 3);
        int id = (await host.Json(HttpMethod.Post, "/api/objects", new { name = "swan" })).GetProperty("id").GetInt32();
        LabelMap blank = host.DiskLabels(0);
        Assert.Empty(blank.ObjectIds());
        var (x, y) = StudioHost.Inside(0);
        await host.Json(HttpMethod.Post, "/api/prompts", new { frame = 0, @object = id, points = new[] { new float[] { x, y, 1 } } });
        LabelMap afterOne = host.DiskLabels(0);
        var (nx, ny, nl) = StudioHost.NextClick(0, afterOne.MaskOf(id));
        await host.Json(HttpMethod.Post, "/api/prompts", new { frame = 0, @object = id, points = new[] { new float[] { nx, ny, nl } } });
        Assert.Equal(2, (await host.Json(HttpMethod.Get, "/api/prompts"))[0].GetProperty("points").GetArrayLength());
        Assert.NotEqual(afterOne.Data, host.DiskLabels(0).Data);

        // Undo takes back the second click: one click left, the frame's mask as after the first, session.json too.
        JsonElement u = await host.Json(HttpMethod.Post, "/api/prompts/undo");
        Assert.Equal(0, u.GetProperty("frame").GetInt32());
        Assert.Equal(1, (await host.Json(HttpMethod.Get, "/api/prompts"))[0].GetProperty("points").GetArrayLength());
        Assert.Equal(afterOne.Data, host.DiskLabels(0).Data);
        Assert.Single(JsonDocument.Parse(File.ReadAllText(Path.Combine(host.Out, "session.json"))).RootElement.GetProperty("prompts")[0].GetProperty("points").EnumerateArray());
        // ... and then the first: no prompt, the frame blank again, its report entry gone.
        await host.Json(HttpMethod.Post, "/api/prompts/undo");
        Assert.Equal(0, (await host.Json(HttpMethod.Get, "/api/prompts")).GetArrayLength());
        Assert.Equal(blank.Data, host.DiskLabels(0).Data);
        Assert.False((await host.Report()).ContainsKey(0));
        var (st, body) = await Send(host.Http, HttpMethod.Post, "/api/prompts/undo");
        Assert.Equal(HttpStatusCode.Conflict, st);
        OneLineError(body);

        // Delete a prompt: gone from the session and its file; deleting it again is a 404.
        await host.Json(HttpMethod.Post, "/api/prompts", new { frame = 1, @object = id, points = new[] { new float[] { x, y, 1 } } });
        Assert.Single(Directory.GetFiles(Path.Combine(host.Out, "prompts")));
        await host.Json(HttpMethod.Delete, $"/api/objects/{id}/prompts/1");
        Assert.Equal(0, (await host.Json(HttpMethod.Get, "/api/prompts")).GetArrayLength());
        Assert.Empty(Directory.GetFiles(Path.Combine(host.Out, "prompts")));
        (st, body) = await Send(host.Http, HttpMethod.Delete, $"/api/objects/{id}/prompts/1");
        Assert.Equal(HttpStatusCode.NotFound, st);
        OneLineError(body);
    }

    /// <summary><c>segment</c> and <c>studio</c> share one session folder both ways: the studio reopens what segment
    /// stored, its correction is re-propagated as segment --add would, and segment --add then reopens what the studio
    /// left (and the studio what segment --add added).</summary>
    [MirrorFact]
    public async Task Segment_and_studio_share_one_session_folder_both_ways()
    {
        const int frames = 6;
        string input = Pipeline.SegmentCommandTests.FirstFrames(StudioHost.DefaultSequence, frames);
        string outDir = Path.Combine(TestPaths.NewTempDir("studio-shared"), "shot");
        var (x, y) = StudioHost.Inside(0);
        string[] common = ["--segmenter", "graphcut", "--tracker", "lk", "--restarts", "1", "--no-preview"];
        var (rc, text, err) = await CliRunner.Run(["segment", input, "--out", outDir, "--prompt", $"frame=0;points={x},{y},+", .. common]);
        Assert.True(rc == 0, text + err);
        byte[][] segmented = Enumerable.Range(0, frames).Select(f => File.ReadAllBytes(Path.Combine(outDir, "masks", $"{f:D5}.png"))).ToArray();

        await using (StudioHost studio = await StudioHost.StartAsync(input: input, output: outDir))
        {
            Assert.Contains("reopened the session", studio.Console.ToString());
            JsonElement obj = (await studio.Json(HttpMethod.Get, "/api/video")).GetProperty("objects")[0];
            Assert.Equal(1, obj.GetProperty("id").GetInt32());
            Assert.True(obj.GetProperty("walked").GetBoolean());
            Assert.Equal(segmented[3], await studio.Http.GetByteArrayAsync("/api/masks/3.png"));
            Assert.Equal(frames, (await studio.Report()).Count);
            await studio.Json(new HttpMethod("PATCH"), "/api/objects/1", new { name = "swan" });
            // A click on frame 4 refines segment's mask there; Propagate re-walks it as a correction.
            var (cx, cy, cl) = StudioHost.NextClick(4, studio.DiskLabels(4).MaskOf(1));
            JsonElement p = await studio.Json(HttpMethod.Post, "/api/prompts", new { frame = 4, @object = 1, points = new[] { new float[] { cx, cy, cl } } });
            Assert.True(p.GetProperty("refined").GetBoolean());
            using var events = new StreamReader(await studio.Http.GetStreamAsync("/api/events"));
            int job = (await studio.Json(HttpMethod.Post, "/api/propagate", new { from = 4, direction = "both" })).GetProperty("job").GetInt32();
            List<JsonElement> ev = await StudioHost.ReadJob(events, job, TimeSpan.FromMinutes(3));
            Assert.Equal("correction", ev[^1].GetProperty("mode").GetString());
            for (int f = 0; f <= 2; f++) Assert.Equal(segmented[f], File.ReadAllBytes(Path.Combine(outDir, "masks", $"{f:D5}.png")));
            // One of them at a time: segment --add waits for the studio to stop.
            var (busy, busyOut, busyErr) = await CliRunner.Run(["segment", input, "--out", outDir, "--add", "--prompt", $"frame=5;points={x},{y},+", .. common]);
            Assert.NotEqual(0, busy);
            Assert.Contains("is in use by another run", busyOut + busyErr);
            Assert.Equal(0, await studio.StopAsync());
        }

        // segment --add reopens the studio's session (its frame-4 prompt included) and adds a correction on frame 5.
        var before = PngCodec.ReadLabels(Path.Combine(outDir, "masks", "00005.png")).MaskOf(1);
        var (ax, ay, al) = StudioHost.NextClick(5, before);
        (rc, text, err) = await CliRunner.Run(["segment", input, "--out", outDir, "--add", "--prompt", $"frame=5;points={ax},{ay},{(al == 1 ? "+" : "-")}", .. common]);
        output.WriteLine(text);
        Assert.True(rc == 0, text + err);
        Assert.Contains("stored session with object(s) 1, 2 prompt(s); 1 new", text);

        await using (StudioHost again = await StudioHost.StartAsync(input: input, output: outDir))
        {
            JsonElement o = (await again.Json(HttpMethod.Get, "/api/video")).GetProperty("objects")[0];
            Assert.Equal("swan", o.GetProperty("name").GetString());
            Assert.Equal([0, 4, 5], o.GetProperty("promptFrames").EnumerateArray().Select(e => e.GetInt32()));
            // segment --add kept report.json up to date: frame 5 is a prompt now.
            Assert.Equal("prompted", (await again.Report())[5][1].GetProperty("event").GetString());
        }
    }

    [MirrorFact]
    public async Task A_stopped_studio_reopens_its_session_where_it_was()
    {
        StudioHost first = await StudioHost.StartAsync(frames: 6);
        int id = (await first.Json(HttpMethod.Post, "/api/objects", new { name = "swan" })).GetProperty("id").GetInt32();
        var (j0, clicks) = await first.ClickUntil(0, id, 0.85, 8);
        byte[] mask0 = await first.Http.GetByteArrayAsync("/api/masks/0.png");
        Assert.Equal(0, await first.StopAsync());
        Assert.Contains("stopped; the session is in", first.Console.ToString());
        await first.DisposeAsync();
        // On disk in segment's layout: session.json with the clicks, the prompt's mask, a label map per frame, report.json.
        JsonElement stored = JsonDocument.Parse(File.ReadAllText(Path.Combine(first.Out, "session.json"))).RootElement;
        Assert.Equal(clicks, stored.GetProperty("prompts")[0].GetProperty("points").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(first.Out, stored.GetProperty("prompts")[0].GetProperty("mask").GetString()!)));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(first.Out, "masks"), "*.png").Length);
        Assert.True(File.Exists(Path.Combine(first.Out, "report.json")));
        Assert.False(File.Exists(Path.Combine(first.Out, "studio.json")));

        await using StudioHost second = await StudioHost.StartAsync(input: first.Input, output: first.Out);
        Assert.Contains("reopened the session", second.Console.ToString());
        JsonElement video = await second.Json(HttpMethod.Get, "/api/video");
        Assert.Equal("swan", video.GetProperty("objects")[0].GetProperty("name").GetString());
        Assert.Equal(0, video.GetProperty("objects")[0].GetProperty("promptFrames")[0].GetInt32());
        Assert.Equal(mask0, await second.Http.GetByteArrayAsync("/api/masks/0.png"));
        // The restored prompt drives a propagation without a new click.
        using var events = new StreamReader(await second.Http.GetStreamAsync("/api/events"));
        int job = (await second.Json(HttpMethod.Post, "/api/propagate", new { from = 0, direction = "both" })).GetProperty("job").GetInt32();
        List<JsonElement> ev = await StudioHost.ReadJob(events, job, TimeSpan.FromMinutes(2));
        // Both ways from frame 0: the backward walk is frame 0 alone, then forward over all six.
        Assert.Equal(7, ev[^1].GetProperty("frames").GetInt32());
        Assert.Equal([0, 0, 1, 2, 3, 4, 5], ev.SkipLast(1).Select(e => e.GetProperty("frame").GetInt32()));
        Assert.Equal(j0, await second.IoU(0), 6);
        double j5 = await second.IoU(5);
        Assert.True(j5 > 0.6, $"frame 5 IoU {j5:F3}");
    }
}
