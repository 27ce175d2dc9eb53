using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests;

public class CoreTypesTests
{
    [Fact]
    public void Mask_normalises_nonzero_and_computes_box()
    {
        var data = new byte[6 * 4];
        data[1 * 6 + 2] = 255;
        data[2 * 6 + 4] = 7;
        var m = new Mask(6, 4, data);
        Assert.Equal(2, m.Area());
        Assert.Equal((2, 1, 4, 2), m.BoundingBox());
        Assert.True(m[4, 2]);
        Assert.False(new Mask(3, 3).BoundingBox().HasValue);
    }

    [Fact]
    public void LabelMap_lists_ids_without_void()
    {
        var map = new LabelMap(3, 1, [2, 255, 1]);
        Assert.Equal([1, 2], map.ObjectIds());
        Assert.Equal(1, map.MaskOf(2).Area());
    }

    [Fact]
    public void RgbImage_rejects_wrong_buffer()
    {
        Assert.Throws<ArgumentException>(() => new RgbImage(2, 2, new byte[11]));
    }
}
