using EdgeSam.Video.Cli;
using EdgeSam.Video.Media;
using EdgeSam.Video.Cli.Commands.Segment;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Segmentation.EdgeSam;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>
/// <c>segment --segmenter edgesam</c> end to end with the synthetic EdgeSAM-signature models (their decoder draws a disk
/// of radius 64 input pixels, 53.4 original pixels here, around the positive points), so the EdgeSAM path of the pipeline
/// (model files, ORT sessions, embedding reuse, decoder prompts) is exercised without the real weights.
/// </summary>
public class SegmentEdgeSamTests
{
    [MirrorFact]
    public async Task Segment_with_EdgeSam_contract_models_writes_the_decoders_masks()
    {
        string input = SegmentCommandTests.FirstFrames("blackswan", 6);
        string models = TestPaths.NewTempDir("seg-edgesam-models");
        (string enc, string dec) = SyntheticEdgeSamModels.Write(models);
        string outDir = TestPaths.NewTempDir("seg-edgesam-out");
        var (ctx, _, stderr) = SegmentCommandTests.Context();

        int rc = await CliApp.RunAsync(["segment", input, "--points", "400,240,+", "--out", outDir, "--segmenter", "edgesam",
            "--encoder", enc, "--decoder", dec, "--tracker", "lk", "--refine", "0", "--encoder-threads", "1", "--decoder-threads", "1"], ctx);

        Assert.True(rc == 0, $"exit {rc}: {stderr}");
        Mask first = PngCodec.ReadMask(Path.Combine(outDir, "masks", "00000.png"));
        double disk = Math.PI * Math.Pow(64 * 854.0 / 1024.0, 2);
        Assert.InRange(first.Area(), disk * 0.9, disk * 1.1);
        Assert.True(first[400, 240]);
        for (int t = 1; t < 6; t++)
        {
            Mask m = PngCodec.ReadMask(Path.Combine(outDir, "masks", $"{t:D5}.png"));
            // Positives re-sampled inside the disk and tracked on a slowly moving scene: disks around them cover the seed.
            Assert.True(m.Area() >= disk * 0.9, $"frame {t}: area {m.Area()}");
            Assert.True(m[400, 240], $"frame {t} lost the seed point");
        }
    }

    [MirrorFact]
    public async Task Only_one_of_encoder_and_decoder_is_a_one_line_error()
    {
        string input = SegmentCommandTests.FirstFrames("blackswan", 2);
        var (ctx, _, stderr) = SegmentCommandTests.Context();
        int rc = await CliApp.RunAsync(["segment", input, "--points", "400,240,+", "--out", TestPaths.NewTempDir("seg-e1"),
            "--segmenter", "edgesam", "--encoder", "x.onnx"], ctx);
        Assert.Equal(CliApp.ExitUserError, rc);
        Assert.Contains("--decoder", stderr.ToString());
        Assert.Single(stderr.ToString().Trim().Split('\n'));
    }

    /// <summary>A typo in --encoder/--decoder names the file, with or without --segmenter edgesam: no silent fall-back
    /// to the graph cut (auto) and no "not installed, run models fetch" hint about a store model the user did not ask for.</summary>
    [MirrorTheory]
    [InlineData("auto")]
    [InlineData("edgesam")]
    public async Task Missing_explicit_model_file_is_named(string segmenter)
    {
        string input = SegmentCommandTests.FirstFrames("blackswan", 2);
        string models = TestPaths.NewTempDir("seg-e2-models");
        (string enc, _) = SyntheticEdgeSamModels.Write(models);
        string missing = Path.Combine(models, "no_such_decoder.onnx");
        string outDir = TestPaths.NewTempDir("seg-e2");
        var (ctx, stdout, stderr) = SegmentCommandTests.Context();
        int rc = await CliApp.RunAsync(["segment", input, "--points", "400,240,+", "--out", outDir,
            "--segmenter", segmenter, "--encoder", enc, "--decoder", missing], ctx);
        Assert.Equal(CliApp.ExitUserError, rc);
        string err = stderr.ToString();
        Assert.Contains($"--decoder {missing} does not exist", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(outDir, "masks")), "no output for a run that never started");
    }

    /// <summary>segment with several frames in the encoder at once writes the very masks of one frame at a time.</summary>
    [MirrorFact]
    public async Task Encoder_workers_do_not_change_the_masks()
    {
        string input = SegmentCommandTests.FirstFrames("blackswan", 8);
        string models = TestPaths.NewTempDir("seg-workers-models");
        (string enc, string dec) = SyntheticEdgeSamModels.Write(models);
        var outs = new List<string>();
        foreach (string workers in new[] { "1", "3" })
        {
            string outDir = TestPaths.NewTempDir($"seg-workers-{workers}");
            var (ctx, _, stderr) = SegmentCommandTests.Context();
            int rc = await CliApp.RunAsync(["segment", input, "--points", "400,240,+;600,100,-", "--out", outDir, "--segmenter", "edgesam",
                "--encoder", enc, "--decoder", dec, "--tracker", "lk", "--refine", "1", "--encoder-workers", workers, "--no-preview"], ctx);
            Assert.True(rc == 0, $"--encoder-workers {workers}: exit {rc}: {stderr}");
            outs.Add(outDir);
        }
        for (int t = 0; t < 8; t++)
        {
            Mask a = PngCodec.ReadMask(Path.Combine(outs[0], "masks", $"{t:D5}.png"));
            Mask b = PngCodec.ReadMask(Path.Combine(outs[1], "masks", $"{t:D5}.png"));
            Assert.True(a.Area() > 0, $"frame {t} is empty");
            Assert.Equal(a.Data, b.Data);
        }
    }

    [Fact]
    public void Several_encoder_workers_share_the_cores_unless_threads_are_given()
    {
        string models = TestPaths.NewTempDir("seg-workers-threads");
        (string enc, string dec) = SyntheticEdgeSamModels.Write(models);
        var (ctx, _, _) = SegmentCommandTests.Context();
        var baseSettings = new PipelineSettings { Segmenter = SegmenterChoice.EdgeSam, EncoderPath = enc, DecoderPath = dec, Tracker = "lk" };
        using (VideoSegmenter two = PipelineFactory.Create(baseSettings with { EncoderWorkers = 2 }, ctx))
        {
            Assert.Equal(2, two.Options.EncoderWorkers);
            Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), ((EdgeSamSegmenter)two.Segmenter).EncoderThreads);
        }
        using (VideoSegmenter one = PipelineFactory.Create(baseSettings with { EncoderWorkers = 1 }, ctx))
        {
            Assert.Equal(1, one.Options.EncoderWorkers);
            Assert.Equal(8, one.Options.ReinitHorizon); // SAM-PT's horizon for EdgeSAM
            Assert.Equal(0, ((EdgeSamSegmenter)one.Segmenter).EncoderThreads);
        }
        using (VideoSegmenter given = PipelineFactory.Create(baseSettings with { EncoderWorkers = 2, EncoderThreads = 3 }, ctx))
            Assert.Equal(3, ((EdgeSamSegmenter)given.Segmenter).EncoderThreads);
        using (VideoSegmenter graphCut = PipelineFactory.Create(baseSettings with { Segmenter = SegmenterChoice.GraphCut }, ctx))
            Assert.Equal(1, graphCut.Options.EncoderWorkers);
    }
}
