using System.Text;
using EdgeSam.Video.Media;

namespace EdgeSam.Video.Export;

/// <summary>
/// COCO run-length encoding of a binary mask, as pycocotools stores it (<c>{"size": [h, w], "counts": "..."}</c>).
/// Runs alternate 0, 1, 0, ... over the pixels in column-major order (x outer, y inner), the first run counting
/// zeros (0 long when the top-left pixel is set). The compressed counts string writes run i as a signed number: the
/// run itself for i &lt;= 2, else its difference from run i - 2 (runs two apart have the same colour and are often
/// close); each number is cut into 5-bit groups, least significant first, each group's 0x20 bit set while more
/// follow (the last group's 0x10 bit is the sign, i.e. the number has ended when the rest is 0, or -1 for a negative
/// one), and every group is written as the character 48 + group.
/// </summary>
public static class CocoRle
{
    /// <summary>Column-major run lengths, the first counting zeros.</summary>
    public static List<int> Counts(Mask m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var counts = new List<int>();
        int w = m.Width, h = m.Height;
        byte current = 0;
        int run = 0;
        byte[] d = m.Data;
        for (int x = 0; x < w; x++)
            for (int y = 0; y < h; y++)
            {
                byte v = d[y * w + x] != 0 ? (byte)1 : (byte)0;
                if (v != current)
                {
                    counts.Add(run);
                    run = 0;
                    current = v;
                }
                run++;
            }
        counts.Add(run);
        return counts;
    }

    /// <summary>The compressed counts string of <paramref name="counts"/> (rules in the class summary).</summary>
    public static string Compress(IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var sb = new StringBuilder(counts.Count * 2);
        for (int i = 0; i < counts.Count; i++)
        {
            long x = counts[i];
            if (i > 2) x -= counts[i - 2];
            while (true)
            {
                int c = (int)(x & 0x1f);
                x >>= 5; // arithmetic: a negative number ends at -1
                bool more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                sb.Append((char)(c + 48));
                if (!more) break;
            }
        }
        return sb.ToString();
    }

    /// <summary>The compressed counts string of a mask.</summary>
    public static string Encode(Mask m) => Compress(Counts(m));

    /// <summary>Decodes a compressed counts string into a <paramref name="width"/> x <paramref name="height"/> mask
    /// (used by <c>--measure</c> to read an export back); malformed counts are a <see cref="FormatException"/>.</summary>
    public static Mask Decode(string counts, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var runs = new List<long>();
        int p = 0;
        while (p < counts.Length)
        {
            long x = 0;
            int k = 0, c;
            do
            {
                if (p >= counts.Length) throw new FormatException("RLE counts end inside a number");
                c = counts[p++] - 48;
                if (c is < 0 or > 63 || k > 12) throw new FormatException($"bad RLE character '{counts[p - 1]}'");
                x |= (long)(c & 0x1f) << (5 * k++);
            } while ((c & 0x20) != 0);
            if ((c & 0x10) != 0) x |= -1L << (5 * k);
            if (runs.Count > 2) x += runs[^2];
            runs.Add(x);
        }
        var m = new Mask(width, height);
        long total = (long)width * height, pos = 0;
        for (int i = 0; i < runs.Count; i++)
        {
            if (runs[i] < 0 || pos + runs[i] > total) throw new FormatException("RLE runs do not fit the mask size");
            if ((i & 1) == 1)
                for (long q = pos; q < pos + runs[i]; q++) m.Data[(int)(q % height) * width + (int)(q / height)] = 1;
            pos += runs[i];
        }
        if (pos != total) throw new FormatException($"RLE covers {pos} pixels, the mask has {total}");
        return m;
    }
}
