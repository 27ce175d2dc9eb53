using System.Text.Json;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Export;

/// <summary>
/// COCO instance segmentation JSON. One image per frame (<c>id</c> = frame + 1, <c>file_name</c> = frame name +
/// <c>.jpg</c> unless given), one category per object id, one annotation per object per frame where it is present:
/// <list type="bullet">
/// <item><c>segmentation</c>: polygons (the fitted Bézier contours flattened, <c>[x1, y1, x2, y2, ...]</c> per ring,
/// holes included as their own rings). COCO tools union polygons, so a hole ring fills in there; use <c>rle</c> when
/// holes matter (even-odd fill of all rings gives the hole back).</item>
/// <item><c>rle</c>: the exact source mask as COCO's uncompressed RLE, <c>{"size": [h, w], "counts": [...]}</c>:
/// run lengths over the pixels in column-major order (x outer, y inner), starting with a run of zeros (possibly 0 long).
/// pycocotools reads it with <c>mask.frPyObjects(rle, h, w)</c>.</item>
/// <item><c>area</c> (mask pixels), <c>bbox</c> <c>[x, y, w, h]</c> of the mask, <c>iscrowd</c> 0, <c>track_id</c> = object id.</item>
/// </list>
/// </summary>
public static class CocoWriter
{
    /// <summary>Steps per Bézier segment when flattening to polygons.</summary>
    public const int FlattenSteps = 8;

    public static byte[] Write(ShapeScene scene, Func<int, int, Mask> maskOf, string imageExtension = ".jpg")
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartObject("info");
            w.WriteString("description", "edgesam-video export");
            w.WriteNumber("fps", scene.FrameRate);
            w.WriteEndObject();
            w.WriteStartArray("licenses");
            w.WriteEndArray();
            w.WriteStartArray("categories");
            foreach (int id in scene.ObjectIds)
            {
                w.WriteStartObject();
                w.WriteNumber("id", id);
                w.WriteString("name", $"obj{id}");
                w.WriteString("supercategory", "object");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("images");
            for (int t = 0; t < scene.FrameCount; t++)
            {
                w.WriteStartObject();
                w.WriteNumber("id", t + 1);
                w.WriteString("file_name", scene.FrameNames[t] + imageExtension);
                w.WriteNumber("width", scene.Width);
                w.WriteNumber("height", scene.Height);
                w.WriteNumber("frame_index", t);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("annotations");
            int annId = 1;
            for (int t = 0; t < scene.FrameCount; t++)
                for (int o = 0; o < scene.ObjectIds.Count; o++)
                {
                    int id = scene.ObjectIds[o];
                    Mask m = maskOf(t, id);
                    var box = m.BoundingBox();
                    if (box == null) continue;
                    w.WriteStartObject();
                    w.WriteNumber("id", annId++);
                    w.WriteNumber("image_id", t + 1);
                    w.WriteNumber("category_id", id);
                    w.WriteNumber("track_id", id);
                    w.WriteNumber("iscrowd", 0);
                    w.WriteNumber("area", m.Area());
                    var (x0, y0, x1, y1) = box.Value;
                    w.WriteStartArray("bbox");
                    w.WriteNumberValue(x0);
                    w.WriteNumberValue(y0);
                    w.WriteNumberValue(x1 - x0 + 1);
                    w.WriteNumberValue(y1 - y0 + 1);
                    w.WriteEndArray();
                    w.WriteStartArray("segmentation");
                    foreach (ShapeContour c in scene.Shapes[o][t])
                    {
                        w.WriteStartArray();
                        foreach (Vec2 p in c.Path.Flatten(FlattenSteps))
                        {
                            w.WriteNumberValue(Math.Round(p.X, 2));
                            w.WriteNumberValue(Math.Round(p.Y, 2));
                        }
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                    w.WriteStartObject("rle");
                    w.WriteStartArray("size");
                    w.WriteNumberValue(m.Height);
                    w.WriteNumberValue(m.Width);
                    w.WriteEndArray();
                    w.WriteStartArray("counts");
                    foreach (int run in RleCounts(m)) w.WriteNumberValue(run);
                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>COCO uncompressed RLE counts: column-major runs, first run of zeros.</summary>
    public static List<int> RleCounts(Mask m)
    {
        var counts = new List<int>();
        int w = m.Width, h = m.Height;
        byte current = 0;
        int run = 0;
        for (int x = 0; x < w; x++)
            for (int y = 0; y < h; y++)
            {
                byte v = m.Data[y * w + x];
                if (v != current)
                {
                    counts.Add(run);
                    run = 0;
                    current = v;
                }
                run++;
            }
        counts.Add(run);
        return counts;
    }

    /// <summary>Decodes uncompressed RLE counts back into a mask.</summary>
    public static Mask RleDecode(IReadOnlyList<int> counts, int width, int height)
    {
        var m = new Mask(width, height);
        int k = 0;
        byte v = 0;
        foreach (int run in counts)
        {
            for (int i = 0; i < run; i++, k++)
            {
                if (k >= width * height) throw new FormatException("RLE counts exceed the mask size");
                int x = k / height, y = k % height;
                m.Data[y * width + x] = v;
            }
            v ^= 1;
        }
        if (k != width * height) throw new FormatException($"RLE covers {k} pixels, the mask has {width * height}");
        return m;
    }
}
