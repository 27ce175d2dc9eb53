using EdgeSam.Video.Media;

namespace EdgeSam.Video.Prompts;

/// <summary>Box prompts as users draw them: from a mask's extent, and the check that a box's mask is not a sliver of it.</summary>
public static class BoxPrompts
{
    /// <summary>
    /// Below this share of its box's area, a box prompt's mask is reported as far smaller than the box: the objects of
    /// DAVIS 2016's first frames fill 0.29 to 0.63 of their tight boxes (0.24 to 0.52 with a 5% margin), so a mask
    /// under 0.15 is a sliver: a detail, or the cut lost the object.
    /// </summary>
    public const double SmallMaskShare = 0.15;

    /// <summary>
    /// The tight box of <paramref name="mask"/> (inclusive pixel corners), grown by <paramref name="margin"/> of its
    /// width and height on every side and clipped to the frame.
    /// </summary>
    public static BoxF FromMask(Mask mask, float margin = 0)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.BoundingBox() is not var (x0, y0, x1, y1))
            throw new ArgumentException("The mask is empty: it has no box.", nameof(mask));
        float mx = margin * (x1 - x0 + 1), my = margin * (y1 - y0 + 1);
        return new BoxF(Math.Max(0, x0 - mx), Math.Max(0, y0 - my), Math.Min(mask.Width - 1, x1 + mx), Math.Min(mask.Height - 1, y1 + my));
    }

    /// <summary>Area of a box in pixels (corners inclusive).</summary>
    public static double Area(BoxF box) => (box.Width + 1) * (double)(box.Height + 1);

    /// <summary>
    /// One line for the user when the mask a box prompt gave covers less than <see cref="SmallMaskShare"/> of the box;
    /// null otherwise.
    /// </summary>
    public static string? SmallMaskNote(Mask mask, BoxF box)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int area = mask.Area();
        double share = area / Area(box);
        if (share >= SmallMaskShare) return null;
        return $"the box gave a mask of {area} px, {share:P0} of the box's area: it may have missed the object; check the first masks, draw the box tightly around the object, or prompt with --points or --mask";
    }
}
