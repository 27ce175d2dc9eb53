using System.Buffers;
using System.Collections.Concurrent;
using EdgeSam.Video.Media;
using EdgeSam.Video.Onnx;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Segmentation.EdgeSam;

/// <summary>Options of <see cref="EdgeSamSegmenter"/>.</summary>
public sealed class EdgeSamOptions
{
    /// <summary>Which decoder mask to return (default: SAM's single-mask output, index 0).</summary>
    public MaskSelection MaskSelection { get; init; } = MaskSelection.Single;

    /// <summary>ONNX Runtime options for both sessions (threads, device). Null: CPU, all cores, full graph optimisation.</summary>
    public OrtSessionOptions? SessionOptions { get; init; }

    /// <summary>ONNX Runtime options for the decoder session only; null: <see cref="SessionOptions"/>. The decoder runs
    /// while the next frame is encoded, so on a small CPU it may want fewer threads than the encoder.</summary>
    public OrtSessionOptions? DecoderSessionOptions { get; init; }
}

/// <summary>
/// EdgeSAM (or anything with its ONNX contract) as a prompt segmenter. The encoder runs once per frame in
/// <see cref="Embed"/>; every prompt on that frame reuses the embedding. Buffers are allocated once: the 12 MB encoder
/// input (<c>image</c> [1,3,1024,1024]) and its ORT value are owned by the segmenter, embeddings
/// (<c>image_embeddings</c> [1,256,64,64]) come from a small pool and return to it when the embedding is disposed.
/// <see cref="Embed"/> calls are serialised (one input buffer); decoder calls may run while the next frame is encoded.
/// </summary>
public sealed class EdgeSamSegmenter : IPromptSegmenter
{
    private const int EmbeddingLength = 256 * 64 * 64;
    private static readonly long[] EmbeddingShape = [1, 256, 64, 64];
    private const int LowResPlane = EdgeSamTransforms.LowResSize * EdgeSamTransforms.LowResSize;

    private readonly OrtInferenceSession _encoder;
    private readonly OrtInferenceSession _decoder;
    private readonly EdgeSamOptions _options;
    private readonly float[] _input = new float[3 * EdgeSamTransforms.InputSize * EdgeSamTransforms.InputSize];
    private readonly OrtValue _inputValue;
    private readonly object _encodeLock = new();
    private readonly ConcurrentBag<EmbeddingBuffer> _pool = [];
    private RgbImage? _resized;
    private bool _disposed;

    /// <summary>Opens both models and checks their inputs and outputs against EdgeSAM's contract.</summary>
    public EdgeSamSegmenter(string encoderPath, string decoderPath, EdgeSamOptions? options = null)
    {
        _options = options ?? new EdgeSamOptions();
        _encoder = new OrtInferenceSession(encoderPath, _options.SessionOptions);
        try
        {
            _decoder = new OrtInferenceSession(decoderPath, _options.DecoderSessionOptions ?? _options.SessionOptions);
            CheckContract(_encoder, _decoder);
            _inputValue = OrtValue.CreateTensor(_input, 1, 3, EdgeSamTransforms.InputSize, EdgeSamTransforms.InputSize);
        }
        catch
        {
            _encoder.Dispose();
            _decoder?.Dispose();
            throw;
        }
    }

    public string Name => "edgesam";

    public MaskSelection MaskSelection => _options.MaskSelection;

    private static void CheckContract(OrtInferenceSession enc, OrtInferenceSession dec)
    {
        static void Expect(OrtInferenceSession s, bool input, string name, long[] shape)
        {
            OrtTensorInfo t = input ? s.Input(name) : s.Output(name);
            bool ok = t.ElementType == TensorElementType.Float && t.Shape.Length == shape.Length;
            for (int i = 0; ok && i < shape.Length; i++) ok = shape[i] < 0 || t.Shape[i] < 0 || t.Shape[i] == shape[i];
            if (!ok)
                throw new EdgeSamException($"{s.ModelName}: {(input ? "input" : "output")} '{name}' is {t.TypeAndShape}, EdgeSAM's contract needs float32 [{string.Join(",", shape.Select(d => d < 0 ? "N" : d.ToString()))}]; is this the right model file?");
        }
        Expect(enc, true, "image", [1, 3, 1024, 1024]);
        Expect(enc, false, "image_embeddings", EmbeddingShape);
        Expect(dec, true, "image_embeddings", EmbeddingShape);
        Expect(dec, true, "point_coords", [1, -1, 2]);
        Expect(dec, true, "point_labels", [1, -1]);
        Expect(dec, false, "scores", [1, 4]);
        Expect(dec, false, "masks", [1, 4, 256, 256]);
    }

