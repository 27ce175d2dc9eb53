namespace EdgeSam.Video.Media;

/// <summary>
/// PNG reading and writing for masks, label maps and mattes, in managed code (zlib via
/// <see cref="System.IO.Compression.ZLibStream"/>). Reads every standard colour type and bit depth, interlaced or not;
/// writes 8-bit palette (DAVIS colours), grey, RGB and RGBA. Errors in files are <see cref="EdgeSamException"/>s
/// naming the file.
/// </summary>
public static partial class PngCodec
{
    /// <summary>Largest PNG file read (bytes); larger files are refused before reading.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Decodes a PNG held in memory; <paramref name="source"/> names it in error messages.</summary>
    public static PngImage Decode(ReadOnlySpan<byte> data, string source) => PngDecoder.Decode(data, source);

    /// <summary>Reads and decodes a PNG file.</summary>
    public static PngImage Read(string path) => PngDecoder.Decode(ReadFile(path), path);

    /// <summary>
    /// Reads a label map (the rules are <see cref="ToLabels"/>'s).
    /// </summary>
    public static LabelMap ReadLabels(string path) => ToLabels(Read(path), path);

    /// <summary>
    /// Reads a binary mask: palette images are 1 where the index is nonzero, grey where the value is nonzero, RGB where
    /// the colour is not black. Images with an alpha channel that is not fully opaque everywhere are alpha mattes:
    /// 1 where alpha is at least half (<see cref="AlphaObjectThreshold"/>); fully opaque ones are read by colour.
    /// </summary>
    public static Mask ReadMask(string path) => ToMask(Read(path));

    /// <summary>
    /// Alpha (on the 8-bit scale; 16-bit alpha compares its high byte) from which a pixel of a matte belongs to the
    /// object: half coverage, so the anti-aliased rim of a painted shape splits as its coverage does.
    /// </summary>
    public const int AlphaObjectThreshold = 128;

    /// <summary>
    /// Largest object id a label map holds (<see cref="LabelMap"/> stores one byte per pixel; 255 is void).
    /// </summary>
    public const int MaxObjectId = 254;

    /// <summary>
    /// Share of the object pixels below which a colour of a colour mask is taken for the anti-aliased blend between
    /// shapes (or a shape and the background) rather than an object of its own.
    /// </summary>
    public const double MinObjectColourShare = 0.01;

    /// <summary>
    /// The label map of a decoded image:
    /// <list type="bullet">
    /// <item>palette: the indices (any bit depth);</item>
    /// <item>grey (1 to 16 bits): the value is the id, at full precision (a 16-bit 300 is id 300, not its high byte);
    /// 255 and 65535 (full white, the 0/255 binary masks of DAVIS 2016) read as <see cref="LabelMap.Void"/>; any other
    /// value above <see cref="MaxObjectId"/> is refused with one line rather than merged with another id;</item>
    /// <item>RGB, RGBA, grey+alpha: when an alpha channel is present and not fully opaque, the object is where alpha is
    /// at least <see cref="AlphaObjectThreshold"/> (whatever its colour: white-on-transparent, black-on-transparent);
    /// else the object is every non-black pixel. If every object pixel has an exact DAVIS palette colour, its palette
    /// index is its id (255 being void, as in palette files); otherwise each colour holding at least <see cref="MinObjectColourShare"/> of the object pixels
    /// is one object, numbered 1, 2, ... in order of first appearance (rows top to bottom), and the rarer colours
    /// (anti-aliased blends) join the nearest of those colours. 16-bit colour is compared on its high bytes; grey+alpha
    /// fully opaque reads as grey.</item>
    /// </list>
    /// <paramref name="source"/> names the file in errors.
    /// </summary>
    public static LabelMap ToLabels(PngImage img, string source)
    {
        ArgumentNullException.ThrowIfNull(img);
        int w = img.Width, h = img.Height, n = w * h;
        byte[] s = img.Samples;
        bool translucent = HasTranslucentAlpha(img);
        switch (img.ColorType)
        {
            case PngColorType.Palette:
            case PngColorType.Gray when img.BitDepth <= 8:
                return new LabelMap(w, h, s); // one byte per pixel already: wrap, no copy
            case PngColorType.Gray:
            case PngColorType.GrayAlpha when !translucent:
                return GreyLabels(img, source);
            default:
                return ColourLabels(img, translucent, source);
        }
    }

    /// <summary>Whether the image has an alpha channel with at least one pixel that is not fully opaque.</summary>
    private static bool HasTranslucentAlpha(PngImage img)
    {
        if (!img.HasAlpha) return false;
        byte[] s = img.Samples;
        int bps = img.BytesPerSample, step = img.Channels * bps, alpha = (img.Channels - 1) * bps;
        for (int p = alpha; p < s.Length; p += step)
            if (s[p] != 255 || (bps == 2 && s[p + 1] != 255)) return true;
        return false;
    }

