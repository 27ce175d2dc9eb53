using System.Buffers.Binary;

namespace EdgeSam.Video.Media.Jpeg;

/// <summary>
/// Managed decoder for sequential (baseline / extended, Huffman, 8-bit) JPEG — the kind DAVIS and YouTube-VOS ship —
/// whose arithmetic follows libjpeg(-turbo)'s defaults: the accurate integer IDCT ("islow", 13-bit constants, 2 extra
/// bits in the first pass), "fancy" triangular chroma upsampling with edge replication, and the table-driven 16-bit
/// fixed-point YCbCr->RGB conversion. Python pipelines (Pillow, OpenCV) decode with libjpeg-turbo, so frames decoded here
/// are bit-identical to what the EdgeSAM and DAVIS reference code saw; ffmpeg's decoder differs by up to ~30 levels.
/// Progressive, arithmetic-coded, 12-bit and unusual sampling factors raise <see cref="JpegUnsupportedException"/> so the
/// caller can fall back to ffmpeg. Malformed data raises <see cref="EdgeSamException"/>.
/// </summary>
public static class JpegDecoder
{
    /// <summary>Decodes a JPEG file's bytes to RGB. <paramref name="source"/> names the file in error messages.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> data, string source = "<jpeg>")
    {
        var d = new Decoder(source);
        return d.Run(data);
    }

    /// <summary>Reads and decodes a file.</summary>
    public static RgbImage Decode(string path) => Decode(File.ReadAllBytes(path), path);

    private sealed class Component
    {
        public int Id, H, V, Tq, Td, Ta;
        public int BlocksW, BlocksH;   // blocks per line / column, padded to whole MCUs
        public int Width, Height;      // downsampled size: ceil(image * samp / max)
        public byte[] Plane = [];      // BlocksW*8 x BlocksH*8 samples
        public int Stride;
        public int Pred;
    }

    /// <summary>Canonical Huffman table with a 9-bit fast lookup and the JPEG F.2.2.3 slow path.</summary>
    private sealed class Huffman
    {
        public readonly byte[] Values = new byte[256];
        public readonly int[] MaxCode = new int[18];
        public readonly int[] ValPtr = new int[17];
        public readonly int[] MinCode = new int[17];
        public const int FastBits = 9;
        public readonly short[] Fast = new short[1 << FastBits]; // (length << 8) | value, 0 = miss

        public void Build(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values, string source)
        {
            int total = 0;
            for (int i = 0; i < 16; i++) total += counts[i];
            if (total > 256 || total > values.Length) throw Bad(source, "Huffman table has more than 256 symbols");
            values[..total].CopyTo(Values);
            Array.Clear(Fast);
            int code = 0, k = 0;
            for (int len = 1; len <= 16; len++)
            {
                ValPtr[len] = k;
                MinCode[len] = code;
                int n = counts[len - 1];
                if (code + n > (1 << len)) throw Bad(source, "Huffman table code lengths are inconsistent");
                for (int i = 0; i < n; i++, k++, code++)
                {
                    if (len <= FastBits)
                    {
                        int shift = FastBits - len, start = code << shift;
                        for (int j = 0; j < (1 << shift); j++) Fast[start + j] = (short)((len << 8) | Values[k]);
                    }
                }
                MaxCode[len] = n > 0 ? code - 1 : -1;
                code <<= 1;
            }
            MaxCode[17] = int.MaxValue;
        }
    }

    private ref struct BitReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _pos;
        private ulong _acc;
        private int _bits;
        public bool HitMarker;

        public BitReader(ReadOnlySpan<byte> data, int pos) { _data = data; _pos = pos; _acc = 0; _bits = 0; HitMarker = false; }
        public int Position => _pos;

        private void Fill()
        {
            while (_bits <= 56)
            {
                int b = 0;
                if (!HitMarker && _pos < _data.Length)
                {
                    b = _data[_pos];
                    if (b == 0xFF)
                    {
                        int next = _pos + 1 < _data.Length ? _data[_pos + 1] : 0xD9;
                        if (next == 0x00) _pos += 2;
                        else { HitMarker = true; b = 0; } // libjpeg feeds zero bits past a marker
                    }
                    else _pos++;
                }
                _acc |= (ulong)b << (56 - _bits);
                _bits += 8;
            }
        }

