using System.Text.Json;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using EdgeSam.Video.Datasets;

namespace EdgeSam.Video.Tests.Evaluation;

/// <summary>
/// Parity with the official davis2017-evaluation numbers in ../shared/reference/davis-eval (see the datasets README):
/// predictions are formed from the DAVIS 2016 ground truth in memory, exactly as the reference describes.
/// </summary>
public class DavisParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Tolerance = 1e-6;

    private static string ReferenceDir => Path.Combine(TestPaths.Shared, "reference", "davis-eval");

    public static TheoryData<string> Predictions => new() { "gt_copy", "empty_after_first", "shift_right10", "erode_all", "osvos17_binarized" };

    [MirrorTheory]
    [MemberData(nameof(Predictions))]
    public void Scores_equal_the_official_toolkit(string prediction)
    {
        var gtSet = DavisFolderEvaluation.ReadImageSet(TestPaths.Davis2016, DavisYear.Davis2016);
        Assert.Equal(10, gtSet.Count);
        var inputs = gtSet.Select(s => new DavisSequenceInput(s.Name, s.Frames,
            k => ReadGroundTruth(s.Name, s.Frames[k]),
            k => Predict(prediction, s.Name, s.Frames[k], k))).ToList();
        DavisEvaluation eval = DavisEvaluator.Evaluate(inputs, new DavisEvalOptions { Year = DavisYear.Davis2016, MaxDegreeOfParallelism = 2 });

        using var official = JsonDocument.Parse(File.ReadAllText(Path.Combine(ReferenceDir, "official-scores.json")));
        JsonElement expected = official.RootElement.GetProperty(prediction);
        double maxDiff = 0;
        void Check(double exp, double act, string what)
        {
            double d = Math.Abs(exp - act);
            maxDiff = Math.Max(maxDiff, d);
            Assert.True(d <= Tolerance, $"{prediction} {what}: official {exp:R}, ours {act:R}");
        }

        JsonElement g = expected.GetProperty("global");
        Check(g.GetProperty("J&F-Mean").GetDouble(), eval.Global.JFMean, "J&F-Mean");
        Check(g.GetProperty("J-Mean").GetDouble(), eval.Global.JMean, "J-Mean");
        Check(g.GetProperty("J-Recall").GetDouble(), eval.Global.JRecall, "J-Recall");
        Check(g.GetProperty("J-Decay").GetDouble(), eval.Global.JDecay, "J-Decay");
        Check(g.GetProperty("F-Mean").GetDouble(), eval.Global.FMean, "F-Mean");
        Check(g.GetProperty("F-Recall").GetDouble(), eval.Global.FRecall, "F-Recall");
        Check(g.GetProperty("F-Decay").GetDouble(), eval.Global.FDecay, "F-Decay");

        JsonElement perObject = expected.GetProperty("per_object");
        Assert.Equal(perObject.EnumerateObject().Select(p => p.Name).Order(), eval.Objects.Select(o => o.Key).Order());
        foreach (ObjectScores o in eval.Objects)
        {
            JsonElement e = perObject.GetProperty(o.Key);
            Check(e.GetProperty("J-Mean").GetDouble(), o.JStatistics.Mean, o.Key + " J-Mean");
            Check(e.GetProperty("J-Recall").GetDouble(), o.JStatistics.Recall, o.Key + " J-Recall");
            Check(e.GetProperty("J-Decay").GetDouble(), o.JStatistics.Decay, o.Key + " J-Decay");
            Check(e.GetProperty("F-Mean").GetDouble(), o.FStatistics.Mean, o.Key + " F-Mean");
            Check(e.GetProperty("F-Recall").GetDouble(), o.FStatistics.Recall, o.Key + " F-Recall");
            Check(e.GetProperty("F-Decay").GetDouble(), o.FStatistics.Decay, o.Key + " F-Decay");
        }

        using var perFrameDoc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ReferenceDir, "official-per-frame.json")));
        if (perFrameDoc.RootElement.TryGetProperty(prediction, out JsonElement perFrame))
        {
            foreach (ObjectScores o in eval.Objects)
            {
                JsonElement e = perFrame.GetProperty(o.Sequence);
                string[] frames = e.GetProperty("frames").EnumerateArray().Select(x => Path.GetFileNameWithoutExtension(x.GetString()!)).ToArray();
                Assert.Equal(frames, o.Frames);
                double[] j = e.GetProperty("J").EnumerateArray().Select(x => x.GetDouble()).ToArray();
                double[] f = e.GetProperty("F").EnumerateArray().Select(x => x.GetDouble()).ToArray();
                Assert.Equal(j.Length, o.J.Count);
                for (int i = 0; i < j.Length; i++)
                {
                    Check(j[i], o.J[i], $"{o.Sequence}/{frames[i]} J");
                    Check(f[i], o.F[i], $"{o.Sequence}/{frames[i]} F");
                }
            }
        }
        else
        {
            Assert.DoesNotContain(prediction, new[] { "osvos17_binarized", "shift_right10", "erode_all" });
        }
        // Visible in the test log: how close we are, not just that we are within tolerance.
        output.WriteLine($"{prediction}: max |official - ours| = {maxDiff:E2}");
    }

    private static LabelMap ReadGroundTruth(string seq, string frame)
    {
        LabelMap m = PngCodec.ReadLabels(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, frame + ".png"));
        for (int i = 0; i < m.Data.Length; i++) m.Data[i] = m.Data[i] != 0 ? (byte)1 : (byte)0;
        return m;
    }

    private static LabelMap Predict(string prediction, string seq, string frame, int index)
    {
        if (prediction == "osvos17_binarized")
        {
            LabelMap o = PngCodec.ReadLabels(Path.Combine(ReferenceDir, "osvos-davis2017-val", seq, frame + ".png"));
            for (int i = 0; i < o.Data.Length; i++) o.Data[i] = o.Data[i] > 0 ? (byte)1 : (byte)0;
            return o;
        }
        LabelMap g = ReadGroundTruth(seq, frame);
        int w = g.Width, h = g.Height;
        var p = new LabelMap(w, h);
        switch (prediction)
        {
            case "gt_copy":
                g.Data.CopyTo(p.Data, 0);
                break;
            case "empty_after_first":
                if (index == 0) g.Data.CopyTo(p.Data, 0);
                break;
            case "shift_right10":
                for (int y = 0; y < h; y++)
                    for (int x = 10; x < w; x++)
                        p.Data[y * w + x] = g.Data[y * w + x - 10];
                break;
            case "erode_all":
                for (int y = 1; y < h - 1; y++)
                    for (int x = 1; x < w - 1; x++)
                    {
                        int i = y * w + x;
                        if (g.Data[i] == 1 && g.Data[i - 1] == 1 && g.Data[i + 1] == 1 && g.Data[i - w] == 1 && g.Data[i + w] == 1)
                            p.Data[i] = 1;
                    }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(prediction), prediction, null);
        }
        return p;
    }
}
