using System.CommandLine;
using System.Globalization;
using EdgeSam.Video.Export;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Export;

/// <summary>
/// <c>edgesam-video export &lt;masks dir&gt; --to &lt;format&gt; --out &lt;path&gt; [--frames ...]</c>: mattes, shapes and
/// per-object layers for compositing apps, through <see cref="RotoExporter"/>.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliContext ctx)
    {
        var masks = new Argument<string>("masks") { Description = "Folder of per-frame mask PNGs (DAVIS palette, or 0/255 grey = object 1), or a segment output folder (its masks/)." };
        var to = new Option<string>("--to") { Description = $"Format: {string.Join(", ", ExportFormats.AllNames)}.", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder (ae/nuke/coco/ytvis/json: or a .jsx/.nk/.json file; prores/webm: or a .mov/.webm file, <stem>_obj<id> beside it for several objects).", Required = true };
        var frames = new Option<string?>("--frames") { Description = "The video or frame folder of the masks (original pixels for mattes; size and fps for ae/nuke)." };
        var objects = new Option<string?>("--objects") { Description = "Object ids to export, comma-separated (default: all)." };
        var feather = new Option<double>("--feather") { Description = "Matte feather in pixels (Gaussian, sigma = px/2).", DefaultValueFactory = _ => 0 };
        var edge = new Option<EdgeMode>("--edge") { Description = "Matte edge: Hard or Soft (slight antialias).", DefaultValueFactory = _ => EdgeMode.Hard };
        var matteOnly = new Option<bool>("--matte-only") { Description = "Mattes with white RGB instead of the original pixels." };
        var combine = new Option<bool>("--combine") { Description = "One matte for all objects instead of one per object." };
        var smooth = new Option<int>("--smooth") { Description = "Shapes: temporal smoothing radius k in frames (0 = off).", DefaultValueFactory = _ => 2 };
        var tolerance = new Option<double>("--tolerance") { Description = "Shapes: Bézier fitting tolerance in pixels, and the most interpolation between keys may move the outline (--keys Auto).", DefaultValueFactory = _ => 1.0 };
        var keys = new Option<KeyMode>("--keys") { Description = "Shapes: Auto (a key only where interpolating the neighbouring keys misses by more than --tolerance) or All (every frame).", DefaultValueFactory = _ => KeyMode.Auto };
        var maxVertices = new Option<int>("--max-vertices") { Description = "Shapes: most vertices per shape, the same on every key (0 = as the tolerance needs).", DefaultValueFactory = _ => 0 };
        var cocoPolygons = new Option<bool>("--coco-polygons") { Description = "COCO: exact pixel-edge polygons instead of RLE in segmentation." };
        var minArea = new Option<int>("--min-area") { Description = "Shapes: ignore contours enclosing fewer pixels.", DefaultValueFactory = _ => 16 };
        var fps = new Option<double?>("--fps") { Description = "Frame rate when --frames gives none (default 24)." };
        var name = new Option<string?>("--name") { Description = "Base name of the outputs (default: the masks folder's name)." };
        var measure = new Option<bool>("--measure") { Description = "Shapes: rasterise the shapes back; coco/ytvis: read the file back; report the IoU against the masks." };
        var cmd = new Command("export", "Export masks as mattes (alpha PNG, ProRes 4444, WebM), editable roto (SVG, After Effects, Nuke, JSON) or datasets (COCO, YouTube-VIS).");
        cmd.Add(masks);
        foreach (Option o in new Option[] { to, output, frames, objects, feather, edge, matteOnly, combine, smooth, tolerance, keys, maxVertices, minArea, fps, name, measure, cocoPolygons })
            cmd.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            var s = new ExportSettings(r.GetValue(masks)!, ExportFormats.Parse(r.GetValue(to)!), r.GetValue(output)!,
                r.GetValue(frames), ParseIds(r.GetValue(objects)), r.GetValue(feather), r.GetValue(edge), r.GetValue(matteOnly),
                r.GetValue(combine), r.GetValue(smooth), r.GetValue(tolerance), r.GetValue(minArea), r.GetValue(fps), r.GetValue(name), r.GetValue(measure),
                r.GetValue(keys), r.GetValue(maxVertices), r.GetValue(cocoPolygons));
            return Task.FromResult(Run(s, ctx, ct));
        });
        return cmd;
    }

    /// <summary>Shows the exporter's stages on a Spectre progress bar (called on the exporting thread).</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value)
        {
            task.Description = value.Stage;
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
        }
    }

    /// <summary>Parses <c>1,2,5</c>; null for none.</summary>
    public static IReadOnlyList<int>? ParseIds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var ids = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) || id is < 1 or > 254)
                throw new EdgeSamException($"--objects '{text}': '{part}' is not an object id 1..254; give ids like 1,2.");
            ids.Add(id);
        }
        return ids;
    }

    public static int Run(ExportSettings s, CliContext ctx, CancellationToken cancel)
    {
        ExportResult result = ctx.Interactive
            ? ctx.Console.Progress().AutoClear(true).Start(pc =>
            {
                ProgressTask task = pc.AddTask("export");
                return RotoExporter.Export(s.ToRequest(), new TaskProgress(task), cancel);
            })
            : RotoExporter.Export(s.ToRequest(), null, cancel);
        var c = CultureInfo.InvariantCulture;
        string where = result.Files.Count == 1 ? result.Files[0] : Path.GetDirectoryName(result.Files[0]) ?? s.Out;
        ctx.Console.WriteLine($"exported {result.Frames} frames of object(s) {string.Join(",", result.ObjectIds)} as {ExportFormats.Name(s.Format)}: {result.Files.Count} file(s) in {where}");
        if (result.Dataset is { } ds)
            ctx.Console.WriteLine(string.Create(c, $"fidelity: the file read back vs masks: {ds.Exact} of {ds.ObjectFrames} object-frames exact, mean IoU {ds.MeanIoU:F6}, min {ds.MinIoU:F6}"));
        if (result.Shapes is { } st)
        {
            ctx.Console.WriteLine(string.Create(c, $"shapes: {st.Shapes} (runs of constant topology), {st.MeanVerticesPerShape:F1} vertices per shape (mean), {st.KeysPer100Frames:F1} keys per 100 frames ({s.Keys})"));
            if (!double.IsNaN(st.MeanIoU))
                ctx.Console.WriteLine(string.Create(c, $"fidelity: shapes rasterised back vs masks: mean IoU {st.MeanIoU:F4}, min {st.MinIoU:F4}"));
            ctx.Console.WriteLine(string.Create(c, $"jitter (mean |v(t+1) - 2v(t) + v(t-1)| of corresponding vertices): {st.JitterBefore:F3} px before, {st.JitterAfter:F3} px after smoothing (k = {s.Smooth})"));
        }
        return 0;
    }
}
