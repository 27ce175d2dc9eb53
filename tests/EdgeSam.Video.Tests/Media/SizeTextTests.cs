using EdgeSam.Video.Media;

namespace EdgeSam.Video.Tests.Media;

public class SizeTextTests
{
    [Theory]
    [InlineData("854x480", 854, 480)]
    [InlineData(" 512X384 ", 512, 384)]
    [InlineData("1x1", 1, 1)]
    public void Parses_WxH(string text, int w, int h) => Assert.Equal((w, h), SizeText.TryParse(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("854")]
    [InlineData("854x")]
    [InlineData("0x480")]
    [InlineData("-854x480")]
    [InlineData("854x480x3")]
    [InlineData("512by384")]
    [InlineData("8.5x4")]
    public void Rejects_anything_else(string? text) => Assert.Null(SizeText.TryParse(text));
}
