using System.Text.Json;
using EdgeSam.Video.Cli;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>Per-frame confidence, the review flag and <c>report.json</c>.</summary>
public class ConfidenceTests(ITestOutputHelper output)
{
    private static readonly ConfidenceFeatures Good = new(1f, 0.9f, 0f, 0f, 0.95f, 0.95f, 2f, false, false);
    private static readonly ConfidenceFeatures Lost = new(0f, 0f, MathF.Log(1f / 5001f), MathF.Log(1f / 5001f), 0f, 0f, -3f, true, false);

    [Fact]
    public void Confidence_IsInTheUnitInterval_HighForAGoodFrame_FlagsALostOne()
    {
        float good = ConfidenceModel.Confidence(Good), lost = ConfidenceModel.Confidence(Lost);
        output.WriteLine($"good {good:F3}, lost {lost:F3}");
        Assert.InRange(good, ConfidenceModel.ReviewThreshold, 1f);
        Assert.InRange(lost, 0f, ConfidenceModel.ReviewThreshold - 1e-6f);
        // Far outside anything measured: still a probability, never NaN.
        var wild = new ConfidenceFeatures(1f, 1f, 40f, -40f, 0f, 1f, -3f, false, true);
        float c = ConfidenceModel.Confidence(wild);
        Assert.InRange(c, 0f, 1f);

        FrameConfidence flagged = ConfidenceModel.Assess(Lost, ObjectEvent.Lost, 0, 0);
        Assert.True(flagged.Review);
        Assert.Equal(ReviewReasonKind.Lost, flagged.Reasons[0].Kind);
        Assert.False(ConfidenceModel.Assess(Good, ObjectEvent.None, 5000, 8).Review);
    }

    [Fact]
    public void Reasons_RenderAsShortText()
    {
        var grew = Good with { LogAreaToPrompt = MathF.Log(2.3f), Appearance = 0.4f };
        IReadOnlyList<ReviewReason> r = ConfidenceModel.Reasons(grew);
        Assert.Equal(["mask grew 2.3x", "colours off the prompt"], r.Select(x => x.Text));
        Assert.Equal(["mask-grew", "colours-off-prompt"], r.Select(x => x.Code));
        Assert.Equal("object lost", ConfidenceModel.Reasons(Lost)[0].Text);
        Assert.Equal("low confidence", ConfidenceModel.Reasons(Good)[0].Text);
        foreach (ReviewReasonKind k in Enum.GetValues<ReviewReasonKind>())
        {
            Assert.True(ReviewReason.TryParseCode(ReviewReason.CodeOf(k), out ReviewReasonKind back));
            Assert.Equal(k, back);
        }
    }

    [Fact]
    public void IoUShifted_CarriesThePreviousMaskByTheMotion()
    {
        var a = new Mask(20, 10);
        var b = new Mask(20, 10);
        for (int y = 2; y < 6; y++)
            for (int x = 3; x < 7; x++) { b.Data[y * 20 + x] = 1; a.Data[(y + 1) * 20 + x + 5] = 1; }
        Assert.Equal(1f, ConfidenceMeter.IoUShifted(a, b, 5, 1));
        Assert.Equal(0f, ConfidenceMeter.IoUShifted(a, b, 0, 0));
        Assert.Equal(1f, ConfidenceMeter.IoUShifted(new Mask(20, 10), new Mask(20, 10), 3, 3));
    }

    private static FrameResult Frame(int index, params (int Id, FrameConfidence C)[] objects)
    {
        var image = new RgbImage(8, 8);
        return new FrameResult
        {
            FrameIndex = index,
            FrameName = $"f{index:D3}",
            Image = image,
            Labels = new LabelMap(8, 8),
            Objects = objects.Select(o => new ObjectFrameResult
            {
                ObjectId = o.Id, Status = ObjectStatus.Segmented, Mask = new Mask(8, 8), RawMask = new Mask(8, 8), Points = [],
                Confidence = o.C,
            }).ToList(),
        };
    }

