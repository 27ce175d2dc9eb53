using EdgeSam.Video.Media;

namespace EdgeSam.Video.Trackers.Lk;

/// <summary>
/// A coarse appearance model that helps the Lucas-Kanade track: it proposes where each point went (robust to large
/// motion, where LK's local search fails) and scores how well a position matches the point's appearance.
/// One instance belongs to one track; calls come in the order Start, then per frame Prepare, Match/Similarity, Update.
/// </summary>
internal interface ICoarseMatcher : IDisposable
{
    /// <summary>Records the appearance of every point on the track's first frame.</summary>
    void Start(RgbImage frame, ReadOnlySpan<(float X, float Y)> points);

    /// <summary>Describes the new frame around the predicted positions of the points still tracked.</summary>
    void Prepare(RgbImage frame, ReadOnlySpan<(float X, float Y)> predicted, ReadOnlySpan<bool> live);

    /// <summary>Best match of point <paramref name="i"/> within <paramref name="radius"/> frame pixels of (x, y), with its similarity in [-1, 1].</summary>
    (float X, float Y, float Similarity) Match(int i, float x, float y, float radius);

    /// <summary>
    /// Like <see cref="Match"/>, plus the best similarity at least <paramref name="exclusion"/> frame pixels from the
    /// best match (-1 when there is none): a distinct match beats every other place clearly (ratio test).
    /// </summary>
    (float X, float Y, float Similarity, float Second) MatchDistinct(int i, float x, float y, float radius, float exclusion);

    /// <summary>Similarity in [-1, 1] of point <paramref name="i"/>'s appearance and the new frame at (x, y).</summary>
    float Similarity(int i, float x, float y);

    /// <summary>
    /// Cycle check of a match: the new frame's appearance at (<paramref name="x"/>, <paramref name="y"/>), searched in
    /// the previous frame within <paramref name="radius"/> of (<paramref name="prevX"/>, <paramref name="prevY"/>),
    /// lands within <paramref name="tolerance"/> frame pixels of that previous position.
    /// </summary>
    bool CycleConsistent(float x, float y, float prevX, float prevY, float radius, float tolerance);

    /// <summary>Point <paramref name="i"/> was reliably found at (x, y) on the new frame: refresh its appearance.</summary>
    void Update(int i, float x, float y);
}
