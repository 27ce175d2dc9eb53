using System.Text.Json;
using EdgeSam.Video.Media;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Studio;

/// <summary>
/// The studio page in a real browser: Debian's chromium (installed by src/bootstrap.sh) driven by Playwright, on the
/// first 12 frames of DAVIS 2016 blackswan with the weights-free graph cut. A person's session: open the page, click
/// the swan until its mask is right, propagate, step to a later frame, correct it, re-propagate, export; the masks the
/// server holds are scored against the ground truth after each step. Screenshots of every step are kept in the test
/// output (scratch/studio-browser-*/screenshots; also copied to $EDGESAM_STUDIO_SCREENSHOTS when set, which is how
/// docs/studio/ was made).
/// </summary>
public class StudioBrowserTests(ITestOutputHelper output)
{
    public const string Chromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--headless"];

    [MirrorFact]
    public async Task A_person_clicks_propagates_corrects_and_exports_in_chromium()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: src/bootstrap.sh installs it (apt-get install chromium)");
        const int frames = 12;
        await using StudioHost host = await StudioHost.StartAsync(frames);
        string shots = Path.Combine(TestPaths.NewTempDir("studio-browser"), "screenshots");
        Directory.CreateDirectory(shots);
        string? docs = Environment.GetEnvironmentVariable("EDGESAM_STUDIO_SCREENSHOTS");

