namespace EdgeSam.Video.Segmentation.GraphCut;

/// <summary>
/// Settings of <see cref="GraphCutSegmenter"/>. Lengths marked "working px" are in the downscaled image whose long
/// side is <see cref="WorkingLongSide"/>; the defaults were tuned on DAVIS 2016 val at 854x480 (see the bench graphcut
/// command) and are meant to be left alone.
/// </summary>
public sealed record GraphCutOptions
{
    /// <summary>Long side of the image the main cut runs on; frames already smaller are not upscaled. Re-measured in the
    /// pipeline (graph cut + lk, 10 DAVIS 2016 val sequences, one run each on sampler seeds 0 / 1, against 0.570 / 0.613):
    /// 560 scored 0.505 / 0.547 at twice the time, 320 0.538 / 0.555.</summary>
    public int WorkingLongSide { get; init; } = 400;

    /// <summary>Gaussian components per colour model (object, background). 8 in the pipeline (as above, seeds 0-3 against
    /// 0.570 / 0.613 / 0.610 / 0.570): 0.578 / 0.587 / 0.545 / 0.574, mean 0.571 against 0.591.</summary>
    public int GmmComponents { get; init; } = 5;

    /// <summary>GrabCut iterations: cut, re-fit both colour models to the cut, cut again.</summary>
    public int Iterations { get; init; } = 2;

    /// <summary>
    /// Colour-model / cut iterations for a box prompt without positive points (GrabCut's own setting: the models start
    /// from "inside the box" versus "outside", far from the object's colours, and need more rounds to settle than from
    /// points). 5, the count commonly given to OpenCV's GrabCut; not tuned on DAVIS.
    /// </summary>
    public int BoxIterations { get; init; } = 5;

    /// <summary>Pairwise weight: gamma * exp(-beta |dI|^2) / distance between 8-neighbours, beta = 1 / (2 &lt;|dI|^2&gt;).
    /// In the pipeline (as above, seeds 0 / 1 against 0.570 / 0.613): 10 scored 0.528 / 0.575, 25 0.529 / 0.542.</summary>
    public float Gamma { get; init; } = 15f;

    /// <summary>Radius (working px) of the hard seed disk around each prompt point. Hard, not soft: with the disks costing
    /// 4 nats per pixel to overrule (so colours could outvote a point that drifted off the object), the pipeline's J&amp;F on
    /// the 10 DAVIS 2016 val sequences (graph cut + lk, seeds 0-2) fell from 0.598 to 0.568.</summary>
    public float SeedRadius { get; init; } = 3f;

    /// <summary>Radius (working px) of the disks around positive points whose colours start the object model.</summary>
    public float SampleRadius { get; init; } = 6f;

    /// <summary>Without a box, the object is searched in the positives' extent grown on each side by this fraction of
    /// its larger dimension (plus <see cref="RoiMarginMin"/>); outside is hard background.</summary>
    public float RoiMargin { get; init; } = 0.2f;

    /// <summary>Minimum growth (working px) of the region of interest on each side.</summary>
    public float RoiMarginMin { get; init; } = 8f;

    /// <summary>How many times the region of interest may grow (by 15% of its larger side, on the sides the cut presses
    /// against) and the cut be redone. Not applied to box prompts: the box is the user's bound. One growth instead of
    /// three, to slow leaks into the background (motocross-jump's trees and sky): pipeline 0.569 / 0.581 on seeds 0 / 1
    /// against 0.570 / 0.613.</summary>
    public int MaxRoiGrowth { get; init; } = 3;

    /// <summary>Width (working px) of the ring outside the region of interest whose colours join the background model.</summary>
    public int BackgroundRing { get; init; } = 24;

