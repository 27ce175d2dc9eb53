using EdgeSam.Video.Media;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Trackers.XFeat;

/// <summary>
/// Dense XFeat descriptors of a frame region: a <see cref="CellsX"/> x <see cref="CellsY"/> grid of 64-d unit
/// vectors, cell (cx, cy) describing the 8x8 input pixels at its position. The region <c>(X0, Y0)</c> was resampled
/// by <see cref="Scale"/> (input pixels per frame pixel), so cell centre (cx, cy) lies at frame
/// <c>(X0 + (8 cx + 4) / Scale - 0.5, Y0 + (8 cy + 4) / Scale - 0.5)</c> (pixel centres at integers).
/// </summary>
internal sealed class DescriptorMap
{
    public const int Dim = 64;
    public readonly int CellsX, CellsY;
    public readonly float X0, Y0, Scale;
    /// <summary>Cell-major: descriptor of cell (cx, cy) at <c>(cy * CellsX + cx) * 64</c>.</summary>
    public readonly float[] Data;

    public DescriptorMap(int cellsX, int cellsY, float x0, float y0, float scale, float[] data)
    {
        CellsX = cellsX; CellsY = cellsY; X0 = x0; Y0 = y0; Scale = scale; Data = data;
    }

    public (float Cx, float Cy) ToCell(float x, float y) => (((x + 0.5f - X0) * Scale - 4) / 8, ((y + 0.5f - Y0) * Scale - 4) / 8);

    public (float X, float Y) ToFrame(float cx, float cy) => (X0 + (8 * cx + 4) / Scale - 0.5f, Y0 + (8 * cy + 4) / Scale - 0.5f);

    public bool Covers(float x, float y)
    {
        var (cx, cy) = ToCell(x, y);
        return cx >= -0.5f && cy >= -0.5f && cx <= CellsX - 0.5f && cy <= CellsY - 0.5f;
    }

    /// <summary>Bilinearly interpolated descriptor at a frame position (clamped to the grid), re-normalised.</summary>
    public void SampleAt(float x, float y, Span<float> dst)
    {
        var (cx, cy) = ToCell(x, y);
        cx = Math.Clamp(cx, 0, CellsX - 1);
        cy = Math.Clamp(cy, 0, CellsY - 1);
        int x0 = Math.Min((int)cx, CellsX - 1), y0 = Math.Min((int)cy, CellsY - 1);
        int x1 = Math.Min(x0 + 1, CellsX - 1), y1 = Math.Min(y0 + 1, CellsY - 1);
        float ax = cx - x0, ay = cy - y0;
        ReadOnlySpan<float> a = Cell(x0, y0), b = Cell(x1, y0), c = Cell(x0, y1), d = Cell(x1, y1);
        float norm = 0;
        for (int i = 0; i < Dim; i++)
        {
            float v = (1 - ay) * ((1 - ax) * a[i] + ax * b[i]) + ay * ((1 - ax) * c[i] + ax * d[i]);
            dst[i] = v;
            norm += v * v;
        }
        float inv = norm > 0 ? 1 / MathF.Sqrt(norm) : 0;
        for (int i = 0; i < Dim; i++) dst[i] *= inv;
    }

    public ReadOnlySpan<float> Cell(int cx, int cy) => Data.AsSpan((cy * CellsX + cx) * Dim, Dim);
}

/// <summary>
/// The XFeat ONNX model (fixed input size per file): input <c>input</c> float32 [1,3,H,W] RGB in [0,1]; output
/// <c>output</c> float32 [1,64,H/8,W/8] dense descriptors (L2-normalised here per cell). The keypoint and
/// reliability heads are not used: the tracker needs descriptors at its own points, not detections.
/// </summary>
internal sealed class XFeatModel : IDisposable
{
    private readonly OrtInferenceSession _session;
    private readonly float[] _input;

    public int Width { get; }
    public int Height { get; }
    public string Path { get; }

