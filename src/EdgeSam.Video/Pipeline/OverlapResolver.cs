using EdgeSam.Video.Media;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// Turns per-object masks into one label map. Rule: a pixel claimed by several objects goes to the object with the
/// higher score (NaN counts as -infinity; a prompted frame's mask has +infinity, so the user's input always wins);
/// equal scores go to the lower object id. Per-pixel logits are not used because segmenters need not expose
/// full-resolution logits, and a whole-mask score keeps every object's region connected as decoded.
/// </summary>
internal static class OverlapResolver
{
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="objects">(id, mask or null for none, score) per object; ids 1..254.</param>
    public static LabelMap Resolve(int width, int height, IReadOnlyList<(int Id, Mask? Mask, float Score)> objects)
    {
        var labels = new LabelMap(width, height);
        var order = new List<(int Id, Mask Mask, float Score)>(objects.Count);
        foreach (var o in objects)
            if (o.Mask is not null) order.Add((o.Id, o.Mask, float.IsNaN(o.Score) ? float.NegativeInfinity : o.Score));
        // Highest priority first; painting only unclaimed pixels then implements "higher score wins, ties to lower id".
        order.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Id.CompareTo(b.Id));
        byte[] dst = labels.Data;
        foreach (var (id, mask, _) in order)
        {
            if (mask.Width != width || mask.Height != height)
                throw new InvalidOperationException($"Object {id}'s mask is {mask.Width}x{mask.Height}, the frame is {width}x{height}.");
            byte b = (byte)id;
            byte[] src = mask.Data;
            for (int i = 0; i < dst.Length; i++)
                if (src[i] != 0 && dst[i] == 0) dst[i] = b;
        }
        return labels;
    }
}
