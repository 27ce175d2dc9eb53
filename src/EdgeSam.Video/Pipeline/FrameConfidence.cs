using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Pipeline;

/// <summary>The notable thing that happened to an object on a frame (one per frame: the most telling).</summary>
public enum ObjectEvent
{
    /// <summary>Segmented from its tracked points, nothing else.</summary>
    None,

    /// <summary>The frame holds the user's prompt for the object.</summary>
    Prompted,

    /// <summary>The points were re-sampled from this frame's mask (routine, every re-init horizon).</summary>
    Reinitialized,

    /// <summary>The decode disagreed with the carried previous mask, which was kept instead.</summary>
    PriorHeld,

    /// <summary>The segmenter's score was below the minimum: the mask is empty.</summary>
    LowScore,

    /// <summary>No mask: no positive point visible, or the segmenter found nothing.</summary>
    Lost,

    /// <summary>Found again from its tracked points' positions after all its positives were occluded.</summary>
    Recovered,

    /// <summary>Found again by its prompt's colours anywhere in the frame (<see cref="ColorRedetector"/>).</summary>
    Redetected,
}

/// <summary>Why a frame is flagged for review.</summary>
public enum ReviewReasonKind
{
    /// <summary>The object has no mask.</summary>
    Lost,

    /// <summary>Few of the object's positive query points are still visible (value: the visible share).</summary>
    FewPointsVisible,

    /// <summary>Low segmenter score (value: the score).</summary>
    LowScore,

    /// <summary>The mask is much larger than the prompt's (value: area / prompt area).</summary>
    MaskGrew,

    /// <summary>The mask is much smaller than the prompt's (value: prompt area / area).</summary>
    MaskShrank,

    /// <summary>The mask's shape jumped against the previous frame's mask carried along the points' motion (value: IoU).</summary>
    ShapeJump,

    /// <summary>The mask's colours are unlike the prompt's (value: Bhattacharyya coefficient of the colour histograms).</summary>
    ColoursOffPrompt,

    /// <summary>The object was just found again by colour or from its tracked points.</summary>
    FoundAgain,

    /// <summary>No single feature stands out; the combination is doubtful.</summary>
    LowConfidence,
}

/// <summary>One reason for review with the figure behind it; <see cref="Text"/> is what users read.</summary>
public readonly record struct ReviewReason(ReviewReasonKind Kind, float Value)
{
    /// <summary>Short stable code for files (<c>mask-grew</c>, ...).</summary>
    public string Code => CodeOf(Kind);

    /// <summary>Short text: "mask grew 2.3x", "colours off the prompt", ...</summary>
    public string Text => Kind switch
    {
        ReviewReasonKind.Lost => "object lost",
        ReviewReasonKind.FewPointsVisible => $"{Value * 100:F0}% of its points visible",
        ReviewReasonKind.LowScore => $"segmenter unsure ({Value:F2})",
        ReviewReasonKind.MaskGrew => $"mask grew {Value:F1}x",
        ReviewReasonKind.MaskShrank => $"mask shrank {Value:F1}x",
        ReviewReasonKind.ShapeJump => $"shape jumped (IoU {Value:F2} with the previous frame)",
        ReviewReasonKind.ColoursOffPrompt => "colours off the prompt",
        ReviewReasonKind.FoundAgain => "object found again",
        _ => "low confidence",
    };

    public override string ToString() => Text;

    public static string CodeOf(ReviewReasonKind kind) => kind switch
    {
        ReviewReasonKind.Lost => "lost",
        ReviewReasonKind.FewPointsVisible => "few-points-visible",
        ReviewReasonKind.LowScore => "low-score",
        ReviewReasonKind.MaskGrew => "mask-grew",
        ReviewReasonKind.MaskShrank => "mask-shrank",
        ReviewReasonKind.ShapeJump => "shape-jump",
        ReviewReasonKind.ColoursOffPrompt => "colours-off-prompt",
        ReviewReasonKind.FoundAgain => "found-again",
        _ => "low-confidence",
    };

    /// <summary>The kind for a <see cref="Code"/>; false for an unknown code.</summary>
    public static bool TryParseCode(string code, out ReviewReasonKind kind)
    {
        foreach (ReviewReasonKind k in Enum.GetValues<ReviewReasonKind>())
            if (CodeOf(k) == code) { kind = k; return true; }
        kind = default;
        return false;
    }
}

