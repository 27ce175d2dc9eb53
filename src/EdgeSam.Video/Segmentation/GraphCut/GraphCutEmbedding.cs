using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Segmentation.GraphCut;

/// <summary>
/// One frame prepared for graph cuts: the working-resolution colours (area-averaged) and the contrast-sensitive
/// n-link weights of its 8-neighbourhood, shared by every object cut on the frame. Full-resolution weights for the
/// boundary refinement are computed on demand from the frame itself (kept by reference, not copied).
/// </summary>
internal sealed class GraphCutEmbedding : IFrameEmbedding
{
    /// <summary>Terminal capacity that no cut can afford: above any pixel's summed n-links plus unary.</summary>
    private const float Hard = 1e5f;

    private readonly RgbImage _frame;
    private readonly GraphCutOptions _o;
    private readonly int _lw, _lh;
    private readonly float _sx, _sy; // full px per working px
    private readonly float[] _rgb;   // working colours, 3 per pixel
    // n-links from pixel p to its right, down, down-right and down-left neighbours (0 where there is none).
    private readonly float[] _wR, _wD, _wDR, _wDL;
    private float _fullBeta = float.NaN;
    private readonly BkMaxFlow _graph = new();
    private bool _disposed;

    private readonly GraphCutSegmenter? _owner;

    public GraphCutEmbedding(RgbImage frame, GraphCutOptions options, GraphCutSegmenter? owner = null)
    {
        _frame = frame;
        _o = options;
        _owner = owner;
        int w = frame.Width, h = frame.Height;
        int longSide = Math.Max(w, h);
        if (longSide > options.WorkingLongSide)
        {
            double s = (double)options.WorkingLongSide / longSide;
            _lw = Math.Max(1, (int)Math.Round(w * s));
            _lh = Math.Max(1, (int)Math.Round(h * s));
        }
        else
        {
            _lw = w; _lh = h;
        }
        _sx = (float)w / _lw;
        _sy = (float)h / _lh;
        _rgb = Downscale(frame, _lw, _lh);
        int n = _lw * _lh;
        _wR = new float[n]; _wD = new float[n]; _wDR = new float[n]; _wDL = new float[n];
        ComputeLinks(_rgb, _lw, _lh, options.Gamma, _wR, _wD, _wDR, _wDL);
    }

    public int Width => _frame.Width;
    public int Height => _frame.Height;

    public IReadOnlyList<SegmentationResult> Segment(IReadOnlyList<SegmentationPrompt> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var results = new SegmentationResult[prompts.Count];
        for (int i = 0; i < results.Length; i++) results[i] = Segment(prompts[i]);
        return results;
    }