    /// <summary>
    /// Unary cost (nats) of disagreeing with the prompt's prior mask, when it has one, the same at every pixel. Pipeline
    /// J&amp;F on the 10 DAVIS 2016 val sequences (graph cut + lk, seeds 0-2): 0.598 at 1.5, 0.555 at 0.8, 0.539 at 3.
    /// <para>
    /// Shape priors that vary over the frame were measured and left out (one run each on sampler seeds 0 / 1, against
    /// 0.570 / 0.613): a cost ramped with the distance to the prior's border (0.75 nats at it, 3 from 8 working px on)
    /// scored 0.569 / 0.578. Video SnapCut's local classifiers (Bai et al. 2009: overlapping windows along the prior's
    /// border, radius 0.2 sqrt(area) within 6-20 working px, 3-component colour models per window fitted away from the
    /// border, and a shape confidence 1 - exp(-d^2 / s^2) whose width s grows with how well the window's colours explain
    /// the prior) replacing the unaries inside the windows: 0.467 / 0.470, and 0.505 / 0.520 with the unaries weighted
    /// 2.5. Slow, rigid objects gain (car-shadow 0.69 -> 0.87 without its shadow, blackswan 0.91 -> 0.95), fast articulated
    /// ones are lost to a prior that lags them (breakdance 0.42 -> 0.14, dog, drift-chicane and libby about -0.2 each). Half
    /// weight: 0.510 / 0.533; a looser shape term: 0.473 / 0.484; with the dense-flow carry: 0.490 / 0.467; the local
    /// colour alone as an extra term: 0.576 / 0.563. Switched on per object when its masks hold still (moving average of
    /// consecutive masks' IoU ramped 0.90-0.93): 0.568 / 0.614 / 0.613 / 0.566 on seeds 0-3 against 0.570 / 0.613 /
    /// 0.610 / 0.570 (car-shadow never qualifies); ramped 0.86-0.90: 0.558 / 0.601. Nor as restarts: the weight-2.5
    /// runs of seeds 0-1 beside default seeds 0-2 raise the best run the ground truth could pick from 0.639 to 0.660, but
    /// the appearance score picks 0.631 (0.635 from the default runs alone).
    /// </para>
    /// </summary>
    public float PriorWeight { get; init; } = 1.5f;

    /// <summary>
    /// With a prompt's <see cref="SegmentationPrompt.Reference"/>: the object colour likelihood is the mixture
    /// (1 - w) p_current + w p_reference of the model fitted on this frame and the one fitted on the reference mask,
    /// so colours the object showed on the reference frame stay object-like after the current fit has lost them (a
    /// shadowed side, a limb that left the mask). 0: the reference is ignored. The background side has no such mixture:
    /// a reference background model (the prompt frame's pixels around the mask, weight 0.5) lowered the pipeline's J&amp;F
    /// on the 10 DAVIS 2016 val sequences (graph cut + lk, seeds 0-2) from 0.598 to 0.573; the leaks it was meant to stop
    /// (motocross-jump's sky) are into colours the prompt frame never showed. Nor did a learned-descriptor term help:
    /// XFeat's dense descriptors (16 px cells) separate the prompt's object from its background on later frames better
    /// than colour does (ROC AUC 0.97 against 0.74 on drift-chicane, 0.97 against 0.91 on libby), but added to the unaries
    /// (w z nats, z the mean cosine to the 3 nearest reference object cells minus that to the 3 nearest background cells)
    /// the pipeline's J&amp;F went from 0.570 / 0.613 (seeds 0 / 1) to 0.556 / 0.560 at w = 10, 0.580 (seed 0) at w = 4,
    /// and 0.567 / 0.554 as a penalty on object pixels only: the cells are too coarse at small objects' borders
    /// (drift-chicane fell from 0.62 to 0.41-0.52 in every variant). Applied only away from the carried mask's border
    /// (the term ramped in from 8 to 16 working px on either side of it, so colour alone places the border and small
    /// objects are untouched): 0.589 / 0.582 / 0.541 / 0.570 on seeds 0-3, mean 0.571 against 0.591.
    /// </summary>
    public float ReferenceWeight { get; init; } = 0.5f;