    [Fact]
    public void Report_Schema_RoundTrip_AndReviewRanges()
    {
        var report = new SegmentationReport();
        var grew = Good with { LogAreaToPrompt = MathF.Log(2.3f) };
        FrameConfidence Bad(ConfidenceFeatures f) => new()
        {
            Confidence = 0.2f, Review = true, Reasons = ConfidenceModel.Reasons(f), Event = ObjectEvent.None, Area = 50, VisiblePoints = 3, Features = f,
        };
        FrameConfidence Fine() => new() { Confidence = 0.9f, Review = false, Reasons = [], Event = ObjectEvent.None, Area = 40, VisiblePoints = 8, Features = Good };
        report.Add(Frame(0, (1, FrameConfidence.Prompted(40, 8))));
        for (int t = 1; t < 30; t++)
        {
            // Object 1: bad on 3, 4 and 6 (one range across the gap), then on 20 alone; object 2 starts on frame 10.
            bool bad = t is 3 or 4 or 6 or 20;
            var objects = new List<(int, FrameConfidence)> { (1, bad ? Bad(t == 20 ? Lost : grew) : Fine()) };
            if (t >= 10) objects.Add((2, Fine()));
            report.Add(Frame(t, [.. objects]));
        }

        Assert.Equal(4, report.FlaggedFrames);
        Assert.True(report.IsFlagged(6));
        Assert.False(report.IsFlagged(5));
        Assert.Equal(["object 1: review frames 3-6 (mask grew 2.3x)", "object 1: review frame 20 (object lost, 0% of its points visible)"],
            report.ReviewRanges().Select(r => r.Text));

        string path = Path.Combine(TestPaths.NewTempDir("report"), "report.json");
        report.WriteJson(path);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        Assert.Equal(SegmentationReport.Schema, root.GetProperty("schema").GetString());
        Assert.Equal(ConfidenceModel.ReviewThreshold, root.GetProperty("review_threshold").GetSingle());
        JsonElement frames = root.GetProperty("frames");
        Assert.Equal(30, frames.EnumerateObject().Count());
        Assert.Equal(Enumerable.Range(0, 30).Select(t => $"f{t:D3}"), frames.EnumerateObject().Select(p => p.Name));
        Assert.False(frames.GetProperty("f005").GetProperty("objects").TryGetProperty("2", out _)); // not started yet
        JsonElement e = frames.GetProperty("f003").GetProperty("objects").GetProperty("1");
        Assert.Equal(["confidence", "review", "area", "visible_points", "event", "reasons", "features"], e.EnumerateObject().Select(p => p.Name));
        Assert.True(e.GetProperty("review").GetBoolean());
        Assert.Equal(50, e.GetProperty("area").GetInt32());
        Assert.Equal(3, e.GetProperty("visible_points").GetInt32());
        Assert.Equal("none", e.GetProperty("event").GetString());
        Assert.Equal("mask-grew", e.GetProperty("reasons")[0].GetProperty("code").GetString());
        Assert.Equal("mask grew 2.3x", e.GetProperty("reasons")[0].GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, frames.GetProperty("f000").GetProperty("objects").GetProperty("1").GetProperty("features").ValueKind);
        Assert.Equal("prompted", frames.GetProperty("f000").GetProperty("objects").GetProperty("1").GetProperty("event").GetString());

        var back = SegmentationReport.Read(path);
        Assert.Equal(1 + 29 + 20, back.Count);
        var f3 = back.Single(x => x.Frame == "f003" && x.ObjectId == 1);
        Assert.Equal(3, f3.Index);
        Assert.True(f3.Review);
        Assert.Equal(grew.LogAreaToPrompt, f3.Features!.Value.LogAreaToPrompt, 3);
        Assert.Null(back.Single(x => x.Frame == "f000").Features);
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary left

        // Loaded back, the report writes the same file; one object's entry can then be replaced or dropped alone.
        SegmentationReport loaded = SegmentationReport.Load(path);
        Assert.Equal(File.ReadAllText(path), loaded.ToJson() + "\n");
        Assert.Equal(report.ReviewRanges().Select(r => r.Text), loaded.ReviewRanges().Select(r => r.Text));
        loaded.Set(20, "f020", 1, FrameConfidence.Prompted(44, 2));
        Assert.False(loaded.IsFlagged(20));
        Assert.Equal(0.9f, loaded.Entry(20, 2)!.Confidence);
        loaded.Set(5, "f005", 2, Fine());
        Assert.Equal([1, 2], JsonDocument.Parse(loaded.ToJson()).RootElement.GetProperty("frames").GetProperty("f005").GetProperty("objects").EnumerateObject().Select(o => int.Parse(o.Name)));
        loaded.RemoveObject(1);
        Assert.Null(loaded.Entry(3, 1));
        Assert.Equal(0, loaded.FlaggedFrames);
        Assert.Equal(21, loaded.FrameCount); // frames 10-29 with object 2, and 5
        loaded.Remove(5, 2);
        Assert.Equal(20, loaded.FrameCount);
        // A copy is updated on its own (a walk's gate on another thread), the original keeps its entries.
        SegmentationReport copy = loaded.Copy();
        Assert.Equal(loaded.ToJson(), copy.ToJson());
        copy.Set(12, "f012", 2, FrameConfidence.Prompted(7, 1));
        copy.RemoveObject(2);
        Assert.Equal(0, copy.FrameCount);
        Assert.Equal(20, loaded.FrameCount);
        Assert.Equal(0.9f, loaded.Entry(12, 2)!.Confidence);

        // Loaded back whole, the report gives the same ranges; a correction's walk of object 1 merged into it replaces
        // object 1's entries on the frames it rewrote and keeps object 2's there.
        SegmentationReport merged = SegmentationReport.Load(path);
        Assert.Equal(report.ReviewRanges().Select(r => r.Text), merged.ReviewRanges().Select(r => r.Text));
        Assert.Equal(report.ToJson(), merged.ToJson());
        for (int t = 18; t <= 22; t++) merged.Merge(Frame(t, (1, t == 18 ? FrameConfidence.Prompted(45, 8) : Fine())));
        Assert.Equal(["object 1: review frames 3-6 (mask grew 2.3x)"], merged.ReviewRanges().Select(r => r.Text));
        Assert.Equal(ObjectEvent.Prompted, merged.Entry(18, 1)!.Event);
        Assert.Equal(40, merged.Entry(20, 1)!.Area);
        Assert.NotNull(merged.Entry(20, 2));
        Assert.Equal(3, merged.FlaggedFrames);
        Assert.Contains("not an edgesam-video report", Assert.Throws<EdgeSamException>(() => SegmentationReport.Load(WriteText("{\"schema\": \"x\"}"))).Message);
        Assert.Contains("not a readable edgesam-video report", Assert.Throws<EdgeSamException>(() => SegmentationReport.Load(WriteText("{\"schema\": \"" + SegmentationReport.Schema + "\"}"))).Message);
        File.WriteAllText(path, "{\"schema\": \"something else\"}");
        Assert.Contains("is not an edgesam-video report", Assert.Throws<EdgeSamException>(() => SegmentationReport.Load(path)).Message);
    }

