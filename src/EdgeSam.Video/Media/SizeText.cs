using System.Globalization;

namespace EdgeSam.Video.Media;

/// <summary>Parses image sizes written <c>WxH</c> (e.g. <c>854x480</c>), as command lines and model metadata give them.</summary>
public static class SizeText
{
    /// <summary>Width and height of <c>WxH</c> (case-insensitive x, surrounding blanks allowed), both positive; null
    /// when <paramref name="text"/> is not of that form.</summary>
    public static (int Width, int Height)? TryParse(string? text)
    {
        if (text is null) return null;
        string[] parts = text.Trim().ToLowerInvariant().Split('x');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && w > 0 && h > 0 ? (w, h) : null;
    }
}
