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
/// <see cref="Embed"/>; every prompt on that frame reuses the embedding. Buffers are reused, not reallocated per frame:
/// encoder inputs (<c>image</c> [1,3,1024,1024], 12 MB each, with the resized frame) and embeddings
/// (<c>image_embeddings</c> [1,256,64,64]) come from small pools, an input returning when its encoder run ends and an
/// embedding when it is disposed. <see cref="Embed"/> may be called from several threads at once (each call holds its own
/// input; ONNX Runtime's Run is thread-safe), which is how the pipeline keeps several frames in the encoder
/// (<c>VideoSegmenterOptions.EncoderWorkers</c>); decoder calls may run while frames are encoded.
/// </summary>
public sealed class EdgeSamSegmenter : IPromptSegmenter
{
    private const int EmbeddingLength = 256 * 64 * 64;
    private static readonly long[] EmbeddingShape = [1, 256, 64, 64];
    private const int LowResPlane = EdgeSamTransforms.LowResSize * EdgeSamTransforms.LowResSize;

    private readonly OrtInferenceSession _encoder;
    private readonly OrtInferenceSession _decoder;
    private readonly EdgeSamOptions _options;
    private readonly ConcurrentBag<InputBuffer> _inputs = [];
    private readonly ConcurrentBag<EmbeddingBuffer> _pool = [];
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

    /// <summary>ONNX Runtime intra-op threads of the encoder as configured (0 = ONNX Runtime's default).</summary>
    public int EncoderThreads => _options.SessionOptions?.IntraOpThreads ?? 0;

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
        InputBuffer input = _inputs.TryTake(out InputBuffer? i) ? i : new InputBuffer();
        try
        {
            (int h, int w) = EdgeSamTransforms.PreprocessShape(frame.Height, frame.Width);
            if (input.Resized is null || input.Resized.Width != w || input.Resized.Height != h) input.Resized = new RgbImage(w, h);
            PilBilinear.Resize(frame, input.Resized);
            EdgeSamTransforms.FillInputTensor(input.Resized, input.Data);
            _encoder.Run([new NamedOrtValue("image", input.Value)], [new NamedOrtValue("image_embeddings", buf.Value)]);
        }
        catch
        {
            _pool.Add(buf);
            throw;
        }
        finally
        {
            _inputs.Add(input);
        }
        return new Embedding(this, buf, frame.Width, frame.Height);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _encoder.Dispose();
        _decoder.Dispose();
        while (_inputs.TryTake(out InputBuffer? i)) i.Value.Dispose();
        while (_pool.TryTake(out EmbeddingBuffer? b)) b.Value.Dispose();
    }

    /// <summary>A pooled encoder input [1,3,1024,1024] with the ORT value pinning it, and the resized frame it is filled from.</summary>
    private sealed class InputBuffer
    {
        public readonly float[] Data = new float[3 * EdgeSamTransforms.InputSize * EdgeSamTransforms.InputSize];
        public readonly OrtValue Value;
        public RgbImage? Resized;
        public InputBuffer() => Value = OrtValue.CreateTensor(Data, 1, 3, EdgeSamTransforms.InputSize, EdgeSamTransforms.InputSize);
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

        public float[] Values => (_buffer ?? throw new ObjectDisposedException(nameof(IFrameEmbedding))).Data;

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

    /// <summary>The embedding's values (<c>image_embeddings</c> [1,256,64,64]), for tests.</summary>
    internal static float[] EmbeddingValues(IFrameEmbedding embedding) =>
        embedding is Embedding e ? e.Values : throw new ArgumentException("Not an EdgeSAM embedding.", nameof(embedding));

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
