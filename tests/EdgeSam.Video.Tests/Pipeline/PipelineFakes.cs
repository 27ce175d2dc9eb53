using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>A coloured disk moving through a synthetic clip; <see cref="Hidden"/> frames do not draw it (occlusion).</summary>
internal sealed record Disk(int Id, byte R, byte G, byte B, Func<int, (float X, float Y)> Center, float Radius,
    Func<int, bool>? Hidden = null, float Score = 0.9f, Func<int, float>? RadiusOf = null)
{
    public bool IsHidden(int t) => Hidden?.Invoke(t) ?? false;

    public float RadiusAt(int t) => RadiusOf?.Invoke(t) ?? Radius;

    public Mask Raster(int w, int h, int t)
    {
        var m = new Mask(w, h);
        if (IsHidden(t)) return m;
        var (cx, cy) = Center(t);
        float r = RadiusAt(t);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) m[x, y] = true;
        return m;
    }
}

/// <summary>
/// An in-test <see cref="IFrameSource"/> rendering disks over a flat background. The frame index is written into
/// pixel (0, 0) (R = low byte, G = high byte) so the fake tracker and segmenter know the true geometry of any frame
/// they are handed, whatever order the pipeline feeds them in. Records every read.
/// </summary>
internal sealed class DiskClip(int width, int height, int frames, params Disk[] disks) : IFrameSource
{
    public Disk[] Disks { get; } = disks;
    public int Width { get; } = width;
    public int Height { get; } = height;
    public int FrameCount { get; } = frames;
    public double FrameRate => 24;
    public List<(int Start, int Count)> Reads { get; } = new();
    /// <summary>Throw this from the read of frame <see cref="FailAt"/>.</summary>
    public int FailAt { get; set; } = -1;

    public string FrameName(int index) => index.ToString("D5");

    public IEnumerable<RgbImage> Read(int start, int count, CancellationToken cancel = default)
    {
        lock (Reads) Reads.Add((start, count));
        int end = Math.Min(FrameCount, start + count);
        for (int t = start; t < end; t++)
        {
            cancel.ThrowIfCancellationRequested();
            if (t == FailAt) throw new EdgeSamException($"frame {t} is corrupt (test)");
            yield return Render(t);
        }
    }

    public RgbImage Render(int t)
    {
        var img = new RgbImage(Width, Height);
        byte[] p = img.Pixels;
        for (int i = 0; i < p.Length; i += 3) { p[i] = 40; p[i + 1] = 60; p[i + 2] = 80; }
        foreach (Disk d in Disks)
        {
            Mask m = d.Raster(Width, Height, t);
            for (int i = 0; i < m.Data.Length; i++)
                if (m.Data[i] != 0) { p[3 * i] = d.R; p[3 * i + 1] = d.G; p[3 * i + 2] = d.B; }
        }
        p[0] = (byte)(t & 255);
        p[1] = (byte)(t >> 8);
        return img;
    }

    public static int IndexOf(RgbImage img) => img.Pixels[0] | (img.Pixels[1] << 8);

    public Disk DiskById(int id) => Disks.Single(d => d.Id == id);

    public void Dispose() { }
}

/// <summary>A tracker that knows the clip's true motion: points on a disk move with it (invisible while it is
/// hidden), background points stay; the 1% border rule of the contract applies.</summary>
internal sealed class OracleTracker(DiskClip clip) : IPointTracker
{
    public string Name => "oracle";
    public float VisibilityThreshold => 0.5f;
    public TrackerMode PreferredMode => TrackerMode.Online;
    public int WindowLength => 1;
    public int Starts { get; private set; }
    public List<int> StartFrames { get; } = new();

