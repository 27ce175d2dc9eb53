namespace EdgeSam.Video.Segmentation.GraphCut;

/// <summary>
/// Distance from every pixel of a binary map to the nearest pixel of the other label, on the 8-neighbour grid with
/// steps of length 1 (axial) and sqrt 2 (diagonal): the (1, sqrt 2) chamfer metric,
/// max(|dx|, |dy|) + (sqrt 2 - 1) min(|dx|, |dy|), within 8% of the Euclidean distance. Two raster sweeps
/// (Rosenfeld-Pfaltz); exact for that metric on an unobstructed grid.
/// </summary>
internal static class ChamferDistance
{
    private const float Diagonal = 1.41421356f;

    /// <summary>
    /// Writes into <paramref name="distance"/> (length w*h), for each pixel, the chamfer distance to the nearest pixel
    /// whose label (zero / non-zero in <paramref name="labels"/>) differs from its own: 1 next to the boundary (an
    /// axial neighbour differs), growing inwards and outwards. Where no pixel of the other label exists the distance
    /// is <see cref="float.PositiveInfinity"/>.
    /// </summary>
    public static void ToBoundary(ReadOnlySpan<byte> labels, int w, int h, Span<float> distance)
    {
        if (w < 1 || h < 1) throw new ArgumentOutOfRangeException(nameof(w), "The map must be at least 1x1.");
        if (labels.Length < w * h || distance.Length < w * h) throw new ArgumentException("Spans are shorter than w*h.");
        // A pixel's distance to the other label = the distance from that label's set, sweeping each side separately:
        // a pixel of the other label is a source (0), so its neighbours get 1 or sqrt 2.
        for (int i = 0; i < w * h; i++) distance[i] = float.PositiveInfinity;
        Sweep(labels, w, h, distance, inside: true);
        Sweep(labels, w, h, distance, inside: false);
    }

    /// <summary>Fills the distances of the pixels whose label is <paramref name="inside"/> (non-zero when true) to the
    /// nearest pixel of the other label, leaving the others untouched.</summary>
    private static void Sweep(ReadOnlySpan<byte> labels, int w, int h, Span<float> distance, bool inside)
    {
        var d = new float[w * h];
        for (int i = 0; i < d.Length; i++) d[i] = (labels[i] != 0) == inside ? float.PositiveInfinity : 0f;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int k = y * w + x;
                float best = d[k];
                if (best == 0) continue;
                if (x > 0) best = Math.Min(best, d[k - 1] + 1);
                if (y > 0)
                {
                    best = Math.Min(best, d[k - w] + 1);
                    if (x > 0) best = Math.Min(best, d[k - w - 1] + Diagonal);
                    if (x + 1 < w) best = Math.Min(best, d[k - w + 1] + Diagonal);
                }
                d[k] = best;
            }
        for (int y = h - 1; y >= 0; y--)
            for (int x = w - 1; x >= 0; x--)
            {
                int k = y * w + x;
                float best = d[k];
                if (best == 0) continue;
                if (x + 1 < w) best = Math.Min(best, d[k + 1] + 1);
                if (y + 1 < h)
                {
                    best = Math.Min(best, d[k + w] + 1);
                    if (x + 1 < w) best = Math.Min(best, d[k + w + 1] + Diagonal);
                    if (x > 0) best = Math.Min(best, d[k + w - 1] + Diagonal);
                }
                d[k] = best;
            }
        for (int i = 0; i < d.Length; i++)
            if ((labels[i] != 0) == inside) distance[i] = d[i];
    }
}
