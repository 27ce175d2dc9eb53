using EdgeSam.Video.Media;

namespace EdgeSam.Video.Evaluation;

/// <summary>
/// A 3x5 pixel upper-case bitmap font (digits, A-Z, "-_.&amp;: "), enough to label raster plots without a font
/// library. Lower-case input is drawn upper-case; anything else as '?'.
/// </summary>
internal static class TinyFont
{
    public const int GlyphWidth = 3, GlyphHeight = 5, Advance = 4;

    // Five rows of three bits per glyph, the leftmost pixel in the high bit.
    private static readonly Dictionary<char, byte[]> Glyphs = new()
    {
        ['0'] = [7, 5, 5, 5, 7], ['1'] = [2, 6, 2, 2, 7], ['2'] = [7, 1, 7, 4, 7], ['3'] = [7, 1, 7, 1, 7],
        ['4'] = [5, 5, 7, 1, 1], ['5'] = [7, 4, 7, 1, 7], ['6'] = [7, 4, 7, 5, 7], ['7'] = [7, 1, 1, 1, 1],
        ['8'] = [7, 5, 7, 5, 7], ['9'] = [7, 5, 7, 1, 7],
        ['A'] = [2, 5, 7, 5, 5], ['B'] = [6, 5, 6, 5, 6], ['C'] = [3, 4, 4, 4, 3], ['D'] = [6, 5, 5, 5, 6],
        ['E'] = [7, 4, 6, 4, 7], ['F'] = [7, 4, 6, 4, 4], ['G'] = [3, 4, 5, 5, 3], ['H'] = [5, 5, 7, 5, 5],
        ['I'] = [7, 2, 2, 2, 7], ['J'] = [1, 1, 1, 5, 2], ['K'] = [5, 5, 6, 5, 5], ['L'] = [4, 4, 4, 4, 7],
        ['M'] = [5, 7, 7, 5, 5], ['N'] = [6, 5, 5, 5, 5], ['O'] = [2, 5, 5, 5, 2], ['P'] = [6, 5, 6, 4, 4],
        ['Q'] = [2, 5, 5, 6, 3], ['R'] = [6, 5, 6, 5, 5], ['S'] = [3, 4, 2, 1, 6], ['T'] = [7, 2, 2, 2, 2],
        ['U'] = [5, 5, 5, 5, 7], ['V'] = [5, 5, 5, 5, 2], ['W'] = [5, 5, 7, 7, 5], ['X'] = [5, 5, 2, 5, 5],
        ['Y'] = [5, 5, 2, 2, 2], ['Z'] = [7, 1, 2, 4, 7],
        ['-'] = [0, 0, 7, 0, 0], ['_'] = [0, 0, 0, 0, 7], ['.'] = [0, 0, 0, 0, 2], ['&'] = [2, 5, 2, 5, 3],
        [':'] = [0, 2, 0, 2, 0], [' '] = [0, 0, 0, 0, 0], ['?'] = [7, 1, 2, 0, 2],
    };

    /// <summary>Draws <paramref name="text"/> with its top-left at (x, y), each font pixel a scale x scale block;
    /// <paramref name="vertical"/> turns it 90° clockwise (reads top to bottom).</summary>
    public static void Draw(RgbImage img, int x, int y, string text, int scale, (byte R, byte G, byte B) colour, bool vertical = false)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = char.ToUpperInvariant(text[i]);
            byte[] rows = Glyphs.TryGetValue(c, out var g) ? g : Glyphs['?'];
            for (int gy = 0; gy < GlyphHeight; gy++)
                for (int gx = 0; gx < GlyphWidth; gx++)
                {
                    if ((rows[gy] & (4 >> gx)) == 0) continue;
                    int px = vertical ? x + (GlyphHeight - 1 - gy) * scale : x + (i * Advance + gx) * scale;
                    int py = vertical ? y + (i * Advance + gx) * scale : y + gy * scale;
                    Fill(img, px, py, scale, colour);
                }
        }
    }

    private static void Fill(RgbImage img, int x0, int y0, int size, (byte R, byte G, byte B) c)
    {
        for (int y = Math.Max(0, y0); y < Math.Min(img.Height, y0 + size); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(img.Width, x0 + size); x++)
            {
                int i = (y * img.Width + x) * 3;
                img.Pixels[i] = c.R;
                img.Pixels[i + 1] = c.G;
                img.Pixels[i + 2] = c.B;
            }
    }
}
