using EdgeSam.Video.Cli.Commands.Studio;
using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Tests.Studio;

/// <summary>The one function that turns a frame result into the studio's confidence and review flag.</summary>
public class StudioConfidenceTests
{
    private static ObjectFrameResult Result(ObjectStatus status, int area, float score)
    {
        var m = new Mask(100, 100);
        for (int i = 0; i < area; i++) m.Data[i] = 1;
        return new ObjectFrameResult { ObjectId = 3, Status = status, Mask = m, RawMask = m, Score = score, Points = [] };
    }

    [Theory]
    [InlineData(0.93f, false)]
    [InlineData(0.21f, true)]
    public void The_pipelines_own_confidence_wins_over_the_score(float confidence, bool review)
    {
        // A score of 0.99 would say "certain"; the pipeline's confidence model is what segment's report.json carries,
        // and the studio must show the same numbers.
        ObjectFrameResult r = Result(ObjectStatus.Segmented, 40, 0.99f);
        r = new ObjectFrameResult
        {
            ObjectId = r.ObjectId, Status = r.Status, Mask = r.Mask, RawMask = r.RawMask, Score = r.Score, Points = r.Points,
            Confidence = new FrameConfidence { Confidence = confidence, Review = review, Reasons = [], Event = ObjectEvent.None, Area = 40, VisiblePoints = 5 },
        };
        StudioObjectFrame e = StudioConfidence.Of(r, 40);
        Assert.Equal(confidence, e.Confidence!.Value, 5);
        Assert.Equal(review, e.Review);
    }

    [Fact]
    public void Prompted_frames_are_certain_and_waiting_objects_have_no_confidence()
    {
        Assert.Equal(new StudioObjectFrame(3, 50, 1.0, false, ObjectStatus.Prompted), StudioConfidence.Of(Result(ObjectStatus.Prompted, 50, float.PositiveInfinity), null));
        StudioObjectFrame waiting = StudioConfidence.Of(Result(ObjectStatus.NotStarted, 0, float.NaN), null);
        Assert.Null(waiting.Confidence);
        Assert.False(waiting.Review);
    }

    [Theory]
    [InlineData(ObjectStatus.Segmented, 400, 0.9f, 400, 0.9, false)]  // steady: trusted
    [InlineData(ObjectStatus.Segmented, 400, 0.3f, 400, 0.3, true)]   // low score
    [InlineData(ObjectStatus.Segmented, 900, 0.9f, 400, 0.9, true)]   // grew more than 2x: a leak?
    [InlineData(ObjectStatus.Segmented, 150, 0.9f, 400, 0.9, true)]   // shrank below half: a collapse?
    [InlineData(ObjectStatus.Segmented, 0, 0.9f, 400, 0.9, true)]     // vanished
    [InlineData(ObjectStatus.Recovered, 400, 0.9f, 400, 0.9, true)]   // found again: look at it
    [InlineData(ObjectStatus.NoVisiblePositive, 0, float.NaN, 400, 0.0, true)]
    [InlineData(ObjectStatus.LowScore, 0, 0.1f, 400, 0.0, true)]
    [InlineData(ObjectStatus.Segmented, 400, float.NaN, -1, 0.0, true)]
    public void Segmented_frames_are_flagged_on_low_scores_lost_objects_and_area_jumps(ObjectStatus status, int area, float score, int previous, double confidence, bool review)
    {
        StudioObjectFrame e = StudioConfidence.Of(Result(status, area, score), previous < 0 ? null : previous);
        Assert.Equal(area, e.Area);
        Assert.Equal(confidence, e.Confidence!.Value, 5);
        Assert.Equal(review, e.Review);
        Assert.InRange(e.Confidence.Value, 0, 1);
    }
}
