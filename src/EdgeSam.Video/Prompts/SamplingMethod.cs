namespace EdgeSam.Video.Prompts;

/// <summary>How query points are chosen inside a region (SAM-PT's point selection methods).</summary>
public enum SamplingMethod
{
    /// <summary>
    /// Medoids of K-Medoids clustering (K = number of points) over a random subsample of the region's pixels:
    /// well spread points that are real pixels of the region. SAM-PT's default for positive points.
    /// </summary>
    KMedoids,

    /// <summary>Distinct pixels of the region drawn uniformly at random.</summary>
    Random,

    /// <summary>
    /// Shi-Tomasi corners of the frame inside the eroded region (textured points that track well); missing corners
    /// are filled with K-Medoids points of the un-eroded region. Needs the frame.
    /// </summary>
    ShiTomasi,

    /// <summary>
    /// <c>n/4</c> K-Medoids + <c>n/3</c> Shi-Tomasi + the rest random (integer division). Needs the frame when
    /// <c>n &gt;= 3</c>. SAM-PT's default for negative points.
    /// </summary>
    Mixed,
}
