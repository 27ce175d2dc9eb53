using EdgeSam.Video.Cli;
using EdgeSam.Video.Evaluation;
using EdgeSam.Video.Media;
using Spectre.Console;
using Xunit.Abstractions;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>End to end through the CLI with the real parts (frame folder source, graph cut, Lucas-Kanade, PNG
/// writer, H.264 preview) on the first frames of a DAVIS 2016 sequence, scored against its ground truth.</summary>
public class SegmentCommandTests(ITestOutputHelper output)
{
    internal static (CliContext Ctx, StringWriter Out, StringWriter Err) Context() => CliRunner.Context();

    /// <summary>Copies the first <paramref name="frames"/> JPEGs of a DAVIS 2016 sequence into a scratch folder.</summary>
    internal static string FirstFrames(string sequence, int frames)
    {
        string src = Path.Combine(TestPaths.Davis2016, "JPEGImages", "480p", sequence);
        string dst = TestPaths.NewTempDir(sequence);
        foreach (string f in Directory.GetFiles(src, "*.jpg").Order(StringComparer.Ordinal).Take(frames))
            File.Copy(f, Path.Combine(dst, Path.GetFileName(f)));
        return dst;
    }

    internal static Mask Truth(string sequence, string frame) =>
        PngCodec.ReadMask(Path.Combine(TestPaths.Davis2016, "Annotations", "480p", sequence, frame + ".png"));

    [MirrorFact]
    public async Task Segment_First20FramesOfBlackswan_GraphCutLk_MatchesGroundTruth()
    {
        const string seq = "blackswan";
        string input = FirstFrames(seq, 20);
        string outDir = TestPaths.NewTempDir("seg-out");
        string mask = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, "00000.png");
        var (ctx, stdout, stderr) = Context();

        int rc = await CliApp.RunAsync(["segment", input, "--mask", mask, "--out", outDir, "--segmenter", "graphcut", "--tracker", "lk"], ctx);

        output.WriteLine(stdout.ToString());
        Assert.True(rc == 0, $"exit {rc}: {stderr}");
        Assert.True(File.Exists(Path.Combine(outDir, "preview.mp4")) && new FileInfo(Path.Combine(outDir, "preview.mp4")).Length > 1000);
        Assert.False(Directory.Exists(Path.Combine(outDir, "masks.partial")));
        double sumJ = 0;
        for (int t = 1; t < 20; t++)
        {
            string name = t.ToString("D5");
            LabelMap labels = PngCodec.ReadLabels(Path.Combine(outDir, "masks", name + ".png"));
            Assert.Equal([1], labels.ObjectIds());
            double j = DavisMetrics.Jaccard(Truth(seq, name), labels.MaskOf(1));
            output.WriteLine($"frame {name}: J {j:F3}");
            sumJ += j;
        }
        double meanJ = sumJ / 19;
        output.WriteLine($"mean J {meanJ:F3}");
        Assert.True(meanJ > 0.85, $"mean J {meanJ:F3}");
    }

    /// <summary>
    /// <c>--prior-motion dense</c> end to end on the first frames of breakdance (a dancer whose limbs move unlike the
    /// body): the masks are scored against the ground truth, so a dense carry that broke the prior would show.
    /// </summary>
    [MirrorFact]
    public async Task Segment_DensePriorMotion_FollowsADancer()
    {
        const string seq = "breakdance";
        const int frames = 10;
        string input = FirstFrames(seq, frames);
        string outDir = TestPaths.NewTempDir("seg-dense");
        string mask = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, "00000.png");
        var (ctx, stdout, stderr) = Context();

        int rc = await CliApp.RunAsync(["segment", input, "--mask", mask, "--out", outDir, "--segmenter", "graphcut", "--tracker", "lk", "--prior-motion", "dense", "--reinit-horizon", "8"], ctx);

        Assert.True(rc == 0, $"exit {rc}: {stderr}");
        double sumJ = 0;
        for (int t = 1; t < frames; t++)
        {
            string name = t.ToString("D5");
            double j = DavisMetrics.Jaccard(Truth(seq, name), PngCodec.ReadLabels(Path.Combine(outDir, "masks", name + ".png")).MaskOf(1));
            output.WriteLine($"frame {name}: J {j:F3}");
            sumJ += j;
        }
        double meanJ = sumJ / (frames - 1);
        output.WriteLine($"mean J {meanJ:F3}");
        // Measured 0.589; the default appearance carry gives 0.49 on these frames (run davis, per-frame J). Horizon 8
        // (SAM-PT's) pins what this measures, the carry: with the graph cut's default 5, frames 5-9 are decoded from points
        // re-sampled on frame 5's mask instead (0.526 with the dense carry).
        Assert.True(meanJ > 0.55, $"mean J {meanJ:F3}");
    }

    /// <summary><c>--seed</c> reaches the query-point sampler: one seed gives the same masks twice, another seed other
    /// points and so other masks (the graph cut's hard seeds sit at the points).</summary>
    [MirrorFact]
    public async Task Segment_Seed_IsReproducible_AndChangesThePoints()
    {
        const string seq = "dog";
        const int frames = 10;
        string input = FirstFrames(seq, frames);
        string mask = Path.Combine(TestPaths.Davis2016, "Annotations", "480p", seq, "00000.png");
        async Task<byte[][]> Run(int seed)
        {
            string outDir = TestPaths.NewTempDir($"seg-seed{seed}");
            var (ctx, _, stderr) = Context();
            int rc = await CliApp.RunAsync(["segment", input, "--mask", mask, "--out", outDir, "--segmenter", "graphcut", "--tracker", "lk", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture)], ctx);
            Assert.True(rc == 0, $"exit {rc}: {stderr}");
            return Enumerable.Range(1, frames - 1)
                .Select(t => PngCodec.ReadLabels(Path.Combine(outDir, "masks", t.ToString("D5") + ".png")).MaskOf(1).Data)
                .ToArray();
        }

        byte[][] a = await Run(0), again = await Run(0), other = await Run(7);
        for (int t = 0; t < a.Length; t++) Assert.True(a[t].AsSpan().SequenceEqual(again[t]), $"seed 0 differs from itself on frame {t + 1}");
        int differing = Enumerable.Range(0, a.Length).Count(t => !a[t].AsSpan().SequenceEqual(other[t]));
        output.WriteLine($"frames differing between seeds 0 and 7: {differing} of {a.Length}");
        Assert.True(differing > 0, "seed 7 gave the same masks as seed 0");
    }
}
