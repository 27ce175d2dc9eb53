using EdgeSam.Video.Media;
using EdgeSam.Video.Pipeline;

namespace EdgeSam.Video.Tests.Pipeline;

/// <summary>The cropped border distance the point gate and the motion evidence share: the crop holds the mask's pixels
/// of the box, and each distance is the city-block-or-diagonal step count to the nearest pixel across the border.</summary>
public class BorderDistanceTests
{
    [Theory]
    [InlineData(0, 0, 39, 29)]
    [InlineData(5, 3, 30, 20)]
    [InlineData(12, 8, 12, 8)]
    public void Crop_matches_the_mask_and_distance_grows_away_from_the_border(int x0, int y0, int x1, int y1)
    {
        // A 10x8 rectangle at (10..19, 6..13) in a 40x30 mask.
        var mask = new Mask(40, 30);
        for (int y = 6; y <= 13; y++)
            for (int x = 10; x <= 19; x++) mask.Data[y * 40 + x] = 1;
        var b = BorderDistance.Of(mask, x0, y0, x1, y1);
        Assert.Equal((x0, y0, x1 - x0 + 1, y1 - y0 + 1), (b.X0, b.Y0, b.Width, b.Height));
        for (int y = 0; y < b.Height; y++)
            for (int x = 0; x < b.Width; x++)
            {
                int fx = x + x0, fy = y + y0;
                Assert.Equal(mask.Data[fy * 40 + fx], b.Inside[y * b.Width + x]);
                if (x1 - x0 < 20) continue; // a crop inside the rectangle has no border of its own
                // The exact distance to the nearest pixel of the other label, with 1 for an axial neighbour: inside,
                // the step count to the rectangle's nearest outside row or column; outside, the chamfer distance to it.
                bool inside = mask[fx, fy];
                float expected;
                if (inside) expected = Math.Min(Math.Min(fx - 9, 20 - fx), Math.Min(fy - 5, 14 - fy));
                else
                {
                    int dx = Math.Max(0, Math.Max(10 - fx, fx - 19)), dy = Math.Max(0, Math.Max(6 - fy, fy - 13));
                    expected = Math.Max(dx, dy) - Math.Min(dx, dy) + 1.41421356f * Math.Min(dx, dy);
                }
                Assert.Equal(expected, b.Distance[y * b.Width + x], 3);
            }
    }

    [Fact]
    public void A_crop_inside_the_object_has_no_border_to_measure_from()
    {
        var mask = new Mask(20, 20);
        Array.Fill(mask.Data, (byte)1);
        var b = BorderDistance.Of(mask, 2, 2, 10, 10);
        Assert.All(b.Distance, d => Assert.True(float.IsPositiveInfinity(d)));
    }

    [Theory]
    [InlineData(-1, 0, 5, 5)]
    [InlineData(0, 0, 20, 5)]
    [InlineData(5, 5, 4, 9)]
    public void A_box_outside_the_mask_is_refused(int x0, int y0, int x1, int y1) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BorderDistance.Of(new Mask(20, 10), x0, y0, x1, y1));
}
