using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeSam.Video.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeSam.Video.Cli.Commands.Studio;

/// <summary>
/// The studio's HTTP server: Kestrel on 127.0.0.1 only, minimal APIs over a <see cref="StudioProject"/>, the page from
/// resources embedded in the tool. Every route needs the token (<c>Authorization: Bearer T</c>, <c>?token=T</c>, or
/// the cookie the page's first load sets), else 401; request bodies are limited to <see cref="MaxBodyBytes"/>; every
/// refusal is one line of JSON (<c>{"error": "..."}</c>); files are served only from under the session folder.
/// </summary>
internal sealed class StudioServer : IAsyncDisposable
{
    /// <summary>Largest request body: a prompt with thousands of clicks fits in a few KB.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    private const string CookieName = "edgesam_studio";

    private readonly WebApplication _app;
    private readonly StudioProject _project;
    private readonly FrameJpegs _jpegs;
    private readonly string _token;
    private readonly double _fps;
    private readonly string _input;
    private readonly Pipeline.FolderSessionMasks _masks;
    private byte[]? _emptyPng;

    private StudioServer(WebApplication app, StudioProject project, string token, double fps, string input)
    {
        _app = app;
        _project = project;
        _token = token;
        _fps = fps;
        _input = input;
        _jpegs = new FrameJpegs(project.Session.Frames);
        _masks = new Pipeline.FolderSessionMasks(project.MasksDir, project.Session.Frames);
    }

    /// <summary>Where the server listens (<c>http://127.0.0.1:PORT</c>).</summary>
    public string BaseAddress { get; private set; } = "";

    public string Token => _token;

    /// <summary>The page's address with the token.</summary>
    public string PageAddress => $"{BaseAddress}/?token={_token}";

    public StudioProject Project => _project;

