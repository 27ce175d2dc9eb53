using EdgeSam.Video.Media;

namespace EdgeSam.Video.Export;

/// <summary>
/// The one entry point of every export (the <c>export</c> command and <c>segment --export</c> both call it).
/// The masks folder may also be a <c>segment</c> output folder: its <c>masks/</c> is used and the default name is the
/// output folder's. Outputs, with <c>name</c> = <see cref="ExportRequest.Name"/> or that folder's name, under the out folder:
/// <list type="bullet">
/// <item>alpha-png: <c>name_obj&lt;id&gt;/&lt;frame&gt;.png</c> per object, or <c>name_matte/</c> with <c>Combine</c>.</item>
/// <item>prores / webm: <c>name_obj&lt;id&gt;.mov|.webm</c> per object (a video stream carries one alpha channel, so
/// objects cannot be layers of one file), or <c>name_matte.mov|.webm</c> with <c>Combine</c>. An out path ending in
/// the format's extension names the file itself when there is one output (one object, or <c>Combine</c>), and the
/// stem of <c>stem_obj&lt;id&gt;.ext</c> files beside it when there are several (<see cref="MatteFileNames"/>).</item>
/// <item>svg: <c>name_svg/&lt;frame&gt;.svg</c>, one layer per object in each file.</item>
/// <item>ae: <c>name.jsx</c>; nuke: <c>name.nk</c>; coco: <c>name_coco.json</c>; ytvis: <c>name_ytvis.json</c>;
/// json: <c>name_shapes.json</c> (or the out path itself when it ends in .jsx / .nk / .json).</item>
/// </list>
/// Every file is written under a temporary name and renamed when complete; sequence folders are staged whole and
/// renamed at the end, so an interrupted export leaves no output that looks finished.
/// Mask frame i pairs with video frame i; the video may be longer than the masks (the rest is not exported).
/// </summary>
public static class RotoExporter
{
    public static ExportResult Export(ExportRequest request, IProgress<ExportProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        string masksDir = ResolveMasksFolder(request.MasksDir);
        MaskSequence masks = MaskSequence.Open(masksDir);
        string name = request.Name ?? new DirectoryInfo(Path.GetFullPath(request.MasksDir)).Name;
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new EdgeSamException($"output name '{name}' is not a valid file name; pass --name.");

        IFrameSource? frames = null;
        try
        {
            bool isMatte = !ExportFormats.IsShape(request.Format) && !ExportFormats.IsDataset(request.Format);
            bool needPixels = isMatte && !request.MatteOnly;
            if (needPixels && request.Frames == null)
                throw new EdgeSamException($"{ExportFormats.Name(request.Format)} with original pixels needs --frames <video or frame folder>; or pass --matte-only for a white matte.");
            if (request.Frames != null)
            {
                frames = FrameSources.Open(request.Frames, new FrameSourceOptions(request.FrameRate ?? 24), cancel);
                if (frames.Width != masks.Width || frames.Height != masks.Height)
                    throw new EdgeSamException($"frames in {request.Frames} are {frames.Width}x{frames.Height} but the masks in {request.MasksDir} are {masks.Width}x{masks.Height}; export masks made for this video.");
                if (frames.FrameCount < masks.Count)
                    throw new EdgeSamException($"{request.Frames} has {frames.FrameCount} frames but {request.MasksDir} holds {masks.Count} masks; give the video the masks were made from.");
            }
            double fps = request.FrameRate ?? frames?.FrameRate ?? 24;
            if (!(fps > 0)) fps = 24;
            if (ExportFormats.IsDataset(request.Format)) return ExportDataset(request, masks, name, fps, progress, cancel);
            return ExportFormats.IsShape(request.Format)
                ? ExportShapes(request, masks, name, fps, progress, cancel)
                : ExportMattes(request, masks, frames, name, fps, progress, cancel);
        }
        finally
        {
            frames?.Dispose();
        }
    }

