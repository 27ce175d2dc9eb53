using EdgeSam.Video.Cli;
using EdgeSam.Video.Cli.Commands.Models;
using EdgeSam.Video.Models;
using Spectre.Console;

namespace EdgeSam.Video.Tests.Models;

public class ModelsCommandTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliRunner.Run(args);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [MirrorFact]
    public async Task Verify_lists_mirror_xfeat_ok_and_edgesam_missing_with_the_download_hint()
    {
        string cache = TestPaths.NewTempDir("cli-cache");
        var (code, output, err) = await Run("models", "verify", "--cache", cache, "--mirror", TestPaths.ModelMirror);

        Assert.Equal(0, code);
        Assert.Equal("", err);
        string[] lines = Lines(output);
        foreach (string x in new[] { "xfeat_256x256", "xfeat_320x160", "xfeat_320x224" })
        {
            string line = Assert.Single(lines, l => l.Contains(x + " ", StringComparison.Ordinal));
            Assert.StartsWith("ok ", line);
            Assert.Contains($"mirror  {Path.Combine(TestPaths.ModelMirror, "xfeat", x + ".onnx")}", line);
            Assert.Contains("sha256 and signature match", line);
        }
        string enc = Assert.Single(lines, l => l.Contains("edge_sam_3x_encoder ", StringComparison.Ordinal));
        Assert.StartsWith("missing ", enc);
        Assert.Contains("edgesam-video models fetch edge_sam_3x_encoder", enc);
        Assert.Contains("https://huggingface.co/spaces/chongzhou/EdgeSAM/resolve/main/weights/edge_sam_3x_encoder.onnx", enc);
        Assert.Contains("EDGESAM_MODEL_MIRROR", enc);
        Assert.StartsWith("missing ", Assert.Single(lines, l => l.Contains("tapir ", StringComparison.Ordinal)));
        Assert.Contains("3 ok, 7 missing, 0 mismatched", lines);
    }

    [MirrorFact]
    public async Task Verify_exits_1_on_a_corrupt_cached_model_and_names_the_problem()
    {
        string cache = TestPaths.NewTempDir("cli-corrupt");
        byte[] real = File.ReadAllBytes(Path.Combine(TestPaths.ModelMirror, "xfeat", "xfeat_320x160.onnx"));
        real[^10] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(cache, "xfeat_320x160.onnx"), real);

        var (code, output, _) = await Run("models", "verify", "xfeat_320x160", "--cache", cache, "--mirror", TestPaths.ModelMirror);

        Assert.Equal(1, code);
        string line = Assert.Single(Lines(output), l => l.Contains("xfeat_320x160 ", StringComparison.Ordinal));
        Assert.StartsWith("mismatch", line);
        Assert.Contains("has sha256", line);
        Assert.Contains("models fetch xfeat_320x160 --force", line);
    }

    [MirrorFact]
    public async Task List_shows_every_model_and_where_it_was_found()
    {
        var (code, output, _) = await Run("models", "list", "--cache", TestPaths.NewTempDir("cli-list"), "--mirror", TestPaths.ModelMirror);
        Assert.Equal(0, code);
        string[] lines = Lines(output);
        Assert.Contains(lines, l => l.Contains("xfeat_256x256") && l.Contains("tracker-feature") && l.Contains("Apache-2.0") && l.Contains("mirror"));
        Assert.Contains(lines, l => l.Contains("edge_sam_3x_decoder") && l.Contains("15.9 MB") && l.Contains("missing"));
        Assert.Contains(lines, l => l.Contains("cotracker_window") && l.Contains("user-supplied"));
    }

    [Fact]
    public async Task Fetch_of_a_user_supplied_or_unknown_model_is_a_one_line_error()
    {
        var (code, _, err) = await Run("models", "fetch", "tapir", "--cache", TestPaths.NewTempDir("cli-fetch"));
        Assert.Equal(CliApp.ExitUserError, code);
        Assert.StartsWith("error: model tapir cannot be downloaded: user-supplied: export it with onnx_export.py", err);
        Assert.Single(Lines(err));

        (code, _, err) = await Run("models", "verify", "sam_hq", "--cache", TestPaths.NewTempDir("cli-fetch"));
        Assert.Equal(CliApp.ExitUserError, code);
        Assert.StartsWith("error: unknown model 'sam_hq'", err);
    }

    [MirrorFact]
    public async Task Fetch_of_a_model_in_the_mirror_reports_it_without_downloading()
    {
        var (code, output, _) = await Run("models", "fetch", "xfeat_256x256", "--cache", TestPaths.NewTempDir("cli-fetch2"), "--mirror", TestPaths.ModelMirror);
        Assert.Equal(0, code);
        Assert.Contains($"ok xfeat_256x256  mirror  {Path.Combine(TestPaths.ModelMirror, "xfeat", "xfeat_256x256.onnx")}", output);
    }
}

