namespace EdgeSam.Video.Export;

/// <summary>A point or vector in pixel coordinates: x right, y down, (0, 0) the top-left corner of the top-left pixel,
/// so pixel (x, y) has its centre at (x + 0.5, y + 0.5).</summary>
public readonly record struct Vec2(double X, double Y)
{
    public static Vec2 operator +(Vec2 a, Vec2 b) => new(a.X + b.X, a.Y + b.Y);
    public static Vec2 operator -(Vec2 a, Vec2 b) => new(a.X - b.X, a.Y - b.Y);
    public static Vec2 operator *(Vec2 a, double s) => new(a.X * s, a.Y * s);
    public static Vec2 operator *(double s, Vec2 a) => new(a.X * s, a.Y * s);
    public static Vec2 operator /(Vec2 a, double s) => new(a.X / s, a.Y / s);
    public double Dot(Vec2 b) => X * b.X + Y * b.Y;
    public double Length => Math.Sqrt(X * X + Y * Y);
    public double LengthSquared => X * X + Y * Y;

    /// <summary>Unit vector, or zero for a zero vector.</summary>
    public Vec2 Normalized()
    {
        double l = Length;
        return l > 1e-12 ? new Vec2(X / l, Y / l) : default;
    }

    public override string ToString() => FormattableString.Invariant($"({X:0.###}, {Y:0.###})");
}

/// <summary>
/// A closed cubic Bézier path: segment i runs from <c>Anchors[i]</c> with control points <c>Out[i]</c> and
/// <c>In[(i + 1) % n]</c> to <c>Anchors[(i + 1) % n]</c>. All points are absolute; the relative tangents that After
/// Effects and Nuke want are <c>Out[i] - Anchors[i]</c> and <c>In[i] - Anchors[i]</c>.
/// </summary>
public sealed record BezierPath(Vec2[] Anchors, Vec2[] In, Vec2[] Out)
{
    public int Count => Anchors.Length;

    /// <summary>Control points of segment i: P0, P1, P2, P3.</summary>
    public (Vec2 P0, Vec2 P1, Vec2 P2, Vec2 P3) Segment(int i)
    {
        int j = (i + 1) % Anchors.Length;
        return (Anchors[i], Out[i], In[j], Anchors[j]);
    }

    /// <summary>Control points lerped towards <paramref name="b"/> (same vertex count) by <paramref name="u"/>: a
    /// cubic is linear in its control points, so this is also the pointwise lerp of the two outlines.</summary>
    public BezierPath Lerp(BezierPath b, double u)
    {
        if (b.Count != Count) throw new ArgumentException($"paths differ in vertex count ({Count} vs {b.Count})", nameof(b));
        static Vec2[] L(Vec2[] x, Vec2[] y, double u) => x.Select((p, i) => p + (y[i] - p) * u).ToArray();
        return new BezierPath(L(Anchors, b.Anchors, u), L(In, b.In, u), L(Out, b.Out, u));
    }

    /// <summary>The path as a polygon: each segment evaluated at <paramref name="stepsPerSegment"/> uniform parameters.</summary>
    public Vec2[] Flatten(int stepsPerSegment = 12)
    {
        var pts = new Vec2[Anchors.Length * stepsPerSegment];
        for (int i = 0, k = 0; i < Anchors.Length; i++)
        {
            var (p0, p1, p2, p3) = Segment(i);
            for (int s = 0; s < stepsPerSegment; s++)
                pts[k++] = Bezier.Eval(p0, p1, p2, p3, (double)s / stepsPerSegment);
        }
        return pts;
    }
}

/// <summary>One contour of one object on one frame.</summary>
/// <param name="Path">The fitted shape.</param>
/// <param name="IsHole">True for the boundary of a hole (to be subtracted; even-odd fill does it by itself).</param>
/// <param name="Track">Which temporal track the contour belongs to: the same track id on consecutive frames has the
/// same vertex count and corresponding vertices, so keyframes interpolate; a new id starts when the topology changes.</param>
/// <param name="IsKey">True where the roto formats write a key; elsewhere <paramref name="Path"/> is what the app shows:
/// the linear interpolation of the track's neighbouring keys (per control point, in absolute coordinates).</param>
public sealed record ShapeContour(BezierPath Path, bool IsHole, int Track, bool IsKey = true);

/// <summary>The shapes of one object on one frame (empty when the object is absent).</summary>
public sealed record ObjectFrameShapes(int ObjectId, int Frame, IReadOnlyList<ShapeContour> Contours);

internal static class Bezier
{
    public static Vec2 Eval(Vec2 p0, Vec2 p1, Vec2 p2, Vec2 p3, double t)
    {
        double u = 1 - t;
        return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
    }

    public static Vec2 D1(Vec2 p0, Vec2 p1, Vec2 p2, Vec2 p3, double t)
    {
        double u = 1 - t;
        return 3 * u * u * (p1 - p0) + 6 * u * t * (p2 - p1) + 3 * t * t * (p3 - p2);
    }

    public static Vec2 D2(Vec2 p0, Vec2 p1, Vec2 p2, Vec2 p3, double t) =>
        6 * (1 - t) * (p2 - 2 * p1 + p0) + 6 * t * (p3 - 2 * p2 + p1);
}