    /// <summary>Runs the encoder on <paramref name="frame"/>: Pillow-exact resize, normalisation, padding, then the model.</summary>
    public IFrameEmbedding Embed(RgbImage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_disposed, this);
        EmbeddingBuffer buf = _pool.TryTake(out EmbeddingBuffer? b) ? b : new EmbeddingBuffer();
        try
        {
            lock (_encodeLock)
            {
                (int h, int w) = EdgeSamTransforms.PreprocessShape(frame.Height, frame.Width);
                if (_resized is null || _resized.Width != w || _resized.Height != h) _resized = new RgbImage(w, h);
                PilBilinear.Resize(frame, _resized);
                EdgeSamTransforms.FillInputTensor(_resized, _input);
                _encoder.Run([new NamedOrtValue("image", _inputValue)], [new NamedOrtValue("image_embeddings", buf.Value)]);
            }
        }
        catch
        {
            _pool.Add(buf);
            throw;
        }
        return new Embedding(this, buf, frame.Width, frame.Height);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _inputValue.Dispose();
        _encoder.Dispose();
        _decoder.Dispose();
        while (_pool.TryTake(out EmbeddingBuffer? b)) b.Value.Dispose();
    }

    /// <summary>A pooled [1,256,64,64] buffer and the ORT value that pins it for the segmenter's lifetime.</summary>
    private sealed class EmbeddingBuffer
    {
        public readonly float[] Data = new float[EmbeddingLength];
        public readonly OrtValue Value;
        public EmbeddingBuffer() => Value = OrtValue.CreateTensor(Data, EmbeddingShape);
    }

    private sealed class Embedding(EdgeSamSegmenter owner, EmbeddingBuffer buffer, int width, int height) : IFrameEmbedding
    {
        private EmbeddingBuffer? _buffer = buffer;

        public int Width => width;
        public int Height => height;

        public IReadOnlyList<SegmentationResult> Segment(IReadOnlyList<SegmentationPrompt> prompts)
        {
            ArgumentNullException.ThrowIfNull(prompts);
            var results = new SegmentationResult[prompts.Count];
            for (int i = 0; i < results.Length; i++) results[i] = Segment(prompts[i]);
            return results;
        }

        /// <summary>
        /// Decodes one prompt. Points are mapped into the 1024 input frame; points outside the image are dropped (SAM
        /// was never trained on them); a box becomes labels 2/3, otherwise SAM's padding point (0,0,-1) is appended as its
        /// PyTorch prompt encoder does. With neither a positive point nor a box there is nothing to segment: the mask is
        /// empty and the decoder is not run (Score NaN, as the model's stability score would be).
        /// </summary>
        public SegmentationResult Segment(SegmentationPrompt prompt)
        {
            ArgumentNullException.ThrowIfNull(prompt);
            EmbeddingBuffer buf = _buffer ?? throw new ObjectDisposedException(nameof(IFrameEmbedding));
            var coords = new List<float>(2 * (prompt.Points.Count + 2));
            var labels = new List<float>(prompt.Points.Count + 2);
            bool anyPositive = false;
            foreach (PromptPoint p in prompt.Points)
            {
                if (p.Label is not (PointLabel.Positive or PointLabel.Negative)) continue;
                if (!(p.X >= -0.5f && p.Y >= -0.5f && p.X <= width - 0.5f && p.Y <= height - 0.5f)) continue;
                (double x, double y) = EdgeSamTransforms.ApplyCoords(p.X, p.Y, height, width);
                coords.Add((float)x);
                coords.Add((float)y);
                labels.Add((float)p.Label);
                anyPositive |= p.Label == PointLabel.Positive;
            }
            if (prompt.Box is BoxF box)
            {
                (double x0, double y0) = EdgeSamTransforms.ApplyCoords(box.X0, box.Y0, height, width);
                (double x1, double y1) = EdgeSamTransforms.ApplyCoords(box.X1, box.Y1, height, width);
                coords.AddRange([(float)x0, (float)y0, (float)x1, (float)y1]);
                labels.AddRange([(float)PointLabel.BoxTopLeft, (float)PointLabel.BoxBottomRight]);
            }
            else
            {
                coords.AddRange([0f, 0f]);
                labels.Add((float)PointLabel.Padding);
            }
            if (!anyPositive && prompt.Box is null)
                return new SegmentationResult { Mask = new Mask(width, height), Score = float.NaN };

            int n = labels.Count;
            float[] scores = new float[4];
            float[] masks = ArrayPool<float>.Shared.Rent(4 * LowResPlane);
            try
            {
                using (OrtValue c = OrtValue.CreateTensor(coords.ToArray(), 1, n, 2))
                using (OrtValue l = OrtValue.CreateTensor(labels.ToArray(), 1, n))
                using (OrtValue s = OrtValue.CreateTensor(scores, 1, 4))
                using (OrtValue m = OrtValue.CreateTensor(masks.AsMemory(0, 4 * LowResPlane), [1, 4, 256, 256]))
                {
                    owner._decoder.Run(
                        [new NamedOrtValue("image_embeddings", buf.Value), new NamedOrtValue("point_coords", c), new NamedOrtValue("point_labels", l)],
                        [new NamedOrtValue("scores", s), new NamedOrtValue("masks", m)]);
                }
                int k = ChooseMask(scores, owner._options.MaskSelection);
                float[] low = masks.AsSpan(k * LowResPlane, LowResPlane).ToArray();
                return new SegmentationResult
                {
                    Mask = EdgeSamTransforms.PostprocessMask(low, height, width),
                    Score = scores[k],
                    LowResLogits = low,
                    LowResSize = EdgeSamTransforms.LowResSize,
                };
            }
            finally { ArrayPool<float>.Shared.Return(masks); }
        }

        public void Dispose()
        {
            EmbeddingBuffer? b = Interlocked.Exchange(ref _buffer, null);
            if (b is null) return;
            if (owner._disposed) b.Value.Dispose();
            else owner._pool.Add(b);
        }
    }

    /// <summary>Mask 0 for <see cref="MaskSelection.Single"/>; else the highest stability score among 1..3 (NaN loses).</summary>
    internal static int ChooseMask(ReadOnlySpan<float> scores, MaskSelection selection)
    {
        if (selection == MaskSelection.Single) return 0;
        int best = 1;
        for (int k = 2; k <= 3; k++)
            if (scores[k] > scores[best] || (float.IsNaN(scores[best]) && !float.IsNaN(scores[k]))) best = k;
        return best;
    }
}
