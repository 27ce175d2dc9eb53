using System.CommandLine;
using EdgeSam.Video.Models;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Models;

/// <summary><c>edgesam-video models list|fetch|verify</c>: the model files the tool knows, where they are, and their health.</summary>
internal static class ModelsCommand
{
    /// <summary>Exit code of <c>models verify</c> when a present model is corrupt or a different export.</summary>
    public const int ExitCorrupt = 1;

    /// <summary>Writes the synthetic EdgeSAM-signature models the tests use (same generator), for trying the pipeline.</summary>
    internal static int Synth(ModelsSynthSettings s, CliContext ctx)
    {
        OutputFolder.Ensure(s.Out, "--out");
        (string enc, string dec) = Segmentation.EdgeSam.SyntheticEdgeSamModels.Write(s.Out);
        ctx.Console.WriteLine($"wrote {enc}");
        ctx.Console.WriteLine($"wrote {dec}");
        if (s.BenchmarkEncoder)
            ctx.Console.WriteLine($"wrote {Segmentation.EdgeSam.SyntheticEdgeSamModels.Write(s.Out, Segmentation.EdgeSam.SyntheticEdgeSamModels.EncoderSize.Benchmark).Encoder}");
        // The tracker contracts (models/README.md): a CoTracker/PIPs-style window (8 frames, 256x256, constant motion
        // (+2, +1) px per frame) and a causal TAPIR pair (256x256, 8 points, the same motion).
        ctx.Console.WriteLine($"wrote {Trackers.Synthetic.SyntheticTrackerModels.Window(s.Out, t: 8, w: 256, h: 256, dx: 2, dy: 1)}");
        ctx.Console.WriteLine($"wrote {Trackers.Synthetic.SyntheticTrackerModels.Tapir(s.Out, r: 256, fixedN: 8, dx: 2, dy: 1)}");
        ctx.Console.WriteLine("These are synthetic stand-ins with the real ONNX signatures (EdgeSAM: a disk around the positive points; trackers: constant motion), not the real models.");
        return 0;
    }

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("models", "List, download and verify the model files (EdgeSAM, XFeat, tracker exports).");

        var list = new Command("list", "Show every known model: role, size, licence and where it was found.");
        var (listCache, listMirror) = AddStoreOptions(list);
        list.SetAction((ParseResult r, CancellationToken ct) =>
            Task.FromResult(List(new ModelsListSettings(StoreOf(r, listCache, listMirror)), ctx)));
        cmd.Add(list);

        var fetch = new Command("fetch", "Download a model (or all) into the cache, resuming partial downloads and checking sha256.");
        var fetchName = new Argument<string>("name") { Description = "Model name (see 'models list') or 'all'." };
        var force = new Option<bool>("--force") { Description = "Download again even when a verified copy is present." };
        fetch.Add(fetchName);
        fetch.Add(force);
        var (fetchCache, fetchMirror) = AddStoreOptions(fetch);
        fetch.SetAction((ParseResult r, CancellationToken ct) =>
            Fetch(new ModelsFetchSettings(StoreOf(r, fetchCache, fetchMirror), r.GetValue(fetchName)!, r.GetValue(force)), ctx, ct));
        cmd.Add(fetch);

        var verify = new Command("verify", "Check presence, size, sha256 and ONNX signature of a model (or all). Exit 1 when a present model is corrupt.");
        var verifyName = new Argument<string?>("name") { Description = "Model name; all models when left out.", Arity = ArgumentArity.ZeroOrOne };
        verify.Add(verifyName);
        var (verifyCache, verifyMirror) = AddStoreOptions(verify);
        verify.SetAction((ParseResult r, CancellationToken ct) =>
            Task.FromResult(Verify(new ModelsVerifySettings(StoreOf(r, verifyCache, verifyMirror), r.GetValue(verifyName)), ctx)));
        cmd.Add(verify);

