namespace EdgeSam.Video.Prompts;

/// <summary>SAM's point labels, as the EdgeSAM decoder takes them (float-coded in <c>point_labels</c>).</summary>
public enum PointLabel
{
    /// <summary>SAM's padding point, appended to point-only prompts.</summary>
    Padding = -1,
    Negative = 0,
    Positive = 1,
    BoxTopLeft = 2,
    BoxBottomRight = 3,
}

/// <summary>A prompt point in original-image pixel coordinates (x right, y down, pixel centres at integers).</summary>
public readonly record struct PromptPoint(float X, float Y, PointLabel Label);

/// <summary>An axis-aligned box in original-image pixel coordinates, corners inclusive.</summary>
public readonly record struct BoxF(float X0, float Y0, float X1, float Y1)
{
    public float Width => X1 - X0;
    public float Height => Y1 - Y0;
}