    /// <summary>Weight of a prompt's <see cref="SegmentationPrompt.Evidence"/> (log-odds): half of weight x log-odds is
    /// taken off the object cost and added to the background cost. In the pipeline (graph cut + lk with the motion
    /// evidence, 10 DAVIS 2016 val sequences, one run each on sampler seeds 0 / 1): 2 scored 0.558 / 0.566 against
    /// 0.595 / 0.592 at 1 (blackswan's reflection, which moves with the swan, joins the mask).</summary>
    public float EvidenceWeight { get; init; } = 1f;

    /// <summary>Weight (nats) of the spatial prior d+ / (d+ + d-) (distance to the nearest positive point against the
    /// nearest negative point or background ROI side): added to the object cost, its complement to the background cost.</summary>
    public float DistanceWeight { get; init; } = 4f;

    /// <summary>Colour-contrast factor of the geodesic distances behind the spatial prior (0 = plain distance).</summary>
    public float GeodesicContrast { get; init; } = 0.1f;

    /// <summary>Keep only the connected parts of the cut that hold a positive point (drops far same-coloured blobs).
    /// Requiring two positives unless half the part lies in the prior changed the pipeline's J&amp;F by nothing
    /// measurable (0.598 on seeds 0-2 either way): a stray single-point part is rare.</summary>
    public bool KeepSeededComponents { get; init; } = true;

    /// <summary>Re-cut a narrow band around the upsampled boundary at full resolution (edge-aware upsampling).</summary>
    public bool RefineAtFullResolution { get; init; } = true;

    /// <summary>Half-width (working px) of that band. 2 in the pipeline: 0.539 / 0.550 on seeds 0 / 1 against 0.570 / 0.613.</summary>
    public int RefineBand { get; init; } = 1;

    public static GraphCutOptions Default { get; } = new();

    internal void Validate()
    {
        if (WorkingLongSide < 16) throw new ArgumentOutOfRangeException(nameof(WorkingLongSide), "WorkingLongSide must be at least 16.");
        if (GmmComponents < 1) throw new ArgumentOutOfRangeException(nameof(GmmComponents), "GmmComponents must be at least 1.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), "Iterations must be at least 1.");
        if (BoxIterations < 1) throw new ArgumentOutOfRangeException(nameof(BoxIterations), "BoxIterations must be at least 1.");
        if (!(Gamma >= 0)) throw new ArgumentOutOfRangeException(nameof(Gamma), "Gamma must be non-negative.");
        if (!(SeedRadius >= 0) || !(SampleRadius >= 0)) throw new ArgumentOutOfRangeException(nameof(SeedRadius), "Radii must be non-negative.");
        if (!(RoiMargin >= 0) || !(RoiMarginMin >= 0)) throw new ArgumentOutOfRangeException(nameof(RoiMargin), "Margins must be non-negative.");
        if (MaxRoiGrowth < 0) throw new ArgumentOutOfRangeException(nameof(MaxRoiGrowth), "MaxRoiGrowth must be non-negative.");
        if (BackgroundRing < 1) throw new ArgumentOutOfRangeException(nameof(BackgroundRing), "BackgroundRing must be at least 1.");
        if (!(DistanceWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(DistanceWeight), "DistanceWeight must be non-negative.");
        if (!(ReferenceWeight >= 0 && ReferenceWeight < 1)) throw new ArgumentOutOfRangeException(nameof(ReferenceWeight), "ReferenceWeight must be in [0, 1).");
        if (!(EvidenceWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(EvidenceWeight), "EvidenceWeight must be non-negative.");
        if (!(PriorWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(PriorWeight), "PriorWeight must be non-negative.");
        if (RefineBand < 1) throw new ArgumentOutOfRangeException(nameof(RefineBand), "RefineBand must be at least 1.");
    }
}
