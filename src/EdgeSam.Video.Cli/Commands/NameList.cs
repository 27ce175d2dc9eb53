namespace EdgeSam.Video.Cli.Commands;

/// <summary>
/// Comma-separated name lists (<c>--sequences a,b</c>, <c>--tracker lk,xfeat</c>): options given once with commas or
/// several times, blanks and empty entries dropped.
/// </summary>
internal static class NameList
{
    public static string[] Split(params IEnumerable<string?>? values) =>
        [.. (values ?? []).OfType<string>().SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    /// <summary>As <see cref="Split"/>, but null when the option was not given at all.</summary>
    public static string[]? SplitOrNull(string? value) => value is null ? null : Split(value);
}
