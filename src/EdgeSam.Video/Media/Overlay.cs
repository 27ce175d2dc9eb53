namespace EdgeSam.Video.Media;

/// <summary>A point drawn over a preview frame: a query point of the tracker or a prompt of the segmenter.</summary>
/// <param name="X">Pixel column (pixel centres at integers).</param>
/// <param name="Y">Pixel row.</param>
/// <param name="Positive">Positive (green) or negative (red) point.</param>
/// <param name="Visible">False draws a hollow ring: a tracked point the tracker reports as occluded.</param>
public readonly record struct OverlayMarker(float X, float Y, bool Positive, bool Visible = true);

/// <summary>How <see cref="Overlay"/> draws.</summary>
/// <param name="Opacity">Weight of the object colour in the fill: <c>out = (1 - a) * pixel + a * colour</c>.</param>
/// <param name="ContourWidth">Contour thickness in pixels inside the object's edge (0 = none).</param>
/// <param name="MarkerRadius">Radius of point markers in pixels.</param>
public sealed record OverlayStyle(float Opacity = 0.5f, int ContourWidth = 2, int MarkerRadius = 5);

/// <summary>
/// Preview drawing: objects of a <see cref="LabelMap"/> blended over a frame in their DAVIS palette colours, with an
/// opaque contour along each object's edge, and optional point markers. Void (255) and background (0) pixels are
/// left as they are.
/// </summary>
public static class Overlay
{
    /// <summary>A copy of <paramref name="frame"/> with <paramref name="labels"/> and <paramref name="markers"/> drawn on it.</summary>
    public static RgbImage Draw(RgbImage frame, LabelMap labels, IReadOnlyList<OverlayMarker>? markers = null, OverlayStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        RgbImage copy = frame.Clone();
        DrawInPlace(copy, labels, markers, style);
        return copy;
    }

