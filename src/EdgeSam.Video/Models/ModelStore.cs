using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace EdgeSam.Video.Models;

/// <summary>Where a model file was found.</summary>
public enum ModelSource
{
    /// <summary>A path the caller gave (command-line option).</summary>
    Explicit,
    /// <summary>The per-user cache (downloads land here).</summary>
    Cache,
    /// <summary>The read-only mirror folder (<c>EDGESAM_MODEL_MIRROR</c>).</summary>
    Mirror,
    /// <summary>Not found anywhere.</summary>
    Missing,
}

/// <summary>Result of <see cref="ModelStore.Verify"/>.</summary>
public enum ModelHealth
{
    /// <summary>Present, and size, sha256 and signature match the manifest.</summary>
    Ok,
    /// <summary>Not present (not an error: it can be fetched or supplied).</summary>
    Missing,
    /// <summary>Present but corrupt or a different model: see <see cref="ModelVerification.Problems"/>.</summary>
    Mismatch,
}

/// <summary>Where a model is (<see cref="Path"/> null when <see cref="Source"/> is <see cref="ModelSource.Missing"/>).</summary>
public sealed record ModelLocation(ModelEntry Model, ModelSource Source, string? Path);

/// <summary>What <see cref="ModelStore.Verify"/> found; <see cref="Hint"/> says how to get a missing model.</summary>
public sealed record ModelVerification(ModelEntry Model, ModelHealth Health, ModelSource Source, string? Path,
    IReadOnlyList<string> Problems, string? Hint);

/// <summary>Download progress of one file, in bytes (<see cref="Received"/> counts bytes resumed from a partial file).</summary>
public readonly record struct DownloadProgress(string Model, long Received, long Total);

/// <summary>Where a <see cref="ModelStore"/> looks. Null folders fall back to the environment variables and defaults.</summary>
public sealed record ModelStoreOptions
{
    /// <summary>Cache folder; null: <c>EDGESAM_MODEL_CACHE</c>, else <c>$XDG_CACHE_HOME/edgesam-video/models</c>, else <c>~/.cache/edgesam-video/models</c>.</summary>
    public string? CacheDirectory { get; init; }
    /// <summary>Mirror folder; null: <c>EDGESAM_MODEL_MIRROR</c> (unset or empty: no mirror).</summary>
    public string? MirrorDirectory { get; init; }
    /// <summary>False: a model that is in neither folder is an error instead of a download.</summary>
    public bool AllowDownload { get; init; } = true;
    /// <summary>HTTP stack for downloads (tests, proxies); null: a fresh <see cref="SocketsHttpHandler"/>.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }
    /// <summary>How long to wait for a TCP connection before calling the host unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Finds model files, in this order: an explicit path; the cache folder; the mirror folder (the file directly, or in
/// the entry's sub-folder such as <c>xfeat/</c>); a download from the official URL into the cache (resumed from a
/// <c>.partial</c> file with an HTTP Range request, sha256-checked, then renamed into place so a final file name
/// always holds a complete, verified file). Resolving checks a found file's size, and its sha256 once per file
/// version (size and modification time; <see cref="VerifiedListPath"/>), on download and by <see cref="Verify"/>.
/// </summary>
public sealed class ModelStore
{
    public const string CacheVariable = "EDGESAM_MODEL_CACHE";
    public const string MirrorVariable = "EDGESAM_MODEL_MIRROR";

    private readonly ModelStoreOptions _options;

    public ModelStore(ModelStoreOptions? options = null, ModelManifest? manifest = null)
    {
        _options = options ?? new ModelStoreOptions();
        Manifest = manifest ?? ModelManifest.Embedded;
        CacheDirectory = Path.GetFullPath(_options.CacheDirectory ?? DefaultCacheDirectory());
        string? mirror = _options.MirrorDirectory ?? Environment.GetEnvironmentVariable(MirrorVariable);
        MirrorDirectory = string.IsNullOrEmpty(mirror) ? null : Path.GetFullPath(mirror);
    }

    public ModelManifest Manifest { get; }
    public string CacheDirectory { get; }
    public string? MirrorDirectory { get; }

    /// <summary><c>EDGESAM_MODEL_CACHE</c>, else <c>$XDG_CACHE_HOME/edgesam-video/models</c>, else <c>~/.cache/edgesam-video/models</c>.</summary>
    public static string DefaultCacheDirectory()
    {
        string? env = Environment.GetEnvironmentVariable(CacheVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrEmpty(xdg) ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "edgesam-video", "models");
    }

