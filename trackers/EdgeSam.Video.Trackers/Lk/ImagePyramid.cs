using System.Collections.Concurrent;
using OpenCvSharp;
using OpenCvSharp.Internal;
using OpenCvSharp.Internal.Vectors;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Trackers.Lk;

/// <summary>
/// One pyramid level in two forms. OpenCV's 8-bit grey image and its Scharr derivatives (CV_16SC2), as
/// <c>buildOpticalFlowPyramid</c> made them, feed OpenCV's LK solver, which takes 8-bit levels only. The managed
/// consumers (the correlation and residual test of LK windows, the dense flow) read float levels instead, grey and
/// blur never rounded: their thresholds and patch statistics were chosen on such values, and at the coarse levels
/// the dense flow works on, rounding every level to whole grey values quantises the faint texture its patches
/// match (its synthetic flow error grew by ~5%, <c>DenseFlowTests</c>). Thread-safe.
/// </summary>
internal sealed class PyramidLevel
{
    public readonly int Width;
    public readonly int Height;
    /// <summary>The level's 8-bit grey image, a view into the pyramid's padded buffer (owned by the <see cref="ImagePyramid"/>).</summary>
    internal readonly Mat Image;
    /// <summary>The level's 8-bit derivatives (raw Scharr sums dI/dx, dI/dy interleaved), a view into the padded buffer.</summary>
    internal readonly Mat Derivatives;
    /// <summary>Float grey intensities 0..255, row-major <c>Width * Height</c>.</summary>
    public readonly float[] I;
    private float[]? _ix, _iy;
    private readonly Lock _gate = new();

    public PyramidLevel(Mat image, Mat derivatives, float[] intensity)
    {
        Image = image;
        Derivatives = derivatives;
        Width = image.Width;
        Height = image.Height;
        if (intensity.Length != Width * Height)
            throw new ArgumentException($"{intensity.Length} float intensities for a {Width}x{Height} level.", nameof(intensity));
        I = intensity;
    }

    /// <summary>
    /// Scharr x derivative of <see cref="I"/> at every pixel in intensity per pixel ([3 10 3] x [-1 0 1] / 32, so a
    /// unit ramp gives 1; borders replicated), made on first access: only the dense flow reads whole derivative images.
    /// </summary>
    public float[] Ix
    {
        get
        {
            EnsureGradients();
            return _ix!;
        }
    }

    /// <summary>Scharr y derivative of <see cref="I"/> at every pixel (as <see cref="Ix"/>).</summary>
    public float[] Iy
    {
        get
        {
            EnsureGradients();
            return _iy!;
        }
    }

    /// <summary>Hands the float buffers back to <see cref="LevelBuffers"/>: the level must not be read afterwards.</summary>
    internal void ReturnBuffers()
    {
        lock (_gate)
        {
            LevelBuffers.Return(I);
            if (_ix is not null) LevelBuffers.Return(_ix);
            if (_iy is not null) LevelBuffers.Return(_iy);
            _ix = _iy = null;
        }
    }

    private void EnsureGradients()
    {
        if (Volatile.Read(ref _iy) is not null) return;
        lock (_gate)
        {
            if (_iy is not null) return;
            // Every element is written by Scharr.
            float[] ix = LevelBuffers.Rent(Width * Height);
            float[] iy = LevelBuffers.Rent(Width * Height);
            CvImage.Over(I, Width, Height, MatType.CV_32FC1, src =>
            {
                CvImage.Over(ix, Width, Height, MatType.CV_32FC1, d => { Cv2.Scharr(src, d, MatType.CV_32F, 1, 0, 1.0 / 32, 0, BorderTypes.Replicate); return 0; });
                CvImage.Over(iy, Width, Height, MatType.CV_32FC1, d => { Cv2.Scharr(src, d, MatType.CV_32F, 0, 1, 1.0 / 32, 0, BorderTypes.Replicate); return 0; });
                return 0;
            });
            _ix = ix;
            // Published last: a reader that sees _iy also sees _ix.
            Volatile.Write(ref _iy, iy);
        }
    }
}

/// <summary>
/// OpenCV's optical-flow pyramid of a frame (<c>buildOpticalFlowPyramid</c> with derivatives: level 0 = the 8-bit
/// grey image, each next level its <c>pyrDown</c>, every level padded by a window so LK windows near the border read
/// reflected pixels), plus the same levels in float for the managed consumers (see <see cref="PyramidLevel"/>).
/// Immutable once built, so one pyramid serves every point of a track and both directions of the forward-backward check.
/// </summary>
/// <remarks>
/// Ownership: whoever builds a pyramid owns it and disposes it once nothing of its own refers to it any more (the LK
/// track, whose points keep older frames' pyramids as anchors, sweeps them after every step; the dense-flow estimator
/// disposes the one a new frame pushes out, never one the current call reads). The native levels (~3.3 MB for 854x480)
/// are freed there and then: left to finalizers, they piled up between collections (the GC sees only their managed
/// wrappers) and raised the weights-free pipeline's peak memory. The float levels go back to <see cref="LevelBuffers"/>.
/// The finalizer stays as a safety net for pyramids nobody disposed (their float levels are then simply collected).
/// </remarks>
internal sealed class ImagePyramid : IDisposable
{
    /// <summary>The default half window the padding is made for (the LK tracker's default radius).</summary>
    internal const int DefaultWindowRadius = 14;

