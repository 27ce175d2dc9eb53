using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Tests.Pipeline;

public class ColorRedetectorTests
{
    // Background colours drawn from a palette that never holds the object's colour.
    private static readonly (byte R, byte G, byte B)[] Palette = [(40, 60, 80), (90, 140, 60), (200, 200, 40), (20, 20, 20), (120, 120, 140)];
    private static readonly (byte R, byte G, byte B) Object = (230, 30, 30);

    private static RgbImage Noise(int w, int h, Random rng)
    {
        var img = new RgbImage(w, h);
        for (int i = 0; i < w * h; i++)
        {
            var c = Palette[rng.Next(Palette.Length)];
            img.Pixels[3 * i] = c.R; img.Pixels[3 * i + 1] = c.G; img.Pixels[3 * i + 2] = c.B;
        }
        return img;
    }

    private static Mask Square(RgbImage img, int x0, int y0, int side)
    {
        var m = new Mask(img.Width, img.Height);
        for (int y = y0; y < y0 + side; y++)
            for (int x = x0; x < x0 + side; x++)
            {
                int i = y * img.Width + x;
                img.Pixels[3 * i] = Object.R; img.Pixels[3 * i + 1] = Object.G; img.Pixels[3 * i + 2] = Object.B;
                m.Data[i] = 1;
            }
        return m;
    }

    /// <summary>The best window by brute force: every window on the 2-px grid, its mean log-odds summed pixel by pixel.</summary>
    private static (int X0, int Y0, float Score) BruteForce(ColorRedetector det, RgbImage img, int side)
    {
        double best = double.NegativeInfinity;
        int bx = 0, by = 0;
        for (int y = 0; y + side <= img.Height; y += 2)
            for (int x = 0; x + side <= img.Width; x += 2)
            {
                double s = 0;
                for (int v = y; v < y + side; v++)
                    for (int u = x; u < x + side; u++) s += det.LogOdds(img.Pixels, v * img.Width + u);
                if (s > best + 1e-9) { best = s; bx = x; by = y; }
            }
        return (bx, by, (float)(best / (side * side)));
    }

    [Theory]
    [InlineData(1, 40, 30, 6)]
    [InlineData(2, 64, 48, 8)]
    [InlineData(3, 97, 41, 5)]
    [InlineData(4, 50, 50, 12)]
    [InlineData(5, 33, 70, 1)]
    public void Find_AgreesWithBruteForce_AndLandsOnTheObject(int seed, int w, int h, int side)
    {
        var rng = new Random(seed);
        RgbImage prompt = Noise(w, h, rng);
        Mask mask = Square(prompt, rng.Next(w - 10), rng.Next(h - 10), 10);
        var det = new ColorRedetector(prompt, mask);
        Assert.Equal(100, det.ReferenceArea);

        RgbImage later = Noise(w, h, rng);
        int px = 2 * rng.Next((w - side) / 2), py = 2 * rng.Next((h - side) / 2);
        Square(later, px, py, side);
        var found = det.Find(later, side);
        Assert.NotNull(found);
        var (x0, y0, score) = found.Value;
        var (bx, by, bs) = BruteForce(det, later, side);
        Assert.Equal(bs, score, 4);
        // The object's colour never occurs in the background: its window is the best one, at full log-odds.
        Assert.Equal((px, py), (x0, y0));
        Assert.Equal((bx, by), (x0, y0));
        Assert.Equal(ColorRedetector.MaxLogOdds, score, 3);
    }

    [Fact]
    public void MeanLogOdds_IsPositiveOnTheObjectsColours_NegativeOnTheBackgrounds()
    {
        var rng = new Random(7);
        RgbImage prompt = Noise(60, 40, rng);
        Mask mask = Square(prompt, 20, 10, 12);
        var det = new ColorRedetector(prompt, mask);
        Assert.True(det.MeanLogOdds(prompt, mask) > 2);
        var background = new Mask(60, 40);
        for (int i = 0; i < background.Data.Length; i++) background.Data[i] = (byte)(mask.Data[i] ^ 1);
        Assert.True(det.MeanLogOdds(prompt, background) < -2);
        Assert.True(float.IsNaN(det.MeanLogOdds(prompt, new Mask(60, 40))));
        // Only the window's object-coloured pixels are kept.
        Mask region = det.ObjectColoured(prompt, 14, 4, 12);
        Assert.Equal(6 * 6, region.Area());
        Assert.True(region[20, 10] && region[25, 15] && !region[19, 10] && !region[26, 10]);
    }

    [Fact]
    public void Find_ReturnsNull_WhenTheWindowDoesNotFit()
    {
        var rng = new Random(1);
        RgbImage prompt = Noise(20, 10, rng);
        var det = new ColorRedetector(prompt, Square(prompt, 2, 2, 4));
        Assert.Null(det.Find(prompt, 11));
        Assert.Null(det.Find(prompt, 0));
        Assert.NotNull(det.Find(prompt, 10));
    }

    [Fact]
    public void Constructor_RejectsEmptyWholeAndMismatchedMasks()
    {
        var img = new RgbImage(8, 8);
        Assert.Throws<ArgumentException>(() => new ColorRedetector(img, new Mask(8, 8)));
        var whole = new Mask(8, 8);
        Array.Fill(whole.Data, (byte)1);
        Assert.Throws<ArgumentException>(() => new ColorRedetector(img, whole));
        Assert.Throws<ArgumentException>(() => new ColorRedetector(img, new Mask(8, 9)));
    }
}
