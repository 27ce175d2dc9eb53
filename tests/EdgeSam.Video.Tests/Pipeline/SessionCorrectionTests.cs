using System.Text.Json;
using EdgeSam.Video.Cli;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>The correction loop (issue #27 items 1 and 3): prompt files, the robot click, corrections that re-propagate
/// one object over the frames they affect, the stored session of <c>segment --add</c>, and <c>bench interactive</c>.</summary>
public class SessionCorrectionTests(ITestOutputHelper output)
{
    [Fact]
    public void PromptFile_ParsesTheSchema_AndNamesLineAndColumnOfMalformedJson()
    {
        string dir = TestPaths.NewTempDir("promptfile");
        var specs = PromptFile.Parse("""
            [ {"frame": 4, "object": 2, "points": [[10.5, 20, 1], [30, 40, 0]], "box": [1, 2, 50, 60]},
              {"frame": 0, "mask": "m.png"} ]
            """, "p.json", dir);
        Assert.Equal(2, specs.Count);
        Assert.Equal((4, 2), (specs[0].Frame, specs[0].ObjectId));
        Assert.Equal([new PromptPoint(10.5f, 20, PointLabel.Positive), new PromptPoint(30, 40, PointLabel.Negative)], specs[0].Points);
        Assert.Equal(new BoxF(1, 2, 50, 60), specs[0].Box);
        Assert.Equal((1, Path.Combine(dir, "m.png")), (specs[1].ObjectId, specs[1].MaskFile));
        // What Write produces, Parse reads back the same.
        var again = PromptFile.Parse(PromptFile.Write(specs), "again", dir);
        Assert.Equal(specs[0].Points, again[0].Points);
        Assert.Equal(specs[0].Box, again[0].Box);

        var e = Assert.Throws<EdgeSamException>(() => PromptFile.Parse("[\n {\"frame\": 1,\n  \"points\": [[1, 2, 1]]\n {\"frame\": 2}]", "bad.json", dir));
        Assert.StartsWith("bad.json: malformed JSON at line 4, column 2", e.Message);
        Assert.Contains("label 1 (positive) or 0", Assert.Throws<EdgeSamException>(() => PromptFile.Parse("[{\"frame\": 1, \"points\": [[1, 2, 5]]}]", "l.json", dir)).Message);
        Assert.Contains("unknown key 'colour'", Assert.Throws<EdgeSamException>(() => PromptFile.Parse("[{\"frame\": 1, \"colour\": 3}]", "k.json", dir)).Message);
        Assert.Contains("frame 9 is outside the video, which has frames 0..4",
            Assert.Throws<EdgeSamException>(() => PromptFile.Validate(PromptFile.Parse("[{\"frame\": 9, \"box\": [1, 1, 3, 3]}]", "f.json", dir), 5, 10, 10)).Message);
    }

    [Fact]
    public void RobotClick_PicksTheLargerErrorRegion_AtItsDeepestPixel()
    {
        var truth = new Mask(40, 30);
        var pred = new Mask(40, 30);
        // Truth: a 9x9 square at (5..13, 5..13); prediction: the same square plus a 5x5 false positive at (30..34, 20..24).
        for (int y = 5; y <= 13; y++) for (int x = 5; x <= 13; x++) { truth[x, y] = true; pred[x, y] = true; }
        for (int y = 20; y <= 24; y++) for (int x = 30; x <= 34; x++) pred[x, y] = true;
        Assert.Equal(new RobotClickResult(32, 22, false, 25), RobotClick.Next(truth, pred));
        // A 9x9 miss outweighs it: the positive click lands at the missed square's centre.
        for (int y = 5; y <= 13; y++) for (int x = 5; x <= 13; x++) pred[x, y] = false;
        Assert.Equal(new RobotClickResult(9, 9, true, 81), RobotClick.Next(truth, pred));
        Assert.Null(RobotClick.Next(truth, truth));
    }

    /// <summary>
    /// On 12 real frames of car-shadow with prompts on frames 0 and 4: frame 8's stored mask is made wrong (emptied),
    /// the robot's click there is applied as a correction and the object re-walked. Frame 8's IoU rises, frames up to
    /// the previous prompt (0-4) keep their exact labels, and every rewritten frame went through the callback.
    /// </summary>
    [MirrorFact]
    public async Task Correction_RaisesTheWrongFramesIoU_AndLeavesFramesBeforeThePreviousPromptUntouched()
    {
        const string seq = "car-shadow";
        const int n = 12, wrong = 8;
        using IFrameSource frames = FrameSources.Open(SegmentCommandTests.FirstFrames(seq, n));
        var (ctx, _, _) = CliRunner.Context();
        using VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut }, ctx);
        using VideoSession session = model.OpenSession(frames);
        session.AddMask(0, 1, SegmentCommandTests.Truth(seq, "00000"));
        session.AddMask(4, 1, SegmentCommandTests.Truth(seq, "00004"));
        var masks = new MemorySessionMasks(n);
        await foreach (FrameResult r in session.Propagate(0)) masks.Write(r.FrameIndex, r.FrameName, r.Labels);

        Mask truth = SegmentCommandTests.Truth(seq, $"{wrong:D5}");
        masks.Write(wrong, frames.FrameName(wrong), new LabelMap(frames.Width, frames.Height));
        byte[][] before = Enumerable.Range(0, n).Select(i => (byte[])masks.Read(i).Data.Clone()).ToArray();
        RobotClickResult click = RobotClick.Next(truth, masks.Read(wrong).MaskOf(1))!.Value;
        Assert.True(click.Positive);

        Mask refined = SessionCorrection.Refine(session, wrong, 1, [new PromptPoint(click.X, click.Y, PointLabel.Positive)], null, masks.Read(wrong).MaskOf(1));
        var seen = new List<int>();
        CorrectionResult result = await SessionCorrection.RepropagateAsync(session, 1, wrong, masks, CorrectionBlend.Replace, (r, labels) => seen.Add(r.FrameIndex));

        double j = DavisMetrics.Jaccard(truth, masks.Read(wrong).MaskOf(1));
        output.WriteLine($"click ({click.X}, {click.Y}); frame {wrong} J 0 -> {j:F3}; refined J {DavisMetrics.Jaccard(truth, refined):F3}; changed {result.ChangedFrames} frames: {string.Join(",", seen)}");
        Assert.True(j > 0.5, $"J {j:F3}");
        Assert.Equal((5, n - 1), (result.FirstFrame, result.LastFrame));
        for (int i = 0; i <= 4; i++) Assert.Equal(before[i], masks.Read(i).Data);
        Assert.Contains(wrong, seen);
        Assert.All(seen, f => Assert.InRange(f, 5, n - 1));
        Assert.Equal(seen.Count, result.ChangedFrames);
        Assert.Equal(seen.Count, Enumerable.Range(0, n).Count(i => !before[i].AsSpan().SequenceEqual(masks.Read(i).Data)));
    }

    /// <summary>
    /// Walks from a correction keep the object's mask prompt as their reference: on car-shadow (12 frames, the ground
    /// truth on frame 0, a click correction on frame 8) every walked frame's confidence measures its area against the
    /// frame-0 mask, not the correction's, also in a session restored from its prompts (nothing walked yet). And with a
    /// report of the stored masks, a walked frame replaces its stored mask only where it is not less sure: against a
    /// report that is sure of every frame, the correction rewrites its own frame alone.
    /// </summary>
    [MirrorFact]
    public async Task CorrectionWalks_KeepTheMaskPromptsReference_AndReplaceOnlyFramesTheyAreSurerOf()
    {
        const string seq = "car-shadow";
        const int n = 12, at = 8;
        using IFrameSource frames = FrameSources.Open(SegmentCommandTests.FirstFrames(seq, n));
        var (ctx, _, _) = CliRunner.Context();
        using VideoSegmenter model = PipelineFactory.Create(new PipelineSettings { Segmenter = SegmenterChoice.GraphCut }, ctx);
        using VideoSession session = model.OpenSession(frames);
        Mask first = SegmentCommandTests.Truth(seq, "00000");
        session.AddMask(0, 1, first);
        var masks = new MemorySessionMasks(n);
        var sure = new SegmentationReport();
        await foreach (FrameResult r in session.Propagate(0))
        {
            masks.Write(r.FrameIndex, r.FrameName, r.Labels);
            sure.Add(new FrameResult
            {
                FrameIndex = r.FrameIndex, FrameName = r.FrameName, Image = r.Image, Labels = r.Labels,
                Objects = [new ObjectFrameResult
                {
                    ObjectId = 1, Status = ObjectStatus.Segmented, Mask = r.Labels.MaskOf(1), RawMask = r.Labels.MaskOf(1), Points = [],
                    Confidence = new FrameConfidence { Confidence = 1f, Review = false, Reasons = [], Event = ObjectEvent.None, Area = 1, VisiblePoints = 1 },
                }],
            });
        }
        byte[][] before = Enumerable.Range(0, n).Select(i => (byte[])masks.Read(i).Data.Clone()).ToArray();
        // A negative click on the car's roof: the correction's mask is smaller than frame 0's.
        Mask refined = SessionCorrection.Refine(session, at, 1, [new PromptPoint(460, 215, PointLabel.Negative)], null, masks.Read(at).MaskOf(1));
        Assert.NotEqual(first.Area(), refined.Area());

        CorrectionResult gated = await SessionCorrection.RepropagateAsync(session, 1, at, masks, settleIoU: 0, report: sure);
        Assert.Equal(1, gated.ChangedFrames);
        for (int i = 0; i < n; i++)
            if (i != at) Assert.Equal(before[i], masks.Read(i).Data);
        Assert.Equal(ObjectEvent.Prompted, sure.Entry(at, 1)!.Event); // the report took the frame written

        void AgainstFirst(FrameResult r)
        {
            if (r.FrameIndex == at) return;
            FrameConfidence c = r.Object(1)!.Confidence!;
            Assert.Equal(MathF.Log((c.Area + 1f) / (first.Area() + 1f)), c.Features!.Value.LogAreaToPrompt, 4);
        }
        var walked = new List<int>();
        await SessionCorrection.RepropagateAsync(session, 1, at, masks, settleIoU: 0, onChanged: (r, _) => { AgainstFirst(r); walked.Add(r.FrameIndex); });
        output.WriteLine($"frame-0 area {first.Area()}, correction area {refined.Area()}; ungated walk rewrote frames {string.Join(",", walked)}");
        Assert.Contains(walked, f => f != at);

        // The same from a session that only holds the prompts, as segment --add restores it.
        using VideoSession restored = model.OpenSession(frames);
        restored.RestorePrompt(0, 1, first, null, null);
        var p = session.Prompt(at, 1)!.Value;
        restored.RestorePrompt(at, 1, p.Mask, p.Points, p.Box);
        int checkedFrames = 0;
        await foreach (FrameResult r in restored.Propagate(at, PropagationDirection.Forward, objectIds: [1]))
        {
            AgainstFirst(r);
            checkedFrames++;
        }
        Assert.Equal(n - at, checkedFrames);
    }

    /// <summary>
    /// <c>segment</c> stores the session; <c>segment --add</c> on the same <c>--out</c> re-uses it (no full run: only the
    /// frames from the previous prompt on may change), adds the new prompt to session.json and says how many frames
    /// changed. Prompts the session cannot take stop with one line.
    /// </summary>
    [MirrorFact]
    public async Task SegmentAdd_ReusesTheStoredSession_AndRewritesOnlyTheAffectedFrames()
    {
        const string seq = "car-shadow";
        const int n = 10;
        string input = SegmentCommandTests.FirstFrames(seq, n), outDir = TestPaths.NewTempDir("seg-add");
        string mask0 = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, "00000.png");
        string[] common = ["--segmenter", "graphcut", "--tracker", "lk", "--restarts", "1", "--no-preview"];
        var (rc, text, err) = await CliRunner.Run(["segment", input, "--out", outDir, "--mask", mask0, "--prompt", $"frame=3;mask={Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, "00003.png")}", .. common]);
        output.WriteLine(text);
        Assert.True(rc == 0, err);
        var folder = new SessionFolder(outDir);
        Assert.True(folder.Exists);
        DateTime[] written = Enumerable.Range(0, n).Select(i => File.GetLastWriteTimeUtc(Path.Combine(folder.MasksDir, $"{i:D5}.png"))).ToArray();
        string reportPath = Path.Combine(outDir, SegmentCommand.ReportFileName);
        var reportBefore = SegmentationReport.Read(reportPath).ToDictionary(e => e.Index);
        Assert.NotEqual(ObjectEvent.Prompted, reportBefore[6].Event);
        byte[][] before = Enumerable.Range(0, n).Select(i => File.ReadAllBytes(Path.Combine(folder.MasksDir, $"{i:D5}.png"))).ToArray();

        // A negative click on the car's roof at frame 6: the object loses pixels there, frames 0-3 must not move.
        var (rc2, text2, err2) = await CliRunner.Run(["segment", input, "--out", outDir, "--add", "--prompt", "frame=6;object=1;points=460,215,-", .. common]);
        output.WriteLine(text2);
        Assert.True(rc2 == 0, err2);
        Assert.Contains("stored session with object(s) 1, 2 prompt(s); 1 new", text2);
        Assert.Matches(@"\d+ of 10 frames changed", text2);
        for (int i = 0; i <= 3; i++)
        {
            Assert.Equal(before[i], File.ReadAllBytes(Path.Combine(folder.MasksDir, $"{i:D5}.png")));
            Assert.Equal(written[i], File.GetLastWriteTimeUtc(Path.Combine(folder.MasksDir, $"{i:D5}.png")));
        }
        Assert.NotEqual(before[6], File.ReadAllBytes(Path.Combine(folder.MasksDir, "00006.png")));
        // report.json follows the rewritten frames: frame 6 is now the correction's prompt, the frames before the
        // previous prompt keep their entries, every rewritten frame's entry gives the area of its new mask, and the
        // exit summary lists the review ranges of the updated report as a fresh run does.
        var reportAfter = SegmentationReport.Read(reportPath).ToDictionary(e => e.Index);
        Assert.Equal(n, reportAfter.Count);
        Assert.Equal((ObjectEvent.Prompted, 1f), (reportAfter[6].Event, reportAfter[6].Confidence));
        for (int i = 0; i <= 3; i++) Assert.Equal(reportBefore[i], reportAfter[i]);
        SegmentationReport updated = SegmentationReport.Load(reportPath);
        for (int i = 4; i < n; i++)
        {
            if (before[i].AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder.MasksDir, $"{i:D5}.png")))) continue;
            int area = PngCodec.ReadLabels(Path.Combine(folder.MasksDir, $"{i:D5}.png")).MaskOf(1).Area();
            Assert.Equal(area, updated.Entry(i, 1)!.Area);
        }
        var ranges = updated.ReviewRanges();
        if (ranges.Count == 0) Assert.Contains("segment --add: no frame flagged for review", text2);
        foreach (ReviewRange r in ranges) Assert.Contains($"segment --add: {r.Text}", text2);
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(folder.SessionFile)))
        {
            var prompts = doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("frame").GetInt32()).Order().ToArray();
            Assert.Equal([0, 3, 6], prompts);
        }

        // Unknown object with only a negative click, a frame outside the video: one line each, masks untouched.
        byte[] six = File.ReadAllBytes(Path.Combine(folder.MasksDir, "00006.png"));
        foreach (var (args, expected) in new (string[], string)[]
        {
            (["--prompt", "frame=5;object=7;points=100,100,-"], "object 7 is unknown (objects: 1)"),
            (["--prompt", "frame=40;object=1;points=100,100,+"], "frame 40 is outside the video"),
        })
        {
            var (rc3, _, err3) = await CliRunner.Run(["segment", input, "--out", outDir, "--add", .. args, .. common]);
            Assert.True(rc3 == CliApp.ExitUserError, err3);
            Assert.Contains(expected, err3);
            Assert.Single(err3.TrimEnd().Split('\n'));
        }
        Assert.Equal(six, File.ReadAllBytes(Path.Combine(folder.MasksDir, "00006.png")));
    }

    /// <summary><c>--preview-prompts</c> segments only the prompted frames (clicks and a box together on one, a second
    /// object on another) and writes their labels and overlays, without a session or masks/.</summary>
    [MirrorFact]
    public async Task PreviewPrompts_WritesOnlyThePromptedFrames()
    {
        const string seq = "car-shadow";
        string input = SegmentCommandTests.FirstFrames(seq, 6), outDir = TestPaths.NewTempDir("seg-preview");
        var (rc, text, err) = await CliRunner.Run("segment", input, "--out", outDir, "--segmenter", "graphcut", "--preview-prompts",
            "--prompt", "frame=1;object=1;points=470,180,+ 200,350,-;box=300,85,650,290", "--prompt", "frame=4;object=2;box=270,85,600,290");
        output.WriteLine(text);
        Assert.True(rc == 0, err);
        string dir = Path.Combine(outDir, "prompt-preview");
        Assert.Equal(["00001-overlay.png", "00001.png", "00004-overlay.png", "00004.png"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(outDir, "masks")));
        double j = DavisMetrics.Jaccard(SegmentCommandTests.Truth(seq, "00001"), PngCodec.ReadLabels(Path.Combine(dir, "00001.png")).MaskOf(1));
        output.WriteLine($"frame 1 J {j:F3}");
        // The graph cut takes the car's red body and leaves its grey sill and wheels (J 0.36 when written): the test asks
        // for the prompt's object, not a quality figure.
        Assert.True(j > 0.25, $"J {j:F3}");
        Assert.Equal([2], PngCodec.ReadLabels(Path.Combine(dir, "00004.png")).ObjectIds());
    }

    /// <summary>
    /// <c>bench interactive</c> on a miniature DAVIS 2016 (the first frames of one sequence): two rounds of robot clicks
    /// raise J&amp;F over round 0, and the JSON holds the per-round and per-sequence figures with each click.
    /// </summary>
    [MirrorFact]
    public async Task BenchInteractive_TwoRoundsRaiseJF()
    {
        const string seq = "motocross-jump";
        const int n = 12;
        string root = TestPaths.MiniDavis(seq, n, "interactive-davis");
        string json = Path.Combine(TestPaths.NewTempDir("interactive-json"), "r.json");

        var (rc, text, err) = await CliRunner.Run("bench", "interactive", "--root", root, "--year", "2016", "--rounds", "2", "--json", json,
            "--segmenter", "graphcut", "--tracker", "lk", "--restarts", "1");
        output.WriteLine(text);
        Assert.True(rc == 0, err);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        double[] jf = doc.RootElement.GetProperty("rounds").EnumerateArray().Select(r => r.GetProperty("J&F").GetDouble()).ToArray();
        Assert.Equal(3, jf.Length);
        Assert.True(jf[2] > jf[0], $"J&F by round: {string.Join(", ", jf)}");
        JsonElement first = doc.RootElement.GetProperty("per_sequence").GetProperty(seq)[1];
        Assert.InRange(first.GetProperty("click").GetProperty("frame").GetInt32(), 1, n - 2);
        Assert.True(doc.RootElement.GetProperty("auc").GetDouble() > 0);
    }

    /// <summary><c>bench interactive --oracle</c>: the correction is the clicked frame's ground truth, so that frame's
    /// stored J after the round is 1 (the ceiling the robot's click is measured against).</summary>
    [MirrorFact]
    public async Task BenchInteractive_Oracle_StoresTheTruthOnTheClickedFrame()
    {
        const string seq = "motocross-jump";
        string root = TestPaths.MiniDavis(seq, 10, "interactive-oracle");
        string json = Path.Combine(TestPaths.NewTempDir("interactive-oracle-json"), "r.json");
        var (rc, text, err) = await CliRunner.Run("bench", "interactive", "--root", root, "--year", "2016", "--rounds", "1", "--json", json,
            "--segmenter", "graphcut", "--tracker", "lk", "--restarts", "1", "--oracle");
        output.WriteLine(text);
        Assert.True(rc == 0, err);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(doc.RootElement.GetProperty("oracle").GetBoolean());
        JsonElement effect = doc.RootElement.GetProperty("per_sequence").GetProperty(seq)[1].GetProperty("effect");
        Assert.True(effect.GetProperty("click_j_before").GetDouble() < 1);
        Assert.Equal(1.0, effect.GetProperty("click_j_after").GetDouble(), 4);
    }
}