    public IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points)
    {
        Starts++;
        int t0 = DiskClip.IndexOf(frame);
        StartFrames.Add(t0);
        var owners = new Disk?[points.Length];
        for (int k = 0; k < points.Length; k++)
        {
            // The topmost (last drawn) visible disk under the point owns it.
            foreach (Disk d in clip.Disks)
            {
                if (d.IsHidden(t0)) continue;
                var (cx, cy) = d.Center(t0);
                float dx = points[k].X - cx, dy = points[k].Y - cy;
                if (dx * dx + dy * dy <= d.RadiusAt(t0) * d.RadiusAt(t0)) owners[k] = d;
            }
        }
        return new Track(clip, t0, points.ToArray(), owners);
    }

    public TrackedPoint[][] TrackWindow(IReadOnlyList<RgbImage> frames, ReadOnlySpan<QueryPoint> queries) =>
        throw new NotSupportedException("the pipeline drives trackers online");

    public void Dispose() { }

    private sealed class Track(DiskClip clip, int t0, (float X, float Y)[] start, Disk?[] owners) : IPointTrack
    {
        public int PointCount => start.Length;

        public TrackedPoint[] Step(RgbImage frame)
        {
            int t = DiskClip.IndexOf(frame);
            var r = new TrackedPoint[start.Length];
            for (int k = 0; k < start.Length; k++)
            {
                float x = start[k].X, y = start[k].Y, vis = 1;
                if (owners[k] is { } d)
                {
                    var (c0x, c0y) = d.Center(t0);
                    var (cx, cy) = d.Center(t);
                    x += cx - c0x;
                    y += cy - c0y;
                    if (d.IsHidden(t)) vis = 0;
                }
                if (x / clip.Width < 0.01f || x / clip.Width > 0.99f || y / clip.Height < 0.01f || y / clip.Height > 0.99f) vis = 0;
                r[k] = new TrackedPoint(x, y, vis);
            }
            return r;
        }

        public void Dispose() { }
    }
}

/// <summary>Wraps a tracker and reports the first <paramref name="hide"/> points of every track invisible on the
/// frames <paramref name="onFrames"/> says (as a tracker losing some points would); with <paramref name="fromEnd"/> the
/// last <paramref name="hide"/> points instead.</summary>
internal sealed class DroppingTracker(IPointTracker inner, int hide, Func<int, bool> onFrames, bool fromEnd = false) : IPointTracker
{
    public string Name => inner.Name;
    public float VisibilityThreshold => inner.VisibilityThreshold;
    public TrackerMode PreferredMode => inner.PreferredMode;
    public int WindowLength => inner.WindowLength;

    public IPointTrack Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points) => new Track(inner.Start(frame, points), hide, onFrames, fromEnd);

    public TrackedPoint[][] TrackWindow(IReadOnlyList<RgbImage> frames, ReadOnlySpan<QueryPoint> queries) => inner.TrackWindow(frames, queries);

    public void Dispose() => inner.Dispose();

    private sealed class Track(IPointTrack inner, int hide, Func<int, bool> onFrames, bool fromEnd) : IPointTrack
    {
        public int PointCount => inner.PointCount;

        public TrackedPoint[] Step(RgbImage frame)
        {
            TrackedPoint[] r = inner.Step(frame);
            if (onFrames(DiskClip.IndexOf(frame)))
                for (int k = 0; k < Math.Min(hide, r.Length); k++)
                {
                    int i = fromEnd ? r.Length - 1 - k : k;
                    r[i] = r[i] with { Visibility = 0 };
                }
            return r;
        }

        public void Dispose() => inner.Dispose();
    }
}

/// <summary>A segmenter returning the visible disk nearest the mean of the positive points (or the box centre),
/// with that disk's score. Records every prompt.</summary>
internal sealed class OracleSegmenter(DiskClip clip) : IPromptSegmenter
{
    private int _embeds, _disposed, _running, _maxRunning;

    /// <summary>Most <see cref="Embed"/> calls seen running at once.</summary>
    public int MaxConcurrentEmbeds => Volatile.Read(ref _maxRunning);
    public DiskClip Clip { get; } = clip;
    public string Name => "oracle";
    public int Embeds => Volatile.Read(ref _embeds);
    public int EmbeddingsDisposed => Volatile.Read(ref _disposed);
    public List<(int Frame, SegmentationPrompt Prompt)> Prompts { get; } = new();
    /// <summary>Frames in the order they were embedded.</summary>
    public List<int> EmbeddedFrames { get; } = new();

