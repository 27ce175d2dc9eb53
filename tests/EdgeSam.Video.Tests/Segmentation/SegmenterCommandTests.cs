using System.Text.Json;
using EdgeSam.Video.Segmentation.EdgeSam;

namespace EdgeSam.Video.Tests.Segmentation;

public class SegmenterCommandTests
{
    [Fact]
    public async Task Models_synth_writes_loadable_synthetic_models()
    {
        string dir = TestPaths.NewTempDir("synth-cli");
        (int code, string output, _) = await CliRunner.Run("models", "synth", "--out", dir);
        Assert.Equal(0, code);
        Assert.Contains("not the real models", output);
        Assert.True(File.Exists(Path.Combine(dir, "synthetic-tapir", "tapir.onnx")));
        Assert.Single(Directory.GetFiles(dir, "synthetic-window*.onnx"));
        using var seg = new EdgeSamSegmenter(Path.Combine(dir, SyntheticEdgeSamModels.EncoderFileName), Path.Combine(dir, SyntheticEdgeSamModels.DecoderFileName));
        Assert.Equal("edgesam", seg.Name);
    }

    [Fact]
    public async Task Bench_segmenter_reports_every_stage_and_writes_json()
    {
        string dir = TestPaths.NewTempDir("bench-seg");
        (string enc, string dec) = SyntheticEdgeSamModels.Write(dir);
        string json = Path.Combine(dir, "bench.json");
        (int code, string output, string err) = await CliRunner.Run("bench", "segmenter", "--encoder", enc, "--decoder", dec,
            "--iterations", "1", "--threads", "1", "--json", json);
        Assert.True(code == 0, err);
        Assert.Contains("encoder run", output);
        Assert.Contains("of an encoder run", output);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        foreach (string key in new[] { "preprocess_ms", "encoder_ms", "decoder_ms", "postprocess_ms", "pre_post_share_of_encoder" })
            Assert.True(doc.RootElement.GetProperty(key).GetDouble() > 0, key);
    }

    [Fact]
    public async Task Bench_segmenter_with_one_model_is_a_one_line_error()
    {
        (int code, _, string err) = await CliRunner.Run("bench", "segmenter", "--encoder", "x.onnx");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--decoder", err);
    }
}