        var synth = new Command("synth", "Write the synthetic test models (EdgeSAM-signature encoder/decoder, windowed and TAPIR-style trackers; not the real models) into a folder.");
        var synthOut = new Option<string>("--out") { Description = "Folder to write into.", Required = true };
        var synthBench = new Option<bool>("--benchmark-encoder") { Description = "Also write the ~40 GFLOP benchmark encoder." };
        synth.Add(synthOut);
        synth.Add(synthBench);
        synth.SetAction((ParseResult r, CancellationToken ct) =>
            Task.FromResult(Synth(new ModelsSynthSettings(r.GetValue(synthOut)!, r.GetValue(synthBench)), ctx)));
        cmd.Add(synth);
        return cmd;
    }

    private static (Option<string?> Cache, Option<string?> Mirror) AddStoreOptions(Command c)
    {
        var cache = new Option<string?>("--cache") { Description = $"Model cache folder (default: ${ModelStore.CacheVariable}, else ~/.cache/edgesam-video/models)." };
        var mirror = new Option<string?>("--mirror") { Description = $"Read-only mirror folder (default: ${ModelStore.MirrorVariable})." };
        c.Add(cache);
        c.Add(mirror);
        return (cache, mirror);
    }

    private static ModelStoreSettings StoreOf(ParseResult r, Option<string?> cache, Option<string?> mirror) =>
        new(r.GetValue(cache), r.GetValue(mirror));

    private static ModelStore Open(ModelStoreSettings s) =>
        new(new ModelStoreOptions { CacheDirectory = s.Cache, MirrorDirectory = s.Mirror });

    internal static int List(ModelsListSettings settings, CliContext ctx)
    {
        ModelStore store = Open(settings.Store);
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("name").AddColumn("role").AddColumn(new TableColumn("size").RightAligned()).AddColumn("licence").AddColumn("found");
        foreach (ModelEntry m in store.Manifest.Models)
        {
            ModelLocation loc = store.Locate(m);
            string found = loc.Source switch
            {
                ModelSource.Cache => "[green]cache[/]",
                ModelSource.Mirror => "[green]mirror[/]",
                _ => m.UserSupplied ? "[yellow]missing[/] (user-supplied)" : "[yellow]missing[/]",
            };
            table.AddRow(Markup.Escape(m.Name), RoleName(m.Role), m.Size is { } b ? $"{b / 1e6:0.0} MB" : "-", Markup.Escape(m.License), found);
        }
        ctx.Console.Write(table);
        PrintFolders(store, ctx);
        return 0;
    }

    internal static Task<int> Fetch(ModelsFetchSettings settings, CliContext ctx, CancellationToken cancel) =>
        Fetch(Open(settings.Store), settings.Name, settings.Force, ctx, cancel);

    /// <summary><c>models fetch</c> over a given store (tests pass one whose manifest points at a local server).</summary>
    internal static async Task<int> Fetch(ModelStore store, string name, bool force, CliContext ctx, CancellationToken cancel)
    {
        if (name != "all")
        {
            ModelEntry model = store.Manifest.Get(name);
            ModelLocation loc = await FetchOne(store, model, force, ctx, cancel);
            StatusLine(ctx, "[green]ok[/]", $"{model.Name}  {SourceName(loc.Source)}  {loc.Path}");
            return 0;
        }

        int failed = 0;
        foreach (ModelEntry model in store.Manifest.Models)
        {
            if (model.UserSupplied)
            {
                StatusLine(ctx, "[grey]skip[/]", $"{model.Name}  {model.Obtain}");
                continue;
            }
            try
            {
                ModelLocation loc = await FetchOne(store, model, force, ctx, cancel);
                StatusLine(ctx, "[green]ok[/]", $"{model.Name}  {SourceName(loc.Source)}  {loc.Path}");
            }
            catch (EdgeSamException e)
            {
                failed++;
                StatusLine(ctx, "[red]failed[/]", $"{model.Name}  {e.Message}");
            }
        }
        if (failed > 0)
            throw new EdgeSamException($"{failed} model(s) could not be fetched (see above): check the network, or set {ModelStore.MirrorVariable} to a folder that holds the files.");
        return 0;
    }

    private static Task<ModelLocation> FetchOne(ModelStore store, ModelEntry model, bool force, CliContext ctx, CancellationToken cancel) =>
        // A local copy is hashed and kept when intact: no progress display for that.
        !force && store.Locate(model).Source != ModelSource.Missing
            ? store.FetchAsync(model, force, null, cancel)
            : ModelDownloadProgress.RunAsync(ctx, model, progress => store.FetchAsync(model, force, progress, cancel));

    internal static int Verify(ModelsVerifySettings settings, CliContext ctx)
    {
        ModelStore store = Open(settings.Store);
        IEnumerable<ModelEntry> models = settings.Name is null ? store.Manifest.Models : [store.Manifest.Get(settings.Name)];
        int ok = 0, missing = 0, bad = 0;
        int width = store.Manifest.Models.Max(m => m.Name.Length);
        foreach (ModelEntry m in models)
        {
            ModelVerification v = store.Verify(m);
            string name = m.Name.PadRight(width);
            switch (v.Health)
            {
                case ModelHealth.Ok:
                    ok++;
                    string what = m.UserSupplied ? "signature matches" : $"{m.Size} bytes, sha256 and signature match";
                    StatusLine(ctx, "[green]ok      [/]", $"{name}  {SourceName(v.Source)}  {v.Path} ({what})");
                    break;
                case ModelHealth.Missing:
                    missing++;
                    StatusLine(ctx, "[yellow]missing [/]", $"{name}  {v.Hint}");
                    break;
                default:
                    bad++;
                    StatusLine(ctx, "[red]mismatch[/]", $"{name}  {SourceName(v.Source)}  {string.Join("; ", v.Problems)}; fix: {v.Hint}");
                    break;
            }
        }
        ctx.Console.Profile.Out.Writer.WriteLine($"{ok} ok, {missing} missing, {bad} mismatched");
        PrintFolders(store, ctx);
        return bad > 0 ? ExitCorrupt : 0;
    }

    private static void PrintFolders(ModelStore store, CliContext ctx)
    {
        TextWriter w = ctx.Console.Profile.Out.Writer;
        w.WriteLine($"cache:  {store.CacheDirectory} (--cache or {ModelStore.CacheVariable})");
        w.WriteLine(store.MirrorDirectory is null
            ? $"mirror: none ({ModelStore.MirrorVariable} is not set; --mirror)"
            : $"mirror: {store.MirrorDirectory} (--mirror or {ModelStore.MirrorVariable})");
    }

    /// <summary>
    /// A coloured status word, then plain text written past Spectre's wrapping: these lines carry paths and URLs
    /// that must stay whole for copy-paste and grep.
    /// </summary>
    private static void StatusLine(CliContext ctx, string statusMarkup, string text)
    {
        ctx.Console.Markup(statusMarkup);
        ctx.Console.Profile.Out.Writer.WriteLine(" " + text);
    }

    private static string SourceName(ModelSource s) => s switch
    {
        ModelSource.Explicit => "explicit",
        ModelSource.Cache => "cache",
        ModelSource.Mirror => "mirror",
        _ => "missing",
    };

    private static string RoleName(ModelRole r) => ModelRoles.Name(r);
}
