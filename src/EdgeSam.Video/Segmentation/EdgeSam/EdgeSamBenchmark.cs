using System.Diagnostics;
using EdgeSam.Video.Media;
using EdgeSam.Video.Onnx;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Segmentation.EdgeSam;

/// <summary>Median timings (ms) of one segmenter configuration, and the managed pre/post share of model time.</summary>
public sealed record EdgeSamBenchmarkFigures(
    string Encoder, string Decoder, int FrameWidth, int FrameHeight, int Iterations,
    double PreprocessMs, double EncoderMs, double DecoderMs, double PostprocessMs, double EndToEndFrameMs)
{
    /// <summary>(pre + post) / encoder: the goal is at most 5% of an encoder run.</summary>
    public double PrePostShareOfEncoder => (PreprocessMs + PostprocessMs) / EncoderMs;
}

/// <summary>
/// Times the stages of <see cref="EdgeSamSegmenter"/> separately with the same code paths it runs: Pillow-exact resize +
/// normalisation (pre), the encoder run, one decoder run with 8 positive + 1 negative point (+ padding point), and the
/// OpenCV-exact postprocessing of the chosen mask (post). Medians over <c>iterations</c> after one warm-up run, since the
/// first run of a session is 20-40% slower.
/// </summary>
public static class EdgeSamBenchmark
{
    public static EdgeSamBenchmarkFigures Run(string encoderPath, string decoderPath, RgbImage frame, int iterations,
        OrtSessionOptions? sessionOptions = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var opts = sessionOptions ?? new OrtSessionOptions();
        using var enc = new OrtInferenceSession(encoderPath, opts);
        using var dec = new OrtInferenceSession(decoderPath, opts);
        using var seg = new EdgeSamSegmenter(encoderPath, decoderPath, new EdgeSamOptions { SessionOptions = opts });

        (int h, int w) = EdgeSamTransforms.PreprocessShape(frame.Height, frame.Width);
        var resized = new RgbImage(w, h);
        float[] input = new float[3 * 1024 * 1024];
        float[] emb = new float[256 * 64 * 64];
        using OrtValue inputValue = OrtValue.CreateTensor(input, 1, 3, 1024, 1024);
        using OrtValue embValue = OrtValue.CreateTensor(emb, 1, 256, 64, 64);

        // 8 positives on a circle around the centre, 1 negative in a corner, then SAM's padding point; 1024-frame coords.
        var coords = new List<float>();
        var labels = new List<float>();
        for (int i = 0; i < 8; i++)
        {
            (double x, double y) = EdgeSamTransforms.ApplyCoords(frame.Width / 2 + 40 * Math.Cos(i), frame.Height / 2 + 40 * Math.Sin(i), frame.Height, frame.Width);
            coords.AddRange([(float)x, (float)y]);
            labels.Add(1);
        }
        coords.AddRange([10, 10, 0, 0]);
        labels.AddRange([0, -1]);
        using OrtValue c = OrtValue.CreateTensor(coords.ToArray(), 1, labels.Count, 2);
        using OrtValue l = OrtValue.CreateTensor(labels.ToArray(), 1, labels.Count);
        float[] scores = new float[4], masks = new float[4 * 256 * 256];
        using OrtValue s = OrtValue.CreateTensor(scores, 1, 4);
        using OrtValue m = OrtValue.CreateTensor(masks, 1, 4, 256, 256);

        var prompt = new SegmentationPrompt(
            Enumerable.Range(0, 8).Select(i => new PromptPoint(frame.Width / 2 + 40 * MathF.Cos(i), frame.Height / 2 + 40 * MathF.Sin(i), PointLabel.Positive))
                .Append(new PromptPoint(10, 10, PointLabel.Negative)).ToList());

        var pre = new List<double>(); var encT = new List<double>(); var decT = new List<double>();
        var post = new List<double>(); var e2e = new List<double>();
        for (int it = 0; it <= iterations; it++)
        {
            cancel.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            PilBilinear.Resize(frame, resized);
            EdgeSamTransforms.FillInputTensor(resized, input);
            long t1 = Stopwatch.GetTimestamp();
            enc.Run([new NamedOrtValue("image", inputValue)], [new NamedOrtValue("image_embeddings", embValue)]);
            long t2 = Stopwatch.GetTimestamp();
            dec.Run([new NamedOrtValue("image_embeddings", embValue), new NamedOrtValue("point_coords", c), new NamedOrtValue("point_labels", l)],
                [new NamedOrtValue("scores", s), new NamedOrtValue("masks", m)]);
            long t3 = Stopwatch.GetTimestamp();
            // What the segmenter runs: the mask straight from the logits (PostprocessLogits + ToMask, bit for bit).
            EdgeSamTransforms.PostprocessMask(masks.AsSpan(0, 256 * 256), frame.Height, frame.Width);
            long t4 = Stopwatch.GetTimestamp();
            using (IFrameEmbedding e = seg.Embed(frame)) e.Segment(prompt);
            long t5 = Stopwatch.GetTimestamp();
            if (it == 0) continue; // warm-up
            pre.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            encT.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
            decT.Add(Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
            post.Add(Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds);
            e2e.Add(Stopwatch.GetElapsedTime(t4, t5).TotalMilliseconds);
        }
        return new EdgeSamBenchmarkFigures(Path.GetFileName(encoderPath), Path.GetFileName(decoderPath), frame.Width, frame.Height,
            iterations, Median(pre), Median(encT), Median(decT), Median(post), Median(e2e));
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }
}
