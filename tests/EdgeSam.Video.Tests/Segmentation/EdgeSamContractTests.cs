using System.Text.Json;
using EdgeSam.Video.Segmentation.EdgeSam;

namespace EdgeSam.Video.Tests.Segmentation;

/// <summary>Golden tests against ../shared/reference/edgesam-contract (values from the authors' own code).</summary>
public class EdgeSamContractTests
{
    private static string ContractDir => Path.Combine(TestPaths.Shared, "reference", "edgesam-contract");
    private static JsonElement Contract => JsonDocument.Parse(File.ReadAllText(Path.Combine(ContractDir, "edgesam-contract.json"))).RootElement;

    [MirrorFact]
    public void Preprocess_shapes_are_exact()
    {
        int n = 0;
        foreach (JsonProperty p in Contract.GetProperty("preprocess_shape").EnumerateObject())
        {
            string[] hw = p.Name.Split('x');
            (int h, int w) = EdgeSamTransforms.PreprocessShape(int.Parse(hw[0]), int.Parse(hw[1]));
            Assert.Equal(p.Value[0].GetInt32(), h);
            Assert.Equal(p.Value[1].GetInt32(), w);
            n++;
        }
        Assert.True(n >= 9);
    }

    [MirrorFact]
    public void Coordinates_map_exactly_into_the_input_frame()
    {
        JsonElement c = Contract.GetProperty("apply_coords_480x854");
        JsonElement[] ins = c.GetProperty("in").EnumerateArray().ToArray();
        JsonElement[] outs = c.GetProperty("out").EnumerateArray().ToArray();
        Assert.Equal(ins.Length, outs.Length);
        for (int i = 0; i < ins.Length; i++)
        {
            (double x, double y) = EdgeSamTransforms.ApplyCoords(ins[i][0].GetDouble(), ins[i][1].GetDouble(), 480, 854);
            Assert.Equal(outs[i][0].GetDouble(), x, 1e-9);
            Assert.Equal(outs[i][1].GetDouble(), y, 1e-9);
        }
    }

    /// <summary>The contract's formula for the four low-res masks (float32, as the reference computed them).</summary>
    internal static float[] ContractLowRes(int k)
    {
        var low = new float[256 * 256];
        for (int y = 0; y < 256; y++)
            for (int x = 0; x < 256; x++)
            {
                float dx = x - 128 - 12 * k, dy = (y - 72) * 1.6f;
                low[y * 256 + x] = 8f - MathF.Sqrt(dx * dx + dy * dy) / 3f + 0.7f * MathF.Sin(x / 5f + k);
            }
        return low;
    }

    [MirrorFact]
    public void Postprocess_matches_samples_and_areas()
    {
        JsonElement pp = Contract.GetProperty("postprocess");
        Assert.Equal([576, 1024], pp.GetProperty("input_hw").EnumerateArray().Select(e => e.GetInt32()));
        JsonElement[] masks = pp.GetProperty("masks").EnumerateArray().ToArray();
        double maxDiff = 0;
        for (int k = 0; k < masks.Length; k++)
        {
            var logits = new float[480 * 854];
            EdgeSamTransforms.PostprocessLogits(ContractLowRes(k), 480, 854, logits);
            foreach (JsonProperty s in masks[k].GetProperty("samples").EnumerateObject())
            {
                string[] yx = s.Name.Split(',');
                float got = logits[int.Parse(yx[0]) * 854 + int.Parse(yx[1])];
                maxDiff = Math.Max(maxDiff, Math.Abs(got - s.Value.GetDouble()));
            }
            Assert.Equal(masks[k].GetProperty("area").GetInt32(), EdgeSamTransforms.ToMask(logits, 854, 480).Area());
        }
        Assert.True(maxDiff < 1e-4, $"max sample difference {maxDiff}");
    }
}