    private readonly Mat[] _mats;
    private readonly long _nativeBytes;
    // Native cv::_InputArray over a std::vector<cv::Mat> per (finest, levels) slice, made on first use and kept with
    // the vector it points into: OpenCvSharp's InputArray.Create(IEnumerable<Mat>) frees its vector before the call
    // reads it (the precomputed pyramid then arrives empty or as garbage), so the proxy is built here instead.
    private readonly Dictionary<(int, int), (VectorOfMat Vector, IntPtr Proxy)> _slices = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    // Levels whose native buffers are allocated, over all pyramids: what tests check to see that pyramids are freed.
    private static long s_liveNativeLevels;

    /// <summary>Pyramid levels whose native buffers are currently allocated, over all pyramids of the process.</summary>
    internal static long LiveNativeLevels => Interlocked.Read(ref s_liveNativeLevels);

    public IReadOnlyList<PyramidLevel> Levels { get; }
    public int Width => Levels[0].Width;
    public int Height => Levels[0].Height;

    /// <summary>Largest LK half window this pyramid's padding supports.</summary>
    public int WindowRadius { get; }

    private ImagePyramid(Mat[] mats, float[][] intensities, int windowRadius)
    {
        _mats = mats;
        WindowRadius = windowRadius;
        var levels = new PyramidLevel[mats.Length / 2];
        for (int l = 0; l < levels.Length; l++)
        {
            levels[l] = new PyramidLevel(mats[2 * l], mats[2 * l + 1], intensities[l]);
            mats[2 * l].LocateROI(out Size whole, out _);
            mats[2 * l + 1].LocateROI(out Size wholeD, out _);
            _nativeBytes += (long)whole.Width * whole.Height + 4L * wholeD.Width * wholeD.Height;
        }
        Levels = levels;
        // Pressure for pyramids that end up with the finalizer after all; removed on disposal.
        GC.AddMemoryPressure(_nativeBytes);
        Interlocked.Add(ref s_liveNativeLevels, levels.Length);
    }

    /// <summary>Whether <see cref="Dispose"/> has freed the native levels.</summary>
    internal bool IsDisposed
    {
        get { lock (_gate) return _disposed; }
    }