    /// <summary>Grey values as ids at full precision (8-bit grey+alpha, or 16-bit grey with or without alpha).</summary>
    private static LabelMap GreyLabels(PngImage img, string source)
    {
        int w = img.Width, n = w * img.Height, bps = img.BytesPerSample, step = img.Channels * bps;
        int white = (1 << img.BitDepth) - 1;
        byte[] s = img.Samples;
        var d = new byte[n];
        for (int i = 0; i < n; i++)
        {
            int p = i * step;
            int v = bps == 2 ? (s[p] << 8) | s[p + 1] : s[p];
            if (v <= MaxObjectId) d[i] = (byte)v;
            else if (v == LabelMap.Void || v == white) d[i] = LabelMap.Void;
            else
                throw new EdgeSamException(
                    $"{source}: pixel ({i % w}, {i / w}) has label {v}, but object ids go up to {MaxObjectId} (and 255 or {white} for void); renumber the objects 1..{MaxObjectId}");
        }
        return new LabelMap(w, img.Height, d);
    }

    /// <summary>Colour (or translucent grey) masks: see <see cref="ToLabels"/>.</summary>
    private static LabelMap ColourLabels(PngImage img, bool translucent, string source)
    {
        int w = img.Width, n = w * img.Height, bps = img.BytesPerSample, step = img.Channels * bps;
        bool grey = img.ColorType is PngColorType.Gray or PngColorType.GrayAlpha;
        int alpha = (img.Channels - 1) * bps;
        byte[] s = img.Samples;
        // Packed 24-bit colour of each pixel, -1 where it is background.
        var colour = new int[n];
        var counts = new Dictionary<int, int>();
        var order = new List<int>(); // colours in order of first appearance
        int objectPixels = 0;
        for (int i = 0; i < n; i++)
        {
            int p = i * step;
            byte r = s[p], g = grey ? r : s[p + bps], b = grey ? r : s[p + 2 * bps];
            bool inside = translucent ? s[p + alpha] >= AlphaObjectThreshold : (r | g | b) != 0;
            if (!inside) { colour[i] = -1; continue; }
            int key = DavisPalette.Pack(r, g, b);
            colour[i] = key;
            objectPixels++;
            if (counts.TryGetValue(key, out int c)) counts[key] = c + 1;
            else { counts[key] = 1; order.Add(key); }
        }

        var ids = new Dictionary<int, byte>(counts.Count);
        bool palette = true;
        foreach (int key in order)
        {
            if (!DavisPalette.TryIndexOf((byte)(key >> 16), (byte)(key >> 8), (byte)key, out byte index) || index == 0)
            {
                palette = false;
                break;
            }
            ids[key] = index;
        }
        if (!palette)
        {
            ids.Clear();
            int min = Math.Max(1, (int)Math.Ceiling(objectPixels * MinObjectColourShare));
            var major = order.Where(k => counts[k] >= min).ToList();
            if (major.Count > MaxObjectId)
                throw new EdgeSamException(
                    $"{source}: {major.Count} distinct colours each cover at least {MinObjectColourShare:P0} of the mask, more than the {MaxObjectId} objects a mask may hold; paint each object in one flat colour");
            foreach (int key in order)
                ids[key] = (byte)(1 + Nearest(key, major));
        }

        var d = new byte[n];
        for (int i = 0; i < n; i++) d[i] = colour[i] < 0 ? (byte)0 : ids[colour[i]];
        return new LabelMap(w, img.Height, d);

        static int Nearest(int key, List<int> major)
        {
            int best = 0;
            long bestD = long.MaxValue;
            for (int j = 0; j < major.Count; j++)
            {
                int dr = ((key >> 16) & 255) - ((major[j] >> 16) & 255), dg = ((key >> 8) & 255) - ((major[j] >> 8) & 255), db = (key & 255) - (major[j] & 255);
                long dist = (long)dr * dr + dg * dg + db * db;
                if (dist < bestD) { bestD = dist; best = j; }
            }
            return best;
        }
    }

    /// <summary>The binary mask of a decoded image (rules of <see cref="ReadMask"/>).</summary>
    public static Mask ToMask(PngImage img)
    {
        ArgumentNullException.ThrowIfNull(img);
        int w = img.Width, h = img.Height, n = w * h;
        byte[] s = img.Samples;
        int ch = img.Channels, bps = img.BytesPerSample, step = ch * bps;
        if (bps == 1 && ch == 1)
            return new Mask(w, h, s); // palette index / grey level; the constructor maps nonzero to 1 in place

        var d = new byte[n];
        if (HasTranslucentAlpha(img))
        {
            int alpha = (ch - 1) * bps;
            for (int i = 0; i < n; i++)
                d[i] = s[i * step + alpha] >= AlphaObjectThreshold ? (byte)1 : (byte)0;
            return new Mask(w, h, d);
        }
        int colourBytes = (img.HasAlpha ? ch - 1 : ch) * bps;
        for (int i = 0; i < n; i++)
        {
            int p = i * step, any = 0;
            for (int k = 0; k < colourBytes; k++) any |= s[p + k];
            d[i] = (byte)any;
        }
        return new Mask(w, h, d);
    }

    internal static byte[] ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new EdgeSamException($"{path}: PNG file not found; check the path");
            if (info.Length > MaxFileBytes)
                throw new EdgeSamException($"{path}: PNG file of {info.Length >> 20} MB exceeds the {MaxFileBytes >> 20} MB limit");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeSamException($"{path}: cannot read the PNG file ({e.Message.TrimEnd('.')}); check the path and its permissions", e);
        }
    }
}
