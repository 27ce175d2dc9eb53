using EdgeSam.Video.Models;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Segmentation;
using EdgeSam.Video.Segmentation.GraphCut;
using EdgeSam.Video.Tracking;
using EdgeSam.Video.Trackers;
using Spectre.Console;

namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>Builds the <see cref="VideoSegmenter"/> that <c>segment</c>, <c>run</c> and <c>demo</c> drive.</summary>
internal static class PipelineFactory
{
    /// <summary>
    /// Refinement passes per object and frame when <c>--refine</c> is not given. Each pass is one more decoder call
    /// (EdgeSAM: ~1/6 of an encoder run on 2 CPU cores; graph cut: a whole cut). SAM-PT uses 12 with SAM; the values
    /// here come from measurement on DAVIS 2016 val (see the report of the pipeline branch).
    /// </summary>
    public const int DefaultRefinementEdgeSam = 12;
    public const int DefaultRefinementGraphCut = 1;

    public static VideoSegmenter Create(PipelineSettings s, CliContext ctx)
    {
        IPromptSegmenter segmenter = CreateSegmenter(s, ctx);
        IPointTracker tracker;
        try
        {
            tracker = CreateTracker(s);
        }
        catch
        {
            segmenter.Dispose();
            throw;
        }
        bool graphCut = segmenter is GraphCutSegmenter;
        var options = new VideoSegmenterOptions
        {
            RefinementPasses = s.RefinementPasses ?? (graphCut ? DefaultRefinementGraphCut : DefaultRefinementEdgeSam),
            // The graph cut's score is a colour-confidence, not SAM's IoU estimate: SAM-PT's 0.7 cut-off does not apply.
            MinMaskScore = graphCut ? 0f : 0.7f,
            Reinit = s.Reinit,
            ReinitHorizon = s.ReinitHorizon,
        };
        return new VideoSegmenter(segmenter, tracker, options, ownsComponents: true);
    }

    /// <summary>One line naming the parts, for logs.</summary>
    public static string Describe(VideoSegmenter model) =>
        $"segmenter {model.Segmenter.Name}, tracker {model.Tracker.Name}, {model.Options.RefinementPasses} refinement pass(es), reinit {model.Options.Reinit} every {model.Options.ReinitHorizon}";

    private static IPointTracker CreateTracker(PipelineSettings s)
    {
        TrackerKind kind = TrackerKinds.TryParse(s.Tracker)
            ?? throw new EdgeSamException($"--tracker '{s.Tracker}' is unknown; use one of {string.Join(", ", TrackerKinds.All.Select(k => k.CliName()))}.");
        string? model = s.TrackerModel;
        if (model is not null && !File.Exists(model) && !Directory.Exists(model))
            throw new EdgeSamException($"--tracker-model {model} does not exist; give the tracker's ONNX file (tapir: the folder of its two files).");
        var options = kind switch
        {
            TrackerKind.XFeat => new TrackerOptions { XFeatModel = model },
            TrackerKind.OnnxWindow => new TrackerOptions { WindowModel = model },
            TrackerKind.Tapir => new TrackerOptions { TapirModelDirectory = model },
            _ => new TrackerOptions(),
        };
        return TrackerFactory.Create(kind, options);
    }

    private static IPromptSegmenter CreateSegmenter(PipelineSettings s, CliContext ctx)
    {
        if (s.Segmenter == SegmenterChoice.GraphCut) return new GraphCutSegmenter();
        string reason = EdgeSamUnavailableReason();
        if (s.Segmenter == SegmenterChoice.EdgeSam)
            throw new EdgeSamException($"--segmenter edgesam: EdgeSAM is not available: {reason} (or use --segmenter graphcut).");
        ConsoleLines.Note(ctx, $"EdgeSAM is not available ({reason}); using the weights-free graph-cut segmenter.");
        return new GraphCutSegmenter();
    }

    /// <summary>Why EdgeSAM cannot be used: its models are missing (with the download hint), or this build has no
    /// EdgeSAM segmenter to run them with.</summary>
    private static string EdgeSamUnavailableReason()
    {
        try
        {
            var store = new ModelStore();
            foreach (string name in new[] { "edge_sam_3x_encoder", "edge_sam_3x_decoder" })
            {
                ModelEntry entry = store.Manifest.Get(name);
                if (store.Locate(entry).Source == ModelSource.Missing)
                    return $"model {name} is not installed; {store.MissingHint(entry)}";
            }
            return "its models are installed but this build has no EdgeSAM segmenter yet";
        }
        catch (EdgeSamException e)
        {
            return e.Message;
        }
    }
}