/// <summary>
/// What the pipeline knows about one object's mask on one frame, the inputs of <see cref="ConfidenceModel"/>. Areas
/// are compared in log space with +1 so an empty mask stays finite.
/// </summary>
/// <param name="VisiblePositives">Share of the object's positive query points the tracker reports visible, [0, 1].</param>
/// <param name="Score">The segmenter's score clamped to [0, 1] (graph cut: mean unary certainty; EdgeSAM: predicted
/// IoU); 0 when there is none.</param>
/// <param name="LogAreaToPrompt">ln((area + 1) / (prompt area + 1)).</param>
/// <param name="LogAreaStep">ln((area + 1) / (previous frame's area + 1)).</param>
/// <param name="CarriedIoU">IoU of the mask with the previous frame's mask shifted by the points' median motion
/// (1 when both are empty).</param>
/// <param name="Appearance">Bhattacharyya coefficient of the mask's colour histogram against the prompt mask's
/// (<see cref="AppearanceConsistency"/>); 0 for an empty mask.</param>
/// <param name="ColourLogOdds">Mean over the mask of the prompt frame's colour log-odds object vs background
/// (<see cref="ColorRedetector"/>), in nats within +-3; -3 for an empty mask.</param>
/// <param name="Empty">The mask is empty.</param>
/// <param name="FoundAgain">A recovery or re-detection happened on this frame.</param>
public readonly record struct ConfidenceFeatures(
    float VisiblePositives, float Score, float LogAreaToPrompt, float LogAreaStep, float CarriedIoU,
    float Appearance, float ColourLogOdds, bool Empty, bool FoundAgain)
{
    /// <summary>The model's input vector: bias, then the features in <see cref="ConfidenceModel.FeatureNames"/> order.
    /// Growth against the prompt is not an input: fitted, its weight came out positive (DAVIS objects that come
    /// closer grow), which would make a mask that spreads onto the background more trusted; a leak shows in the
    /// colours and the per-frame area step instead.</summary>
    public double[] Vector() =>
    [
        1.0,
        VisiblePositives,
        Score,
        Math.Max(0, -LogAreaToPrompt),
        Math.Abs(LogAreaStep),
        CarriedIoU,
        Appearance,
        ColourLogOdds,
        Empty ? 1 : 0,
        FoundAgain ? 1 : 0,
    ];
}

/// <summary>An object's confidence on one frame: the model's output, the review flag and its reasons.</summary>
public sealed class FrameConfidence
{
    /// <summary>Estimated probability that the mask's J (IoU with a true mask) is at least 0.5, in [0, 1].</summary>
    public required float Confidence { get; init; }

    /// <summary>Confidence below <see cref="ConfidenceModel.ReviewThreshold"/>: a person should look at this frame.</summary>
    public required bool Review { get; init; }

    /// <summary>Why, when <see cref="Review"/> (empty otherwise).</summary>
    public required IReadOnlyList<ReviewReason> Reasons { get; init; }

    /// <summary>The event of the frame.</summary>
    public required ObjectEvent Event { get; init; }

    /// <summary>Pixels of the object's mask (after overlaps were resolved).</summary>
    public required int Area { get; init; }

    /// <summary>Visible positive query points.</summary>
    public required int VisiblePoints { get; init; }

    /// <summary>The model's inputs; null on prompted frames (confidence 1 by definition).</summary>
    public ConfidenceFeatures? Features { get; init; }

    /// <summary>A prompted frame: the user's own mask.</summary>
    public static FrameConfidence Prompted(int area, int visiblePoints) => new()
    {
        Confidence = 1f, Review = false, Reasons = [], Event = ObjectEvent.Prompted, Area = area, VisiblePoints = visiblePoints,
    };
}

/// <summary>
/// Per-frame confidence: a logistic model P(J &gt;= 0.5) = sigmoid(w . x) on <see cref="ConfidenceFeatures.Vector"/>,
/// and the review flag confidence &lt; <see cref="ReviewThreshold"/>. The reasons shown for a flagged frame are the
/// features past fixed, descriptive limits (not fitted): they explain, the model decides.
/// </summary>
public static class ConfidenceModel
{
    /// <summary>Names of the entries of <see cref="ConfidenceFeatures.Vector"/> after the bias.</summary>
    public static readonly string[] FeatureNames =
    [
        "visible_positives", "score", "area_shrank", "area_step", "carried_iou", "appearance",
        "colour_log_odds", "empty", "found_again",
    ];

