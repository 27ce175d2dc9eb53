using System.Text.Json;
using EdgeSam.Video.Media;
using EdgeSam.Video.Segmentation.EdgeSam;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Segmentation;

/// <summary>
/// Golden tests against ../shared/reference/edgesam-contract, whose values were computed with the authors' code
/// (Pillow 9.4 decode + ResizeLongestSide, the ONNX predictor's OpenCV postprocessing). On failure the actual image is
/// saved next to the test binaries (golden-actual/) for inspection.
/// </summary>
public class EdgeSamGoldenTests(ITestOutputHelper output)
{
    private static string ContractDir => Path.Combine(TestPaths.Shared, "reference", "edgesam-contract");
    private static JsonElement Contract => JsonDocument.Parse(File.ReadAllText(Path.Combine(ContractDir, "edgesam-contract.json"))).RootElement;

    private static string SaveActual(string name, Action<string> write)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "golden-actual");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        write(path);
        return path;
    }

    [MirrorFact]
    public void OpenCV_decode_then_PIL_exact_resize_equals_Pillow_pixel_for_pixel()
    {
        JsonElement c = Contract.GetProperty("blackswan_00000");
        string jpg = Path.Combine(TestPaths.Shared, "datasets", c.GetProperty("source").GetString()!);
        RgbImage frame = CvImage.Decode(jpg);
        Assert.Equal([480, 854], new[] { frame.Height, frame.Width });
        (int h, int w) = EdgeSamTransforms.PreprocessShape(frame.Height, frame.Width);
        Assert.Equal([c.GetProperty("resized_hw")[0].GetInt32(), c.GetProperty("resized_hw")[1].GetInt32()], new[] { h, w });
        RgbImage resized = PilBilinear.Resize(frame, w, h);

        PngImage want = PngCodec.Read(Path.Combine(ContractDir, c.GetProperty("resized_png").GetString()!));
        Assert.Equal((w, h, 3), (want.Width, want.Height, want.Channels));
        int max = 0;
        long sum = 0;
        for (int i = 0; i < want.Samples.Length; i++)
        {
            int d = Math.Abs(want.Samples[i] - resized.Pixels[i]);
            max = Math.Max(max, d);
            sum += d;
        }
        double mean = (double)sum / want.Samples.Length;
        output.WriteLine($"resized 576x1024 vs reference: max difference {max}, mean {mean:F6} grey levels");
        // OpenCV's imdecode (libjpeg-turbo) gives Pillow's pixels, and the resize is Pillow's arithmetic: any
        // difference in the chain is a change of decoder or resize.
        if (max > 0)
        {
            string path = SaveActual("blackswan_00000_resized.actual.png", p => PngCodec.WriteRgb(p, resized));
            Assert.Fail($"max difference {max} grey levels (mean {mean:F4}); actual saved to {path}");
        }
    }

    [MirrorFact]
    public void Input_tensor_statistics_and_samples_match_within_1e4()
    {
        JsonElement c = Contract.GetProperty("blackswan_00000");
        PngImage png = PngCodec.Read(Path.Combine(ContractDir, c.GetProperty("resized_png").GetString()!));
        var resized = new RgbImage(png.Width, png.Height, png.Samples);
        var tensor = new float[3 * 1024 * 1024];
        EdgeSamTransforms.FillInputTensor(resized, tensor);

        const int plane = 1024 * 1024;
        double worst = 0;
        for (int ch = 0; ch < 3; ch++)
        {
            ReadOnlySpan<float> p = tensor.AsSpan(ch * plane, plane);
            double mean = 0;
            foreach (float v in p) mean += v;
            mean /= plane;
            double var = 0;
            foreach (float v in p) var += (v - mean) * (v - mean);
            double std = Math.Sqrt(var / plane);
            worst = Math.Max(worst, Math.Abs(mean - c.GetProperty("tensor_channel_mean")[ch].GetDouble()));
            worst = Math.Max(worst, Math.Abs(std - c.GetProperty("tensor_channel_std")[ch].GetDouble()));
        }
        foreach (JsonProperty s in c.GetProperty("tensor_samples").EnumerateObject())
        {
            int[] cyx = s.Name.Split(',').Select(int.Parse).ToArray();
            worst = Math.Max(worst, Math.Abs(tensor[cyx[0] * plane + cyx[1] * 1024 + cyx[2]] - s.Value.GetDouble()));
        }
        output.WriteLine($"tensor statistics and samples: max difference {worst:E2}");
        Assert.True(worst < 1e-4, $"max difference {worst}");
    }

    [MirrorFact]
    public void Postprocessed_masks_are_identical_to_the_reference()
    {
        JsonElement[] masks = Contract.GetProperty("postprocess").GetProperty("masks").EnumerateArray().ToArray();
        Assert.Equal(4, masks.Length);
        for (int k = 0; k < masks.Length; k++)
        {
            var logits = new float[480 * 854];
            EdgeSamTransforms.PostprocessLogits(EdgeSamContractTests.ContractLowRes(k), 480, 854, logits);
            Mask got = EdgeSamTransforms.ToMask(logits, 854, 480);
            Mask want = PngCodec.ReadMask(Path.Combine(ContractDir, masks[k].GetProperty("png").GetString()!));
            // The segmenter's shortcut gives the same mask bit for bit.
            Assert.Equal(got.Data, EdgeSamTransforms.PostprocessMask(EdgeSamContractTests.ContractLowRes(k), 480, 854).Data);
            int differing = 0;
            for (int i = 0; i < got.Data.Length; i++) differing += got.Data[i] != want.Data[i] ? 1 : 0;
            if (differing != 0)
            {
                string path = SaveActual($"postprocess_mask{k}.actual.png", p => PngCodec.WriteMask(p, got));
                Assert.Fail($"mask {k}: {differing} pixels differ from the reference; actual saved to {path}");
            }
        }
    }
}