    public XFeatModel(string path, int threads, ExecutionDevice device = ExecutionDevice.Cpu)
    {
        Path = path;
        var options = new OrtSessionOptions { IntraOpThreads = threads, InterOpThreads = 1, ExecutionDevice = device };
        _session = new OrtInferenceSession(path, options);
        try
        {
            OrtTensorInfo input = _session.Input("input");
            OrtTensorInfo output = _session.Output("output");
            if (input.ElementType != TensorElementType.Float || input.Shape.Length != 4 || input.Shape[1] != 3 || input.Shape[2] <= 0 || input.Shape[3] <= 0)
                throw new EdgeSamException($"{path} is not an XFeat export: input 'input' should be float[1,3,H,W] with fixed H and W, it is {input}; use one of the xfeat_WxH.onnx files");
            if (output.ElementType != TensorElementType.Float || output.Shape.Length != 4 || (output.Shape[1] != DescriptorMap.Dim && output.Shape[1] != -1))
                throw new EdgeSamException($"{path} is not an XFeat export: output 'output' should be float[1,64,H/8,W/8], it is {output}; use one of the xfeat_WxH.onnx files");
            Height = (int)input.Shape[2];
            Width = (int)input.Shape[3];
            if (Width % 8 != 0 || Height % 8 != 0)
                throw new EdgeSamException($"{path}: XFeat input {Width}x{Height} is not a multiple of 8; use one of the xfeat_WxH.onnx files");
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        _input = new float[3 * Width * Height];
    }

    /// <summary>
    /// Descriptors of the frame region starting at (<paramref name="x0"/>, <paramref name="y0"/>) resampled by
    /// <paramref name="scale"/> into the model's input (bilinear; outside the frame = edge pixels).
    /// </summary>
    public DescriptorMap Describe(RgbImage frame, float x0, float y0, float scale)
    {
        int w = Width, h = Height, fw = frame.Width, fh = frame.Height;
        byte[] px = frame.Pixels;
        int plane = w * h;
        const float inv255 = 1f / 255;
        for (int v = 0; v < h; v++)
        {
            float fy = y0 + (v + 0.5f) / scale - 0.5f;
            fy = Math.Clamp(fy, 0, fh - 1);
            int iy = Math.Min((int)fy, fh - 1), iy1 = Math.Min(iy + 1, fh - 1);
            float ay = fy - iy;
            for (int u = 0; u < w; u++)
            {
                float fx = x0 + (u + 0.5f) / scale - 0.5f;
                fx = Math.Clamp(fx, 0, fw - 1);
                int ix = Math.Min((int)fx, fw - 1), ix1 = Math.Min(ix + 1, fw - 1);
                float ax = fx - ix;
                int p00 = (iy * fw + ix) * 3, p01 = (iy * fw + ix1) * 3, p10 = (iy1 * fw + ix) * 3, p11 = (iy1 * fw + ix1) * 3;
                for (int c = 0; c < 3; c++)
                {
                    float val = (1 - ay) * ((1 - ax) * px[p00 + c] + ax * px[p01 + c]) + ay * ((1 - ax) * px[p10 + c] + ax * px[p11 + c]);
                    _input[c * plane + v * w + u] = val * inv255;
                }
            }
        }
        using OrtValue input = OrtValue.CreateTensor(_input, 1, 3, h, w);
        using OrtRunOutputs outputs = _session.Run([new NamedOrtValue("input", input)], ["output"]);
        OrtValue output = outputs[0];
        ReadOnlySpan<long> shape = output.Shape;
        if (shape.Length != 4 || shape[1] != DescriptorMap.Dim)
            throw new EdgeSamException($"{Path}: output 'output' came back as {output}, expected [1,64,H/8,W/8]; use one of the xfeat_WxH.onnx files");
        int ch = (int)shape[2], cw = (int)shape[3];
        ReadOnlySpan<float> raw = output.GetTensorData<float>();
        // [64, ch, cw] channel-major -> cell-major unit vectors.
        var data = new float[ch * cw * DescriptorMap.Dim];
        int cells = ch * cw;
        for (int k = 0; k < DescriptorMap.Dim; k++)
        {
            ReadOnlySpan<float> src = raw.Slice(k * cells, cells);
            for (int i = 0; i < cells; i++) data[i * DescriptorMap.Dim + k] = src[i];
        }
        for (int i = 0; i < cells; i++)
        {
            Span<float> d = data.AsSpan(i * DescriptorMap.Dim, DescriptorMap.Dim);
            float norm = 0;
            foreach (float f in d) norm += f * f;
            float inv = norm > 0 ? 1 / MathF.Sqrt(norm) : 0;
            for (int k = 0; k < d.Length; k++) d[k] *= inv;
        }
        return new DescriptorMap(cw, ch, x0, y0, scale, data);
    }

    public void Dispose() => _session.Dispose();
}