    private static string WriteText(string text)
    {
        string path = Path.Combine(TestPaths.NewTempDir("report-bad"), "report.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Calibration_Auroc_PrecisionRecall_AndFit()
    {
        // AUROC: good frames' scores against bad frames' (ties half).
        Assert.Equal(1.0, ReviewCalibration.Auroc([0.1, 0.2, 0.8, 0.9], [false, false, true, true]));
        Assert.Equal(0.0, ReviewCalibration.Auroc([0.9, 0.8, 0.2, 0.1], [false, false, true, true]));
        Assert.Equal(0.5, ReviewCalibration.Auroc([0.5, 0.5, 0.5, 0.5], [false, true, false, true]));
        Assert.Equal(0.75, ReviewCalibration.Auroc([0.1, 0.6, 0.5, 0.9], [false, false, true, true]));

        ReviewQuality q = ReviewCalibration.Quality([0.1, 0.2, 0.9, 0.8, 0.3], [0.1, 0.6, 0.9, 0.2, 0.4], [true, false, false, true, true]);
        Assert.Equal(3, q.Bad);
        Assert.Equal(3, q.Flagged);
        Assert.Equal(2 / 3.0, q.Recall, 12); // frames 0 and 4 of the bad 0, 1, 4
        Assert.Equal(2 / 3.0, q.Precision, 12); // frame 3 is flagged but good

        // The fit recovers what separates good from bad frames: here visibility alone decides J.
        var rng = new Random(3);
        var samples = new List<ReviewSample>();
        for (int i = 0; i < 400; i++)
        {
            float v = (float)rng.NextDouble();
            var f = Good with { VisiblePositives = v, Appearance = (float)rng.NextDouble() };
            samples.Add(new ReviewSample($"s{i % 4}", $"{i}", 1, v > 0.5 ? 0.9 : 0.1, 0f, false, f));
        }
        double[] w = ReviewCalibration.Fit(samples);
        output.WriteLine(string.Join(", ", w.Select(x => x.ToString("F3"))));
        Assert.True(w[1] > 5 * Math.Abs(w[7]), "visibility should dominate appearance");
        ReviewQuality fitted = ReviewCalibration.QualityOf(samples, w), loso = ReviewCalibration.LeaveOneSequenceOut(samples);
        Assert.True(fitted.Auroc > 0.99 && loso.Auroc > 0.99, $"{fitted} {loso}");
        Assert.True(loso.Recall > 0.9 && loso.Precision > 0.9, $"{loso}");
    }

    /// <summary>
    /// End to end: the first 30 frames of blackswan with an opaque block painted over the swan on frames 12-19. The
    /// report must flag most of the hidden frames and few of the clean ones before, every confidence lies in [0, 1],
    /// the closing lines list the frames to review, and the preview marks flagged frames with a red border.
    /// </summary>
    [MirrorFact]
    public async Task Segment_ReportFlagsFramesAnOccluderHides()
    {
        const string seq = "blackswan";
        const int frames = 30, hideFrom = 12, hideTo = 19;
        string input = TestPaths.NewTempDir("occluded");
        for (int t = 0; t < frames; t++)
        {
            string name = t.ToString("D5");
            RgbImage image = ImageFile.ReadRgb(Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", seq, name + ".jpg"));
            if (t is >= hideFrom and <= hideTo && SegmentCommandTests.Truth(seq, name).BoundingBox() is var (x0, y0, x1, y1))
            {
                // A magenta block (a colour neither the swan nor the lake shows) over the swan's box grown by 20 px.
                for (int y = Math.Max(0, y0 - 20); y <= Math.Min(image.Height - 1, y1 + 20); y++)
                    for (int x = Math.Max(0, x0 - 20); x <= Math.Min(image.Width - 1, x1 + 20); x++)
                    {
                        int p = 3 * (y * image.Width + x);
                        (image.Pixels[p], image.Pixels[p + 1], image.Pixels[p + 2]) = ((byte)230, (byte)20, (byte)200);
                    }
            }
            PngCodec.WriteRgb(Path.Combine(input, name + ".png"), image);
        }
        string outDir = TestPaths.NewTempDir("occluded-out");
        string mask = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, "00000.png");
        var (ctx, stdout, stderr) = CliRunner.Context();

        int rc = await CliApp.RunAsync(["segment", input, "--mask", mask, "--out", outDir, "--segmenter", "graphcut", "--tracker", "lk", "--restarts", "1"], ctx);

        string text = stdout.ToString();
        output.WriteLine(text);
        Assert.True(rc == 0, $"exit {rc}: {stderr}");
        string reportPath = Path.Combine(outDir, "report.json");
        var entries = SegmentationReport.Read(reportPath);
        foreach (var e in entries.OrderBy(e => e.Index))
            output.WriteLine($"{e.Frame}: confidence {e.Confidence:F3} review {e.Review} {e.Event} {e.Features}");
        Assert.Equal(frames, entries.Count);
        Assert.All(entries, e => Assert.InRange(e.Confidence, 0f, 1f));
        int hidden = entries.Count(e => e.Index is >= hideFrom and <= hideTo && e.Review);
        int clean = entries.Count(e => e.Index < hideFrom && e.Review);
        Assert.True(hidden >= (hideTo - hideFrom + 1) * 3 / 4, $"{hidden} of the {hideTo - hideFrom + 1} occluded frames flagged");
        Assert.True(clean <= 1, $"{clean} of the {hideFrom} clean frames before the occluder flagged");
        Assert.Contains("frames flagged for review", text);
        Assert.Contains("object 1: review frame", text);

        // The preview marks a flagged frame: its corner pixel is red (the border), a clean frame's is not.
        int flaggedFrame = entries.First(e => e.Review).Index, cleanFrame = entries.First(e => !e.Review && e.Index > 0).Index;
        using IFrameSource preview = FrameSources.Open(Path.Combine(outDir, "preview.mp4"));
        var got = preview.Read(0, frames).Select(f => f.Clone()).ToList();
        static bool RedCorner(RgbImage f) => f.Pixels[3 * (2 * f.Width + 2)] > 200 && f.Pixels[3 * (2 * f.Width + 2) + 1] < 60;
        Assert.True(RedCorner(got[flaggedFrame]), $"frame {flaggedFrame} is flagged but has no red border");
        Assert.False(RedCorner(got[cleanFrame]), $"frame {cleanFrame} is clean but has a red border");
    }
}
