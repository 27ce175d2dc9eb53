using System.Globalization;
using System.Text;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Evaluation;

/// <summary>
/// Bar chart of per-object J-Mean and F-Mean (one group per <c>&lt;seq&gt;_&lt;id&gt;</c>), as SVG with text labels or as an
/// RGB raster (bars, axes, 0.1 grid lines, labels in a built-in 3x5 bitmap font) for PNG output.
/// </summary>
public static class DavisScorePlot
{
    private const int BarWidth = 14, GroupGap = 12, PlotHeight = 300, Left = 50, Top = 30, Bottom = 150, Right = 20;
    private static readonly (byte R, byte G, byte B) JColour = (0x1f, 0x77, 0xb4), FColour = (0xff, 0x7f, 0x0e);

    private static int Width(int groups) => Left + Right + Math.Max(1, groups) * (2 * BarWidth + GroupGap);
    private static int Height => Top + PlotHeight + Bottom;

    /// <summary>Writes SVG or PNG by the extension of <paramref name="path"/> (.svg or .png), atomically.</summary>
    public static void Write(DavisEvaluation evaluation, string path)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".svg")
            EvalFiles.WriteAtomic(path, Encoding.UTF8.GetBytes(ToSvg(evaluation)));
        else if (ext == ".png")
        {
            PngCodec.WriteRgb(path, Rasterize(evaluation));
        }
        else
            throw new EdgeSamException($"plot file {path} must end in .svg or .png.");
    }

    /// <summary>An SVG document: grouped J/F bars per object with the object key under each group and a 0..1 axis.</summary>
    public static string ToSvg(DavisEvaluation evaluation)
    {
        var objs = evaluation.Objects;
        int w = Width(objs.Count), h = Height;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.Append(inv, $"<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n");
        sb.Append(inv, $"<text x=\"{Left}\" y=\"18\" font-size=\"13\">DAVIS J&amp;F-Mean {Fmt(evaluation.Global.JFMean)} (J {Fmt(evaluation.Global.JMean)}, F {Fmt(evaluation.Global.FMean)})</text>\n");
        for (int t = 0; t <= 10; t++)
        {
            double y = Top + PlotHeight * (1 - t / 10.0);
            sb.Append(inv, $"<line x1=\"{Left}\" y1=\"{y:0.##}\" x2=\"{w - Right}\" y2=\"{y:0.##}\" stroke=\"{(t == 0 ? "black" : "#dddddd")}\"/>\n");
            sb.Append(inv, $"<text x=\"{Left - 6}\" y=\"{y + 4:0.##}\" text-anchor=\"end\">{t / 10.0:0.0}</text>\n");
        }
        for (int i = 0; i < objs.Count; i++)
        {
            var o = objs[i];
            int x = Left + GroupGap / 2 + i * (2 * BarWidth + GroupGap);
            Bar(sb, x, o.JStatistics.Mean, JColour, $"{o.Key} J-Mean {Fmt(o.JStatistics.Mean)}");
            Bar(sb, x + BarWidth, o.FStatistics.Mean, FColour, $"{o.Key} F-Mean {Fmt(o.FStatistics.Mean)}");
            double lx = x + BarWidth, ly = Top + PlotHeight + 8;
            sb.Append(inv, $"<text x=\"{lx:0.##}\" y=\"{ly:0.##}\" transform=\"rotate(60 {lx:0.##} {ly:0.##})\">{Escape(o.Key)}</text>\n");
        }
        int legendY = h - 12;
        sb.Append(inv, $"<rect x=\"{Left}\" y=\"{legendY - 9}\" width=\"10\" height=\"10\" fill=\"{Hex(JColour)}\"/><text x=\"{Left + 14}\" y=\"{legendY}\">J-Mean</text>\n");
        sb.Append(inv, $"<rect x=\"{Left + 80}\" y=\"{legendY - 9}\" width=\"10\" height=\"10\" fill=\"{Hex(FColour)}\"/><text x=\"{Left + 94}\" y=\"{legendY}\">F-Mean</text>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>The same chart as an RGB image: white ground, grey 0.1 grid lines, black axis, J (blue) and F (orange)
    /// bars, tick values, the object keys (vertical) and the global line, in <see cref="TinyFont"/>.</summary>
    public static RgbImage Rasterize(DavisEvaluation evaluation)
    {
        var objs = evaluation.Objects;
        int w = Width(objs.Count), h = Height;
        var img = new RgbImage(w, h);
        img.Pixels.AsSpan().Fill(255);
        for (int t = 1; t <= 10; t++)
            FillRect(img, Left, Top + (int)Math.Round(PlotHeight * (1 - t / 10.0)), w - Right - Left, 1, (0xdd, 0xdd, 0xdd));
        for (int i = 0; i < objs.Count; i++)
        {
            int x = Left + GroupGap / 2 + i * (2 * BarWidth + GroupGap);
            RasterBar(img, x, objs[i].JStatistics.Mean, JColour);
            RasterBar(img, x + BarWidth, objs[i].FStatistics.Mean, FColour);
        }
        FillRect(img, Left, Top + PlotHeight, w - Right - Left, 1, (0, 0, 0));
        FillRect(img, Left - 1, Top, 1, PlotHeight + 1, (0, 0, 0));
        (byte, byte, byte) black = (0, 0, 0);
        for (int t = 0; t <= 10; t++)
        {
            string label = (t / 10.0).ToString("0.0", CultureInfo.InvariantCulture);
            int y = Top + (int)Math.Round(PlotHeight * (1 - t / 10.0)) - TinyFont.GlyphHeight;
            TinyFont.Draw(img, Left - 6 - label.Length * TinyFont.Advance * 2, y, label, 2, black);
        }
        for (int i = 0; i < objs.Count; i++)
        {
            int x = Left + GroupGap / 2 + i * (2 * BarWidth + GroupGap) + BarWidth - TinyFont.GlyphHeight;
            TinyFont.Draw(img, x, Top + PlotHeight + 6, objs[i].Key, 2, black, vertical: true);
        }
        var g = evaluation.Global;
        TinyFont.Draw(img, Left, 8, $"J&F {Fmt(g.JFMean)}  J {Fmt(g.JMean)}  F {Fmt(g.FMean)}", 2, black);
        FillRect(img, Left, h - 18, 10, 10, JColour);
        TinyFont.Draw(img, Left + 14, h - 18, "J", 2, black);
        FillRect(img, Left + 40, h - 18, 10, 10, FColour);
        TinyFont.Draw(img, Left + 54, h - 18, "F", 2, black);
        return img;
    }

    private static double Clamp01(double v) => double.IsNaN(v) ? 0 : Math.Clamp(v, 0, 1);

    private static void Bar(StringBuilder sb, int x, double v, (byte R, byte G, byte B) c, string title)
    {
        double bh = PlotHeight * Clamp01(v);
        sb.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{x}\" y=\"{Top + PlotHeight - bh:0.##}\" width=\"{BarWidth - 2}\" height=\"{bh:0.##}\" fill=\"{Hex(c)}\"><title>{Escape(title)}</title></rect>\n");
    }

    private static void RasterBar(RgbImage img, int x, double v, (byte R, byte G, byte B) c)
    {
        int bh = (int)Math.Round(PlotHeight * Clamp01(v));
        FillRect(img, x, Top + PlotHeight - bh, BarWidth - 2, bh, c);
    }

    private static void FillRect(RgbImage img, int x0, int y0, int w, int h, (byte R, byte G, byte B) c)
    {
        for (int y = Math.Max(0, y0); y < Math.Min(img.Height, y0 + h); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(img.Width, x0 + w); x++)
            {
                int i = (y * img.Width + x) * 3;
                img.Pixels[i] = c.R;
                img.Pixels[i + 1] = c.G;
                img.Pixels[i + 2] = c.B;
            }
    }

    private static string Fmt(double v) => double.IsNaN(v) ? "nan" : v.ToString("0.000", CultureInfo.InvariantCulture);
    private static string Hex((byte R, byte G, byte B) c) => $"#{c.R:x2}{c.G:x2}{c.B:x2}";
    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
