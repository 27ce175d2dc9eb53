namespace EdgeSam.Video.Trackers;

/// <summary>
/// The contract's border rule (SAM-PT's "outside frame"): a point whose x/width or y/height is below 1% or above
/// 99% is reported invisible, since its content is (about to be) cut by the frame edge.
/// </summary>
public static class FrameBorder
{
    public const float Margin = 0.01f;

    public static bool IsInside(float x, float y, int width, int height)
    {
        float u = x / width, v = y / height;
        return u >= Margin && u <= 1 - Margin && v >= Margin && v <= 1 - Margin && float.IsFinite(u) && float.IsFinite(v);
    }
}