    /// <summary>
    /// Weights (bias first, then <see cref="FeatureNames"/>), fitted once by L2-regularised logistic regression
    /// (<c>ReviewCalibration.Fit</c> in Evaluation/, lambda 1; <c>eval review --fit</c> prints them) of [J &gt;= 0.5] on
    /// the 584 frames the DAVIS evaluation scores (all but the first and last) of the 10 DAVIS 2016 val sequences,
    /// masks and features of <c>run davis --year 2016 --restarts 1</c> (graph cut + lk, seed 0; J&amp;F 0.591), 173 of
    /// them with J &lt; 0.5. In-sample: review recall 0.688, precision 0.944, AUROC 0.944; leave-one-sequence-out (each
    /// sequence scored by weights fitted on the other nine): recall 0.630, precision 0.838, AUROC 0.885. With growth
    /// against the prompt as an input the held-out AUROC was 0.906, left out for the reason given at
    /// <see cref="ConfidenceFeatures.Vector"/>; lambda 10 gave 0.871. <c>empty</c> has weight 0: no mask of the run was
    /// empty (an empty mask still scores low through its appearance, colours and area).
    /// </summary>
    public static readonly double[] Weights = [-4.3715, 0.2397, 2.1025, -3.2370, -1.2266, 0.6357, 3.0539, 1.3374, 0.0, 0.2259];

    /// <summary>Frames whose confidence is below this are flagged for review.</summary>
    public const float ReviewThreshold = 0.5f;

    /// <summary>sigmoid(w . x) with the given weights (the fitted ones by default).</summary>
    public static float Confidence(in ConfidenceFeatures f, IReadOnlyList<double>? weights = null)
    {
        weights ??= Weights;
        double[] x = f.Vector();
        if (weights.Count != x.Length) throw new ArgumentException($"{weights.Count} weights for {x.Length} inputs.", nameof(weights));
        double z = 0;
        for (int k = 0; k < x.Length; k++) z += weights[k] * x[k];
        return (float)(1.0 / (1.0 + Math.Exp(-z)));
    }

    /// <summary>The descriptive reasons (see the class remarks), most telling first; <see cref="ReviewReasonKind.LowConfidence"/>
    /// alone when none applies.</summary>
    public static IReadOnlyList<ReviewReason> Reasons(in ConfidenceFeatures f)
    {
        var r = new List<ReviewReason>();
        if (f.Empty) r.Add(new(ReviewReasonKind.Lost, 0));
        if (f.FoundAgain) r.Add(new(ReviewReasonKind.FoundAgain, 0));
        if (!f.Empty)
        {
            float grew = MathF.Exp(f.LogAreaToPrompt);
            if (grew >= 1.5f) r.Add(new(ReviewReasonKind.MaskGrew, grew));
            else if (grew <= 1 / 2f) r.Add(new(ReviewReasonKind.MaskShrank, 1 / grew));
            if (f.Appearance < 0.6f || f.ColourLogOdds < 0) r.Add(new(ReviewReasonKind.ColoursOffPrompt, f.Appearance));
            if (f.CarriedIoU < 0.6f) r.Add(new(ReviewReasonKind.ShapeJump, f.CarriedIoU));
            if (f.Score < 0.3f) r.Add(new(ReviewReasonKind.LowScore, f.Score));
        }
        if (f.VisiblePositives < 0.5f) r.Add(new(ReviewReasonKind.FewPointsVisible, f.VisiblePositives));
        if (r.Count == 0) r.Add(new(ReviewReasonKind.LowConfidence, 0));
        return r;
    }

    /// <summary>The full result for one frame from its features.</summary>
    public static FrameConfidence Assess(in ConfidenceFeatures f, ObjectEvent ev, int area, int visiblePoints)
    {
        float c = Confidence(f);
        bool review = c < ReviewThreshold;
        return new FrameConfidence
        {
            Confidence = c, Review = review, Reasons = review ? Reasons(f) : [], Event = ev, Area = area,
            VisiblePoints = visiblePoints, Features = f,
        };
    }
}

