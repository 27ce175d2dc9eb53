using EdgeSam.Video.Trackers.Lk;

namespace EdgeSam.Video.Cli.Commands;

/// <summary>Parsing of the LK tracker options shared by <c>track-bench</c> and the pipeline commands.</summary>
internal static class TrackerOptionParsing
{
    public const string LostMotionHelp = "lk/xfeat: how points LK lost are carried: group (the kept points' similarity motion) or dense-flow (coarse dense optical flow at the point). Default: the tracker's own.";

    public static LostPointMotion? LostMotion(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "group" => LostPointMotion.Group,
        "dense-flow" or "dense" => LostPointMotion.DenseFlow,
        _ => throw new EdgeSamException($"unknown --lost-motion '{value}'; use group or dense-flow"),
    };

    public static bool? OnOff(string? value, string option) => value?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => throw new EdgeSamException($"{option} '{value}' is not on or off; give {option} on or {option} off"),
    };
}
