using EdgeSam.Video.Models;
using EdgeSam.Video.Trackers.Lk;
using EdgeSam.Video.Trackers.Onnx;
using EdgeSam.Video.Trackers.XFeat;
using EdgeSam.Video.Tracking;

namespace EdgeSam.Video.Trackers;

/// <summary>Creates point trackers by kind.</summary>
public static class TrackerFactory
{
    /// <summary>
    /// Creates a tracker. Throws <see cref="EdgeSamException"/> when a model file the kind needs is missing or unusable.
    /// </summary>
    public static IPointTracker Create(TrackerKind kind, TrackerOptions? options = null)
    {
        options ??= new TrackerOptions();
        if (options.VisibilityThreshold is float v && !(v > 0 && v <= 1))
            throw new EdgeSamException($"visibility threshold {v.ToString(System.Globalization.CultureInfo.InvariantCulture)} is out of range: a point counts as visible when its score reaches the threshold, so give a value in (0, 1] (e.g. --visibility-threshold 0.5)");
        return kind switch
        {
            TrackerKind.Lk => new LkTracker(ValidLk(options.ResolveLk(new LkOptions())), options.VisibilityThreshold),
            TrackerKind.XFeat => CreateXFeat(options),
            TrackerKind.OnnxWindow => new OnnxWindowTracker(options.WindowModel
                ?? throw new EdgeSamException("tracker 'onnx-window' needs its model: pass --window-model with a windowed tracker ONNX export (video [1,T,3,H,W], queries [1,N,3] -> tracks, visibility)"), options),
            TrackerKind.Tapir => new TapirTracker(options.TapirModelDirectory
                ?? throw new EdgeSamException($"tracker 'tapir' needs its model: pass --tapir-dir with a folder holding {TapirTracker.EncoderFile} and {TapirTracker.PredictorFile}"), options),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>LK settings checked up front, so a bad combination is one clear line rather than a stack trace.</summary>
    private static LkOptions ValidLk(LkOptions lk)
    {
        try { lk.Validate(); }
        catch (ArgumentException e) { throw new EdgeSamException($"invalid Lucas-Kanade settings ({e.ParamName}): {e.Message.Split(" (Parameter")[0].Trim().TrimEnd('.')}; check the tracker options"); }
        return lk;
    }

    private static XFeatTracker CreateXFeat(TrackerOptions options)
    {
        string path;
        if (options.XFeatModel is string given)
        {
            path = XFeatTracker.PickModel(given)
                ?? throw new EdgeSamException($"no XFeat model at {given}: give an xfeat_WxH.onnx file or a folder holding one");
        }
        else
        {
            // The model store's cache or mirror; no download here (a tracker is created mid-run).
            var store = new ModelStore();
            ModelEntry entry = store.Manifest.Get(XFeatTracker.DefaultModelName);
            path = store.Locate(entry).Path
                ?? throw new EdgeSamException($"tracker 'xfeat' needs {entry.File}: {store.MissingHint(entry)}, or pass --xfeat-model");
        }
        return new XFeatTracker(path, options.Threads, ValidLk(options.ResolveLk(XFeatTracker.DefaultLkOptions)), options.XFeat, options.VisibilityThreshold, options.Device);
    }
}
