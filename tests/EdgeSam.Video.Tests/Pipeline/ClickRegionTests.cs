using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;
using EdgeSam.Video.Prompts;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>What a correction click says of the region around it (<see cref="ClickRegion"/>), on drawn frames whose
/// answer is known: a red object on grey, a green leak joined to it, a second red blob.</summary>
public class ClickRegionTests
{
    private const int W = 120, H = 80;

    /// <summary>A grey frame (noise from <paramref name="seed"/>, so histograms see spread) with the rectangles painted.</summary>
    private static RgbImage Frame(int seed, params (int X0, int Y0, int X1, int Y1, byte R, byte G, byte B)[] rects)
    {
        var img = new RgbImage(W, H);
        var rng = new Random(seed);
        for (int i = 0; i < W * H; i++)
        {
            int x = i % W, y = i / W;
            (byte r, byte g, byte b) = (120, 120, 120);
            foreach (var q in rects)
                if (x >= q.X0 && x <= q.X1 && y >= q.Y0 && y <= q.Y1) (r, g, b) = (q.R, q.G, q.B);
            img.Pixels[3 * i] = (byte)Math.Clamp(r + rng.Next(-6, 7), 0, 255);
            img.Pixels[3 * i + 1] = (byte)Math.Clamp(g + rng.Next(-6, 7), 0, 255);
            img.Pixels[3 * i + 2] = (byte)Math.Clamp(b + rng.Next(-6, 7), 0, 255);
        }
        return img;
    }

    private static Mask Rect(int x0, int y0, int x1, int y1, Mask? into = null)
    {
        var m = into ?? new Mask(W, H);
        for (int y = y0; y <= y1; y++) for (int x = x0; x <= x1; x++) m[x, y] = true;
        return m;
    }

    private static int Count(Mask m, Func<int, int, bool> where)
    {
        int n = 0;
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) if (m[x, y] && where(x, y)) n++;
        return n;
    }

    /// <summary>The prompt frame: the red object alone at (20..49, 20..59), and its mask.</summary>
    private static (RgbImage Frame, Mask Shape) Prompted(int seed) => (Frame(seed, (20, 20, 49, 59, 200, 30, 30)), Rect(20, 20, 49, 59));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Leak_IsTheClickedColourRegionOfTheMask_NotTheObject(int seed)
    {
        // Prompt frame: the red object alone at (20..49, 20..59). Clicked frame: the object moved to (30..59), a green
        // region (60..99, 20..59) joined to it, and the mask covers both.
        var (prompt, shape) = Prompted(seed);
        RgbImage now = Frame(seed + 10, (30, 20, 59, 59, 200, 30, 30), (60, 20, 99, 59, 30, 180, 40));
        Mask prior = Rect(30, 20, 99, 59);
        Mask leak = ClickRegion.Leak(now, prior, new PromptPoint(85, 40, PointLabel.Negative), prompt, shape);
        Assert.Equal(40 * 40, Count(leak, (x, _) => x >= 60));
        Assert.Equal(0, Count(leak, (x, _) => x < 60));
        // A click outside the mask says nothing of it.
        Assert.True(ClickRegion.Leak(now, prior, new PromptPoint(10, 10, PointLabel.Negative), prompt, shape).IsEmpty);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Missed_GrowsOverObjectColours_WithinTheObjectRadius(int seed)
    {
        // The object (red, 30x40 on the prompt frame) is half missed on the clicked frame: the mask holds 30..44, the red
        // runs 30..59. A far red blob (100..115) lies beyond the object's radius from the click.
        var (prompt, shape) = Prompted(seed);
        RgbImage now = Frame(seed + 20, (30, 20, 59, 59, 200, 30, 30), (100, 20, 115, 59, 200, 30, 30));
        Mask prior = Rect(30, 20, 44, 59);
        Mask missed = ClickRegion.Missed(now, prior, new PromptPoint(52, 40, PointLabel.Positive), prompt, shape);
        double radius = Math.Sqrt(shape.Area() / Math.PI);
        int red = Count(missed, (x, _) => x >= 45 && x <= 59);
        Assert.True(red > 0.9 * Count(Rect(45, 20, 59, 59), (x, y) => (x - 52) * (x - 52) + (y - 40) * (y - 40) <= radius * radius), $"only {red} missed red pixels found");
        Assert.Equal(0, Count(missed, (x, _) => x < 45 || (x > 59 && x < 100)));
        Assert.Equal(0, Count(missed, (x, _) => x >= 100));
        Assert.True(ClickRegion.Missed(now, prior, new PromptPoint(35, 40, PointLabel.Positive), prompt, shape).IsEmpty);
    }
}