public class ModelsFetchCommandTests
{
    private static readonly byte[] Content = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7 + (i >> 9))).ToArray();

    private static (ModelStore Store, string Cache) StoreFor(TestHttpServer server)
    {
        var entry = new ModelEntry
        {
            Name = "local_model",
            File = "local_model.onnx",
            Family = "test",
            Role = ModelRole.Decoder,
            License = "test",
            Url = server.Url("local_model.onnx"),
            Size = Content.Length,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Content)),
            Signature = new ModelSignature([new TensorSpec("x", EdgeSam.Video.Onnx.TensorElementType.Float, ["1"])], [new TensorSpec("y", EdgeSam.Video.Onnx.TensorElementType.Float, ["1"])]),
        };
        string cache = TestPaths.NewTempDir("cli-dl");
        return (new ModelStore(new ModelStoreOptions { CacheDirectory = cache, MirrorDirectory = TestPaths.NewTempDir("cli-nomirror") }, new ModelManifest([entry])), cache);
    }

    private static (CliContext Ctx, StringWriter Out) Console(bool interactive)
    {
        var (ctx, output, _) = CliRunner.Context(interactive);
        return (ctx, output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Fetch_downloads_with_a_progress_display_and_then_finds_the_cached_copy(bool interactive)
    {
        using var server = new TestHttpServer(Content);
        var (store, cache) = StoreFor(server);
        var (ctx, output) = Console(interactive);

        int code = await ModelsCommand.Fetch(store, "local_model", force: false, ctx, CancellationToken.None);

        Assert.Equal(0, code);
        string path = Path.Combine(cache, "local_model.onnx");
        Assert.Equal(Content, File.ReadAllBytes(path));
        string text = output.ToString();
        Assert.Contains($"ok local_model  cache  {path}", text);
        if (interactive)
            Assert.Contains("100%", text); // the Spectre bar reached the end
        else
            Assert.Contains($"downloading local_model ({Content.Length} bytes) from {server.Url("local_model.onnx")}", text);

        // Second fetch: the verified cached copy is kept, nothing is requested.
        (ctx, output) = Console(interactive);
        Assert.Equal(0, await ModelsCommand.Fetch(store, "all", force: false, ctx, CancellationToken.None));
        Assert.Single(server.Ranges);
        Assert.Contains($"ok local_model  cache  {path}", output.ToString());
    }

    [Fact]
    public async Task Fetch_all_lists_each_failure_then_fails_with_one_line()
    {
        TestHttpServer server = new(Content);
        var (store, _) = StoreFor(server);
        string url = server.Url("local_model.onnx");
        server.Dispose(); // nobody listens any more: connection refused, as offline
        var (ctx, output) = Console(interactive: false);

        var ex = await Assert.ThrowsAsync<EdgeSamException>(() => ModelsCommand.Fetch(store, "all", force: false, ctx, CancellationToken.None));

        Assert.Equal("1 model(s) could not be fetched (see above): check the network, or set EDGESAM_MODEL_MIRROR to a folder that holds the files.", ex.Message);
        string line = Assert.Single(output.ToString().Split('\n'), l => l.StartsWith("failed", StringComparison.Ordinal));
        Assert.Contains("local_model", line);
        Assert.Contains(url, line);
    }

    [Fact]
    public async Task Resolve_with_progress_announces_a_resumed_download()
    {
        using var server = new TestHttpServer(Content);
        var (store, cache) = StoreFor(server);
        File.WriteAllBytes(Path.Combine(cache, "local_model.onnx.partial"), Content[..5000]);
        var (ctx, output) = Console(interactive: false);

        string path = await ModelDownloadProgress.ResolveAsync(ctx, store, store.Manifest.Get("local_model"), null, CancellationToken.None);

        Assert.Equal(Content, File.ReadAllBytes(path));
        Assert.Contains("resuming at 5000 bytes", output.ToString());
    }
}