    /// <summary>Draws <paramref name="labels"/> then <paramref name="markers"/> onto <paramref name="frame"/>.</summary>
    public static void DrawInPlace(RgbImage frame, LabelMap labels, IReadOnlyList<OverlayMarker>? markers = null, OverlayStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Width != frame.Width || labels.Height != frame.Height)
            throw new ArgumentException($"label map is {labels.Width}x{labels.Height}, the frame {frame.Width}x{frame.Height}.", nameof(labels));
        style ??= new OverlayStyle();
        if (!(style.Opacity >= 0 && style.Opacity <= 1))
            throw new ArgumentOutOfRangeException(nameof(style), $"opacity {style.Opacity} is outside [0, 1].");
        ArgumentOutOfRangeException.ThrowIfNegative(style.ContourWidth);
        Fill(frame.Pixels, labels.Data, labels.Width, labels.Height, style.Opacity, style.ContourWidth);
        if (markers != null)
            foreach (OverlayMarker m in markers) DrawMarker(frame, m, style.MarkerRadius);
    }

    /// <summary>Paints a <paramref name="thickness"/>-pixel border of <paramref name="colour"/> along the frame's edges
    /// (e.g. to mark a frame that needs attention in a preview).</summary>
    public static void DrawFrameBorder(RgbImage frame, int thickness, (byte R, byte G, byte B) colour)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfNegative(thickness);
        int w = frame.Width, h = frame.Height;
        int t = Math.Min(thickness, Math.Min(w, h) / 2);
        byte[] px = frame.Pixels;
        for (int y = 0; y < h; y++)
        {
            bool band = y < t || y >= h - t;
            for (int x = 0; x < w; x++)
            {
                if (!band && x >= t && x < w - t) { x = w - t - 1; continue; }
                int p = 3 * (y * w + x);
                px[p] = colour.R;
                px[p + 1] = colour.G;
                px[p + 2] = colour.B;
            }
        }
    }

    /// <summary>Draws one binary <paramref name="mask"/> as object <paramref name="objectId"/> (its palette colour).</summary>
    public static void DrawMaskInPlace(RgbImage frame, Mask mask, int objectId = 1, OverlayStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfLessThan(objectId, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(objectId, 254);
        var map = new LabelMap(mask.Width, mask.Height);
        byte id = (byte)objectId;
        for (int i = 0; i < map.Data.Length; i++) map.Data[i] = mask.Data[i] != 0 ? id : (byte)0;
        DrawInPlace(frame, map, null, style);
    }

    /// <summary>
    /// Blend plus contour. A pixel of object k is on the contour when a pixel within Chebyshev distance
    /// <paramref name="contour"/> (inside the frame) has another id, so the contour lies inside the object and
    /// never covers a neighbour's pixels.
    /// </summary>
    private static void Fill(Span<byte> rgb, ReadOnlySpan<byte> ids, int w, int h, float opacity, int contour)
    {
        ReadOnlySpan<byte> palette = DavisPalette.Rgb;
        // Fixed point: weights in 1/256 so the blend is exact integer arithmetic and reproducible.
        int a = (int)MathF.Round(opacity * 256), na = 256 - a;
        for (int y = 0; y < h; y++)
        {
            int rowStart = y * w;
            ReadOnlySpan<byte> row = ids.Slice(rowStart, w);
            if (row.IndexOfAnyExcept((byte)0) < 0) continue;
            for (int x = 0; x < w; x++)
            {
                byte id = row[x];
                if (id == 0 || id == LabelMap.Void) continue;
                int p = (rowStart + x) * 3, c = id * 3;
                if (contour > 0 && OnContour(ids, w, h, x, y, id, contour))
                {
                    rgb[p] = palette[c];
                    rgb[p + 1] = palette[c + 1];
                    rgb[p + 2] = palette[c + 2];
                }
                else
                {
                    rgb[p] = (byte)((rgb[p] * na + palette[c] * a + 128) >> 8);
                    rgb[p + 1] = (byte)((rgb[p + 1] * na + palette[c + 1] * a + 128) >> 8);
                    rgb[p + 2] = (byte)((rgb[p + 2] * na + palette[c + 2] * a + 128) >> 8);
                }
            }
        }
    }

    private static bool OnContour(ReadOnlySpan<byte> ids, int w, int h, int x, int y, byte id, int r)
    {
        int y0 = Math.Max(0, y - r), y1 = Math.Min(h - 1, y + r), x0 = Math.Max(0, x - r), x1 = Math.Min(w - 1, x + r);
        for (int yy = y0; yy <= y1; yy++)
            if (ids.Slice(yy * w + x0, x1 - x0 + 1).IndexOfAnyExcept(id) >= 0) return true;
        return false;
    }

    /// <summary>A filled disc (hollow ring when not visible) with a black rim so it shows on any background.</summary>
    private static void DrawMarker(RgbImage img, OverlayMarker m, int radius)
    {
        if (radius <= 0 || !float.IsFinite(m.X) || !float.IsFinite(m.Y)) return;
        (byte R, byte G, byte B) colour = m.Positive ? ((byte)0, (byte)255, (byte)0) : ((byte)255, (byte)0, (byte)0);
        int cx = (int)MathF.Round(m.X), cy = (int)MathF.Round(m.Y);
        float outer = radius + 0.5f, rim = radius - 0.5f, hole = radius - 2.5f;
        for (int y = Math.Max(0, cy - radius); y <= Math.Min(img.Height - 1, cy + radius); y++)
            for (int x = Math.Max(0, cx - radius); x <= Math.Min(img.Width - 1, cx + radius); x++)
            {
                float d = MathF.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
                if (d > outer) continue;
                int p = (y * img.Width + x) * 3;
                if (d > rim)
                {
                    img.Pixels[p] = img.Pixels[p + 1] = img.Pixels[p + 2] = 0;
                }
                else if (m.Visible || d > hole)
                {
                    img.Pixels[p] = colour.R;
                    img.Pixels[p + 1] = colour.G;
                    img.Pixels[p + 2] = colour.B;
                }
            }
    }
}
