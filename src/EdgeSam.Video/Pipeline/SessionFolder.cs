using System.Text;
using System.Text.Json;
using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// A session kept on disk between runs (<c>segment --out DIR</c>, later <c>segment --add</c>, a UI server):
/// <list type="bullet">
/// <item><c>session.json</c>: the video it belongs to (frame count, size), the sampler seed the masks came from, and
/// every prompt in <see cref="PromptFile"/>'s schema, each with its mask under <c>prompts/</c>;</item>
/// <item><c>prompts/f&lt;frame&gt;-o&lt;object&gt;.png</c>: each prompt's mask (0/255), so reopening needs no segmenting and
/// a later correction on that frame adds to its clicks;</item>
/// <item><c>masks/&lt;frame&gt;.png</c>: the current labels of every frame (<see cref="FolderSessionMasks"/>);</item>
/// <item><c>report.json</c> beside them (written by the confidence report, not here).</item>
/// </list>
/// session.json is written last and atomically: a folder without it holds no session.
/// </summary>
public sealed class SessionFolder(string root)
{
    public string Root { get; } = root;
    public string SessionFile => Path.Combine(Root, "session.json");
    public string MasksDir => Path.Combine(Root, "masks");
    public string PromptsDir => Path.Combine(Root, "prompts");
    public string ReportFile => Path.Combine(Root, "report.json");

    public bool Exists => File.Exists(SessionFile);

    /// <summary>What session.json records besides the prompts.</summary>
    public sealed record Info(int FrameCount, int Width, int Height, int Seed);

    /// <summary>Writes every prompt of <paramref name="session"/> (masks first, then session.json).</summary>
    public void Save(VideoSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Directory.CreateDirectory(PromptsDir);
        var specs = new List<PromptSpec>();
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (int id in session.ObjectIds)
            foreach (int frame in session.PromptFrames(id))
            {
                var (mask, points, box) = session.Prompt(frame, id)!.Value;
                string name = $"f{frame}-o{id}.png";
                keep.Add(name);
                AtomicFile.WriteAllBytes(Path.Combine(PromptsDir, name), PngCodec.EncodeMask(mask));
                specs.Add(new PromptSpec(frame, id, points ?? [], box, "prompts/" + name));
            }
        // Prompt masks of objects or frames no longer prompted would be read back by nobody; drop them.
        foreach (string stale in Directory.GetFiles(PromptsDir, "f*-o*.png"))
            if (!keep.Contains(Path.GetFileName(stale))) File.Delete(stale);

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteNumber("frames", session.FrameCount);
            w.WriteNumber("width", session.Width);
            w.WriteNumber("height", session.Height);
            w.WriteNumber("seed", session.SamplerSeed);
            w.WriteStartArray("prompts");
            foreach (PromptSpec p in specs) PromptFile.WriteEntry(w, p);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        AtomicFile.WriteAllText(SessionFile, Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>Reads session.json's video description (checked against the video by <see cref="Restore"/>).</summary>
    public Info ReadInfo()
    {
        if (!Exists)
            throw new EdgeSamException($"{Root} holds no stored session ({SessionFile} is missing); run segment without --add first.");
        string text = File.ReadAllText(SessionFile);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            JsonElement r = doc.RootElement;
            return new Info(r.GetProperty("frames").GetInt32(), r.GetProperty("width").GetInt32(), r.GetProperty("height").GetInt32(),
                r.TryGetProperty("seed", out JsonElement s) ? s.GetInt32() : 0);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new EdgeSamException($"{SessionFile} is damaged ({e.Message.Split('.')[0]}); run segment without --add to start the session again.");
        }
    }

    /// <summary>Puts the stored prompts back into <paramref name="session"/> (no segmenting) and its sampler seed;
    /// fails with one line when the folder belongs to another video or its masks are incomplete.</summary>
    public Info Restore(VideoSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Info info = ReadInfo();
        if (info.FrameCount != session.FrameCount || info.Width != session.Width || info.Height != session.Height)
            throw new EdgeSamException($"{SessionFile} is for a {info.Width}x{info.Height} video of {info.FrameCount} frames, not this {session.Width}x{session.Height} one of {session.FrameCount}; give the same input, or another --out.");
        if (!Directory.Exists(MasksDir))
            throw new EdgeSamException($"{MasksDir} is missing; run segment without --add to segment the video again.");
        foreach (PromptSpec p in PromptFile.Parse(File.ReadAllText(SessionFile), SessionFile, Root))
        {
            PromptFile.Validate([p], session.FrameCount, session.Width, session.Height);
            Mask mask = PromptFile.ReadMask(p.MaskFile!, p.ObjectId, session.Width, session.Height, p.Origin);
            session.RestorePrompt(p.Frame, p.ObjectId, mask, p.Points.Count > 0 || p.Box is not null ? p.Points : null, p.Box);
        }
        session.SamplerSeed = info.Seed;
        return info;
    }
}
