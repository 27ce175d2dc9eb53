using System.Text.Encodings.Web;
using System.Text.Json;

namespace EdgeSam.Video.Export;

/// <summary>
/// COCO instance segmentation JSON, straight from the masks (never fitted or smoothed). One image per frame
/// (<c>id</c> = frame + 1, <c>file_name</c> = frame name + the frames' extension), one category per object id, one
/// annotation per object per frame where it is present:
/// <list type="bullet">
/// <item><c>segmentation</c>: the exact mask as COCO RLE, <c>{"size": [h, w], "counts": "..."}</c> with the compressed
/// counts string pycocotools writes (<see cref="CocoRle"/>), so <c>pycocotools.mask.decode</c> and every COCO reader
/// take it as it is; or, with polygons asked for, the exact pixel-edge polygons
/// (<see cref="DatasetObject.PixelEdgePolygons"/>), holes as rings of their own (COCO tools union polygons, so a hole
/// fills in there: keep RLE where holes matter).</item>
/// <item><c>area</c> (mask pixels), <c>bbox</c> <c>[x, y, w, h]</c> of the mask, <c>iscrowd</c> 0, <c>track_id</c> = object id.</item>
/// </list>
/// </summary>
public static class CocoWriter
{
    public static byte[] Write(DatasetScene scene) => DatasetJson.Document(scene, w =>
        {
            DatasetJson.WriteCategories(w, scene.ObjectIds);
            w.WriteStartArray("images");
            for (int t = 0; t < scene.Frames.Count; t++)
            {
                w.WriteStartObject();
                w.WriteNumber("id", t + 1);
                w.WriteString("file_name", scene.Frames[t].Name + scene.ImageExtension);
                w.WriteNumber("width", scene.Width);
                w.WriteNumber("height", scene.Height);
                w.WriteNumber("frame_index", t);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("annotations");
            int annId = 1;
            for (int t = 0; t < scene.Frames.Count; t++)
                foreach (int id in scene.ObjectIds)
                {
                    if (!scene.Frames[t].Objects.TryGetValue(id, out DatasetObject? o)) continue;
                    w.WriteStartObject();
                    w.WriteNumber("id", annId++);
                    w.WriteNumber("image_id", t + 1);
                    w.WriteNumber("category_id", id);
                    w.WriteNumber("track_id", id);
                    w.WriteNumber("iscrowd", 0);
                    w.WriteNumber("area", o.Area);
                    DatasetJson.WriteBox(w, "bbox", o.BBox);
                    w.WritePropertyName("segmentation");
                    if (o.Polygons != null)
                    {
                        w.WriteStartArray();
                        foreach (Vec2[] ring in o.Polygons)
                        {
                            w.WriteStartArray();
                            foreach (Vec2 p in ring)
                            {
                                w.WriteNumberValue((int)p.X);
                                w.WriteNumberValue((int)p.Y);
                            }
                            w.WriteEndArray();
                        }
                        w.WriteEndArray();
                    }
                    else
                    {
                        DatasetJson.WriteRle(w, scene, o);
                    }
                    w.WriteEndObject();
                }
            w.WriteEndArray();
        });
}

/// <summary>
/// YouTube-VIS (video instance segmentation) JSON, straight from the masks: <c>videos</c> (one: <c>id</c>,
/// <c>width</c>, <c>height</c>, <c>length</c>, <c>file_names</c> as <c>video/frame.ext</c>), <c>categories</c> (one per
/// object id) and <c>annotations</c>, one per object (a track): <c>video_id</c>, <c>category_id</c>, <c>iscrowd</c> 0,
/// and per frame <c>segmentations</c> (COCO RLE with the compressed counts string, <see cref="CocoRle"/>),
/// <c>areas</c> and <c>bboxes</c> (<c>[x, y, w, h]</c>), each null on frames without the object.
/// </summary>
public static class YtvisWriter
{
    public static byte[] Write(DatasetScene scene) => DatasetJson.Document(scene, w =>
        {
            w.WriteStartArray("videos");
            w.WriteStartObject();
            w.WriteNumber("id", 1);
            w.WriteNumber("width", scene.Width);
            w.WriteNumber("height", scene.Height);
            w.WriteNumber("length", scene.Frames.Count);
            w.WriteStartArray("file_names");
            foreach (DatasetFrame f in scene.Frames) w.WriteStringValue($"{scene.VideoName}/{f.Name}{scene.ImageExtension}");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            DatasetJson.WriteCategories(w, scene.ObjectIds);
            w.WriteStartArray("annotations");
            int annId = 1;
            foreach (int id in scene.ObjectIds)
            {
                w.WriteStartObject();
                w.WriteNumber("id", annId++);
                w.WriteNumber("video_id", 1);
                w.WriteNumber("category_id", id);
                w.WriteNumber("iscrowd", 0);
                w.WriteNumber("width", scene.Width);
                w.WriteNumber("height", scene.Height);
                w.WriteNumber("length", 1);
                w.WriteStartArray("segmentations");
                foreach (DatasetFrame f in scene.Frames)
                    if (f.Objects.TryGetValue(id, out DatasetObject? o)) DatasetJson.WriteRle(w, scene, o);
                    else w.WriteNullValue();
                w.WriteEndArray();
                w.WriteStartArray("areas");
                foreach (DatasetFrame f in scene.Frames)
                    if (f.Objects.TryGetValue(id, out DatasetObject? o)) w.WriteNumberValue(o.Area);
                    else w.WriteNullValue();
                w.WriteEndArray();
                w.WriteStartArray("bboxes");
                foreach (DatasetFrame f in scene.Frames)
                    if (f.Objects.TryGetValue(id, out DatasetObject? o)) DatasetJson.WriteBox(w, null, o.BBox);
                    else w.WriteNullValue();
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
}

/// <summary>JSON pieces shared by the COCO and YouTube-VIS writers.</summary>
internal static class DatasetJson
{
    /// <summary>RLE strings use characters 48-111, among them &lt; &gt; and ` that the default encoder writes as \u escapes:
    /// valid JSON either way, but plain characters keep the files readable and the strings greppable.</summary>
    public static JsonWriterOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The JSON document of both formats: an object opening with <c>info</c> and (empty) <c>licenses</c>,
    /// then what <paramref name="body"/> writes.</summary>
    public static byte[] Document(DatasetScene scene, Action<Utf8JsonWriter> body)
    {
        ArgumentNullException.ThrowIfNull(scene);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Options))
        {
            w.WriteStartObject();
            WriteHeader(w, scene);
            body(w);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static void WriteHeader(Utf8JsonWriter w, DatasetScene scene)
    {
        w.WriteStartObject("info");
        w.WriteString("description", "edgesam-video export");
        w.WriteNumber("fps", scene.FrameRate);
        w.WriteEndObject();
        w.WriteStartArray("licenses");
        w.WriteEndArray();
    }

    public static void WriteCategories(Utf8JsonWriter w, IReadOnlyList<int> ids)
    {
        w.WriteStartArray("categories");
        foreach (int id in ids)
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("name", $"obj{id}");
            w.WriteString("supercategory", "object");
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void WriteBox(Utf8JsonWriter w, string? name, int[] box)
    {
        if (name != null) w.WriteStartArray(name);
        else w.WriteStartArray();
        foreach (int v in box) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    public static void WriteRle(Utf8JsonWriter w, DatasetScene scene, DatasetObject o)
    {
        w.WriteStartObject();
        w.WriteStartArray("size");
        w.WriteNumberValue(scene.Height);
        w.WriteNumberValue(scene.Width);
        w.WriteEndArray();
        w.WriteString("counts", o.Rle);
        w.WriteEndObject();
    }
}