    /// <summary>Milliseconds <see cref="Embed"/> takes for a frame (so concurrent embeddings finish out of order).</summary>
    public Func<int, int>? EmbedMilliseconds { get; init; }

    /// <summary>Frame whose <see cref="Embed"/> fails (after the delay), or -1.</summary>
    public int FailOnFrame { get; init; } = -1;

    public IFrameEmbedding Embed(RgbImage frame)
    {
        int t = DiskClip.IndexOf(frame);
        int now = Interlocked.Increment(ref _running);
        for (int seen = Volatile.Read(ref _maxRunning); now > seen; seen = Volatile.Read(ref _maxRunning))
            Interlocked.CompareExchange(ref _maxRunning, now, seen);
        try
        {
            if (EmbedMilliseconds?.Invoke(t) is > 0 and var ms) Thread.Sleep(ms);
            if (t == FailOnFrame) throw new InvalidOperationException($"embedding of frame {t} failed");
        }
        finally { Interlocked.Decrement(ref _running); }
        Interlocked.Increment(ref _embeds);
        lock (EmbeddedFrames) EmbeddedFrames.Add(t);
        return new Embedding(this, t);
    }

    public void Dispose() { }

    private sealed class Embedding(OracleSegmenter owner, int t) : IFrameEmbedding
    {
        private bool _done;
        public int Width => owner.Clip.Width;
        public int Height => owner.Clip.Height;

        public SegmentationResult Segment(SegmentationPrompt prompt)
        {
            if (_done) throw new ObjectDisposedException("embedding");
            lock (owner.Prompts) owner.Prompts.Add((t, prompt));
            var pos = prompt.Points.Where(p => p.Label == PointLabel.Positive).ToList();
            float qx, qy;
            if (pos.Count > 0) { qx = pos.Average(p => p.X); qy = pos.Average(p => p.Y); }
            else if (prompt.Box is { } b) { qx = (b.X0 + b.X1) / 2; qy = (b.Y0 + b.Y1) / 2; }
            else return new SegmentationResult { Mask = new Mask(Width, Height), Score = float.NaN };
            Disk? best = null;
            float bestD = float.MaxValue;
            foreach (Disk d in owner.Clip.Disks)
            {
                if (d.IsHidden(t)) continue;
                var (cx, cy) = d.Center(t);
                float dist = (cx - qx) * (cx - qx) + (cy - qy) * (cy - qy);
                if (dist < bestD) { bestD = dist; best = d; }
            }
            return best is null
                ? new SegmentationResult { Mask = new Mask(Width, Height), Score = float.NaN }
                : new SegmentationResult { Mask = best.Raster(Width, Height, t), Score = best.Score };
        }

        public IReadOnlyList<SegmentationResult> Segment(IReadOnlyList<SegmentationPrompt> prompts) => prompts.Select(Segment).ToList();

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            Interlocked.Increment(ref owner._disposed);
        }
    }
}

/// <summary>A deterministic sampler: positives evenly spaced through the mask's pixels (row-major), negatives evenly
/// spaced through the background. Records the frame of every call.</summary>
internal sealed class EvenSampler
{
    public List<int> Frames { get; } = new();

    public IReadOnlyList<PromptPoint> Sample(Mask mask, RgbImage frame, int positives, int negatives, int seed)
    {
        lock (Frames) Frames.Add(DiskClip.IndexOf(frame));
        var inside = new List<int>();
        var outside = new List<int>();
        for (int i = 0; i < mask.Data.Length; i++)
        {
            int x = i % mask.Width, y = i / mask.Width;
            bool nearBorder = x < 3 || y < 3 || x >= mask.Width - 3 || y >= mask.Height - 3;
            if (mask.Data[i] != 0) inside.Add(i);
            else if (!nearBorder) outside.Add(i);
        }
        var pts = new List<PromptPoint>();
        Pick(inside, Math.Min(positives, inside.Count), PointLabel.Positive, mask.Width, pts);
        Pick(outside, Math.Min(negatives, outside.Count), PointLabel.Negative, mask.Width, pts);
        return pts;
    }