    public SegmentationResult Segment(SegmentationPrompt prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int W = Width, H = Height;

        // Prompt in working coordinates (pixel centres: u = (x + 0.5) / sx - 0.5).
        var pos = new List<(float U, float V)>();
        var neg = new List<(float U, float V)>();
        float? bx0 = null, by0 = null, bx1 = null, by1 = null;
        foreach (PromptPoint p in prompt.Points)
        {
            if (!(p.X >= 0 && p.X <= W - 1 && p.Y >= 0 && p.Y <= H - 1)) continue;
            (float u, float v) = ToWorking(p.X, p.Y);
            switch (p.Label)
            {
                case PointLabel.Positive: pos.Add((u, v)); break;
                case PointLabel.Negative: neg.Add((u, v)); break;
                case PointLabel.BoxTopLeft: bx0 = u; by0 = v; break;
                case PointLabel.BoxBottomRight: bx1 = u; by1 = v; break;
            }
        }
        BoxF? box = prompt.Box;
        if (box is null && bx0.HasValue && bx1.HasValue)
            box = new BoxF(bx0.Value, by0!.Value, bx1.Value, by1!.Value);
        else if (box is BoxF b)
        {
            (float u0, float v0) = ToWorking(Math.Min(b.X0, b.X1), Math.Min(b.Y0, b.Y1));
            (float u1, float v1) = ToWorking(Math.Max(b.X0, b.X1), Math.Max(b.Y0, b.Y1));
            box = new BoxF(u0, v0, u1, v1);
        }
        if (pos.Count == 0 && box is null) return Empty();

        Mask? prior = prompt.Prior is { } pm && pm.Width == W && pm.Height == H && !pm.IsEmpty ? pm : null;
        ColorGmm? reference = _o.ReferenceWeight > 0 && prompt.Reference is { } rf ? _owner?.ReferenceModel(rf) : null;
        byte[]? priorLow = prior is null ? null : DownscaleMask(prior);

        // Region of interest (inclusive working px); outside it is hard background.
        int lw = _lw, lh = _lh;
        float rx0, ry0, rx1, ry1;
        if (box is BoxF bb)
        {
            rx0 = bb.X0 - 2; ry0 = bb.Y0 - 2; rx1 = bb.X1 + 2; ry1 = bb.Y1 + 2;
        }
        else
        {
            rx0 = ry0 = float.MaxValue; rx1 = ry1 = float.MinValue;
            foreach (var (u, v) in pos) { rx0 = Math.Min(rx0, u); ry0 = Math.Min(ry0, v); rx1 = Math.Max(rx1, u); ry1 = Math.Max(ry1, v); }
            float m = _o.RoiMargin * Math.Max(rx1 - rx0, ry1 - ry0) + _o.RoiMarginMin;
            rx0 -= m; ry0 -= m; rx1 += m; ry1 += m;
        }
        if (priorLow is not null)
        {
            var pb = BoundingBox(priorLow, lw, lh);
            if (pb is var (px0, py0, px1, py1))
            {
                float m = 0.15f * Math.Max(px1 - px0, py1 - py0) + _o.RoiMarginMin;
                rx0 = Math.Min(rx0, px0 - m); ry0 = Math.Min(ry0, py0 - m);
                rx1 = Math.Max(rx1, px1 + m); ry1 = Math.Max(ry1, py1 + m);
            }
        }
        int x0 = Math.Clamp((int)MathF.Floor(rx0), 0, lw - 1), x1 = Math.Clamp((int)MathF.Ceiling(rx1), 0, lw - 1);
        int y0 = Math.Clamp((int)MathF.Floor(ry0), 0, lh - 1), y1 = Math.Clamp((int)MathF.Ceiling(ry1), 0, lh - 1);
        // The cut may press against the ROI side (the object reaches further than the points): grow those sides
        // and cut again, a bounded number of times.
        int rw, rh, rn;
        byte[] label;
        float[] dfg, dbg;
        ColorGmm fg, bg;
        for (int grow = 0; ; grow++)
        {
            rw = x1 - x0 + 1; rh = y1 - y0 + 1; rn = rw * rh;

            // Seeds: +1 object, -1 background, 0 free. ROI border pixels (not on the image border) are background.
            var seed = new sbyte[rn];
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                    if ((x == x0 && x0 > 0) || (x == x1 && x1 < lw - 1) || (y == y0 && y0 > 0) || (y == y1 && y1 < lh - 1))
                        seed[(y - y0) * rw + (x - x0)] = -1;
            foreach (var (u, v) in neg) StampDisk(seed, x0, y0, rw, rh, u, v, _o.SeedRadius, (sbyte)-1);
            foreach (var (u, v) in pos) StampDisk(seed, x0, y0, rw, rh, u, v, _o.SeedRadius, (sbyte)1);

            // Initial labels for the colour models (2 = unknown, left out of the first fit): the prior where there is
            // one; else disks around the points (or, box only, the box interior as GrabCut) and the ROI border.
            label = new byte[rn];
            if (priorLow is not null)
            {
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++)
                        label[(y - y0) * rw + (x - x0)] = priorLow[y * lw + x];
            }
            else if (pos.Count > 0)
            {
                Array.Fill(label, (byte)2);
                float r = Math.Max(_o.SampleRadius, _o.SeedRadius);
                foreach (var (u, v) in neg) StampDisk(label, x0, y0, rw, rh, u, v, r, (byte)0);
                foreach (var (u, v) in pos) StampDisk(label, x0, y0, rw, rh, u, v, r, (byte)1);
            }
            else
            {
                Array.Fill(label, (byte)1);
            }
            // The ROI border is hard background but may still cross the object (points far from its edge): keep its
            // colours out of the first background fit, which then rests on the ring outside and the negatives.
            bool borderUnknown = priorLow is null && pos.Count > 0;
            for (int i = 0; i < rn; i++)
            {
                if (seed[i] > 0) label[i] = 1;
                else if (seed[i] < 0 && !(borderUnknown && label[i] == 2)) label[i] = 0;
            }

            // The spatial prior measures closeness to the positives; with none (a box alone) it would be 1 everywhere,
            // i.e. a uniform push to background that leaves a sliver of the box: a box is GrabCut's prompt, colours alone.
            // A box with negative clicks and no positive (a correction of a box's mask) keeps the prior near the
            // negatives: the box stands in for the positives (see SpatialPrior), so a click removes the region it lies in.
            float[]? spatial = _o.DistanceWeight > 0 && (pos.Count > 0 || (box is not null && neg.Count > 0))
                ? SpatialPrior(pos, neg, x0, y0, x1, y1) : null;

            fg = new ColorGmm(_o.GmmComponents);
            bg = new ColorGmm(_o.GmmComponents);
            dfg = new float[rn];
            dbg = new float[rn];
            float[] ringSamples = RingSamples(x0, y0, x1, y1, _o.BackgroundRing);

            int iterations = pos.Count == 0 && box is not null ? _o.BoxIterations : _o.Iterations;
            for (int it = 0; it < iterations; it++)
            {
                if (!FitModels(fg, bg, label, x0, y0, rw, rh, ringSamples)) break;
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++)
                    {
                        int k = (y - y0) * rw + (x - x0), p = 3 * (y * lw + x);
                        dfg[k] = ObjectCost(fg, reference, p);
                        dbg[k] = bg.Cost(_rgb[p], _rgb[p + 1], _rgb[p + 2]);
                    }
                if (spatial is not null)
                    for (int k = 0; k < rn; k++)
                    {
                        dfg[k] += _o.DistanceWeight * spatial[k];
                        dbg[k] += _o.DistanceWeight * (1 - spatial[k]);
                    }
                if (prompt.Evidence is { } ev && _o.EvidenceWeight > 0)
                    for (int y = y0; y <= y1; y++)
                        for (int x = x0; x <= x1; x++)
                        {
                            // Working pixel centre in frame pixels (the inverse of ToWorking).
                            float e = 0.5f * _o.EvidenceWeight * ev.At((x + 0.5f) * _sx - 0.5f, (y + 0.5f) * _sy - 0.5f);
                            int k = (y - y0) * rw + (x - x0);
                            dfg[k] -= e;
                            dbg[k] += e;
                        }
                Cut(seed, dfg, dbg, priorLow, x0, y0, rw, rh, label);
            }
            if (grow >= _o.MaxRoiGrowth || box is not null || !GrowRoi(label, fg, reference, ref x0, ref y0, ref x1, ref y1)) break;
        }

        // Pixels still unknown (no cut ran: one colour model had no sample) are background.
        for (int i = 0; i < rn; i++) if (label[i] == 2) label[i] = 0;

        // Working-resolution result over the whole frame.
        var low = new byte[lw * lh];
        for (int y = y0; y <= y1; y++)
            Array.Copy(label, (y - y0) * rw, low, y * lw + x0, rw);
        if (_o.KeepSeededComponents && pos.Count > 0) KeepSeeded(low, lw, lh, pos);

        double conf = 0;
        for (int i = 0; i < rn; i++) conf += Math.Tanh(Math.Abs(dbg[i] - dfg[i]) / 2);
        float score = (float)(conf / rn);

        Mask mask = _o.RefineAtFullResolution && (_lw != W || _lh != H)
            ? RefineFull(low, fg, bg, pos, neg, x0, y0, x1, y1)
            : UpsampleNearest(low);
        return new SegmentationResult { Mask = mask, Score = score, LowResLogits = null, LowResSize = 0 };
    }

    public void Dispose() => _disposed = true;

    /// <summary>
    /// Moves outwards (by 15% of the ROI's larger dimension, at least <see cref="GraphCutOptions.RoiMarginMin"/>)
    /// each ROI side that is not the image border and where the object seems to go on: more than 2 object pixels right
    /// inside it, or, when the object comes within twice <see cref="GraphCutOptions.RoiMarginMin"/> of it, a quarter of its
    /// pixels at least as object-like (object colour cost) as the median object pixel.
    /// False when no side moves.
    /// </summary>
    private bool GrowRoi(byte[] label, ColorGmm fg, ColorGmm? reference, ref int x0, ref int y0, ref int x1, ref int y1)
    {
        int rw = x1 - x0 + 1, rh = y1 - y0 + 1;
        if (rw < 3 || rh < 3) return false;
        // Colour cost only (the unaries also hold the spatial prior, which is high at the border by construction).
        var dfg = new float[label.Length];
        for (int y = 0; y < rh; y++)
            for (int x = 0; x < rw; x++)
            {
                int k = y * rw + x;
                if (label[k] != 1 && x != 0 && y != 0 && x != rw - 1 && y != rh - 1) continue;
                int p = 3 * ((y + y0) * _lw + x + x0);
                dfg[k] = ObjectCost(fg, reference, p);
            }
        var objectCosts = new List<float>();
        for (int k = 0; k < label.Length; k++) if (label[k] == 1) objectCosts.Add(dfg[k]);
        if (objectCosts.Count == 0) return false;
        objectCosts.Sort();
        float typical = objectCosts[objectCosts.Count / 2];
        int left = 0, right = 0, top = 0, bottom = 0;
        int likeL = 0, likeR = 0, likeT = 0, likeB = 0;
        for (int y = 1; y < rh - 1; y++)
        {
            left += label[y * rw + 1];
            right += label[y * rw + rw - 2];
            if (dfg[y * rw] <= typical) likeL++;
            if (dfg[y * rw + rw - 1] <= typical) likeR++;
        }
        for (int x = 1; x < rw - 1; x++)
        {
            top += label[rw + x];
            bottom += label[(rh - 2) * rw + x];
            if (dfg[x] <= typical) likeT++;
            if (dfg[(rh - 1) * rw + x] <= typical) likeB++;
        }
        // Gaps between the object and each side: the colour test applies only to sides the object comes near.
        int gapL = rw, gapR = rw, gapT = rh, gapB = rh;
        for (int y = 0; y < rh; y++)
            for (int x = 0; x < rw; x++)
                if (label[y * rw + x] == 1)
                {
                    gapL = Math.Min(gapL, x); gapR = Math.Min(gapR, rw - 1 - x);
                    gapT = Math.Min(gapT, y); gapB = Math.Min(gapB, rh - 1 - y);
                }
        float nearSide = 2 * _o.RoiMarginMin;
        left = left > 2 || (likeL * 4 > rh && gapL <= nearSide) ? 1 : 0;
        right = right > 2 || (likeR * 4 > rh && gapR <= nearSide) ? 1 : 0;
        top = top > 2 || (likeT * 4 > rw && gapT <= nearSide) ? 1 : 0;
        bottom = bottom > 2 || (likeB * 4 > rw && gapB <= nearSide) ? 1 : 0;
        int step = (int)MathF.Ceiling(Math.Max(_o.RoiMarginMin, 0.15f * Math.Max(rw, rh)));
        bool grown = false;
        if (x0 > 0 && left > 0) { x0 = Math.Max(0, x0 - step); grown = true; }
        if (x1 < _lw - 1 && right > 0) { x1 = Math.Min(_lw - 1, x1 + step); grown = true; }
        if (y0 > 0 && top > 0) { y0 = Math.Max(0, y0 - step); grown = true; }
        if (y1 < _lh - 1 && bottom > 0) { y1 = Math.Min(_lh - 1, y1 + step); grown = true; }
        return grown;
    }

    /// <summary>Object colour cost of working pixel <paramref name="p"/> (index into the colours, 3 per pixel): the current
    /// fit's, or with a reference the mixture (1 - w) current + w reference (<see cref="GraphCutOptions.ReferenceWeight"/>).</summary>
    private float ObjectCost(ColorGmm fg, ColorGmm? reference, int p)
    {
        float c = fg.Cost(_rgb[p], _rgb[p + 1], _rgb[p + 2]);
        if (reference is null) return c;
        float w = _o.ReferenceWeight;
        return MixCost(c - MathF.Log(1 - w), reference.Cost(_rgb[p], _rgb[p + 1], _rgb[p + 2]) - MathF.Log(w));
    }

    /// <summary>-log(e^-a + e^-b), without overflow: the cost of a mixture whose parts cost a and b (weights folded in).</summary>
    internal static float MixCost(float a, float b)
    {
        float m = Math.Min(a, b);
        return m - MathF.Log(MathF.Exp(m - a) + MathF.Exp(m - b));
    }

    private SegmentationResult Empty() => new() { Mask = new Mask(Width, Height), Score = 0f, LowResLogits = null, LowResSize = 0 };

    private (float U, float V) ToWorking(float x, float y) => ((x + 0.5f) / _sx - 0.5f, (y + 0.5f) / _sy - 0.5f);

    /// <summary>Fits both models from the current labels; false when one side has no pixel (nothing to cut).</summary>
    private bool FitModels(ColorGmm fg, ColorGmm bg, byte[] label, int x0, int y0, int rw, int rh, float[] ring)
    {
        int nf = 0, nb = 0;
        foreach (byte l in label) if (l == 1) nf++; else if (l == 0) nb++;
        const int MaxSamples = 4000;
        int strideF = Math.Max(1, nf / MaxSamples), strideB = Math.Max(1, (nb + ring.Length / 3) / MaxSamples);
        var fs = new List<float>(3 * Math.Min(nf, MaxSamples + 1) + 3);
        var bs = new List<float>(3 * MaxSamples + 3);
        int cf = 0, cb = 0;
        for (int y = 0; y < rh; y++)
            for (int x = 0; x < rw; x++)
            {
                int k = y * rw + x, p = 3 * ((y + y0) * _lw + x + x0);
                if (label[k] == 2) continue;
                if (label[k] != 0) { if (cf++ % strideF == 0) { fs.Add(_rgb[p]); fs.Add(_rgb[p + 1]); fs.Add(_rgb[p + 2]); } }
                else if (cb++ % strideB == 0) { bs.Add(_rgb[p]); bs.Add(_rgb[p + 1]); bs.Add(_rgb[p + 2]); }
            }
        for (int i = 0; i < ring.Length / 3; i++)
            if (cb++ % strideB == 0) { bs.Add(ring[3 * i]); bs.Add(ring[3 * i + 1]); bs.Add(ring[3 * i + 2]); }
        if (fs.Count == 0 || bs.Count == 0) return false;
        fg.Fit(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(fs));
        bg.Fit(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bs));
        return true;
    }

    /// <summary>Colours of the ring of the given width just outside the ROI (inside the image).</summary>
    private float[] RingSamples(int x0, int y0, int x1, int y1, int width)
    {
        int ox0 = Math.Max(0, x0 - width), oy0 = Math.Max(0, y0 - width);
        int ox1 = Math.Min(_lw - 1, x1 + width), oy1 = Math.Min(_lh - 1, y1 + width);
        var s = new List<float>();
        for (int y = oy0; y <= oy1; y++)
            for (int x = ox0; x <= ox1; x++)
            {
                if (x >= x0 && x <= x1 && y >= y0 && y <= y1) continue;
                int p = 3 * (y * _lw + x);
                s.Add(_rgb[p]); s.Add(_rgb[p + 1]); s.Add(_rgb[p + 2]);
            }
        return [.. s];
    }

    /// <summary>
    /// Per ROI pixel, d+ / (d+ + d-): d+ the distance to the nearest positive point, d- to the nearest negative point
    /// or ROI side that is background. 0 near positives, 1 near background evidence; a Voronoi-like soft prior.
    /// </summary>
    private float[] SpatialPrior(List<(float U, float V)> pos, List<(float U, float V)> neg, int x0, int y0, int x1, int y1)
    {
        int rw = x1 - x0 + 1, rh = y1 - y0 + 1, rn = rw * rh;
        var dp = new float[rn];
        var dn = new float[rn];
        Array.Fill(dp, float.MaxValue);
        Array.Fill(dn, float.MaxValue);
        foreach (var (u, v) in pos) StampDisk(dp, x0, y0, rw, rh, u, v, _o.SeedRadius, 0f);
        foreach (var (u, v) in neg) StampDisk(dn, x0, y0, rw, rh, u, v, _o.SeedRadius, 0f);
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
                if ((x == x0 && x0 > 0) || (x == x1 && x1 < _lw - 1) || (y == y0 && y0 > 0) || (y == y1 && y1 < _lh - 1))
                    dn[(y - y0) * rw + (x - x0)] = 0;
        Geodesic(dp, x0, y0, rw, rh);
        Geodesic(dn, x0, y0, rw, rh);
        // Without positives (a box and negative clicks) the box is the positive evidence: every pixel counts as a
        // quarter of the ROI's shorter side from it, so a = b there (no push) and pixels geodesically closer to a
        // negative or the ROI's border lean to background, farther ones to the object.
        if (pos.Count == 0) Array.Fill(dp, 0.25f * Math.Min(rw, rh));
        var s = new float[rn];
        for (int k = 0; k < rn; k++)
        {
            float a = dp[k], b = dn[k];
            s[k] = a == float.MaxValue ? 1f : b == float.MaxValue ? 0f : a / Math.Max(a + b, 1e-3f);
        }
        return s;
    }

    /// <summary>
    /// Geodesic distance from the zero pixels of <paramref name="d"/> over the ROI, by forward/backward raster sweeps:
    /// a step between 8-neighbours costs its length times (1 + g |dI|) with g = <see cref="GraphCutOptions.GeodesicContrast"/>,
    /// so distances grow slowly inside uniform regions and fast across edges (g = 0: Euclidean-like chamfer).
    /// </summary>
    private void Geodesic(float[] d, int x0, int y0, int rw, int rh)
    {
        float g = _o.GeodesicContrast;
        const float Sqrt2 = 1.41421356f;
        for (int pass = 0; pass < 2; pass++)
        {
            for (int y = 0; y < rh; y++)
                for (int x = 0; x < rw; x++)
                {
                    int k = y * rw + x, p = (y + y0) * _lw + x + x0;
                    float best = d[k];
                    if (x > 0) best = Math.Min(best, d[k - 1] + Step(p, p - 1, 1f, g));
                    if (y > 0)
                    {
                        best = Math.Min(best, d[k - rw] + Step(p, p - _lw, 1f, g));
                        if (x > 0) best = Math.Min(best, d[k - rw - 1] + Step(p, p - _lw - 1, Sqrt2, g));
                        if (x + 1 < rw) best = Math.Min(best, d[k - rw + 1] + Step(p, p - _lw + 1, Sqrt2, g));
                    }
                    d[k] = best;
                }
            for (int y = rh - 1; y >= 0; y--)
                for (int x = rw - 1; x >= 0; x--)
                {
                    int k = y * rw + x, p = (y + y0) * _lw + x + x0;
                    float best = d[k];
                    if (x + 1 < rw) best = Math.Min(best, d[k + 1] + Step(p, p + 1, 1f, g));
                    if (y + 1 < rh)
                    {
                        best = Math.Min(best, d[k + rw] + Step(p, p + _lw, 1f, g));
                        if (x + 1 < rw) best = Math.Min(best, d[k + rw + 1] + Step(p, p + _lw + 1, Sqrt2, g));
                        if (x > 0) best = Math.Min(best, d[k + rw - 1] + Step(p, p + _lw - 1, Sqrt2, g));
                    }
                    d[k] = best;
                }
        }
    }

    private float Step(int p, int q, float len, float g)
    {
        float d0 = _rgb[3 * p] - _rgb[3 * q], d1 = _rgb[3 * p + 1] - _rgb[3 * q + 1], d2 = _rgb[3 * p + 2] - _rgb[3 * q + 2];
        return len * (1 + g * MathF.Sqrt(d0 * d0 + d1 * d1 + d2 * d2));
    }

    private void Cut(sbyte[] seed, float[] dfg, float[] dbg, byte[]? priorLow, int x0, int y0, int rw, int rh, byte[] label)
    {
        int rn = rw * rh;
        BkMaxFlow g = _graph;
        g.Reset(rn, 4 * rn);
        float pw = _o.PriorWeight;
        for (int y = 0; y < rh; y++)
            for (int x = 0; x < rw; x++)
            {
                int k = y * rw + x;
                // Source = object. Cutting s->p labels p background and pays p's background cost, and vice versa.
                if (seed[k] > 0) g.AddTerminal(k, Hard, 0);
                else if (seed[k] < 0) g.AddTerminal(k, 0, Hard);
                else
                {
                    float cs = dbg[k], ct = dfg[k];
                    if (priorLow is not null)
                    {
                        if (priorLow[(y + y0) * _lw + x + x0] != 0) cs += pw; else ct += pw;
                    }
                    // Only the difference matters to the cut; keep capacities non-negative.
                    float m = Math.Min(cs, ct);
                    g.AddTerminal(k, cs - m, ct - m);
                }
                int p = (y + y0) * _lw + x + x0;
                if (x + 1 < rw) g.AddEdge(k, k + 1, _wR[p], _wR[p]);
                if (y + 1 < rh)
                {
                    g.AddEdge(k, k + rw, _wD[p], _wD[p]);
                    if (x + 1 < rw) g.AddEdge(k, k + rw + 1, _wDR[p], _wDR[p]);
                    if (x > 0) g.AddEdge(k, k + rw - 1, _wDL[p], _wDL[p]);
                }
            }
        g.Solve();
        for (int k = 0; k < rn; k++) label[k] = g.InSourceSet(k) ? (byte)1 : (byte)0;
    }

    /// <summary>
    /// Full-resolution mask: nearest-neighbour from the working labels away from the boundary, and a graph cut over the
    /// full-resolution pixels within <see cref="GraphCutOptions.RefineBand"/> working px of it, with the same colour
    /// models, full-resolution contrast weights, and the fixed labels around the band as boundary conditions.
    /// </summary>
    private Mask RefineFull(byte[] low, ColorGmm fg, ColorGmm bg, List<(float U, float V)> pos, List<(float U, float V)> neg,
        int rx0, int ry0, int rx1, int ry1)
    {
        int W = Width, H = Height, lw = _lw, lh = _lh;
        int r = _o.RefineBand;
        // Working pixels near a label change.
        var near = new bool[lw * lh];
        bool any = false;
        for (int y = 0; y < lh; y++)
            for (int x = 0; x < lw; x++)
            {
                byte l = low[y * lw + x];
                bool diff = false;
                for (int dy = -r; dy <= r && !diff; dy++)
                {
                    int yy = y + dy;
                    if (yy < 0 || yy >= lh) continue;
                    for (int dx = -r; dx <= r; dx++)
                    {
                        int xx = x + dx;
                        if (xx >= 0 && xx < lw && low[yy * lw + xx] != l) { diff = true; break; }
                    }
                }
                near[y * lw + x] = diff;
                any |= diff;
            }

        var mask = new Mask(W, H);
        var xmap = new int[W];
        for (int x = 0; x < W; x++) xmap[x] = Math.Min(lw - 1, (int)((x + 0.5f) / _sx));
        var node = new int[W * H];
        int nodes = 0;
        for (int y = 0; y < H; y++)
        {
            int ly = Math.Min(lh - 1, (int)((y + 0.5f) / _sy));
            for (int x = 0; x < W; x++)
            {
                int lp = ly * lw + xmap[x];
                mask.Data[y * W + x] = low[lp];
                node[y * W + x] = near[lp] ? nodes++ : -1;
            }
        }
        if (!any || nodes == 0) return mask;

        float beta = FullBeta();
        float gamma = _o.Gamma;
        float diag = gamma / MathF.Sqrt(2f);
        byte[] px = _frame.Pixels;
        BkMaxFlow g = _graph;
        g.Reset(nodes, 4 * nodes);
        // Full-res ROI limits: outside the working ROI stays background.
        float fx0 = (rx0 + 0.5f) * _sx, fx1 = (rx1 + 0.5f) * _sx, fy0 = (ry0 + 0.5f) * _sy, fy1 = (ry1 + 0.5f) * _sy;
        Span<(int Dx, int Dy)> nbr = [(1, 0), (0, 1), (1, 1), (-1, 1), (-1, 0), (0, -1), (-1, -1), (1, -1)];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int i = y * W + x;
                int k = node[i];
                if (k < 0) continue;
                int p = 3 * i;
                float c0 = px[p], c1 = px[p + 1], c2 = px[p + 2];
                float cs = bg.Cost(c0, c1, c2), ct = fg.Cost(c0, c1, c2);
                float m = Math.Min(cs, ct);
                cs -= m; ct -= m;
                if (x < fx0 - _sx || x > fx1 + _sx || y < fy0 - _sy || y > fy1 + _sy) ct += Hard;
                for (int e = 0; e < 8; e++)
                {
                    int xx = x + nbr[e].Dx, yy = y + nbr[e].Dy;
                    if (xx < 0 || xx >= W || yy < 0 || yy >= H) continue;
                    int j = yy * W + xx;
                    int q = 3 * j;
                    float d0 = c0 - px[q], d1 = c1 - px[q + 1], d2 = c2 - px[q + 2];
                    float w = (e < 2 || e == 4 || e == 5 ? gamma : diag) * MathF.Exp(-beta * (d0 * d0 + d1 * d1 + d2 * d2));
                    int kq = node[j];
                    if (kq < 0)
                    {
                        // Fixed neighbour: disagreeing with it pays w.
                        if (mask.Data[j] != 0) cs += w; else ct += w;
                    }
                    else if (e < 4)
                    {
                        g.AddEdge(k, kq, w, w); // each band-band pair once (forward half of the neighbourhood)
                    }
                }
                g.AddTerminal(k, cs, ct);
            }
        // Seeds at full resolution.
        foreach (var (u, v) in neg) StampFullSeed(g, node, u, v, fromSource: 0, toSink: Hard);
        foreach (var (u, v) in pos) StampFullSeed(g, node, u, v, fromSource: Hard * 2, toSink: 0);
        g.Solve();
        for (int i = 0; i < W * H; i++)
        {
            int k = node[i];
            if (k >= 0) mask.Data[i] = g.InSourceSet(k) ? (byte)1 : (byte)0;
        }
        return mask;
    }

    private void StampFullSeed(BkMaxFlow g, int[] node, float u, float v, float fromSource, float toSink)
    {
        int W = Width, H = Height;
        float cx = (u + 0.5f) * _sx - 0.5f, cy = (v + 0.5f) * _sy - 0.5f;
        float rad = _o.SeedRadius * _sx;
        int xa = Math.Max(0, (int)MathF.Floor(cx - rad)), xb = Math.Min(W - 1, (int)MathF.Ceiling(cx + rad));
        int ya = Math.Max(0, (int)MathF.Floor(cy - rad)), yb = Math.Min(H - 1, (int)MathF.Ceiling(cy + rad));
        for (int y = ya; y <= yb; y++)
            for (int x = xa; x <= xb; x++)
            {
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > rad * rad) continue;
                int k = node[y * W + x];
                if (k >= 0) g.AddTerminal(k, fromSource, toSink);
            }
    }

    private Mask UpsampleNearest(byte[] low)
    {
        int W = Width, H = Height;
        var mask = new Mask(W, H);
        for (int y = 0; y < H; y++)
        {
            int ly = Math.Min(_lh - 1, (int)((y + 0.5f) / _sy));
            for (int x = 0; x < W; x++)
                mask.Data[y * W + x] = low[ly * _lw + Math.Min(_lw - 1, (int)((x + 0.5f) / _sx))];
        }
        return mask;
    }

    /// <summary>beta = 1 / (2 &lt;|dI|^2&gt;) over the full-resolution frame's 4-neighbour differences (every other row).</summary>
    private float FullBeta()
    {
        if (!float.IsNaN(_fullBeta)) return _fullBeta;
        int W = Width, H = Height;
        byte[] px = _frame.Pixels;
        double sum = 0;
        long count = 0;
        for (int y = 0; y + 1 < H; y += 2)
        {
            int row = y * W * 3;
            for (int x = 0; x + 1 < W; x++)
            {
                int p = row + 3 * x;
                int d0 = px[p] - px[p + 3], d1 = px[p + 1] - px[p + 4], d2 = px[p + 2] - px[p + 5];
                int q = p + 3 * W;
                int e0 = px[p] - px[q], e1 = px[p + 1] - px[q + 1], e2 = px[p + 2] - px[q + 2];
                sum += d0 * d0 + d1 * d1 + d2 * d2 + e0 * e0 + e1 * e1 + e2 * e2;
                count += 2;
            }
        }
        double mean = count > 0 ? sum / count : 0;
        _fullBeta = mean > 0 ? (float)(1 / (2 * mean)) : 0f;
        return _fullBeta;
    }

    private static void StampDisk<T>(T[] map, int x0, int y0, int rw, int rh, float u, float v, float r, T value)
    {
        int xa = Math.Max(0, (int)MathF.Floor(u - r) - x0), xb = Math.Min(rw - 1, (int)MathF.Ceiling(u + r) - x0);
        int ya = Math.Max(0, (int)MathF.Floor(v - r) - y0), yb = Math.Min(rh - 1, (int)MathF.Ceiling(v + r) - y0);
        float r2 = Math.Max(r * r, 0.25f);
        bool stamped = false;
        for (int y = ya; y <= yb; y++)
            for (int x = xa; x <= xb; x++)
            {
                float dx = x + x0 - u, dy = y + y0 - v;
                if (dx * dx + dy * dy <= r2) { map[y * rw + x] = value; stamped = true; }
            }
        if (!stamped)
        {
            // A radius below half a pixel still marks the pixel the point falls in.
            int xi = (int)MathF.Round(u) - x0, yi = (int)MathF.Round(v) - y0;
            if (xi >= 0 && xi < rw && yi >= 0 && yi < rh) map[yi * rw + xi] = value;
        }
    }

    /// <summary>Clears the 8-connected parts of <paramref name="low"/> that hold no positive point.</summary>
    private static void KeepSeeded(byte[] low, int lw, int lh, List<(float U, float V)> pos)
    {
        var keep = new bool[low.Length];
        var stack = new Stack<int>();
        foreach (var (u, v) in pos)
        {
            int xi = Math.Clamp((int)MathF.Round(u), 0, lw - 1), yi = Math.Clamp((int)MathF.Round(v), 0, lh - 1);
            int s = yi * lw + xi;
            if (low[s] == 0 || keep[s]) continue;
            keep[s] = true;
            stack.Push(s);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                int px = p % lw, py = p / lw;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int xx = px + dx, yy = py + dy;
                        if (xx < 0 || yy < 0 || xx >= lw || yy >= lh) continue;
                        int q = yy * lw + xx;
                        if (low[q] != 0 && !keep[q]) { keep[q] = true; stack.Push(q); }
                    }
            }
        }
        for (int i = 0; i < low.Length; i++) if (!keep[i]) low[i] = 0;
    }

    private byte[] DownscaleMask(Mask m)
    {
        var low = new byte[_lw * _lh];
        for (int y = 0; y < _lh; y++)
        {
            int fy = Math.Min(Height - 1, (int)((y + 0.5f) * _sy));
            for (int x = 0; x < _lw; x++)
                low[y * _lw + x] = m.Data[fy * Width + Math.Min(Width - 1, (int)((x + 0.5f) * _sx))];
        }
        return low;
    }

    private static (int, int, int, int)? BoundingBox(byte[] m, int w, int h)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (m[y * w + x] != 0)
                {
                    if (x < x0) x0 = x;
                    if (x > x1) x1 = x;
                    if (y < y0) y0 = y;
                    y1 = y;
                }
        return y1 < 0 ? null : (x0, y0, x1, y1);
    }

    /// <summary>Area average of the frame into lw x lh (each working pixel averages the full pixels it covers).</summary>
    private static float[] Downscale(RgbImage f, int lw, int lh)
    {
        int W = f.Width, H = f.Height;
        var rgb = new float[lw * lh * 3];
        if (lw == W && lh == H)
        {
            for (int i = 0; i < rgb.Length; i++) rgb[i] = f.Pixels[i];
            return rgb;
        }
        var xa = new int[lw + 1];
        for (int x = 0; x <= lw; x++) xa[x] = (int)((long)x * W / lw);
        var acc = new float[lw * 3];
        byte[] px = f.Pixels;
        for (int y = 0; y < lh; y++)
        {
            int ya = (int)((long)y * H / lh), yb = Math.Max(ya + 1, (int)((long)(y + 1) * H / lh));
            Array.Clear(acc);
            for (int fy = ya; fy < yb; fy++)
            {
                int row = fy * W * 3;
                for (int x = 0; x < lw; x++)
                {
                    int xe = Math.Max(xa[x] + 1, xa[x + 1]);
                    float s0 = 0, s1 = 0, s2 = 0;
                    for (int fx = xa[x]; fx < xe; fx++)
                    {
                        int p = row + 3 * fx;
                        s0 += px[p]; s1 += px[p + 1]; s2 += px[p + 2];
                    }
                    acc[3 * x] += s0; acc[3 * x + 1] += s1; acc[3 * x + 2] += s2;
                }
            }
            for (int x = 0; x < lw; x++)
            {
                int xe = Math.Max(xa[x] + 1, xa[x + 1]);
                float inv = 1f / ((xe - xa[x]) * (yb - ya));
                int o = 3 * (y * lw + x);
                rgb[o] = acc[3 * x] * inv; rgb[o + 1] = acc[3 * x + 1] * inv; rgb[o + 2] = acc[3 * x + 2] * inv;
            }
        }
        return rgb;
    }

    /// <summary>GrabCut n-links: gamma / dist * exp(-beta |dI|^2), beta = 1 / (2 &lt;|dI|^2&gt;) over all 8-neighbour pairs.</summary>
    private static void ComputeLinks(float[] rgb, int w, int h, float gamma, float[] wR, float[] wD, float[] wDR, float[] wDL)
    {
        double sum = 0;
        long count = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                if (x + 1 < w) { wR[p] = Diff2(rgb, p, p + 1); sum += wR[p]; count++; }
                if (y + 1 < h)
                {
                    wD[p] = Diff2(rgb, p, p + w); sum += wD[p]; count++;
                    if (x + 1 < w) { wDR[p] = Diff2(rgb, p, p + w + 1); sum += wDR[p]; count++; }
                    if (x > 0) { wDL[p] = Diff2(rgb, p, p + w - 1); sum += wDL[p]; count++; }
                }
            }
        float beta = sum > 0 ? (float)(count / (2 * sum)) : 0f;
        float diag = gamma / MathF.Sqrt(2f);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                wR[p] = x + 1 < w ? gamma * MathF.Exp(-beta * wR[p]) : 0;
                wD[p] = y + 1 < h ? gamma * MathF.Exp(-beta * wD[p]) : 0;
                wDR[p] = y + 1 < h && x + 1 < w ? diag * MathF.Exp(-beta * wDR[p]) : 0;
                wDL[p] = y + 1 < h && x > 0 ? diag * MathF.Exp(-beta * wDL[p]) : 0;
            }
    }

    private static float Diff2(float[] rgb, int p, int q)
    {
        float d0 = rgb[3 * p] - rgb[3 * q], d1 = rgb[3 * p + 1] - rgb[3 * q + 1], d2 = rgb[3 * p + 2] - rgb[3 * q + 2];
        return d0 * d0 + d1 * d1 + d2 * d2;
    }
}