    /// <summary>The file's path in the cache (whether or not it exists).</summary>
    public string CachePath(ModelEntry model) => Path.Combine(CacheDirectory, model.File);

    /// <summary>Where the model is, without downloading, hashing or checking it.</summary>
    public ModelLocation Locate(ModelEntry model, string? explicitPath = null)
    {
        if (explicitPath != null)
            return new ModelLocation(model, File.Exists(explicitPath) ? ModelSource.Explicit : ModelSource.Missing,
                File.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : null);
        string cached = CachePath(model);
        if (File.Exists(cached))
            return new ModelLocation(model, ModelSource.Cache, cached);
        foreach (string candidate in MirrorCandidates(model))
            if (File.Exists(candidate))
                return new ModelLocation(model, ModelSource.Mirror, candidate);
        return new ModelLocation(model, ModelSource.Missing, null);
    }

    /// <summary>Like <see cref="ResolveAsync(ModelEntry, string?, IProgress{DownloadProgress}?, CancellationToken)"/> for a manifest name.</summary>
    public Task<string> ResolveAsync(string name, string? explicitPath = null, IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default) =>
        ResolveAsync(Manifest.Get(name), explicitPath, progress, cancel);

    /// <summary>
    /// The path of a usable copy of <paramref name="model"/>: explicit path, cache, mirror, else a download into the
    /// cache. Throws <see cref="EdgeSamException"/> (one line) when the explicit path does not exist, when a cached or
    /// mirrored file has the wrong size, or when the model is missing and cannot be downloaded.
    /// </summary>
    public async Task<string> ResolveAsync(ModelEntry model, string? explicitPath = null, IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default)
    {
        if (explicitPath != null)
        {
            // A user's own file may be a different export of the same contract, so only its existence is checked here;
            // the signature is checked when the session opens.
            if (!File.Exists(explicitPath))
                throw new EdgeSamException($"model file {explicitPath} (given for {model.Name}) does not exist: check the path, or leave the option out to use {model.File} from the cache or mirror.");
            return Path.GetFullPath(explicitPath);
        }
        ModelLocation loc = Locate(model);
        if (loc.Path != null)
        {
            if (SizeProblem(model, loc.Path) is { } problem)
                throw new EdgeSamException($"{problem}: {FixHint(model, loc.Source)}.");
            if (model.Sha256 is { } expected && !IsKnownGood(loc.Path, expected))
            {
                string actual = Sha256Of(loc.Path);
                if (actual != expected)
                    throw new EdgeSamException($"model {model.Name}: {loc.Path} has sha256 {actual}, the manifest expects {expected} (the file was changed or damaged after download): {FixHint(model, loc.Source)}.");
                RememberGood(loc.Path, expected);
            }
            return loc.Path;
        }
        if (model.UserSupplied)
            throw new EdgeSamException($"model {model.Name} ({model.File}) is in neither the cache {CacheDirectory} nor {MirrorText()}: {model.Obtain}.");
        if (!_options.AllowDownload)
            throw new EdgeSamException(MissingMessage(model, "downloads are disabled"));
        return await DownloadAsync(model, progress, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads <paramref name="model"/> into the cache unless a verified copy is already there (or in the mirror,
    /// unless <paramref name="force"/>). Returns where the model now is.
    /// </summary>
    public async Task<ModelLocation> FetchAsync(ModelEntry model, bool force, IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default)
    {
        if (model.UserSupplied)
            throw new EdgeSamException($"model {model.Name} cannot be downloaded: {model.Obtain}.");
        if (!force)
        {
            ModelLocation loc = Locate(model);
            if (loc.Path != null && HashProblems(model, loc.Path).Count == 0)
                return loc;
        }
        string path = await DownloadAsync(model, progress, cancel).ConfigureAwait(false);
        return new ModelLocation(model, ModelSource.Cache, path);
    }

    /// <summary>
    /// Checks the file that resolving would use: presence, size, sha256 (official files) and, when
    /// <paramref name="checkSignature"/>, the ONNX graph inputs/outputs against the manifest. Never downloads.
    /// </summary>
    public ModelVerification Verify(ModelEntry model, string? explicitPath = null, bool checkSignature = true)
    {
        ModelLocation loc = Locate(model, explicitPath);
        if (loc.Path == null)
            return new ModelVerification(model, ModelHealth.Missing, ModelSource.Missing, null, [], MissingHint(model, explicitPath));
        var problems = new List<string>();
        // A user's explicit file may be a different export: only its signature has to match.
        if (loc.Source != ModelSource.Explicit)
            problems.AddRange(HashProblems(model, loc.Path));
        if (checkSignature && problems.Count == 0)
        {
            try
            {
                problems.AddRange(SignatureCheck.Compare(model.Name, model.Signature, OnnxSignatureReader.Read(loc.Path)));
            }
            catch (EdgeSamException e)
            {
                problems.Add(e.Message);
            }
        }
        return new ModelVerification(model, problems.Count == 0 ? ModelHealth.Ok : ModelHealth.Mismatch, loc.Source, loc.Path, problems,
            problems.Count == 0 ? null : FixHint(model, loc.Source));
    }

    /// <summary>How to get a missing model, as one clause.</summary>
    public string MissingHint(ModelEntry model, string? explicitPath = null)
    {
        if (explicitPath != null)
            return $"{explicitPath} does not exist";
        if (model.UserSupplied)
            return model.Obtain!;
        return $"run 'edgesam-video models fetch {model.Name}' (downloads {model.Url}), or put {model.File} in {CacheDirectory} or in the folder named by {MirrorVariable}";
    }

    /// <summary>The one-line error for a model that is nowhere and could not be downloaded.</summary>
    public string MissingMessage(ModelEntry model, string reason) =>
        $"model {model.Name} ({model.File}) is in neither the cache {CacheDirectory} nor {MirrorText()}, and it could not be downloaded from {model.Url} ({reason}): " +
        $"download it into {CacheDirectory}, or set {MirrorVariable} to a folder that holds {model.File}.";

    private string MirrorText() => MirrorDirectory is null ? $"a mirror ({MirrorVariable} is not set)" : $"the mirror {MirrorDirectory}";

    private IEnumerable<string> MirrorCandidates(ModelEntry model)
    {
        if (MirrorDirectory is null) yield break;
        yield return Path.Combine(MirrorDirectory, model.File);
        if (model.MirrorFolder != null)
            yield return Path.Combine(MirrorDirectory, model.MirrorFolder, model.File);
    }

    private static string FixHint(ModelEntry model, ModelSource source) => source switch
    {
        ModelSource.Cache => $"delete it or run 'edgesam-video models fetch {model.Name} --force'",
        ModelSource.Mirror => $"replace it in the mirror with the official file{(model.Url is null ? "" : " from " + model.Url)}",
        _ => "check that the file is the intended export",
    };

    private static string? SizeProblem(ModelEntry model, string path)
    {
        if (model.Size is not { } expected) return null;
        long actual = new FileInfo(path).Length;
        return actual == expected ? null
            : $"model {model.Name}: {path} has {actual} bytes, the manifest expects {expected} ({(actual < expected ? "truncated" : "a different file")})";
    }

    private static List<string> HashProblems(ModelEntry model, string path)
    {
        var problems = new List<string>();
        if (SizeProblem(model, path) is { } size)
            problems.Add(size);
        else if (model.Sha256 is { } expected)
        {
            string actual = Sha256Of(path);
            if (actual != expected)
                problems.Add($"model {model.Name}: {path} has sha256 {actual}, the manifest expects {expected}");
        }
        return problems;
    }

    /// <summary>
    /// Files whose sha256 was found right, one per line: <c>sha256 size mtime-ticks path</c>, in the cache folder (the
    /// mirror may be read-only). A file is hashed once (about 2.5 ms per MB) and again only when its size or
    /// modification time changes: a copy damaged in place after download is caught on its next use.
    /// </summary>
    public string VerifiedListPath => Path.Combine(CacheDirectory, ".verified");

    private bool IsKnownGood(string path, string sha256)
    {
        string key = VerifiedKey(path, sha256);
        try
        {
            return File.Exists(VerifiedListPath) && File.ReadLines(VerifiedListPath).Any(l => l == key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void RememberGood(string path, string sha256)
    {
        string full = Path.GetFullPath(path);
        try
        {
            // Entries of other files are kept, this file's earlier ones dropped; concurrent writers may lose an
            // entry, which only costs a hash next time.
            var lines = File.Exists(VerifiedListPath)
                ? File.ReadLines(VerifiedListPath).Where(l => !l.EndsWith(" " + full, StringComparison.Ordinal)).ToList()
                : [];
            lines.Add(VerifiedKey(full, sha256));
            Media.AtomicFile.WriteAllText(VerifiedListPath, string.Join("\n", lines) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EdgeSamException)
        {
            // A cache folder that cannot be written only means hashing again next time.
        }
    }

    private static string VerifiedKey(string path, string sha256)
    {
        var info = new FileInfo(path);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{sha256} {info.Length} {info.LastWriteTimeUtc.Ticks} {Path.GetFullPath(path)}");
    }

    /// <summary>Lower-case hex sha256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    private async Task<string> DownloadAsync(ModelEntry model, IProgress<DownloadProgress>? progress, CancellationToken cancel)
    {
        string url = model.Url!;
        long size = model.Size!.Value;
        string final = CachePath(model);
        string partial = final + ".partial";
        try
        {
            Directory.CreateDirectory(CacheDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeSamException($"cannot create the model cache {CacheDirectory} ({e.Message}): set {CacheVariable} or --cache to a writable folder.", e);
        }

        HttpMessageHandler handler = _options.HttpHandler ?? new SocketsHttpHandler
        {
            ConnectTimeout = _options.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var client = new HttpClient(handler, disposeHandler: _options.HttpHandler is null) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("edgesam-video/0.1");

        for (int attempt = 0; ; attempt++)
        {
            long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            if (have == size)
            {
                // A complete .partial left by an interrupted rename: keep it if it hashes right.
                if (HashFile(partial) == model.Sha256)
                    return Commit(model, partial, final, model.Sha256);
                File.Delete(partial);
                have = 0;
            }
            else if (have > size)
            {
                File.Delete(partial);
                have = 0;
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (have > 0 && have < size)
                request.Headers.Range = new RangeHeaderValue(have, null);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new EdgeSamException(MissingMessage(model, e.Message.ReplaceLineEndings(" ")), e);
            }
            catch (TaskCanceledException e) when (!cancel.IsCancellationRequested)
            {
                throw new EdgeSamException(MissingMessage(model, "connection timed out"), e);
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0 && attempt == 0)
                {
                    File.Delete(partial);
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                    throw new EdgeSamException(MissingMessage(model, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}"));

                bool append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent
                    && response.Content.Headers.ContentRange is { From: { } from } && from == have;
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                if (append)
                    HashInto(hash, partial);
                else
                    have = 0; // the server ignored the Range: start over

                FileStream output;
                try
                {
                    output = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
                }
                catch (IOException e)
                {
                    throw new EdgeSamException($"cannot write {partial} ({e.Message}); another download of {model.Name} may be running: wait for it or delete the file.", e);
                }
                long received = have;
                await using (output)
                {
                    await using Stream body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
                    byte[] buffer = new byte[1 << 16];
                    progress?.Report(new DownloadProgress(model.Name, received, size));
                    while (true)
                    {
                        int n;
                        try
                        {
                            n = await body.ReadAsync(buffer, cancel).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is IOException or HttpRequestException)
                        {
                            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                            throw new EdgeSamException($"download of {model.Name} from {url} broke off at {received} of {size} bytes ({e.Message}): run 'edgesam-video models fetch {model.Name}' again to resume.", e);
                        }
                        if (n == 0) break;
                        if (received + n > size)
                        {
                            output.Close();
                            File.Delete(partial);
                            throw new EdgeSamException($"download of {model.Name} from {url} is longer than the manifest's {size} bytes: the file at that address changed; nothing was saved.");
                        }
                        await output.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
                        hash.AppendData(buffer, 0, n);
                        received += n;
                        progress?.Report(new DownloadProgress(model.Name, received, size));
                    }
                }
                if (received != size)
                    throw new EdgeSamException($"download of {model.Name} from {url} ended at {received} of {size} bytes: run 'edgesam-video models fetch {model.Name}' again to resume.");
                return Commit(model, partial, final, Convert.ToHexStringLower(hash.GetHashAndReset()));
            }
        }
    }

    /// <summary>Moves a complete, hash-checked download to its final name; a wrong hash deletes it.</summary>
    private static string Commit(ModelEntry model, string partial, string final, string sha256)
    {
        if (sha256 != model.Sha256)
        {
            File.Delete(partial);
            throw new EdgeSamException($"downloaded {model.File} has sha256 {sha256}, the manifest expects {model.Sha256}: the file at {model.Url} changed or the transfer was corrupted; nothing was saved (run the fetch again).");
        }
        File.Move(partial, final, overwrite: true);
        return final;
    }

    private static string HashFile(string path)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        HashInto(hash, path);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void HashInto(IncrementalHash hash, string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        byte[] buffer = new byte[1 << 20];
        int n;
        while ((n = fs.Read(buffer)) > 0)
            hash.AppendData(buffer, 0, n);
    }
}