    /// <summary>A random token of 128 bits, URL-safe.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static async Task<StudioServer> StartAsync(StudioProject project, int port, string token, string input, CancellationToken cancel)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Loopback only: the page drives a local session; nothing on the network may reach it.
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
            k.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        WebApplication app = builder.Build();
        var server = new StudioServer(app, project, token, project.Session.Frames.FrameRate, input);
        server.Map();
        try
        {
            await app.StartAsync(cancel);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new EdgeSamException($"--port {port}: cannot listen on 127.0.0.1:{port} ({e.Message.TrimEnd('.')}); give another port, or 0 for a free one");
        }
        string address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return server;
    }

    public Task WaitForShutdownAsync(CancellationToken cancel) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        try { await _app.StopAsync(); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }

    private void Map()
    {
        _app.Use(async (ctx, next) =>
        {
            if (!Authorized(ctx))
            {
                await Error(ctx, 401, "missing or wrong token: open the address the studio printed (http://127.0.0.1:PORT/?token=...), or send Authorization: Bearer <token>");
                return;
            }
            // The page's first load carries the token in its address; a cookie lets its images and scripts follow.
            if (ctx.Request.Query.ContainsKey("token"))
                ctx.Response.Cookies.Append(CookieName, _token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            try
            {
                await next(ctx);
            }
            catch (StudioRequestException e) { await Error(ctx, e.Status, e.Message); }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await Error(ctx, 413, $"request body over {MaxBodyBytes} bytes");
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        });

        _app.MapGet("/", () => Page("index.html", "text/html; charset=utf-8"));
        _app.MapGet("/studio.js", () => Page("studio.js", "text/javascript; charset=utf-8"));
        _app.MapGet("/studio.css", () => Page("studio.css", "text/css; charset=utf-8"));

        _app.MapGet("/api/video", () => Results.Json(_project.Video(_fps), StudioObjects.Json));
        _app.MapGet("/api/frames/{frame:int}.jpg", (int frame, HttpContext ctx) =>
        {
            _project.CheckFrame(frame);
            return Results.Bytes(_jpegs.Get(frame, ctx.RequestAborted), "image/jpeg");
        });
        _app.MapGet("/api/masks/{frame:int}.png", (int frame) =>
        {
            _project.CheckFrame(frame);
            // A frame nothing has segmented yet is all background.
            byte[] png = File.Exists(_masks.PathOf(frame)) ? File.ReadAllBytes(_masks.PathOf(frame))
                : (_emptyPng ??= Media.PngCodec.EncodeLabels(new Media.LabelMap(_project.Session.Width, _project.Session.Height)));
            return Results.Bytes(png, "image/png");
        });
        _app.MapGet("/api/objects", () => Results.Json(_project.Objects(), StudioObjects.Json));
        _app.MapPost("/api/objects", async (HttpContext ctx) =>
        {
            ObjectBody b = await Body<ObjectBody>(ctx);
            StudioObject o = _project.AddObject(b.Name, b.Color);
            return Results.Json(new { id = o.Id, name = o.Name, color = o.Color }, StudioObjects.Json);
        });
        _app.MapMethods("/api/objects/{id:int}", ["PATCH"], async (int id, HttpContext ctx) =>
        {
            ObjectBody b = await Body<ObjectBody>(ctx);
            StudioObject o = _project.UpdateObject(id, b.Name, b.Color);
            return Results.Json(new { id = o.Id, name = o.Name, color = o.Color }, StudioObjects.Json);
        });
        _app.MapDelete("/api/objects/{id:int}", async (int id, HttpContext ctx) =>
        {
            await _project.RemoveObject(id, ctx.RequestAborted);
            return Results.Json(new { id, removed = true }, StudioObjects.Json);
        });
        _app.MapGet("/api/prompts", () => Results.Json(_project.Prompts(), StudioObjects.Json));
        _app.MapPost("/api/prompts", async (HttpContext ctx) =>
        {
            PromptBody b = await Body<PromptBody>(ctx);
            if (b.Frame is not { } frame || b.Object is not { } obj)
                throw new StudioRequestException(400, "a prompt needs frame and object: {\"frame\": 0, \"object\": 1, \"points\": [[x, y, 1]]}");
            object r = await _project.Prompt(frame, obj, b.Points ?? [], b.Box, b.Clear ?? false, ctx.RequestAborted);
            return Results.Json(r, StudioObjects.Json);
        });
        // An explicit IResult: a lambda of HttpContext alone returning a Task would bind as a RequestDelegate and drop its result.
        _app.MapPost("/api/prompts/undo", async Task<IResult> (HttpContext ctx) => Results.Json(await _project.Undo(ctx.RequestAborted), StudioObjects.Json));
        _app.MapDelete("/api/objects/{id:int}/prompts/{frame:int}", async (int id, int frame, HttpContext ctx) =>
            Results.Json(await _project.DeletePrompt(id, frame, ctx.RequestAborted), StudioObjects.Json));
        _app.MapPost("/api/propagate", async (HttpContext ctx) =>
        {
            PropagateBody b = await Body<PropagateBody>(ctx);
            StudioDirection dir = (b.Direction ?? "forward").ToLowerInvariant() switch
            {
                "forward" => StudioDirection.Forward,
                "backward" => StudioDirection.Backward,
                "both" => StudioDirection.Both,
                _ => throw new StudioRequestException(400, $"direction '{b.Direction}' is not forward, backward or both"),
            };
            int job = await _project.StartPropagation(b.From ?? 0, dir, ctx.RequestAborted);
            return Results.Json(new { job }, StudioObjects.Json);
        });
        _app.MapPost("/api/jobs/{job:int}/cancel", (int job) =>
        {
            _project.Cancel(job);
            return Results.Json(new { job, cancelling = true }, StudioObjects.Json);
        });
        _app.MapGet("/api/events", Events);
        _app.MapGet("/api/report", () => Results.Text(_project.ReportJson(), "application/json; charset=utf-8"));
        _app.MapPost("/api/export", async (HttpContext ctx) =>
        {
            ExportBody b = await Body<ExportBody>(ctx);
            ExportFormat format;
            try { format = ExportFormats.Parse(b.To ?? ""); }
            catch (EdgeSamException e) { throw new StudioRequestException(400, e.Message.TrimEnd('.')); }
            string name = ExportFormats.Name(format);
            // Every output lands in <out>/export/<format>/: the request names no path.
            var request = new ExportRequest(_project.MasksDir, format, Path.Combine(_project.Root, "export", name),
                Frames: _input, ObjectIds: b.Objects, FeatherPx: b.Feather ?? 0,
                Edge: (b.Edge ?? "hard").ToLowerInvariant() switch
                {
                    "hard" => EdgeMode.Hard,
                    "soft" => EdgeMode.Soft,
                    _ => throw new StudioRequestException(400, $"edge '{b.Edge}' is not hard or soft"),
                },
                MatteOnly: b.MatteOnly ?? false, Combine: b.Combine ?? false, Smooth: b.Smooth ?? 2, Tolerance: b.Tolerance ?? 1.0,
                MinArea: b.MinArea ?? 16, FrameRate: _fps, Name: "studio");
            if (request.FeatherPx is < 0 or > 100 || request.Smooth is < 0 or > 50 || request.Tolerance is <= 0 or > 20 || request.MinArea < 0)
                throw new StudioRequestException(400, "export options out of range: feather 0..100, smooth 0..50, tolerance (0, 20], minArea >= 0");
            IReadOnlyList<string> files = await _project.Export(request, ctx.RequestAborted);
            string root = _project.Root;
            return Results.Json(new
            {
                files = files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).ToArray(),
                urls = files.Select(f => "/api/files/" + string.Join('/', Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString))).ToArray(),
            }, StudioObjects.Json);
        });
        _app.MapGet("/api/files/{**path}", (string path) =>
        {
            string full = InsideSession(path);
            if (!File.Exists(full)) throw new StudioRequestException(404, $"no file {path} in the session folder");
            string type = Path.GetExtension(full).ToLowerInvariant() switch
            {
                ".png" => "image/png",
                ".json" => "application/json",
                ".svg" => "image/svg+xml",
                ".webm" => "video/webm",
                ".mov" => "video/quicktime",
                _ => "application/octet-stream",
            };
            return Results.File(full, type, Path.GetFileName(full));
        });
        _app.MapFallback((HttpContext ctx) => Results.Json(new { error = $"no route {ctx.Request.Method} {ctx.Request.Path}" }, StudioObjects.Json, statusCode: 404));
    }

    /// <summary>The full path of <paramref name="relative"/> under the session folder; 403 when it would leave it.</summary>
    internal string InsideSession(string relative)
    {
        string root = _project.Root;
        string full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new StudioRequestException(403, $"{relative} lies outside the session folder");
        // A link inside the folder could still point out of it.
        var info = new FileInfo(full);
        if (info.LinkTarget is not null)
            throw new StudioRequestException(403, $"{relative} is a link; only plain files of the session folder are served");
        return full;
    }

    private bool Authorized(HttpContext ctx)
    {
        string? given = null;
        string auth = ctx.Request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.Ordinal)) given = auth[7..].Trim();
        else if (ctx.Request.Query.TryGetValue("token", out var q)) given = q.ToString();
        else if (ctx.Request.Cookies.TryGetValue(CookieName, out string? c)) given = c;
        if (given is null) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(_token));
    }

    private async Task Events(HttpContext ctx)
    {
        ctx.Response.Headers.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        var reader = _project.Subscribe();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _app.Lifetime.ApplicationStopping);
        CancellationToken stop = linked.Token;
        try
        {
            await ctx.Response.WriteAsync(": connected\n\n", stop);
            await ctx.Response.Body.FlushAsync(stop);
            while (!stop.IsCancellationRequested)
            {
                using var beat = CancellationTokenSource.CreateLinkedTokenSource(stop);
                beat.CancelAfter(TimeSpan.FromSeconds(15));
                string? msg = null;
                try
                {
                    if (await reader.WaitToReadAsync(beat.Token)) reader.TryRead(out msg);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested) { }
                // A comment line every 15 s keeps proxies and the browser from timing the stream out.
                await ctx.Response.WriteAsync(msg is null ? ": keep-alive\n\n" : $"data: {msg}\n\n", stop);
                await ctx.Response.Body.FlushAsync(stop);
            }
        }
        catch (OperationCanceledException) { }
        finally { _project.Unsubscribe(reader); }
    }

    private static async Task<T> Body<T>(HttpContext ctx) where T : class
    {
        try
        {
            T? b = await JsonSerializer.DeserializeAsync<T>(ctx.Request.Body, StudioObjects.Json, ctx.RequestAborted);
            return b ?? throw new StudioRequestException(400, "the request body is empty; send a JSON object");
        }
        catch (JsonException e)
        {
            string where = e.Path is null ? "" : $" at {e.Path}";
            throw new StudioRequestException(400, $"malformed JSON body{where}: {(e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "expected a JSON object with the documented fields" : e.Message.Split('\n')[0].Split(". Path:")[0])}");
        }
    }

    private static Task Error(HttpContext ctx, int status, string message)
    {
        if (ctx.Response.HasStarted) return Task.CompletedTask;
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(new { error = message.Replace('\n', ' ') }, StudioObjects.Json) + "\n");
    }

    private static IResult Page(string name, string type)
    {
        using Stream? s = Assembly.GetExecutingAssembly().GetManifestResourceStream("studio/" + name);
        if (s is null) return Results.NotFound();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return Results.Bytes(ms.ToArray(), type);
    }

    private sealed record ObjectBody(string? Name, string? Color);
    private sealed record PromptBody(int? Frame, int? Object, float[][]? Points, float[]? Box, bool? Clear);
    private sealed record PropagateBody(int? From, string? Direction);
    private sealed record ExportBody(string? To, int[]? Objects, double? Feather, string? Edge, bool? MatteOnly, bool? Combine,
        int? Smooth, double? Tolerance, int? MinArea);
}
