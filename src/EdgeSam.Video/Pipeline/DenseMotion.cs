using EdgeSam.Video.Media;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// A dense displacement field between two frames, on a grid coarser than the frame: cell (i, j) sits at frame pixel
/// (i * <see cref="Scale"/>, j * <see cref="Scale"/>) and holds the displacement (<see cref="U"/>, <see cref="V"/>, frame
/// pixels) that carries that point of the "from" frame to where it is on the "to" frame: x_to = x + U, y_to = y + V.
/// Arrays are row-major [<see cref="Height"/>, <see cref="Width"/>].
/// </summary>
public sealed class DenseMotionField
{
    /// <param name="width">Grid columns (&gt;= 1).</param>
    /// <param name="height">Grid rows (&gt;= 1).</param>
    /// <param name="scale">Frame pixels per grid cell (&gt; 0; 1 = per pixel, 2 = half resolution).</param>
    /// <param name="u">Horizontal displacements, frame pixels, length width * height.</param>
    /// <param name="v">Vertical displacements, frame pixels, length width * height.</param>
    public DenseMotionField(int width, int height, float scale, float[] u, float[] v)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"Grid must be at least 1x1 (got {width}x{height}).");
        if (!(scale > 0) || float.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "Scale must be positive and finite.");
        if (u.Length != width * height || v.Length != width * height)
            throw new ArgumentException($"U and V must hold {width}x{height} = {width * height} values (got {u.Length} and {v.Length}).");
        Width = width;
        Height = height;
        Scale = scale;
        U = u;
        V = v;
    }

    public int Width { get; }
    public int Height { get; }
    public float Scale { get; }
    public float[] U { get; }
    public float[] V { get; }

    /// <summary>Displacement (frame pixels) at frame position (x, y): bilinear between grid cells, positions clamped
    /// to the grid.</summary>
    public (float Dx, float Dy) At(float x, float y)
    {
        float gx = Math.Clamp(x / Scale, 0, Width - 1), gy = Math.Clamp(y / Scale, 0, Height - 1);
        int x0 = Math.Min((int)gx, Math.Max(0, Width - 2)), y0 = Math.Min((int)gy, Math.Max(0, Height - 2));
        int x1 = Math.Min(x0 + 1, Width - 1), y1 = Math.Min(y0 + 1, Height - 1);
        float ax = gx - x0, ay = gy - y0;
        int a = y0 * Width, b = y1 * Width;
        float u = (U[a + x0] * (1 - ax) + U[a + x1] * ax) * (1 - ay) + (U[b + x0] * (1 - ax) + U[b + x1] * ax) * ay;
        float v = (V[a + x0] * (1 - ax) + V[a + x1] * ax) * (1 - ay) + (V[b + x0] * (1 - ax) + V[b + x1] * ax) * ay;
        return (u, v);
    }
}

/// <summary>
/// Computes dense motion between two frames (an optical-flow method). The library defines only this contract; the
/// trackers assembly implements it (a coarse DIS-style flow) and the CLI wires it in through
/// <see cref="VideoSegmenterOptions.DenseMotion"/>. Implementations may cache per-frame work (pyramids) keyed by the
/// frame instance; they are called from one thread at a time.
/// </summary>
public interface IDenseMotionEstimator
{
    /// <summary>Short name for logs.</summary>
    string Name { get; }

    /// <summary>
    /// The displacement field carrying <paramref name="from"/>'s pixels onto <paramref name="to"/> (same size). Only
    /// the pixels of <paramref name="from"/> inside <paramref name="region"/> (inclusive frame pixels x0, y0, x1, y1)
    /// need be right; elsewhere the field may hold <paramref name="predict"/>'s guess. <paramref name="predict"/> gives
    /// the expected displacement (frame pixels) at a frame position of <paramref name="from"/>: the centre of the
    /// search, so motions far larger than a patch are found.
    /// </summary>
    DenseMotionField Estimate(RgbImage from, RgbImage to, Func<float, float, (float Dx, float Dy)> predict, (int X0, int Y0, int X1, int Y1) region);
}