/// <summary>What the object looked like on its prompt frame, kept for <see cref="ConfidenceMeter"/> (and for walks that
/// go on from remembered states, like <see cref="ObjectState.Reference"/>).</summary>
internal sealed class ConfidenceReference
{
    public ConfidenceReference(RgbImage frame, Mask mask, ColorRedetector? detector)
    {
        Area = mask.Area();
        Appearance = new AppearanceConsistency(frame, mask);
        // The log-odds need background on the prompt frame; a whole-frame mask has none (the feature then reads 0).
        Colours = detector ?? (Area < mask.Data.Length ? new ColorRedetector(frame, mask) : null);
    }

    public int Area { get; }
    public AppearanceConsistency Appearance { get; }
    public ColorRedetector? Colours { get; }
}

/// <summary>
/// Measures <see cref="ConfidenceFeatures"/> of one object frame after frame, in the order a walk emits them. Owned by
/// the propagation run, single-threaded.
/// </summary>
internal sealed class ConfidenceMeter
{
    private ConfidenceReference? _reference;
    private Mask? _previous;

    /// <summary>The object was seeded on this frame with <paramref name="mask"/> (or goes on from a remembered frame).</summary>
    public void Start(ConfidenceReference? reference, Mask mask)
    {
        _reference = reference;
        _previous = mask;
    }

    /// <summary>Features of <paramref name="mask"/> on <paramref name="image"/>; the mask becomes the previous one.</summary>
    /// <param name="image">The frame.</param>
    /// <param name="mask">The object's mask on it (overlaps resolved).</param>
    /// <param name="points">The object's query points on the frame.</param>
    /// <param name="score">The segmenter's score (NaN when none).</param>
    /// <param name="motionX">Median motion of the visible points since the previous frame (x, pixels).</param>
    /// <param name="motionY">The same, y.</param>
    /// <param name="foundAgain">A recovery or re-detection happened on this frame.</param>
    public ConfidenceFeatures Measure(RgbImage image, Mask mask, IReadOnlyList<TrackedPromptPoint> points, float score,
        float motionX, float motionY, bool foundAgain)
    {
        int positives = 0, visible = 0;
        foreach (TrackedPromptPoint p in points)
        {
            if (p.Label != PointLabel.Positive) continue;
            positives++;
            if (p.Visible) visible++;
        }
        int area = mask.Area();
        bool empty = area == 0;
        int promptArea = _reference?.Area ?? area;
        Mask previous = _previous ?? mask;
        float carried = IoUShifted(mask, previous, (int)MathF.Round(motionX), (int)MathF.Round(motionY));
        float appearance = empty || _reference is null ? 0f : (float)_reference.Appearance.Coefficient(image.Pixels, mask.Data);
        float logOdds = empty ? -ColorRedetector.MaxLogOdds
            : _reference?.Colours is { } det ? det.MeanLogOdds(image, mask) : 0f;
        _previous = mask;
        return new ConfidenceFeatures(
            VisiblePositives: positives == 0 ? 0f : visible / (float)positives,
            Score: float.IsFinite(score) ? Math.Clamp(score, 0f, 1f) : 0f,
            LogAreaToPrompt: MathF.Log((area + 1f) / (promptArea + 1f)),
            LogAreaStep: MathF.Log((area + 1f) / (previous.Area() + 1f)),
            CarriedIoU: carried,
            Appearance: appearance,
            ColourLogOdds: logOdds,
            Empty: empty,
            FoundAgain: foundAgain);
    }

    /// <summary>IoU of <paramref name="a"/> with <paramref name="b"/> translated by (dx, dy) (pixels moved in from
    /// outside are 0; 1 when both are empty).</summary>
    internal static float IoUShifted(Mask a, Mask b, int dx, int dy)
    {
        int w = a.Width, h = a.Height;
        long inter = 0, union = 0;
        byte[] x = a.Data, y = b.Data;
        for (int row = 0; row < h; row++)
        {
            int src = row - dy;
            bool rowIn = src >= 0 && src < h;
            for (int col = 0; col < w; col++)
            {
                int p = x[row * w + col] != 0 ? 1 : 0;
                int sc = col - dx;
                int q = rowIn && sc >= 0 && sc < w && y[src * w + sc] != 0 ? 1 : 0;
                inter += p & q;
                union += p | q;
            }
        }
        return union == 0 ? 1f : (float)(inter / (double)union);
    }
}