        using IPlaywright pw = await Playwright.CreateAsync();
        await using IBrowser browser = await pw.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 760 } });
        var consoleErrors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add(m.Text); };
        page.PageError += (_, e) => consoleErrors.Add(e);

        async Task Shot(string name)
        {
            string path = Path.Combine(shots, name + ".png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
            if (!string.IsNullOrEmpty(docs)) File.Copy(path, Path.Combine(docs, name + ".png"), overwrite: true);
            output.WriteLine($"screenshot {path}");
        }
        Task<int> Counter(string name) => page.EvaluateAsync<int>($"() => window.studio.{name}");
        Task WaitCounter(string name, int atLeast, int seconds = 180) =>
            page.WaitForFunctionAsync($"n => window.studio.{name} >= n", atLeast, new PageWaitForFunctionOptions { Timeout = seconds * 1000 });

        await page.GotoAsync(host.Server.PageAddress);
        await page.WaitForSelectorAsync("body[data-ready='1']");
        Assert.Contains("12 frames", await page.TextContentAsync("#video-info"));
        await Shot("01-open");

        // An object, renamed on the page.
        await page.ClickAsync("#add-object");
        await page.WaitForSelectorAsync("#objects li");
        await page.FillAsync("#objects li input[type=text]", "swan");
        await page.PressAsync("#objects li input[type=text]", "Enter");
        await page.WaitForFunctionAsync("() => window.studio.objects.length === 1 && window.studio.objects[0].name === 'swan'");
        const int id = 1;

        LocatorBoundingBoxResult box = (await page.Locator("#frame").BoundingBoxAsync())!;
        async Task ClickFrame(int x, int y, bool negative)
        {
            float px = box.X + (x + 0.5f) * box.Width / 854, py = box.Y + (y + 0.5f) * box.Height / 480;
            await page.Mouse.MoveAsync(px, py);
            if (negative) await page.Keyboard.DownAsync("Shift");
            await page.Mouse.DownAsync();
            await page.Mouse.UpAsync();
            if (negative) await page.Keyboard.UpAsync("Shift");
        }

        // Clicks where the shown mask is wrong, as a careful person would, until it fits.
        var promptMs = new List<double>();
        var serverMs = new List<double>();
        var serverCpuMs = new List<double>();
        async Task<double> ClickUntilRight(int frame, double target, int maxClicks)
        {
            double j = 0;
            for (int k = 0; k < maxClicks; k++)
            {
                var (x, y, label) = StudioHost.NextClick(frame, (await host.Labels(frame)).MaskOf(id));
                int before = await Counter("prompted");
                await ClickFrame(x, y, negative: label == 0);
                await WaitCounter("prompted", before + 1, 60);
                promptMs.Add(await page.EvaluateAsync<double>("() => window.studio.lastPromptMs"));
                serverMs.Add(await page.EvaluateAsync<double>("() => window.studio.lastServerMs"));
                serverCpuMs.Add(await page.EvaluateAsync<double>("() => window.studio.lastServerCpuMs"));
                j = await host.IoU(frame, id);
                output.WriteLine($"frame {frame}: click {k + 1} ({x}, {y}, {(label == 1 ? "+" : "-")}): IoU {j:F3}");
                if (j >= target) break;
            }
            return j;
        }

        double j0 = await ClickUntilRight(0, 0.85, 8);
        Assert.True(j0 > 0.8, $"frame 0 IoU {j0:F3}");
        // The page shows the server's mask: the object's pixels it decoded from the palette PNG are the served ones.
        int shownArea = await page.EvaluateAsync<int>($"() => window.studio.labels.filter(v => v === {id}).length");
        Assert.Equal((await host.Labels(0)).MaskOf(id).Area(), shownArea);
        await Shot("02-clicked");

        await page.ClickAsync("#prop-forward");
        await WaitCounter("jobsDone", 1);
        JsonElement job1 = await page.EvaluateAsync<JsonElement>("() => window.studio.lastJob");
        output.WriteLine($"first walk: {job1}");
        Assert.Equal(frames, job1.GetProperty("frames").GetInt32());
        double[] ious = new double[frames];
        for (int f = 0; f < frames; f++) ious[f] = await host.IoU(f, id);
        output.WriteLine("IoU after the walk: " + string.Join(" ", ious.Select(v => v.ToString("F3"))));
        Assert.True(ious.Average() > 0.75, $"mean IoU {ious.Average():F3}");
        await Shot("03-propagated");

        // "Next flagged frame" goes to a frame the report flags (or says none is).
        JsonElement report = await host.Json(HttpMethod.Get, "/api/report");
        int[] flagged = report.GetProperty("report").EnumerateArray()
            .Where(e => e.GetProperty("objects").EnumerateArray().Any(o => o.GetProperty("review").GetBoolean()))
            .Select(e => e.GetProperty("frame").GetInt32()).ToArray();
        output.WriteLine($"flagged frames: {string.Join(",", flagged)}");
        await page.Locator("#frame").FocusAsync();
        int shown = await Counter("shown");
        await page.Keyboard.PressAsync("n");
        if (flagged.Length > 0)
        {
            await WaitCounter("shown", shown + 1, 30);
            Assert.Contains(await Counter("frame"), flagged);
        }
        else Assert.Contains("no frame is flagged", await page.TextContentAsync("#status"));

        // Keyboard stepping to frame 8: Home, then Shift+Right (10) and Left twice.
        await page.Keyboard.PressAsync("Home");
        await page.Keyboard.PressAsync("Shift+ArrowRight");
        await page.Keyboard.PressAsync("ArrowLeft");
        await page.Keyboard.PressAsync("ArrowLeft");
        await page.WaitForFunctionAsync("() => window.studio.frame === 8");
        Assert.Contains("frame 8 / 11", await page.TextContentAsync("#frame-label"));
        double before8 = ious[8];
        double j8 = await ClickUntilRight(8, Math.Max(0.9, before8 + 0.01), 4);
        output.WriteLine($"frame 8 corrected: IoU {before8:F3} -> {j8:F3}");
        Assert.True(j8 > 0.8, $"frame 8 IoU {j8:F3}");
        await Shot("04-corrected");

        await page.ClickAsync("#prop-forward");
        await WaitCounter("jobsDone", 2);
        JsonElement job2 = await page.EvaluateAsync<JsonElement>("() => window.studio.lastJob");
        output.WriteLine($"second walk: {job2}");
        Assert.Equal(frames - 8, job2.GetProperty("frames").GetInt32());
        for (int f = 8; f < frames; f++) ious[f] = await host.IoU(f, id);
        output.WriteLine("IoU after the correction: " + string.Join(" ", ious.Select(v => v.ToString("F3"))));
        Assert.True(ious.Skip(8).Average() > 0.8, $"mean IoU after the correction {ious.Skip(8).Average():F3}");
        await Shot("05-repropagated");

        // Export through the page: links to files under the session folder.
        foreach (string format in new[] { "alpha-png", "json" })
        {
            await page.SelectOptionAsync("#format", format);
            await page.ClickAsync("#export");
            await page.WaitForFunctionAsync($"() => document.querySelector('#status').textContent.startsWith('exported {format}')", null, new PageWaitForFunctionOptions { Timeout = 120_000 });
            string href = (await page.GetAttributeAsync("#links a", "href"))!;
            string file = (await page.TextContentAsync("#links a"))!;
            Assert.StartsWith("/api/files/export/", href);
            Assert.True(File.Exists(Path.Combine(host.Out, file)), file);
            // The link works in the page's own session (its cookie), not only with the test's header.
            int status = await page.EvaluateAsync<int>("async h => (await fetch(h)).status", href);
            Assert.Equal(200, status);
        }
        if (File.Exists(Path.Combine(host.Out, "export", "alpha-png", "studio", "00008.png")) is var any && any)
            Assert.True(PngCodec.Read(Path.Combine(host.Out, "export", "alpha-png", "studio", "00008.png")).Width == 854);
        await Shot("06-exported");

        Assert.True(consoleErrors.Count == 0, "page errors: " + string.Join(" | ", consoleErrors));
        output.WriteLine($"click to mask on the page (ms): {string.Join(" ", promptMs)}; server wall (ms): {string.Join(" ", serverMs)}; server CPU (ms): {string.Join(" ", serverCpuMs)}");
        output.WriteLine($"per propagated frame (ms): first walk {job1.GetProperty("msPerFrame")} (CPU {job1.GetProperty("cpuMsPerFrame")}), second walk {job2.GetProperty("msPerFrame")} (CPU {job2.GetProperty("cpuMsPerFrame")})");
        output.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
    }
}
