using System.Security.Cryptography;
using EdgeSam.Video.Models;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Tests.Models;

public class ModelStoreTests
{
    private static readonly byte[] Content = MakeContent(300_000, seed: 7);

    private static byte[] MakeContent(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static ModelEntry Entry(string url, byte[] content, string? mirrorFolder = "sub") => new()
    {
        Name = "test_model",
        File = "test_model.onnx",
        Family = "test",
        Role = ModelRole.Encoder,
        MirrorFolder = mirrorFolder,
        License = "test",
        Url = url,
        Size = content.Length,
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
        Signature = new ModelSignature([new TensorSpec("x", TensorElementType.Float, ["1"])], [new TensorSpec("y", TensorElementType.Float, ["1"])]),
    };

    private static (ModelStore Store, ModelEntry Entry, string Cache, string Mirror) NewStore(string url, byte[]? content = null, bool allowDownload = true)
    {
        string root = TestPaths.NewTempDir("store");
        string cache = Path.Combine(root, "cache");
        string mirror = Path.Combine(root, "mirror");
        Directory.CreateDirectory(mirror);
        ModelEntry e = Entry(url, content ?? Content);
        var store = new ModelStore(new ModelStoreOptions { CacheDirectory = cache, MirrorDirectory = mirror, AllowDownload = allowDownload },
            new ModelManifest([e]));
        return (store, e, cache, mirror);
    }

    [Fact]
    public async Task Resolution_order_is_explicit_then_cache_then_mirror_then_download()
    {
        using var server = new TestHttpServer(Content);
        var (store, e, cache, mirror) = NewStore(server.Url("test_model.onnx"));

        // Mirror sub-folder, then the mirror root (which wins over the sub-folder).
        Directory.CreateDirectory(Path.Combine(mirror, "sub"));
        string inSub = Path.Combine(mirror, "sub", e.File);
        File.WriteAllBytes(inSub, Content);
        Assert.Equal(inSub, await store.ResolveAsync(e));
        Assert.Equal(ModelSource.Mirror, store.Locate(e).Source);
        string inRoot = Path.Combine(mirror, e.File);
        File.WriteAllBytes(inRoot, Content);
        Assert.Equal(inRoot, await store.ResolveAsync(e));

        Directory.CreateDirectory(cache);
        string cached = Path.Combine(cache, e.File);
        File.WriteAllBytes(cached, Content);
        Assert.Equal(cached, await store.ResolveAsync(e));
        Assert.Equal(ModelSource.Cache, store.Locate(e).Source);

        string explicitPath = Path.Combine(TestPaths.NewTempDir("explicit"), "mine.onnx");
        File.WriteAllBytes(explicitPath, [1, 2, 3]); // an explicit file is the user's choice: no size check
        Assert.Equal(explicitPath, await store.ResolveAsync(e, explicitPath));
        Assert.Equal(ModelSource.Explicit, store.Locate(e, explicitPath).Source);
        Assert.Empty(server.Ranges); // nothing was downloaded while a copy existed

        File.Delete(cached);
        File.Delete(inRoot);
        File.Delete(inSub);
        string downloaded = await store.ResolveAsync(e);
        Assert.Equal(cached, downloaded);
        Assert.Equal(Content, File.ReadAllBytes(downloaded));
        Assert.Single(server.Ranges);
        Assert.Null(server.Ranges[0]);
        Assert.False(File.Exists(cached + ".partial"));
    }

    [Fact]
    public async Task Explicit_path_that_does_not_exist_is_one_line_error()
    {
        var (store, e, _, _) = NewStore("https://example.invalid/x.onnx");
        var ex = await Assert.ThrowsAsync<EdgeSamException>(() => store.ResolveAsync(e, "no/such/file.onnx"));
        Assert.Contains("no/such/file.onnx", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task Download_reports_progress_up_to_the_size()
    {
        using var server = new TestHttpServer(Content);
        var (store, e, _, _) = NewStore(server.Url("m"));
        var reports = new List<DownloadProgress>();
        await store.ResolveAsync(e, progress: new SyncProgress(reports.Add));
        Assert.Equal(Content.Length, reports[^1].Received);
        Assert.All(reports, r => Assert.Equal(Content.Length, r.Total));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Received <= p.Second.Received));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Download_resumes_from_a_partial_file(bool serverIgnoresRange)
    {
        using var server = new TestHttpServer(Content) { IgnoreRange = serverIgnoresRange };
        var (store, e, cache, _) = NewStore(server.Url("m"));
        Directory.CreateDirectory(cache);
        File.WriteAllBytes(Path.Combine(cache, e.File + ".partial"), Content[..123_457]);

        string path = await store.ResolveAsync(e);

        Assert.Equal("bytes=123457-", server.Ranges.Single());
        Assert.Equal(Content, File.ReadAllBytes(path)); // a server that ignores Range sends it all: restart, not append
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public async Task Final_file_appears_only_when_complete_and_an_interrupted_download_resumes()
    {
        using var server = new TestHttpServer(Content) { StallAfter = 100_000 };
        var (store, e, cache, _) = NewStore(server.Url("m"));
        string final = Path.Combine(cache, e.File);
        string partial = final + ".partial";
        using var cts = new CancellationTokenSource();

        Task<string> download = store.ResolveAsync(e, cancel: cts.Token);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(File.Exists(partial) && new FileInfo(partial).Length >= 100_000) && DateTime.UtcNow < deadline && !download.IsCompleted)
            await Task.Delay(10);
        Assert.True(File.Exists(partial), "the download should write to a .partial file");
        Assert.Equal(100_000, new FileInfo(partial).Length);
        Assert.False(File.Exists(final), "no final file while the download is incomplete");

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);
        Assert.False(File.Exists(final));
        Assert.Equal(100_000, new FileInfo(partial).Length); // kept for resuming

        server.StallAfter = null;
        server.Release();
        string path = await store.ResolveAsync(e);
        Assert.Equal("bytes=100000-", server.Ranges[^1]);
        Assert.Equal(Content, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task A_complete_partial_file_is_verified_and_renamed_without_a_request()
    {
        using var server = new TestHttpServer(Content);
        var (store, e, cache, _) = NewStore(server.Url("m"));
        Directory.CreateDirectory(cache);
        File.WriteAllBytes(Path.Combine(cache, e.File + ".partial"), Content);

        string path = await store.ResolveAsync(e);

        Assert.Empty(server.Ranges);
        Assert.Equal(Content, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".partial"));

        // A complete-length partial with wrong bytes is discarded and downloaded again.
        File.Delete(path);
        File.WriteAllBytes(path + ".partial", MakeContent(Content.Length, seed: 11));
        path = await store.ResolveAsync(e);
        Assert.Null(Assert.Single(server.Ranges));
        Assert.Equal(Content, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Sha256_mismatch_is_an_error_and_leaves_nothing_in_the_cache()
    {
        byte[] other = MakeContent(Content.Length, seed: 8);
        using var server = new TestHttpServer(other);
        var (store, e, cache, _) = NewStore(server.Url("m"));

        var ex = await Assert.ThrowsAsync<EdgeSamException>(() => store.ResolveAsync(e));

        Assert.Contains($"sha256 {Convert.ToHexStringLower(SHA256.HashData(other))}", ex.Message);
        Assert.Contains($"expects {e.Sha256}", ex.Message);
        Assert.Empty(Directory.GetFiles(cache));
    }

    [Fact]
    public async Task Longer_download_than_the_manifest_is_an_error_and_leaves_nothing()
    {
        using var server = new TestHttpServer([.. Content, 1, 2, 3]);
        var (store, e, cache, _) = NewStore(server.Url("m"));
        var ex = await Assert.ThrowsAsync<EdgeSamException>(() => store.ResolveAsync(e));
        Assert.Contains("longer than the manifest", ex.Message);
        Assert.Empty(Directory.GetFiles(cache));
    }

    [Fact]
    public async Task Offline_missing_model_is_one_line_naming_file_url_and_mirror_variable()
    {
        // A port nobody listens on: connection refused, as with no network.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        string url = $"http://127.0.0.1:{port}/test_model.onnx";
        var (store, e, cache, _) = NewStore(url);

        var ex = await Assert.ThrowsAsync<EdgeSamException>(() => store.ResolveAsync(e));

        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains("test_model.onnx", ex.Message);
        Assert.Contains(url, ex.Message);
        Assert.Contains("EDGESAM_MODEL_MIRROR", ex.Message);
        Assert.Contains(cache, ex.Message);

        var (noDownload, e2, _, _) = NewStore(url, allowDownload: false);
        var ex2 = await Assert.ThrowsAsync<EdgeSamException>(() => noDownload.ResolveAsync(e2));
        Assert.Contains("downloads are disabled", ex2.Message);
        Assert.Contains("EDGESAM_MODEL_MIRROR", ex2.Message);
    }

    [Fact]
    public async Task Present_file_with_wrong_size_or_hash_is_reported_precisely()
    {
        var (store, e, cache, mirror) = NewStore("https://example.invalid/x.onnx");
        Directory.CreateDirectory(cache);
        string cached = Path.Combine(cache, e.File);
        File.WriteAllBytes(cached, Content[..1000]);

        var ex = await Assert.ThrowsAsync<EdgeSamException>(() => store.ResolveAsync(e));
        Assert.Contains($"{cached} has 1000 bytes, the manifest expects {Content.Length} (truncated)", ex.Message);
        Assert.Contains("models fetch test_model --force", ex.Message);

        ModelVerification v = store.Verify(e, checkSignature: false);
        Assert.Equal(ModelHealth.Mismatch, v.Health);
        Assert.Contains("has 1000 bytes", v.Problems.Single());

        byte[] sameSize = MakeContent(Content.Length, seed: 9);
        File.WriteAllBytes(cached, sameSize);
        v = store.Verify(e, checkSignature: false);
        Assert.Equal(ModelHealth.Mismatch, v.Health);
        Assert.Equal($"model test_model: {cached} has sha256 {Convert.ToHexStringLower(SHA256.HashData(sameSize))}, the manifest expects {e.Sha256}", v.Problems.Single());

        File.Delete(cached);
        File.WriteAllBytes(Path.Combine(mirror, e.File), Content);
        v = store.Verify(e, checkSignature: false);
        Assert.Equal(ModelHealth.Ok, v.Health);
        Assert.Equal(ModelSource.Mirror, v.Source);
    }

    [Fact]
    public void Verify_of_a_missing_model_gives_the_fetch_hint()
    {
        var (store, e, cache, _) = NewStore("https://example.invalid/test_model.onnx");
        ModelVerification v = store.Verify(e);
        Assert.Equal(ModelHealth.Missing, v.Health);
        Assert.Contains("edgesam-video models fetch test_model", v.Hint);
        Assert.Contains("https://example.invalid/test_model.onnx", v.Hint);
        Assert.Contains("EDGESAM_MODEL_MIRROR", v.Hint);
        Assert.Contains(cache, v.Hint);
    }

    [Fact]
    public async Task Fetch_skips_a_verified_copy_unless_forced()
    {
        using var server = new TestHttpServer(Content);
        var (store, e, _, mirror) = NewStore(server.Url("m"));
        File.WriteAllBytes(Path.Combine(mirror, e.File), Content);

        ModelLocation loc = await store.FetchAsync(e, force: false);
        Assert.Equal(ModelSource.Mirror, loc.Source);
        Assert.Empty(server.Ranges);

        loc = await store.FetchAsync(e, force: true);
        Assert.Equal(ModelSource.Cache, loc.Source);
        Assert.Single(server.Ranges);
        Assert.Equal(Content, File.ReadAllBytes(loc.Path!));
    }

    private sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}

/// <summary>Tests that change process environment variables; run alone so no other test sees them.</summary>
[CollectionDefinition(nameof(EnvironmentVariableTests), DisableParallelization = true)]
public sealed class EnvironmentVariableCollection;

[Collection(nameof(EnvironmentVariableTests))]
public class EnvironmentVariableTests
{
    [Fact]
    public void Default_cache_follows_the_variables()
    {
        string? saved = Environment.GetEnvironmentVariable(ModelStore.CacheVariable);
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable(ModelStore.CacheVariable, "/tmp/a-cache");
            Assert.Equal("/tmp/a-cache", ModelStore.DefaultCacheDirectory());
            Environment.SetEnvironmentVariable(ModelStore.CacheVariable, null);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/tmp/xdg");
            Assert.Equal("/tmp/xdg/edgesam-video/models", ModelStore.DefaultCacheDirectory());
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
            Assert.EndsWith("/.cache/edgesam-video/models", ModelStore.DefaultCacheDirectory());
        }
        finally
        {
            Environment.SetEnvironmentVariable(ModelStore.CacheVariable, saved);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", xdg);
        }
    }

}

/// <summary>A model damaged in place after download is caught on its next use, and a sound one is remembered by size and time (issue 30).</summary>
public class ModelIntegrityTests
{
    [Fact]
    public async Task A_cached_or_mirrored_model_damaged_after_download_is_refused_and_good_ones_are_remembered()
    {
        byte[] content = new byte[200_000];
        new Random(3).NextBytes(content);
        string root = TestPaths.NewTempDir("integrity"), cache = Path.Combine(root, "cache"), mirror = Path.Combine(root, "mirror");
        Directory.CreateDirectory(mirror);
        var e = new ModelEntry
        {
            Name = "test_model", File = "test_model.onnx", Family = "test", Role = ModelRole.Encoder, License = "test",
            Url = "http://127.0.0.1:9/none", Size = content.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
            Signature = new ModelSignature([new TensorSpec("x", TensorElementType.Float, ["1"])], [new TensorSpec("y", TensorElementType.Float, ["1"])]),
        };
        var store = new ModelStore(new ModelStoreOptions { CacheDirectory = cache, MirrorDirectory = mirror, AllowDownload = false }, new ModelManifest([e]));
        string file = Path.Combine(mirror, "test_model.onnx");
        File.WriteAllBytes(file, content);

        Assert.Equal(file, await store.ResolveAsync(e));
        Assert.Contains(e.Sha256!, File.ReadAllText(store.VerifiedListPath));

        // Same size, one byte flipped, as a damaged copy: used to run silently (only the size was checked).
        content[1234] ^= 0xFF;
        File.WriteAllBytes(file, content);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        var ex = await Assert.ThrowsAsync<EdgeSamException>(() => store.ResolveAsync(e));
        Assert.Contains("has sha256", ex.Message);
        Assert.Contains("damaged", ex.Message);
    }
}
