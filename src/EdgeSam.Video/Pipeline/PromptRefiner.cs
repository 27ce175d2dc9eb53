using System.Diagnostics;
using EdgeSam.Video.Media;
using EdgeSam.Video.Prompts;
using EdgeSam.Video.Segmentation;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// SAM-PT's per-frame decode: a first decode with the visible points, then refinement passes with the same points
/// plus the bounding box of the current mask (SAM-PT also feeds its low-res logits back as the decoder's mask input;
/// EdgeSAM has none, so the current mask goes as <see cref="SegmentationPrompt.Prior"/> for segmenters that use it).
/// A pass stops early when the mask has fewer than 2 pixels (SAM-PT's rule). All objects of a frame go through the
/// embedding together, one batched call per pass.
/// </summary>
internal static class PromptRefiner
{
    internal readonly record struct Request(IReadOnlyList<PromptPoint> Points, BoxF? Box, Mask? Prior, AppearanceReference? Reference = null, ObjectEvidence? Evidence = null);

    public static (Mask Mask, float Score)[] Run(IFrameEmbedding embedding, IReadOnlyList<Request> requests, int passes, PropagationStats? stats)
    {
        var results = new (Mask Mask, float Score)[requests.Count];
        if (requests.Count == 0) return results;
        long t0 = Stopwatch.GetTimestamp();
        int calls = 0;

        var prompts = new SegmentationPrompt[requests.Count];
        for (int i = 0; i < prompts.Length; i++)
            prompts[i] = new SegmentationPrompt(requests[i].Points, requests[i].Box) { Prior = requests[i].Prior, Reference = requests[i].Reference, Evidence = requests[i].Evidence };
        IReadOnlyList<SegmentationResult> first = embedding.Segment(prompts);
        calls += prompts.Length;
        Check(first, prompts.Length, embedding);
        for (int i = 0; i < results.Length; i++) results[i] = (first[i].Mask, first[i].Score);

        var active = new List<int>(requests.Count);
        for (int pass = 0; pass < passes; pass++)
        {
            active.Clear();
            var batch = new List<SegmentationPrompt>(requests.Count);
            for (int i = 0; i < results.Length; i++)
            {
                Mask m = results[i].Mask;
                if (m.Area() < 2) continue;
                var (x0, y0, x1, y1) = m.BoundingBox()!.Value;
                active.Add(i);
                batch.Add(new SegmentationPrompt(requests[i].Points, new BoxF(x0, y0, x1, y1)) { Prior = m, Reference = requests[i].Reference, Evidence = requests[i].Evidence });
            }
            if (batch.Count == 0) break;
            IReadOnlyList<SegmentationResult> refined = embedding.Segment(batch);
            calls += batch.Count;
            Check(refined, batch.Count, embedding);
            for (int k = 0; k < active.Count; k++) results[active[k]] = (refined[k].Mask, refined[k].Score);
        }
        stats?.AddSegment(Stopwatch.GetTimestamp() - t0, calls);
        return results;
    }

    private static void Check(IReadOnlyList<SegmentationResult> got, int expected, IFrameEmbedding embedding)
    {
        if (got.Count != expected)
            throw new InvalidOperationException($"The segmenter returned {got.Count} results for {expected} prompts.");
        foreach (SegmentationResult r in got)
            if (r.Mask.Width != embedding.Width || r.Mask.Height != embedding.Height)
                throw new InvalidOperationException($"The segmenter returned a {r.Mask.Width}x{r.Mask.Height} mask for a {embedding.Width}x{embedding.Height} frame.");
    }
}