/// <summary>Moving a mask with a dense motion field.</summary>
public static class DenseMaskWarp
{
    /// <summary>
    /// <paramref name="previous"/> (a mask on the earlier frame) carried onto the later frame by backward warping: a
    /// later-frame pixel p inside <paramref name="region"/> takes the earlier mask's value at p + F(p), bilinearly
    /// interpolated and thresholded at one half, where <paramref name="backward"/> F carries the LATER frame's pixels
    /// onto the earlier one. Backward rather than forward: every target pixel gets exactly one value (no splatting
    /// holes where the object stretches), and a pixel now covered by an occluder follows the occluder back onto
    /// background. But background the object uncovered samples where the object was and stays marked (see
    /// <see cref="Splat"/>). Pixels outside the region, or sampling outside the earlier frame, are 0.
    /// </summary>
    public static Mask Warp(Mask previous, DenseMotionField backward, (int X0, int Y0, int X1, int Y1) region)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(backward);
        int w = previous.Width, h = previous.Height;
        var warped = new Mask(w, h);
        int x0 = Math.Max(0, region.X0), y0 = Math.Max(0, region.Y0), x1 = Math.Min(w - 1, region.X1), y1 = Math.Min(h - 1, region.Y1);
        byte[] src = previous.Data, dst = warped.Data;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                (float dx, float dy) = backward.At(x, y);
                float sx = x + dx, sy = y + dy;
                if (sx < -0.5f || sy < -0.5f || sx > w - 0.5f || sy > h - 0.5f) continue;
                // Bilinear over the 0/1 mask, neighbours outside the frame count as 0.
                int ix = (int)MathF.Floor(sx), iy = (int)MathF.Floor(sy);
                float ax = sx - ix, ay = sy - iy;
                float s = (1 - ax) * (1 - ay) * At(src, w, h, ix, iy) + ax * (1 - ay) * At(src, w, h, ix + 1, iy)
                        + (1 - ax) * ay * At(src, w, h, ix, iy + 1) + ax * ay * At(src, w, h, ix + 1, iy + 1);
                if (s >= 0.5f) dst[y * w + x] = 1;
            }
        return warped;
    }

    /// <summary>
    /// <paramref name="previous"/> carried onto the later frame by forward splatting: every object pixel q moves to
    /// q + F(q), where <paramref name="forward"/> F carries the EARLIER frame's pixels onto the later one, and marks the
    /// 2x2 pixels around where it lands (a part stretching by up to twice leaves no holes). Only the object's own pixels
    /// move: background uncovered behind a moving object gets nothing. Backward warping cannot tell that background
    /// apart: its flow, right or wrong (a smeared coarse flow gives it the object's motion), points at a place the object
    /// covered on the earlier frame, so it keeps a trail of mask.
    /// Pixels landing outside the frame are dropped.
    /// </summary>
    public static Mask Splat(Mask previous, DenseMotionField forward)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(forward);
        int w = previous.Width, h = previous.Height;
        var warped = new Mask(w, h);
        if (previous.BoundingBox() is not var (bx0, by0, bx1, by1)) return warped;
        byte[] src = previous.Data, dst = warped.Data;
        for (int y = by0; y <= by1; y++)
            for (int x = bx0; x <= bx1; x++)
            {
                if (src[y * w + x] == 0) continue;
                (float dx, float dy) = forward.At(x, y);
                float tx = x + dx, ty = y + dy;
                if (!(tx > -1 && ty > -1 && tx < w && ty < h)) continue;
                int ix = (int)MathF.Floor(tx), iy = (int)MathF.Floor(ty);
                for (int v = Math.Max(0, iy); v <= Math.Min(h - 1, iy + 1); v++)
                    for (int u = Math.Max(0, ix); u <= Math.Min(w - 1, ix + 1); u++)
                        dst[v * w + u] = 1;
            }
        return warped;
    }

    private static float At(byte[] m, int w, int h, int x, int y) => x >= 0 && y >= 0 && x < w && y < h ? m[y * w + x] : 0f;
}