        public int Peek(int n) { if (_bits < n) Fill(); return (int)(_acc >> (64 - n)); }
        public void Skip(int n) { _acc <<= n; _bits -= n; }
        public int Get(int n) { if (n == 0) return 0; int v = Peek(n); Skip(n); return v; }

        /// <summary>Drops buffered bits and positions after the next RSTn marker.</summary>
        public void Restart(string source)
        {
            _acc = 0; _bits = 0; HitMarker = false;
            while (_pos + 1 < _data.Length && !(_data[_pos] == 0xFF && _data[_pos + 1] >= 0xD0 && _data[_pos + 1] <= 0xD7)) _pos++;
            if (_pos + 1 >= _data.Length) throw Bad(source, "restart marker missing");
            _pos += 2;
        }

        public int Decode(Huffman h, string source)
        {
            int look = Peek(Huffman.FastBits);
            int f = h.Fast[look];
            if (f != 0) { Skip(f >> 8); return f & 0xFF; }
            int code = Peek(16);
            for (int len = Huffman.FastBits + 1; len <= 16; len++)
            {
                int c = code >> (16 - len);
                if (c <= h.MaxCode[len])
                {
                    Skip(len);
                    return h.Values[h.ValPtr[len] + c - h.MinCode[len]];
                }
            }
            throw Bad(source, "corrupt Huffman code in entropy-coded data");
        }

