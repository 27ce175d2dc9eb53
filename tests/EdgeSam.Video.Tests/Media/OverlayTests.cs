using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Media;

public class OverlayTests
{
    private static RgbImage Grey(int w, int h, byte v)
    {
        var img = new RgbImage(w, h);
        img.Pixels.AsSpan().Fill(v);
        return img;
    }

    private static byte[] Px(RgbImage img, int x, int y) => img.Pixels[((y * img.Width + x) * 3)..((y * img.Width + x) * 3 + 3)];

    [Fact]
    public void Objects_are_blended_in_palette_colours_with_an_inner_contour()
    {
        var labels = new LabelMap(20, 12);
        for (int y = 2; y < 10; y++) for (int x = 2; x < 9; x++) labels.Data[y * 20 + x] = 1;   // object 1: x 2..8
        for (int y = 2; y < 10; y++) for (int x = 9; x < 16; x++) labels.Data[y * 20 + x] = 2;  // object 2 touches it
        labels.Data[0] = LabelMap.Void;
        RgbImage frame = Grey(20, 12, 100);
        RgbImage drawn = Overlay.Draw(frame, labels, style: new OverlayStyle(Opacity: 0.5f, ContourWidth: 1));

        Assert.Equal(new byte[] { 100, 100, 100 }, Px(frame, 5, 5)); // Draw copies
        (byte r1, byte g1, byte b1) = DavisPalette.Color(1);
        (byte r2, byte g2, byte b2) = DavisPalette.Color(2);
        // Interior: the 50/50 blend of grey 100 and the palette colour, rounded.
        Assert.Equal(new[] { (byte)((100 + r1 + 1) / 2), (byte)((100 + g1 + 1) / 2), (byte)((100 + b1 + 1) / 2) }, Px(drawn, 5, 5));
        // One-pixel contours on both sides of the shared edge, each in its own colour.
        Assert.Equal(new[] { r1, g1, b1 }, Px(drawn, 8, 5));
        Assert.Equal(new[] { r2, g2, b2 }, Px(drawn, 9, 5));
        Assert.Equal(new[] { r1, g1, b1 }, Px(drawn, 2, 2));
        Assert.NotEqual(new[] { r1, g1, b1 }, Px(drawn, 7, 5));
        // Background and void untouched.
        Assert.Equal(new byte[] { 100, 100, 100 }, Px(drawn, 18, 1));
        Assert.Equal(new byte[] { 100, 100, 100 }, Px(drawn, 0, 0));
    }

    [Fact]
    public void Contour_width_and_zero_opacity()
    {
        var mask = new Mask(16, 16);
        for (int y = 3; y < 13; y++) for (int x = 3; x < 13; x++) mask[x, y] = true;
        RgbImage img = Grey(16, 16, 50);
        Overlay.DrawMaskInPlace(img, mask, 3, new OverlayStyle(Opacity: 0, ContourWidth: 2));
        (byte r, byte g, byte b) = DavisPalette.Color(3);
        Assert.Equal(new[] { r, g, b }, Px(img, 3, 8));
        Assert.Equal(new[] { r, g, b }, Px(img, 4, 8));
        Assert.Equal(new byte[] { 50, 50, 50 }, Px(img, 5, 8)); // inside, opacity 0
        Assert.Equal(new byte[] { 50, 50, 50 }, Px(img, 2, 8)); // outside
    }

    [Fact]
    public void Markers_positive_negative_and_hollow()
    {
        RgbImage img = Grey(40, 20, 128);
        Overlay.DrawInPlace(img, new LabelMap(40, 20),
            [new OverlayMarker(5, 5, Positive: true), new OverlayMarker(20, 10, Positive: false), new OverlayMarker(33.4f, 10, Positive: true, Visible: false)],
            new OverlayStyle(MarkerRadius: 4));
        Assert.Equal(new byte[] { 0, 255, 0 }, Px(img, 5, 5));
        Assert.Equal(new byte[] { 255, 0, 0 }, Px(img, 20, 10));
        Assert.Equal(new byte[] { 0, 0, 0 }, Px(img, 24, 10));       // rim
        Assert.Equal(new byte[] { 128, 128, 128 }, Px(img, 33, 10)); // hollow centre
        Assert.Equal(new byte[] { 0, 255, 0 }, Px(img, 30, 10));     // ring
        Assert.Equal(new byte[] { 128, 128, 128 }, Px(img, 12, 15));
        // Markers partly outside the frame are clipped, not an error.
        Overlay.DrawInPlace(img, new LabelMap(40, 20), [new OverlayMarker(-2, 19, true)]);
    }

    [Fact]
    public void Size_mismatch_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Overlay.Draw(new RgbImage(4, 4), new LabelMap(4, 5)));
    }
}