    /// <summary>
    /// Frees the native levels now and hands the float levels back for reuse (<see cref="LevelBuffers"/>): neither may
    /// be read afterwards, which the owner guarantees by disposing only pyramids nothing refers to.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            // Proxies point into the vectors, the vectors hold headers of the Mats: freed in that order.
            foreach ((VectorOfMat vector, IntPtr proxy) in _slices.Values)
            {
                NativeMethods.core_InputArray_delete(proxy);
                vector.Dispose();
            }
            _slices.Clear();
            foreach (Mat m in _mats) m.Dispose();
            foreach (PyramidLevel level in Levels) level.ReturnBuffers();
        }
        GC.SuppressFinalize(this);
        GC.RemoveMemoryPressure(_nativeBytes);
        Interlocked.Add(ref s_liveNativeLevels, -Levels.Count);
    }

    ~ImagePyramid()
    {
        // The Mats and vectors free themselves through their own finalizers; the proxies only here.
        foreach ((VectorOfMat _, IntPtr proxy) in _slices.Values)
            NativeMethods.core_InputArray_delete(proxy);
        GC.RemoveMemoryPressure(_nativeBytes);
        Interlocked.Add(ref s_liveNativeLevels, -Levels.Count);
    }

    /// <summary>
    /// A native <c>cv::_InputArray</c> (for <c>calcOpticalFlowPyrLK</c>) over the pyramid's levels
    /// <paramref name="finest"/> to <paramref name="levels"/> - 1, image and derivatives interleaved, as OpenCV takes
    /// a precomputed pyramid. Valid until the pyramid is disposed (and while it is reachable).
    /// </summary>
    internal IntPtr SliceProxy(int finest, int levels)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_slices.TryGetValue((finest, levels), out var known)) return known.Proxy;
            var vector = new VectorOfMat(_mats[(2 * finest)..(2 * levels)]);
            NativeMethods.HandleException(NativeMethods.core_InputArray_new_byVectorOfMat(vector.CvPtr, out IntPtr proxy));
            _slices[(finest, levels)] = (vector, proxy);
            return proxy;
        }
    }

    /// <summary>
    /// Builds up to <paramref name="levels"/> levels (OpenCV stops before a level smaller than the window), padded for
    /// LK half windows up to <paramref name="windowRadius"/>. Grey is 0.299 R + 0.587 G + 0.114 B: rounded to 8 bits
    /// for OpenCV's levels (its RGB-to-grey), kept in float for the float levels, each of which is the float
    /// <c>pyrDown</c> of the one below (the same [1 4 6 4 1]/16 blur and reflected border as OpenCV's 8-bit levels).
    /// </summary>
    public static ImagePyramid Build(RgbImage frame, int levels, int windowRadius = DefaultWindowRadius)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (levels < 1) throw new ArgumentOutOfRangeException(nameof(levels));
        if (windowRadius < 1) throw new ArgumentOutOfRangeException(nameof(windowRadius));
        int w = frame.Width, h = frame.Height;
        using var grey = new Mat(h, w, MatType.CV_8UC1);
        // Every element of the float levels is written by OpenCV: a reused buffer needs no clearing.
        float[] greyF = LevelBuffers.Rent(w * h);
        CvImage.Over(frame.Pixels, w, h, MatType.CV_8UC3, rgb =>
        {
            Cv2.CvtColor(rgb, grey, ColorConversionCodes.RGB2GRAY);
            return CvImage.Over(greyF, w, h, MatType.CV_32FC1, g => { FloatGrey(rgb, g); return 0; });
        });
        int side = 2 * windowRadius + 1;
        // tryReuseInputImage false: level 0 must own its (padded) copy, the grey image is freed here.
        Cv2.BuildOpticalFlowPyramid(grey, out Mat[] mats, new Size(side, side), levels - 1, withDerivatives: true,
            pyrBorder: BorderTypes.Reflect101, derivBorder: BorderTypes.Constant, tryReuseInputImage: false);
        if (mats.Length < 2 || mats.Length % 2 != 0)
            throw new InvalidOperationException($"buildOpticalFlowPyramid returned {mats.Length} Mats; expected image and derivatives per level.");
        // As many float levels as OpenCV built, of the same sizes, so level l means the same image in both forms.
        var intensities = new float[mats.Length / 2][];
        intensities[0] = greyF;
        for (int l = 1; l < intensities.Length; l++)
        {
            int pw = mats[2 * l - 2].Width, ph = mats[2 * l - 2].Height, nw = mats[2 * l].Width, nh = mats[2 * l].Height;
            float[] next = LevelBuffers.Rent(nw * nh);
            float[] below = intensities[l - 1];
            CvImage.Over(below, pw, ph, MatType.CV_32FC1, src =>
                CvImage.Over(next, nw, nh, MatType.CV_32FC1, dst => { Cv2.PyrDown(src, dst, new Size(nw, nh), BorderTypes.Reflect101); return 0; }));
            intensities[l] = next;
        }
        return new ImagePyramid(mats, intensities, windowRadius);
    }

    // Rows converted at a time: the float RGB copy OpenCV's float grey conversion reads is made per band of rows
    // (~160 KB for 854 wide) instead of for the whole frame (4.9 MB per frame).
    private const int GreyBandRows = 16;

    /// <summary>
    /// <paramref name="grey"/> = OpenCV's float RGB-to-grey of <paramref name="rgb"/> (8-bit, converted to float
    /// first), band by band. Equal bit for bit to converting the whole frame at once: both steps work pixel by pixel
    /// within a row (<c>PyramidKernelTests</c> checks it, odd widths included).
    /// </summary>
    internal static void FloatGrey(Mat rgb, Mat grey)
    {
        int w = rgb.Width, h = rgb.Height;
        using var band = new Mat(Math.Min(GreyBandRows, h), w, MatType.CV_32FC3);
        for (int y0 = 0; y0 < h; y0 += GreyBandRows)
        {
            int rows = Math.Min(GreyBandRows, h - y0);
            using Mat src = rgb.RowRange(y0, y0 + rows);
            using Mat dst = grey.RowRange(y0, y0 + rows);
            using Mat f = band.RowRange(0, rows);
            src.ConvertTo(f, MatType.CV_32F);
            Cv2.CvtColor(f, dst, ColorConversionCodes.RGB2GRAY);
        }
    }
}

/// <summary>
/// Float buffers of disposed pyramid levels, kept for the next pyramids of the same level sizes. Each 854x480 frame
/// needs ~2.2 MB of float levels (and the dense flow's derivatives ~1.1 MB more), all on the large-object heap, which
/// only full collections clean: fresh arrays per frame, per track and per estimator are garbage that piles up between
/// them. At most <see cref="PerLength"/> buffers per length are kept: the live pyramids of a few tracks and dense-flow
/// estimators running at once.
/// </summary>
internal static class LevelBuffers
{
    private const int PerLength = 8;
    private static readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> s_free = new();

    /// <summary>A buffer of <paramref name="length"/> floats with undefined contents.</summary>
    public static float[] Rent(int length) =>
        s_free.TryGetValue(length, out ConcurrentBag<float[]>? bag) && bag.TryTake(out float[]? buffer)
            ? buffer
            : GC.AllocateUninitializedArray<float>(length);

    public static void Return(float[] buffer)
    {
        ConcurrentBag<float[]> bag = s_free.GetOrAdd(buffer.Length, _ => []);
        if (bag.Count < PerLength) bag.Add(buffer);
    }
}