        /// <summary>JPEG's EXTEND: an s-bit magnitude category value to its signed value.</summary>
        public int Receive(int s)
        {
            if (s == 0) return 0;
            int v = Get(s);
            return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
        }
    }

    private static EdgeSamException Bad(string source, string what) =>
        new($"{source}: not a valid JPEG ({what}); re-encode the image or check the file is complete");

    private sealed class Decoder(string source)
    {
        private readonly ushort[][] _quant = new ushort[4][];
        private readonly Huffman?[] _dc = new Huffman?[4];
        private readonly Huffman?[] _ac = new Huffman?[4];
        private Component[] _comps = [];
        private int _width, _height, _restartInterval, _hmax, _vmax;
        private bool _frameSeen, _scanDone;

        private static readonly byte[] ZigZag =
        [
            0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
            28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
            54, 47, 55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
        ];

        public RgbImage Run(ReadOnlySpan<byte> data)
        {
            if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) throw Bad(source, "no SOI marker");
            int pos = 2;
            while (true)
            {
                while (pos < data.Length && data[pos] != 0xFF) pos++;       // tolerate fill bytes between segments
                while (pos < data.Length && data[pos] == 0xFF) pos++;
                if (pos >= data.Length) throw Bad(source, "ended before EOI");
                byte marker = data[pos++];
                if (marker == 0xD9) break;                                   // EOI
                if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue;        // stray RSTn / TEM carry no length
                if (pos + 2 > data.Length) throw Bad(source, "truncated segment header");
                int len = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
                if (len < 2 || pos + len > data.Length) throw Bad(source, $"segment 0xFF{marker:X2} runs past the end of the file");
                ReadOnlySpan<byte> seg = data.Slice(pos + 2, len - 2);
                pos += len;
                switch (marker)
                {
                    case 0xC0: case 0xC1: ReadFrame(seg); break;
                    case 0xC2: case 0xC6: case 0xCA: case 0xCE:
                        throw new JpegUnsupportedException($"{source}: progressive JPEG is not decoded by the managed decoder");
                    case 0xC3: case 0xC5: case 0xC7: case 0xC9: case 0xCB: case 0xCD: case 0xCF:
                        throw new JpegUnsupportedException($"{source}: lossless / hierarchical / arithmetic JPEG is not decoded by the managed decoder");
                    case 0xC4: ReadHuffman(seg); break;
                    case 0xDB: ReadQuant(seg); break;
                    case 0xDD:
                        if (seg.Length < 2) throw Bad(source, "short DRI segment");
                        _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(seg);
                        break;
                    case 0xDA:
                        if (_scanDone) throw new JpegUnsupportedException($"{source}: multi-scan JPEG is not decoded by the managed decoder");
                        pos = ReadScan(data, seg, pos);
                        _scanDone = true;
                        break;
                    default: break;                                           // APPn, COM, DNL...: skipped
                }
            }
            if (!_scanDone) throw Bad(source, "no image data (SOS) before EOI");
            return ToRgb();
        }

        private void ReadQuant(ReadOnlySpan<byte> seg)
        {
            int p = 0;
            while (p < seg.Length)
            {
                int pq = seg[p] >> 4, tq = seg[p] & 15;
                p++;
                if (tq > 3 || pq > 1) throw Bad(source, "bad quantisation table id or precision");
                int need = pq == 0 ? 64 : 128;
                if (p + need > seg.Length) throw Bad(source, "truncated quantisation table");
                var q = new ushort[64];
                for (int i = 0; i < 64; i++) q[ZigZag[i]] = pq == 0 ? seg[p + i] : BinaryPrimitives.ReadUInt16BigEndian(seg[(p + 2 * i)..]);
                _quant[tq] = q;
                p += need;
            }
        }

        private void ReadHuffman(ReadOnlySpan<byte> seg)
        {
            int p = 0;
            while (p < seg.Length)
            {
                if (p + 17 > seg.Length) throw Bad(source, "truncated Huffman table");
                int tc = seg[p] >> 4, th = seg[p] & 15;
                if (tc > 1 || th > 3) throw Bad(source, "bad Huffman table class or id");
                ReadOnlySpan<byte> counts = seg.Slice(p + 1, 16);
                int total = 0;
                foreach (byte c in counts) total += c;
                if (p + 17 + total > seg.Length) throw Bad(source, "truncated Huffman table");
                var h = new Huffman();
                h.Build(counts, seg.Slice(p + 17, total), source);
                (tc == 0 ? _dc : _ac)[th] = h;
                p += 17 + total;
            }
        }

        private void ReadFrame(ReadOnlySpan<byte> seg)
        {
            if (_frameSeen) throw Bad(source, "two frame headers");
            if (seg.Length < 6) throw Bad(source, "short frame header");
            if (seg[0] != 8) throw new JpegUnsupportedException($"{source}: {seg[0]}-bit JPEG is not decoded by the managed decoder");
            _height = BinaryPrimitives.ReadUInt16BigEndian(seg[1..]);
            _width = BinaryPrimitives.ReadUInt16BigEndian(seg[3..]);
            int nc = seg[5];
            if (_width == 0 || _height == 0) throw new JpegUnsupportedException($"{source}: JPEG without a height in its header (DNL)");
            if (nc != 1 && nc != 3) throw new JpegUnsupportedException($"{source}: {nc}-component JPEG is not decoded by the managed decoder");
            if (seg.Length < 6 + 3 * nc) throw Bad(source, "short frame header");
            _comps = new Component[nc];
            for (int i = 0; i < nc; i++)
            {
                var c = new Component { Id = seg[6 + 3 * i], H = seg[7 + 3 * i] >> 4, V = seg[7 + 3 * i] & 15, Tq = seg[8 + 3 * i] };
                if (c.H is < 1 or > 4 || c.V is < 1 or > 4 || c.Tq > 3) throw Bad(source, "bad sampling factor or table id");
                _comps[i] = c;
            }
            _hmax = _comps.Max(c => c.H);
            _vmax = _comps.Max(c => c.V);
            int mcusX = (_width + 8 * _hmax - 1) / (8 * _hmax), mcusY = (_height + 8 * _vmax - 1) / (8 * _vmax);
            long total = 0;
            foreach (Component c in _comps)
            {
                if (_hmax % c.H != 0 || _vmax % c.V != 0)
                    throw new JpegUnsupportedException($"{source}: sampling factors {c.H}x{c.V} of {_hmax}x{_vmax} are not decoded by the managed decoder");
                c.Width = (_width * c.H + _hmax - 1) / _hmax;
                c.Height = (_height * c.V + _vmax - 1) / _vmax;
                c.BlocksW = mcusX * c.H;
                c.BlocksH = mcusY * c.V;
                c.Stride = c.BlocksW * 8;
                total += (long)c.Stride * c.BlocksH * 8;
            }
            if (total > 512L * 1024 * 1024) throw Bad(source, $"image {_width}x{_height} is too large");
            foreach (Component c in _comps) c.Plane = new byte[c.Stride * c.BlocksH * 8];
            _frameSeen = true;
        }

        private int ReadScan(ReadOnlySpan<byte> data, ReadOnlySpan<byte> seg, int pos)
        {
            if (!_frameSeen) throw Bad(source, "scan before frame header");
            int ns = seg.Length > 0 ? seg[0] : 0;
            if (ns != _comps.Length || seg.Length < 1 + 2 * ns + 3)
                throw new JpegUnsupportedException($"{source}: non-interleaved scans are not decoded by the managed decoder");
            var order = new Component[ns];
            for (int i = 0; i < ns; i++)
            {
                int id = seg[1 + 2 * i];
                Component c = _comps.FirstOrDefault(x => x.Id == id) ?? throw Bad(source, $"scan names unknown component {id}");
                c.Td = seg[2 + 2 * i] >> 4;
                c.Ta = seg[2 + 2 * i] & 15;
                if (c.Td > 3 || c.Ta > 3 || _dc[c.Td] is null || _ac[c.Ta] is null) throw Bad(source, "scan uses an undefined Huffman table");
                if (_quant[c.Tq] is null) throw Bad(source, "component uses an undefined quantisation table");
                c.Pred = 0;
                order[i] = c;
            }
            int ss = seg[1 + 2 * ns], se = seg[2 + 2 * ns];
            if (ss != 0 || se != 63) throw Bad(source, "spectral selection in a sequential scan");

            int mcusX = (_width + 8 * _hmax - 1) / (8 * _hmax), mcusY = (_height + 8 * _vmax - 1) / (8 * _vmax);
            if (ns == 1)
            {
                // A single-component scan is not interleaved: it walks the component's own blocks, not whole MCUs.
                Component c = order[0];
                mcusX = (c.Width + 7) / 8;
                mcusY = (c.Height + 7) / 8;
            }
            var reader = new BitReader(data, pos);
            Span<short> coef = stackalloc short[64];
            Span<int> work = stackalloc int[64];
            int restartsLeft = _restartInterval;
            for (int my = 0; my < mcusY; my++)
            {
                for (int mx = 0; mx < mcusX; mx++)
                {
                    if (_restartInterval > 0)
                    {
                        if (restartsLeft == 0)
                        {
                            reader.Restart(source);
                            foreach (Component c in order) c.Pred = 0;
                            restartsLeft = _restartInterval;
                        }
                        restartsLeft--;
                    }
                    foreach (Component c in order)
                    {
                        int bh = ns == 1 ? 1 : c.H, bv = ns == 1 ? 1 : c.V;
                        for (int by = 0; by < bv; by++)
                            for (int bx = 0; bx < bh; bx++)
                            {
                                DecodeBlock(ref reader, c, coef);
                                int x0 = (mx * bh + bx) * 8, y0 = (my * bv + by) * 8;
                                Idct.InverseIslow(coef, _quant[c.Tq]!, work, c.Plane.AsSpan(y0 * c.Stride + x0), c.Stride);
                            }
                    }
                }
            }
            // Continue after the entropy-coded data: the next marker that is not a stuffed byte or RSTn.
            int p = Math.Max(pos, reader.Position - 1);
            while (p + 1 < data.Length && !(data[p] == 0xFF && data[p + 1] != 0x00 && (data[p + 1] < 0xD0 || data[p + 1] > 0xD7))) p++;
            return p;
        }

        private void DecodeBlock(ref BitReader r, Component c, scoped Span<short> coef)
        {
            coef.Clear();
            int t = r.Decode(_dc[c.Td]!, source);
            if (t > 11) throw Bad(source, "DC difference category out of range");
            c.Pred += r.Receive(t);
            coef[0] = (short)c.Pred;
            Huffman ac = _ac[c.Ta]!;
            for (int k = 1; k < 64;)
            {
                int rs = r.Decode(ac, source);
                int run = rs >> 4, s = rs & 15;
                if (s == 0)
                {
                    if (run != 15) break;   // EOB
                    k += 16;                // ZRL
                    continue;
                }
                k += run;
                if (k > 63) throw Bad(source, "AC coefficient index past 63");
                coef[ZigZag[k]] = (short)r.Receive(s);
                k++;
            }
        }

        private RgbImage ToRgb()
        {
            var img = new RgbImage(_width, _height);
            if (_comps.Length == 1)
            {
                Component g = _comps[0];
                for (int y = 0; y < _height; y++)
                {
                    ReadOnlySpan<byte> src = g.Plane.AsSpan(y * g.Stride, _width);
                    Span<byte> dst = img.Row(y);
                    for (int x = 0; x < _width; x++) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
                }
                return img;
            }
            byte[][] full = new byte[3][];
            for (int i = 0; i < 3; i++) full[i] = Upsample.ToFull(_comps[i], _width, _height, _hmax, _vmax, source);
            // libjpeg takes component ids 'R','G','B' (no Adobe/JFIF transform) as RGB already; otherwise YCbCr.
            if (_comps[0].Id == 'R' && _comps[1].Id == 'G' && _comps[2].Id == 'B')
                for (int i = 0, o = 0; i < full[0].Length; i++, o += 3)
                {
                    img.Pixels[o] = full[0][i]; img.Pixels[o + 1] = full[1][i]; img.Pixels[o + 2] = full[2][i];
                }
            else
                ColorConvert.YccToRgb(full[0], full[1], full[2], img.Pixels);
            return img;
        }

        private static class Upsample
        {
            /// <summary>
            /// Brings a component to full resolution as libjpeg's default ("fancy") upsampling does: 2x horizontal and
            /// 2x2 use triangle filters (3/4 nearer, 1/4 farther sample) with libjpeg's alternating rounding biases
            /// and edge replication; 1x is a copy; other integer ratios replicate samples (libjpeg's int_upsample).
            /// </summary>
            public static byte[] ToFull(Component c, int width, int height, int hmax, int vmax, string source)
            {
                int fx = hmax / c.H, fy = vmax / c.V;
                var outp = new byte[width * height];
                int cw = c.Width, ch = c.Height;
                byte[] p = c.Plane;
                int stride = c.Stride;
                if (fx == 1 && fy == 1)
                {
                    for (int y = 0; y < height; y++) p.AsSpan(y * stride, width).CopyTo(outp.AsSpan(y * width));
                    return outp;
                }
                int ow = cw * fx;                 // libjpeg upsamples the whole downsampled width, then crops
                var row = new byte[ow + 2];
                if (fx == 2 && fy == 1)
                {
                    for (int y = 0; y < height; y++)
                    {
                        H2V1(p.AsSpan(y * stride, cw), row);
                        row.AsSpan(0, width).CopyTo(outp.AsSpan(y * width));
                    }
                    return outp;
                }
                if (fx == 2 && fy == 2)
                {
                    var sums = new int[cw];
                    for (int y = 0; y < height; y++)
                    {
                        int sy = y >> 1;
                        // Output row 2k uses source row k-1 as its far neighbour, row 2k+1 uses k+1 (replicated at edges).
                        int ny = (y & 1) == 0 ? Math.Max(sy - 1, 0) : Math.Min(sy + 1, ch - 1);
                        ReadOnlySpan<byte> near = p.AsSpan(sy * stride, cw), far = p.AsSpan(ny * stride, cw);
                        for (int x = 0; x < cw; x++) sums[x] = near[x] * 3 + far[x];
                        H2V2Row(sums, row);
                        row.AsSpan(0, width).CopyTo(outp.AsSpan(y * width));
                    }
                    return outp;
                }
                if (fx == 1 && fy == 2)
                {
                    for (int y = 0; y < height; y++)
                    {
                        int sy = y >> 1;
                        int ny = (y & 1) == 0 ? Math.Max(sy - 1, 0) : Math.Min(sy + 1, ch - 1);
                        ReadOnlySpan<byte> near = p.AsSpan(sy * stride, cw), far = p.AsSpan(ny * stride, cw);
                        int bias = (y & 1) == 0 ? 1 : 2;
                        Span<byte> o = outp.AsSpan(y * width, width);
                        for (int x = 0; x < width; x++) o[x] = (byte)((near[x] * 3 + far[x] + bias) >> 2);
                    }
                    return outp;
                }
                // Plain replication for the rare ratios libjpeg has no fancy filter for.
                for (int y = 0; y < height; y++)
                {
                    ReadOnlySpan<byte> src = p.AsSpan((y / fy) * stride, cw);
                    Span<byte> o = outp.AsSpan(y * width, width);
                    for (int x = 0; x < width; x++) o[x] = src[x / fx];
                }
                return outp;
            }

            private static void H2V1(ReadOnlySpan<byte> s, Span<byte> o)
            {
                int n = s.Length;
                if (n == 1) { o[0] = o[1] = s[0]; return; }
                o[0] = s[0];
                o[1] = (byte)((s[0] * 3 + s[1] + 2) >> 2);
                for (int i = 1; i < n - 1; i++)
                {
                    int v = s[i] * 3;
                    o[2 * i] = (byte)((v + s[i - 1] + 1) >> 2);
                    o[2 * i + 1] = (byte)((v + s[i + 1] + 2) >> 2);
                }
                o[2 * n - 2] = (byte)((s[n - 1] * 3 + s[n - 2] + 1) >> 2);
                o[2 * n - 1] = s[n - 1];
            }

            /// <summary>Horizontal half of h2v2 fancy upsampling over column sums (3*near + far), result / 16.</summary>
            private static void H2V2Row(ReadOnlySpan<int> s, Span<byte> o)
            {
                int n = s.Length;
                if (n == 1) { o[0] = (byte)((s[0] * 4 + 8) >> 4); o[1] = (byte)((s[0] * 4 + 7) >> 4); return; }
                o[0] = (byte)((s[0] * 4 + 8) >> 4);
                o[1] = (byte)((s[0] * 3 + s[1] + 7) >> 4);
                for (int i = 1; i < n - 1; i++)
                {
                    int v = s[i] * 3;
                    o[2 * i] = (byte)((v + s[i - 1] + 8) >> 4);
                    o[2 * i + 1] = (byte)((v + s[i + 1] + 7) >> 4);
                }
                o[2 * n - 2] = (byte)((s[n - 1] * 3 + s[n - 2] + 8) >> 4);
                o[2 * n - 1] = (byte)((s[n - 1] * 4 + 7) >> 4);
            }
        }
    }

    /// <summary>libjpeg's accurate integer inverse DCT (Loeffler–Ligtenberg–Moschytz, 13-bit constants).</summary>
    internal static class Idct
    {
        private const int ConstBits = 13, Pass1Bits = 2;
        private const int F0298 = 2446, F0390 = 3196, F0541 = 4433, F0765 = 6270, F0899 = 7373, F1175 = 9633,
            F1501 = 12299, F1847 = 15137, F1961 = 16069, F2053 = 16819, F2562 = 20995, F3072 = 25172;

        /// <summary>Post-IDCT range limit: value + 128 clamped to 0..255 for |value| &lt; 512, with libjpeg's wrap beyond.</summary>
        private static readonly byte[] Limit = BuildLimit();

        private static byte[] BuildLimit()
        {
            var t = new byte[1024];
            for (int i = 0; i < 1024; i++)
                t[i] = i < 128 ? (byte)(i + 128) : i < 512 ? (byte)255 : i < 896 ? (byte)0 : (byte)(i - 896);
            return t;
        }

        private static int Descale(int x, int n) => (x + (1 << (n - 1))) >> n;

        public static void InverseIslow(ReadOnlySpan<short> coef, ushort[] q, Span<int> ws, Span<byte> output, int stride)
        {
            for (int col = 0; col < 8; col++)
            {
                if (coef[8 + col] == 0 && coef[16 + col] == 0 && coef[24 + col] == 0 && coef[32 + col] == 0 &&
                    coef[40 + col] == 0 && coef[48 + col] == 0 && coef[56 + col] == 0)
                {
                    int dc = (coef[col] * q[col]) << Pass1Bits;
                    for (int r = 0; r < 8; r++) ws[r * 8 + col] = dc;
                    continue;
                }
                int z2 = coef[16 + col] * q[16 + col], z3 = coef[48 + col] * q[48 + col];
                int z1 = (z2 + z3) * F0541;
                int tmp2 = z1 + z3 * -F1847, tmp3 = z1 + z2 * F0765;
                z2 = coef[col] * q[col]; z3 = coef[32 + col] * q[32 + col];
                int tmp0 = (z2 + z3) << ConstBits, tmp1 = (z2 - z3) << ConstBits;
                int tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
                tmp0 = coef[56 + col] * q[56 + col]; tmp1 = coef[40 + col] * q[40 + col];
                tmp2 = coef[24 + col] * q[24 + col]; tmp3 = coef[8 + col] * q[8 + col];
                Odd(ref tmp0, ref tmp1, ref tmp2, ref tmp3);
                const int n1 = ConstBits - Pass1Bits;
                ws[col] = Descale(tmp10 + tmp3, n1); ws[56 + col] = Descale(tmp10 - tmp3, n1);
                ws[8 + col] = Descale(tmp11 + tmp2, n1); ws[48 + col] = Descale(tmp11 - tmp2, n1);
                ws[16 + col] = Descale(tmp12 + tmp1, n1); ws[40 + col] = Descale(tmp12 - tmp1, n1);
                ws[24 + col] = Descale(tmp13 + tmp0, n1); ws[32 + col] = Descale(tmp13 - tmp0, n1);
            }
            for (int row = 0; row < 8; row++)
            {
                Span<int> w = ws.Slice(row * 8, 8);
                Span<byte> o = output.Slice(row * stride, 8);
                if (w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0)
                {
                    byte v = Limit[Descale(w[0], Pass1Bits + 3) & 1023];
                    o.Fill(v);
                    continue;
                }
                int z2 = w[2], z3 = w[6];
                int z1 = (z2 + z3) * F0541;
                int tmp2 = z1 + z3 * -F1847, tmp3 = z1 + z2 * F0765;
                int tmp0 = (w[0] + w[4]) << ConstBits, tmp1 = (w[0] - w[4]) << ConstBits;
                int tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
                tmp0 = w[7]; tmp1 = w[5]; tmp2 = w[3]; tmp3 = w[1];
                Odd(ref tmp0, ref tmp1, ref tmp2, ref tmp3);
                const int n2 = ConstBits + Pass1Bits + 3;
                o[0] = Limit[Descale(tmp10 + tmp3, n2) & 1023]; o[7] = Limit[Descale(tmp10 - tmp3, n2) & 1023];
                o[1] = Limit[Descale(tmp11 + tmp2, n2) & 1023]; o[6] = Limit[Descale(tmp11 - tmp2, n2) & 1023];
                o[2] = Limit[Descale(tmp12 + tmp1, n2) & 1023]; o[5] = Limit[Descale(tmp12 - tmp1, n2) & 1023];
                o[3] = Limit[Descale(tmp13 + tmp0, n2) & 1023]; o[4] = Limit[Descale(tmp13 - tmp0, n2) & 1023];
            }
        }

        /// <summary>Odd part of the 8-point IDCT on inputs 7, 5, 3, 1 (in tmp0..tmp3), results in place.</summary>
        private static void Odd(ref int tmp0, ref int tmp1, ref int tmp2, ref int tmp3)
        {
            int z1 = tmp0 + tmp3, z2 = tmp1 + tmp2, z3 = tmp0 + tmp2, z4 = tmp1 + tmp3;
            int z5 = (z3 + z4) * F1175;
            tmp0 *= F0298; tmp1 *= F2053; tmp2 *= F3072; tmp3 *= F1501;
            z1 *= -F0899; z2 *= -F2562; z3 *= -F1961; z4 *= -F0390;
            z3 += z5; z4 += z5;
            tmp0 += z1 + z3; tmp1 += z2 + z4; tmp2 += z2 + z3; tmp3 += z1 + z4;
        }
    }

    /// <summary>libjpeg's YCbCr->RGB: 16-bit fixed point tables, rounding constants folded into the tables.</summary>
    internal static class ColorConvert
    {
        private static readonly int[] CrR = new int[256], CbB = new int[256], CrG = new int[256], CbG = new int[256];

        static ColorConvert()
        {
            const int scaleBits = 16, half = 1 << (scaleBits - 1);
            static int Fix(double v) => (int)(v * (1 << 16) + 0.5);
            for (int i = 0; i < 256; i++)
            {
                int x = i - 128;
                CrR[i] = (Fix(1.40200) * x + half) >> scaleBits;
                CbB[i] = (Fix(1.77200) * x + half) >> scaleBits;
                CrG[i] = -Fix(0.71414) * x;
                CbG[i] = -Fix(0.34414) * x + half;
            }
        }

        private static byte Clamp(int v) => v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;

        public static void YccToRgb(byte[] y, byte[] cb, byte[] cr, byte[] rgb)
        {
            for (int i = 0, o = 0; i < y.Length; i++, o += 3)
            {
                int yy = y[i], b = cb[i], r = cr[i];
                rgb[o] = Clamp(yy + CrR[r]);
                rgb[o + 1] = Clamp(yy + ((CbG[b] + CrG[r]) >> 16));
                rgb[o + 2] = Clamp(yy + CbB[b]);
            }
        }
    }
}

/// <summary>A valid JPEG that the managed decoder does not handle (progressive, 12-bit, ...): decode it with ffmpeg instead.</summary>
public sealed class JpegUnsupportedException(string message) : EdgeSamException(message);
