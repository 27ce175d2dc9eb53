using EdgeSam.Video.Media;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// A clip the tool generates itself: a textured ellipse (warm colours) gliding over a textured background (cool
/// colours) along a smooth curve, growing and shrinking a little. Frames are rendered on demand, so it streams like
/// any video; <see cref="TruthMask"/> gives the exact object mask of every frame. Used by <c>demo</c> when no DAVIS
/// sequence is at hand and by the pipeline benchmark. Texture gives point trackers something to follow; the colour
/// split gives a colour-model segmenter a fair chance.
/// </summary>
public sealed class SyntheticClip : IFrameSource
{
    private readonly byte[] _background;
    private readonly byte[] _objectTexture;
    private const int TextureSize = 256;

    public SyntheticClip(int width = 320, int height = 240, int frames = 48, double frameRate = 24)
    {
        RgbImage.ValidateSize(width, height);
        if (width < 32 || height < 32) throw new ArgumentOutOfRangeException(nameof(width), "The synthetic clip needs at least 32x32 pixels.");
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        Width = width;
        Height = height;
        FrameCount = frames;
        FrameRate = frameRate;
        _background = new byte[width * height * 3];
        // Background: blue-green gradient plus blocky noise (8 px cells), fixed for the clip.
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int cell = Hash(x / 8, y / 8) % 40;
                int i = (y * width + x) * 3;
                _background[i] = (byte)(20 + cell / 2);
                _background[i + 1] = (byte)(70 + 60 * y / height + cell);
                _background[i + 2] = (byte)(110 + 60 * x / width + cell);
            }
        _objectTexture = new byte[TextureSize * TextureSize * 3];
        for (int y = 0; y < TextureSize; y++)
            for (int x = 0; x < TextureSize; x++)
            {
                int cell = Hash(x / 6 + 1000, y / 6 + 1000) % 60;
                int i = (y * TextureSize + x) * 3;
                _objectTexture[i] = (byte)(190 + cell);
                _objectTexture[i + 1] = (byte)(90 + cell);
                _objectTexture[i + 2] = (byte)(30 + cell / 3);
            }
    }

    public int Width { get; }
    public int Height { get; }
    public int FrameCount { get; }
    public double FrameRate { get; }

    public string FrameName(int index) => index.ToString("D5");

    public IEnumerable<RgbImage> Read(int start, int count, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int end = (int)Math.Min(FrameCount, (long)start + count);
        for (int t = start; t < end; t++)
        {
            cancel.ThrowIfCancellationRequested();
            yield return Render(t);
        }
    }

    /// <summary>The object's exact mask on frame <paramref name="t"/>.</summary>
    public Mask TruthMask(int t)
    {
        var m = new Mask(Width, Height);
        var (cx, cy, rx, ry) = Geometry(t);
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
                if (Inside(x, y, cx, cy, rx, ry)) m.Data[y * Width + x] = 1;
        return m;
    }

    public RgbImage Render(int t)
    {
        if ((uint)t >= (uint)FrameCount) throw new ArgumentOutOfRangeException(nameof(t));
        var img = new RgbImage(Width, Height, (byte[])_background.Clone());
        var (cx, cy, rx, ry) = Geometry(t);
        int x0 = Math.Max(0, (int)(cx - rx) - 1), x1 = Math.Min(Width - 1, (int)(cx + rx) + 1);
        int y0 = Math.Max(0, (int)(cy - ry) - 1), y1 = Math.Min(Height - 1, (int)(cy + ry) + 1);
        byte[] p = img.Pixels;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                if (!Inside(x, y, cx, cy, rx, ry)) continue;
                // The texture moves with the object (object-relative coordinates), so it looks like one rigid thing.
                int tx = ((int)(x - cx + 128) % TextureSize + TextureSize) % TextureSize;
                int ty = ((int)(y - cy + 128) % TextureSize + TextureSize) % TextureSize;
                int s = (ty * TextureSize + tx) * 3, d = (y * Width + x) * 3;
                p[d] = _objectTexture[s];
                p[d + 1] = _objectTexture[s + 1];
                p[d + 2] = _objectTexture[s + 2];
            }
        return img;
    }

    /// <summary>Frames per loop of the path; fixed so the speed (about 1.6% of the width per frame) does not depend
    /// on the clip's length.</summary>
    public const int PathPeriod = 96;

    /// <summary>Centre and radii: a Lissajous path through the middle of the frame, radii breathing by +-15%.</summary>
    private (double Cx, double Cy, double Rx, double Ry) Geometry(int t)
    {
        double phase = 2 * Math.PI * t / PathPeriod;
        double cx = Width * (0.5 + 0.25 * Math.Sin(phase));
        double cy = Height * (0.5 + 0.18 * Math.Sin(2 * phase));
        double scale = 1 + 0.15 * Math.Sin(3 * phase);
        return (cx, cy, Width * 0.11 * scale, Height * 0.15 * scale);
    }

    private static bool Inside(int x, int y, double cx, double cy, double rx, double ry)
    {
        double dx = (x - cx) / rx, dy = (y - cy) / ry;
        return dx * dx + dy * dy <= 1;
    }

    private static int Hash(int x, int y)
    {
        unchecked
        {
            uint h = (uint)x * 374761393u + (uint)y * 668265263u;
            h = (h ^ (h >> 13)) * 1274126177u;
            return (int)((h ^ (h >> 16)) & 0x7fffffff);
        }
    }

    public void Dispose() { }
}