    private static void Pick(List<int> from, int n, PointLabel label, int w, List<PromptPoint> into)
    {
        for (int k = 0; k < n; k++)
        {
            int i = from[(int)((k + 0.5) * from.Count / n)];
            into.Add(new PromptPoint(i % w, i / w, label));
        }
    }
}

internal static class PipelineTestUtil
{
    public static double IoU(Mask a, Mask b)
    {
        int inter = 0, union = 0;
        for (int i = 0; i < a.Data.Length; i++)
        {
            bool x = a.Data[i] != 0, y = b.Data[i] != 0;
            if (x && y) inter++;
            if (x || y) union++;
        }
        return union == 0 ? 1 : inter / (double)union;
    }

    public static async Task<List<FrameResult>> CollectAsync(IAsyncEnumerable<FrameResult> results)
    {
        var list = new List<FrameResult>();
        await foreach (FrameResult r in results) list.Add(r);
        return list;
    }
}

/// <summary>Wraps a segmenter and, on the frames <paramref name="onFrames"/> says, returns a 6x6 speck in the top-left
/// corner instead (a decode collapsing onto the wrong thing).</summary>
internal sealed class CollapsingSegmenter(IPromptSegmenter inner, Func<int, bool> onFrames) : IPromptSegmenter
{
    public string Name => inner.Name;

    public IFrameEmbedding Embed(RgbImage frame) => new Embedding(inner.Embed(frame), onFrames(DiskClip.IndexOf(frame)));

    public void Dispose() => inner.Dispose();

    private sealed class Embedding(IFrameEmbedding inner, bool collapse) : IFrameEmbedding
    {
        public int Width => inner.Width;
        public int Height => inner.Height;

        public SegmentationResult Segment(SegmentationPrompt prompt)
        {
            SegmentationResult r = inner.Segment(prompt);
            if (!collapse) return r;
            var speck = new Mask(Width, Height);
            for (int y = 4; y < 10; y++) for (int x = 4; x < 10; x++) speck[x, y] = true;
            return new SegmentationResult { Mask = speck, Score = r.Score, LowResLogits = null, LowResSize = 0 };
        }

        public IReadOnlyList<SegmentationResult> Segment(IReadOnlyList<SegmentationPrompt> prompts) => prompts.Select(Segment).ToList();

        public void Dispose() => inner.Dispose();
    }
}

/// <summary>Returns <paramref name="disk"/>'s mask for the first decode on frame <paramref name="frame"/> (a segmenter
/// jumping onto another object), the inner segmenter's everywhere else.</summary>
internal sealed class JumpingSegmenter(IPromptSegmenter inner, Disk disk, int frame) : IPromptSegmenter
{
    private int _jumped;

    public string Name => inner.Name;

    public IFrameEmbedding Embed(RgbImage image) => new Embedding(this, inner.Embed(image), DiskClip.IndexOf(image));

    public void Dispose() => inner.Dispose();

    private sealed class Embedding(JumpingSegmenter owner, IFrameEmbedding inner, int t) : IFrameEmbedding
    {
        public int Width => inner.Width;
        public int Height => inner.Height;

        public SegmentationResult Segment(SegmentationPrompt prompt)
        {
            SegmentationResult r = inner.Segment(prompt);
            if (t != owner.Frame || Interlocked.Exchange(ref owner._jumped, 1) != 0) return r;
            return new SegmentationResult { Mask = owner.Disk.Raster(Width, Height, t), Score = r.Score, LowResLogits = null, LowResSize = 0 };
        }

        public IReadOnlyList<SegmentationResult> Segment(IReadOnlyList<SegmentationPrompt> prompts) => prompts.Select(Segment).ToList();

        public void Dispose() => inner.Dispose();
    }

    private int Frame => frame;
    private Disk Disk => disk;
}
