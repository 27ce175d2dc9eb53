using EdgeSam.Video.Media;

namespace EdgeSam.Video.Trackers.Onnx;

/// <summary>
/// Frame resampling and coordinate mapping shared by the ONNX tracker adapters. Frame pixel centres are at integers
/// (the library's convention); the model frame is the frame resized to <c>Width x Height</c> with pixel edges aligned
/// (half-pixel mapping, as cv2.resize and torch's align_corners=False).
/// </summary>
internal readonly record struct ModelFrame(int FrameWidth, int FrameHeight, int Width, int Height)
{
    public float Sx => (float)Width / FrameWidth;
    public float Sy => (float)Height / FrameHeight;

    /// <summary>Frame pixel (centre convention) to model pixel (centre convention).</summary>
    public (float X, float Y) ToModel(float x, float y) => ((x + 0.5f) * Sx - 0.5f, (y + 0.5f) * Sy - 0.5f);

    /// <summary>Model pixel (centre convention) to frame pixel (centre convention).</summary>
    public (float X, float Y) ToFrame(float x, float y) => ((x + 0.5f) / Sx - 0.5f, (y + 0.5f) / Sy - 0.5f);

    /// <summary>
    /// Writes the frame resized to the model size as planar RGB (<c>[3, Height, Width]</c>) with
    /// <c>value * scale + bias</c> per channel byte value (bilinear, edges replicated).
    /// </summary>
    public void WritePlanar(RgbImage frame, Span<float> dst, float scale, float bias)
    {
        if (frame.Width != FrameWidth || frame.Height != FrameHeight)
            throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}, expected {FrameWidth}x{FrameHeight}.", nameof(frame));
        int w = Width, h = Height, fw = FrameWidth, fh = FrameHeight, plane = w * h;
        if (dst.Length < 3 * plane) throw new ArgumentException("Destination too small.", nameof(dst));
        byte[] px = frame.Pixels;
        for (int v = 0; v < h; v++)
        {
            float fy = Math.Clamp((v + 0.5f) / Sy - 0.5f, 0, fh - 1);
            int y0 = Math.Min((int)fy, fh - 1), y1 = Math.Min(y0 + 1, fh - 1);
            float ay = fy - y0;
            for (int u = 0; u < w; u++)
            {
                float fx = Math.Clamp((u + 0.5f) / Sx - 0.5f, 0, fw - 1);
                int x0 = Math.Min((int)fx, fw - 1), x1 = Math.Min(x0 + 1, fw - 1);
                float ax = fx - x0;
                int p00 = (y0 * fw + x0) * 3, p01 = (y0 * fw + x1) * 3, p10 = (y1 * fw + x0) * 3, p11 = (y1 * fw + x1) * 3;
                for (int c = 0; c < 3; c++)
                {
                    float val = (1 - ay) * ((1 - ax) * px[p00 + c] + ax * px[p01 + c]) + ay * ((1 - ax) * px[p10 + c] + ax * px[p11 + c]);
                    dst[c * plane + v * w + u] = val * scale + bias;
                }
            }
        }
    }
}
