namespace EdgeSam.Video.Tests;

/// <summary>Arguments the parser rejects end like every other bad input: one line on stderr naming what was wrong and
/// where the usage is, nothing on stdout (no help dump), exit code 2.</summary>
public class CliParseErrorTests
{
    [Theory]
    [InlineData(new[] { "segment", "in", "--mask", "m.png", "--out", "o", "--seed", "x" }, "'--seed'", "edgesam-video segment --help")]
    [InlineData(new[] { "run", "davis", "--out", "o" }, "'--root' is required", "edgesam-video run davis --help")]
    [InlineData(new[] { "frobnicate" }, "'frobnicate'", "edgesam-video --help")]
    [InlineData(new[] { "segment", "in", "--mask", "m.png", "--out", "o", "--no-such-option" }, "--no-such-option", "edgesam-video segment --help")]
    public async Task ParseErrors_AreOneLine_ExitTwo(string[] args, string names, string usage)
    {
        var (code, output, error) = await CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(names, lines[0]);
        Assert.Contains($"see '{usage}'", lines[0]);
    }

    [Fact]
    public async Task NoArguments_ShowTheOverview()
    {
        var (code, output, error) = await CliRunner.Run();
        Assert.Equal(0, code);
        Assert.Contains("segment", output);
        Assert.Equal("", error);
    }
}
