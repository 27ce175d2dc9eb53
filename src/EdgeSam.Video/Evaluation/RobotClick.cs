using EdgeSam.Video.Media;

namespace EdgeSam.Video.Evaluation;

/// <summary>A simulated user's click: where, and whether it says "object" (a missed region) or "background".</summary>
public readonly record struct RobotClickResult(int X, int Y, bool Positive, int RegionArea);

/// <summary>
/// The click rule of the click-based DAVIS interactive protocol (issue #27): on one object's ground truth and
/// prediction of a frame, take the largest 8-connected false-negative region (ground truth, not predicted) and the
/// largest false-positive region (predicted, not ground truth); in the larger of the two (ties: the false negative),
/// click at the pixel farthest from the region's outside (exact Euclidean distance; pixels beyond the frame count as
/// outside), ties going to the first in raster order. Positive for a false negative, negative for a false positive.
/// </summary>
public static class RobotClick
{
    /// <summary>The click, or null when prediction and ground truth agree on every pixel.</summary>
    /// <param name="groundTruth">The object's ground-truth mask.</param>
    /// <param name="prediction">The object's predicted mask, same size.</param>
    public static RobotClickResult? Next(Mask groundTruth, Mask prediction)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(prediction);
        if (groundTruth.Width != prediction.Width || groundTruth.Height != prediction.Height)
            throw new ArgumentException($"Ground truth {groundTruth.Width}x{groundTruth.Height} and prediction {prediction.Width}x{prediction.Height} differ in size.");
        int w = groundTruth.Width, h = groundTruth.Height, n = w * h;
        var fn = new bool[n];
        var fp = new bool[n];
        for (int i = 0; i < n; i++)
        {
            bool g = groundTruth.Data[i] != 0, p = prediction.Data[i] != 0;
            fn[i] = g && !p;
            fp[i] = p && !g;
        }
        bool[] fnRegion = LargestComponent(fn, w, h, out int fnArea);
        bool[] fpRegion = LargestComponent(fp, w, h, out int fpArea);
        if (fnArea == 0 && fpArea == 0) return null;
        bool positive = fnArea >= fpArea;
        bool[] region = positive ? fnRegion : fpRegion;
        double[] d2 = SquaredDistanceToOutside(region, w, h);
        int best = -1;
        for (int i = 0; i < n; i++)
            if (region[i] && (best < 0 || d2[i] > d2[best])) best = i;
        return new RobotClickResult(best % w, best / w, positive, positive ? fnArea : fpArea);
    }

    /// <summary>The largest 8-connected component of <paramref name="set"/> (first found wins a tie).</summary>
    internal static bool[] LargestComponent(bool[] set, int w, int h, out int area)
    {
        var label = new int[set.Length];
        var stack = new Stack<int>();
        int next = 0, bestLabel = 0;
        area = 0;
        for (int s = 0; s < set.Length; s++)
        {
            if (!set[s] || label[s] != 0) continue;
            int id = ++next, size = 0;
            label[s] = id;
            stack.Push(s);
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                size++;
                int x = i % w, y = i / w;
                for (int dy = -1; dy <= 1; dy++)
                {
                    int yy = y + dy;
                    if ((uint)yy >= (uint)h) continue;
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int xx = x + dx;
                        if ((uint)xx >= (uint)w) continue;
                        int j = yy * w + xx;
                        if (set[j] && label[j] == 0) { label[j] = id; stack.Push(j); }
                    }
                }
            }
            if (size > area) { area = size; bestLabel = id; }
        }
        var region = new bool[set.Length];
        if (bestLabel != 0)
            for (int i = 0; i < set.Length; i++) region[i] = label[i] == bestLabel;
        return region;
    }

    /// <summary>Squared Euclidean distance of every pixel to the nearest pixel outside <paramref name="region"/>, the
    /// frame padded with outside pixels (Felzenszwalb and Huttenlocher's separable lower-envelope transform).</summary>
    internal static double[] SquaredDistanceToOutside(bool[] region, int w, int h)
    {
        // Padded by one pixel on every side so the frame's border is outside.
        int pw = w + 2, ph = h + 2;
        // "Infinite" but exact in double arithmetic next to squared pixel distances (a 1e12 frame would be needed to reach it).
        const double Inf = 1e12;
        var grid = new double[pw * ph];
        for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++)
            {
                bool inside = x > 0 && y > 0 && x <= w && y <= h && region[(y - 1) * w + (x - 1)];
                grid[y * pw + x] = inside ? Inf : 0;
            }
        int longest = Math.Max(pw, ph);
        var f = new double[longest];
        var d = new double[longest];
        var v = new int[longest];
        var z = new double[longest + 1];
        for (int x = 0; x < pw; x++)
        {
            for (int y = 0; y < ph; y++) f[y] = grid[y * pw + x];
            LowerEnvelope(f, ph, d, v, z);
            for (int y = 0; y < ph; y++) grid[y * pw + x] = d[y];
        }
        for (int y = 0; y < ph; y++)
        {
            Array.Copy(grid, y * pw, f, 0, pw);
            LowerEnvelope(f, pw, d, v, z);
            Array.Copy(d, 0, grid, y * pw, pw);
        }
        var result = new double[w * h];
        for (int y = 0; y < h; y++)
            Array.Copy(grid, (y + 1) * pw + 1, result, y * w, w);
        return result;
    }

    /// <summary>d[q] = min over p of (q - p)^2 + f[p], in O(n).</summary>
    private static void LowerEnvelope(double[] f, int n, double[] d, int[] v, double[] z)
    {
        int k = 0;
        v[0] = 0;
        z[0] = double.NegativeInfinity;
        z[1] = double.PositiveInfinity;
        for (int q = 1; q < n; q++)
        {
            double s = Intersection(f, q, v[k]);
            while (s <= z[k])
            {
                k--; // z[0] is -infinity, so k stays >= 0
                s = Intersection(f, q, v[k]);
            }
            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = double.PositiveInfinity;
        }
        k = 0;
        for (int q = 0; q < n; q++)
        {
            while (z[k + 1] < q) k++;
            int p = v[k];
            d[q] = (double)(q - p) * (q - p) + f[p];
        }
    }

    private static double Intersection(double[] f, int q, int p) =>
        ((f[q] + (double)q * q) - (f[p] + (double)p * p)) / (2.0 * (q - p));
}