    /// <summary>
    /// The folder of mask PNGs: the given folder, or its <c>masks/</c> when it holds no PNG itself but <c>masks/</c>
    /// does (a <c>segment</c> output folder).
    /// </summary>
    public static string ResolveMasksFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        static bool HasPng(string d) =>
            Directory.Exists(d) && Directory.EnumerateFiles(d).Any(p => p.EndsWith(".png", StringComparison.OrdinalIgnoreCase));
        string sub = Path.Combine(folder, "masks");
        return !HasPng(folder) && HasPng(sub) ? sub : folder;
    }

    private static void Validate(ExportRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.OutPath)) throw new EdgeSamException("no output path: pass --out <folder>.");
        if (!(r.FeatherPx >= 0) || r.FeatherPx > 500) throw new EdgeSamException($"--feather {r.FeatherPx}: give a width in pixels from 0 to 500.");
        if (r.Smooth is < 0 or > 50) throw new EdgeSamException($"--smooth {r.Smooth}: give a radius in frames from 0 to 50.");
        if (!(r.Tolerance >= 0.1) || r.Tolerance > 50) throw new EdgeSamException($"--tolerance {r.Tolerance}: give a fitting tolerance in pixels from 0.1 to 50.");
        if (r.MaxVertices != 0 && r.MaxVertices is < 3 or > 10000) throw new EdgeSamException($"--max-vertices {r.MaxVertices}: give 0 (no bound) or a count from 3 to 10000.");
        if (r.CocoPolygons && r.Format != ExportFormat.Coco) throw new EdgeSamException($"--coco-polygons applies to --to coco only, not {ExportFormats.Name(r.Format)}; drop it.");
        if (r.MinArea < 0) throw new EdgeSamException($"--min-area {r.MinArea}: give a non-negative pixel count.");
        if (r.FrameRate is { } f && (!(f > 0) || f > 1000)) throw new EdgeSamException($"--fps {f}: give a frame rate above 0 and up to 1000.");
        if (r.ObjectIds != null)
            foreach (int id in r.ObjectIds)
                if (id is < 1 or > 254) throw new EdgeSamException($"--objects {id}: object ids are 1..254.");
    }

    private static IReadOnlyList<int> ChooseObjects(ExportRequest r, SortedSet<int> present, MaskSequence masks)
    {
        if (r.ObjectIds == null)
        {
            if (present.Count == 0) throw new EdgeSamException($"the masks in {masks.Folder} contain no object; nothing to export.");
            return present.ToArray();
        }
        foreach (int id in r.ObjectIds)
            if (!present.Contains(id))
                throw new EdgeSamException($"object {id} does not appear in any mask of {masks.Folder} (present: {string.Join(", ", present)}); fix --objects.");
        return r.ObjectIds.Distinct().Order().ToArray();
    }

    // ---------------------------------------------------------------- shapes

    private static ExportResult ExportShapes(ExportRequest r, MaskSequence masks, string name, double fps,
        IProgress<ExportProgress>? progress, CancellationToken cancel)
    {
        int f = masks.Count;
        var traced = new Dictionary<int, List<TracedContour>?[]>();
        var present = new SortedSet<int>();
        for (int t = 0; t < f; t++)
        {
            cancel.ThrowIfCancellationRequested();
            LabelMap map = masks.ReadLabels(t);
            foreach (int id in map.ObjectIds())
            {
                present.Add(id);
                if (r.ObjectIds != null && !r.ObjectIds.Contains(id)) continue;
                if (!traced.TryGetValue(id, out var perFrame)) traced[id] = perFrame = new List<TracedContour>?[f];
                perFrame[t] = ContourTracer.Trace(map.Data, map.Width, map.Height, (byte)id, r.MinArea);
            }
            progress?.Report(new ExportProgress("tracing", t + 1, f));
        }
        IReadOnlyList<int> ids = ChooseObjects(r, present, masks);

        int nextTrack = 0;
        var shapes = new List<IReadOnlyList<ShapeContour>[]>();
        double jb = 0, ja = 0, segs = 0;
        long js = 0, objFrames = 0, keys = 0, trackFrames = 0, vertices = 0;
        int tracks = 0;
        for (int o = 0; o < ids.Count; o++)
        {
            cancel.ThrowIfCancellationRequested();
            ObjectShapeTracks st = ShapeTrackBuilder.Build(traced[ids[o]], r.Smooth, r.Tolerance, ref nextTrack, r.Keys, r.MaxVertices);
            keys += st.Keys;
            trackFrames += st.TrackFrames;
            vertices += st.Vertices;
            shapes.Add(st.PerFrame);
            jb += st.JitterBefore * st.JitterSamples;
            ja += st.JitterAfter * st.JitterSamples;
            js += st.JitterSamples;
            tracks += st.Tracks;
            foreach (var cs in st.PerFrame)
                if (cs.Count > 0) { objFrames++; segs += cs.Sum(c => c.Path.Count); }
            progress?.Report(new ExportProgress("fitting", o + 1, ids.Count));
        }
        var names = Enumerable.Range(0, f).Select(masks.FrameName).ToArray();
        var (footage, isSequence) = Footage(r.Frames);
        var scene = new ShapeScene(masks.Width, masks.Height, fps, names, ids, shapes, footage, isSequence);
        var stats = new ShapeStats(objFrames > 0 ? segs / objFrames : 0, js > 0 ? jb / js : 0, js > 0 ? ja / js : 0, tracks,
            KeysPer100Frames: trackFrames > 0 ? 100.0 * keys / trackFrames : 0, MeanVerticesPerShape: tracks > 0 ? (double)vertices / tracks : 0,
            Shapes: tracks);
        if (r.MeasureFidelity)
        {
            double sumIoU = 0, minIoU = 1;
            int count = 0;
            for (int t = 0; t < f; t++)
            {
                cancel.ThrowIfCancellationRequested();
                LabelMap map = masks.ReadLabels(t);
                for (int o = 0; o < ids.Count; o++)
                {
                    Mask src = map.MaskOf(ids[o]);
                    if (src.IsEmpty && shapes[o][t].Count == 0) continue;
                    double iou = ShapeRasterizer.IoU(ShapeRasterizer.Fill(masks.Width, masks.Height, shapes[o][t].Select(c => c.Path)), src);
                    sumIoU += iou;
                    minIoU = Math.Min(minIoU, iou);
                    count++;
                }
                progress?.Report(new ExportProgress("measuring", t + 1, f));
            }
            stats = stats with { MeanIoU = count > 0 ? sumIoU / count : double.NaN, MinIoU = count > 0 ? minIoU : double.NaN };
        }

        var files = new List<string>();
        switch (r.Format)
        {
            case ExportFormat.Svg:
            {
                string dir = Path.Combine(r.OutPath, name + "_svg");
                files.AddRange(WriteStagedFolder(dir, stage =>
                {
                    var written = new List<string>();
                    for (int t = 0; t < f; t++)
                    {
                        cancel.ThrowIfCancellationRequested();
                        string p = Path.Combine(stage, names[t] + ".svg");
                        File.WriteAllText(p, SvgShapeWriter.Frame(scene, t));
                        written.Add(names[t] + ".svg");
                        progress?.Report(new ExportProgress("writing", t + 1, f));
                    }
                    return written;
                }));
                break;
            }
            case ExportFormat.AfterEffects:
                files.Add(WriteText(SingleFile(r.OutPath, ".jsx", name + ".jsx"), AfterEffectsWriter.Write(scene, name)));
                break;
            case ExportFormat.Nuke:
                files.Add(WriteText(SingleFile(r.OutPath, ".nk", name + ".nk"), NukeWriter.Write(scene, name)));
                break;
            case ExportFormat.Json:
            {
                string p = SingleFile(r.OutPath, ".json", name + "_shapes.json");
                AtomicFile.WriteAllBytes(p, JsonShapeWriter.Write(scene));
                files.Add(Path.GetFullPath(p));
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(r), r.Format, "not a shape format");
        }
        return new ExportResult(files, f, ids, stats);
    }

    // ---------------------------------------------------------------- datasets

    /// <summary>COCO / YouTube-VIS straight from the masks: exact RLE (or exact pixel-edge polygons), no fitting, no smoothing.</summary>
    private static ExportResult ExportDataset(ExportRequest r, MaskSequence masks, string name, double fps,
        IProgress<ExportProgress>? progress, CancellationToken cancel)
    {
        int f = masks.Count;
        var present = new SortedSet<int>();
        var perFrame = new List<DatasetFrame>(f);
        for (int t = 0; t < f; t++)
        {
            cancel.ThrowIfCancellationRequested();
            LabelMap map = masks.ReadLabels(t);
            var objs = new Dictionary<int, DatasetObject>();
            foreach (int id in map.ObjectIds())
            {
                present.Add(id);
                if (r.ObjectIds != null && !r.ObjectIds.Contains(id)) continue;
                objs[id] = DatasetObject.Of(map.MaskOf(id), r.CocoPolygons);
            }
            perFrame.Add(new DatasetFrame(masks.FrameName(t), objs));
            progress?.Report(new ExportProgress("encoding", t + 1, f));
        }
        IReadOnlyList<int> ids = ChooseObjects(r, present, masks);
        var data = new DatasetScene(masks.Width, masks.Height, fps, name, FrameExtension(r.Frames), ids, perFrame);
        string path = r.Format == ExportFormat.Coco
            ? SingleFile(r.OutPath, ".json", name + "_coco.json")
            : SingleFile(r.OutPath, ".json", name + "_ytvis.json");
        AtomicFile.WriteAllBytes(path, r.Format == ExportFormat.Coco ? CocoWriter.Write(data) : YtvisWriter.Write(data));
        DatasetStats? stats = r.MeasureFidelity ? MeasureDataset(path, r.Format, masks, cancel) : null;
        return new ExportResult([Path.GetFullPath(path)], f, ids, null, stats);
    }

    /// <summary>Reads a written COCO / YouTube-VIS file back (RLE decoded, polygons filled even-odd at pixel centres)
    /// and compares every segmentation with its mask.</summary>
    private static DatasetStats MeasureDataset(string path, ExportFormat format, MaskSequence masks, CancellationToken cancel)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        var segs = new List<(int Frame, int Id, System.Text.Json.JsonElement Seg)>();
        if (format == ExportFormat.Coco)
        {
            foreach (var a in root.GetProperty("annotations").EnumerateArray())
                segs.Add((a.GetProperty("image_id").GetInt32() - 1, a.GetProperty("category_id").GetInt32(), a.GetProperty("segmentation")));
        }
        else
        {
            foreach (var a in root.GetProperty("annotations").EnumerateArray())
            {
                int t = 0;
                foreach (var s in a.GetProperty("segmentations").EnumerateArray())
                {
                    if (s.ValueKind != System.Text.Json.JsonValueKind.Null) segs.Add((t, a.GetProperty("category_id").GetInt32(), s));
                    t++;
                }
            }
        }
        int w = masks.Width, h = masks.Height, exact = 0;
        double sum = 0, min = 1;
        int cached = -1;
        LabelMap? map = null;
        foreach (var (t, id, seg) in segs.OrderBy(x => x.Frame))
        {
            cancel.ThrowIfCancellationRequested();
            if (t != cached) { map = masks.ReadLabels(t); cached = t; }
            Mask truth = map!.MaskOf(id);
            Mask back = seg.ValueKind == System.Text.Json.JsonValueKind.Array
                ? ShapeRasterizer.FillPolygons(w, h, seg.EnumerateArray().Select(ring =>
                {
                    double[] xy = ring.EnumerateArray().Select(v => v.GetDouble()).ToArray();
                    return Enumerable.Range(0, xy.Length / 2).Select(k => new Vec2(xy[2 * k], xy[2 * k + 1])).ToArray();
                }))
                : CocoRle.Decode(seg.GetProperty("counts").GetString()!, w, h);
            double iou = ShapeRasterizer.IoU(back, truth);
            if (back.Data.AsSpan().SequenceEqual(truth.Data)) exact++;
            sum += iou;
            min = Math.Min(min, iou);
        }
        return new DatasetStats(segs.Count, exact, segs.Count > 0 ? sum / segs.Count : double.NaN, segs.Count > 0 ? min : double.NaN);
    }

    /// <summary>The absolute footage path for the AE/Nuke scripts: a video file, or a folder's first image.</summary>
    private static (string? Path, bool IsSequence) Footage(string? frames)
    {
        if (frames == null) return (null, false);
        if (File.Exists(frames)) return (Path.GetFullPath(frames), false);
        if (!Directory.Exists(frames)) return (null, false);
        string? first = Directory.EnumerateFiles(frames).Where(p => ImageFile.FrameExtensions.Contains(Path.GetExtension(p)))
            .OrderBy(p => Path.GetFileName(p), NaturalSort.Instance).FirstOrDefault();
        return first == null ? (null, false) : (Path.GetFullPath(first), true);
    }

    /// <summary>Extension of the frame files for COCO <c>file_name</c>s: a frame folder's, else .jpg.</summary>
    private static string FrameExtension(string? frames)
    {
        if (frames != null && Directory.Exists(frames))
        {
            string? first = Directory.EnumerateFiles(frames).Where(p => ImageFile.FrameExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
                .Order(StringComparer.Ordinal).FirstOrDefault();
            if (first != null) return Path.GetExtension(first);
        }
        return ".jpg";
    }

    private static string SingleFile(string outPath, string ext, string defaultName) =>
        outPath.EndsWith(ext, StringComparison.OrdinalIgnoreCase) ? outPath : Path.Combine(outPath, defaultName);

    private static string WriteText(string path, string text)
    {
        AtomicFile.WriteAllText(path, text);
        return Path.GetFullPath(path);
    }

    /// <summary>Writes a folder's content into a staging folder beside it, then replaces the target folder with it.</summary>
    private static IEnumerable<string> WriteStagedFolder(string target, Func<string, List<string>> write)
    {
        string full = Path.GetFullPath(target);
        string parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        string stage = Path.Combine(parent, $".{Path.GetFileName(full)}.partial-{Guid.NewGuid():N}"[..Math.Min(Path.GetFileName(full).Length + 18, 200)]);
        Directory.CreateDirectory(stage);
        try
        {
            List<string> names = write(stage);
            if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
            Directory.Move(stage, full);
            return names.Select(n => Path.Combine(full, n)).ToList();
        }
        catch
        {
            try { Directory.Delete(stage, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    // ---------------------------------------------------------------- mattes

    private static ExportResult ExportMattes(ExportRequest r, MaskSequence masks, IFrameSource? frames, string name, double fps,
        IProgress<ExportProgress>? progress, CancellationToken cancel)
    {
        int f = masks.Count;
        IReadOnlyList<int> ids;
        if (r.ObjectIds != null && r.ObjectIds.Count > 0 && r.Combine)
        {
            ids = r.ObjectIds.Distinct().Order().ToArray();
        }
        else
        {
            var present = new SortedSet<int>();
            for (int t = 0; t < f; t++)
            {
                cancel.ThrowIfCancellationRequested();
                foreach (int id in masks.ReadLabels(t).ObjectIds()) present.Add(id);
            }
            ids = ChooseObjects(r, present, masks);
        }
        // One output per object, or one combined output: each is a list of ids forming its alpha.
        var outputs = r.Combine
            ? new List<(string Name, int[] Ids)> { (name + "_matte", ids.ToArray()) }
            : ids.Select(id => (Name: $"{name}_obj{id}", Ids: new[] { id })).ToList();
        IReadOnlyList<string>? videoFiles = r.Format == ExportFormat.AlphaPng ? null
            : MatteFileNames(r.OutPath, name, r.Format, r.Combine ? null : ids);
        int w = masks.Width, h = masks.Height;
        IEnumerator<RgbImage>? frameIter = frames?.Read(0, f, cancel).GetEnumerator();
        var files = new List<string>();
        try
        {
            RgbImage NextFrame()
            {
                if (frameIter == null)
                {
                    var white = new RgbImage(w, h);
                    Array.Fill(white.Pixels, (byte)255);
                    return white;
                }
                if (!frameIter.MoveNext()) throw new EdgeSamException($"{r.Frames} ended before {f} frames; give the video the masks were made from.");
                if (r.MatteOnly) Array.Fill(frameIter.Current.Pixels, (byte)255);
                return frameIter.Current;
            }

            if (r.Format == ExportFormat.AlphaPng)
            {
                var stages = new List<(string Target, string Stage)>();
                try
                {
                    foreach (var (oname, _) in outputs)
                    {
                        string target = Path.GetFullPath(Path.Combine(r.OutPath, oname));
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        string stage = Path.Combine(Path.GetDirectoryName(target)!, $".{oname}.partial-{Guid.NewGuid():N}");
                        Directory.CreateDirectory(stage);
                        stages.Add((target, stage));
                    }
                    var rgba = new byte[w * h * 4];
                    for (int t = 0; t < f; t++)
                    {
                        cancel.ThrowIfCancellationRequested();
                        LabelMap map = masks.ReadLabels(t);
                        RgbImage img = NextFrame();
                        for (int k = 0; k < outputs.Count; k++)
                        {
                            byte[] alpha = Matte.Alpha(map, outputs[k].Ids, r.FeatherPx, r.Edge);
                            byte[] px = img.Pixels;
                            for (int i = 0; i < w * h; i++)
                            {
                                rgba[4 * i] = r.MatteOnly ? (byte)255 : px[3 * i];
                                rgba[4 * i + 1] = r.MatteOnly ? (byte)255 : px[3 * i + 1];
                                rgba[4 * i + 2] = r.MatteOnly ? (byte)255 : px[3 * i + 2];
                                rgba[4 * i + 3] = alpha[i];
                            }
                            File.WriteAllBytes(Path.Combine(stages[k].Stage, masks.FrameName(t) + ".png"), PngCodec.EncodeRgba(w, h, rgba));
                        }
                        progress?.Report(new ExportProgress("writing", t + 1, f));
                    }
                    foreach (var (target, stage) in stages)
                    {
                        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                        Directory.Move(stage, target);
                        for (int t = 0; t < f; t++) files.Add(Path.Combine(target, masks.FrameName(t) + ".png"));
                    }
                    stages.Clear();
                }
                finally
                {
                    foreach (var (_, stage) in stages)
                        try { Directory.Delete(stage, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
            else
            {
                VideoCodec codec = r.Format == ExportFormat.ProRes ? VideoCodec.ProRes4444 : VideoCodec.Vp9Alpha;
                // Both codecs carry Y'CbCr converted with the BT.709 matrix into limited range (alpha stays full range):
                // tag it so that compositing apps do not guess (ProRes otherwise reads as "unknown").
                var options = new VideoWriterOptions(FrameColorTags: true);
                var writers = new List<VideoWriter>();
                try
                {
                    foreach (string file in videoFiles!)
                        writers.Add(VideoWriter.Create(file, w, h, fps, codec, options, cancel));
                    for (int t = 0; t < f; t++)
                    {
                        cancel.ThrowIfCancellationRequested();
                        LabelMap map = masks.ReadLabels(t);
                        RgbImage img = NextFrame();
                        for (int k = 0; k < outputs.Count; k++)
                            writers[k].Write(img, Matte.Alpha(map, outputs[k].Ids, r.FeatherPx, r.Edge));
                        progress?.Report(new ExportProgress("encoding", t + 1, f));
                    }
                    foreach (VideoWriter vw in writers)
                    {
                        vw.Complete();
                        files.Add(vw.Path);
                    }
                }
                finally
                {
                    foreach (VideoWriter vw in writers) vw.Dispose();
                }
            }
        }
        finally
        {
            frameIter?.Dispose();
        }
        return new ExportResult(files, f, ids, null);
    }

    /// <summary>
    /// The video files of a prores / webm export. <paramref name="objects"/> null means one combined output. An out
    /// path ending in the format's extension (.mov for prores, .webm for webm) is the file itself for one output and
    /// the stem of <c>stem_obj&lt;id&gt;.ext</c> beside it for several; any other out path is a folder holding
    /// <c>name_obj&lt;id&gt;.ext</c> or <c>name_matte.ext</c>. An out path with the other video extension is an error.
    /// </summary>
    public static IReadOnlyList<string> MatteFileNames(string outPath, string name, ExportFormat format, IReadOnlyList<int>? objects)
    {
        string ext = format switch
        {
            ExportFormat.ProRes => ".mov",
            ExportFormat.WebM => ".webm",
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a video matte format"),
        };
        string given = Path.GetExtension(outPath);
        bool isFile = given.Equals(ext, StringComparison.OrdinalIgnoreCase);
        if (!isFile && given.ToLowerInvariant() is ".mov" or ".webm" or ".mp4" or ".mkv")
            throw new EdgeSamException($"--out {outPath}: a {ExportFormats.Name(format)} matte is a {ext} file; name it {Path.ChangeExtension(outPath, ext)} or give a folder.");
        if (isFile)
        {
            if (objects == null || objects.Count == 1) return [Path.GetFullPath(outPath)];
            string dir = Path.GetDirectoryName(Path.GetFullPath(outPath))!;
            string stem = Path.GetFileNameWithoutExtension(outPath);
            return objects.Select(id => Path.Combine(dir, $"{stem}_obj{id}{given}")).ToArray();
        }
        return objects == null
            ? [Path.GetFullPath(Path.Combine(outPath, name + "_matte" + ext))]
            : objects.Select(id => Path.GetFullPath(Path.Combine(outPath, $"{name}_obj{id}{ext}"))).ToArray();
    }
}
