using System.Buffers.Binary;

namespace EdgeSam.Video.Media;

/// <summary>
/// Image size from the first bytes of a JPEG, PNG or BMP file, without decoding: lets a folder of thousands of
/// frames be checked for a common size before one ffmpeg process decodes them all.
/// </summary>
internal static class ImageHeader
{
    /// <summary>Width and height, or null when the format is not one of JPEG/PNG/BMP or the header is damaged.</summary>
    public static (int Width, int Height)? TryReadSize(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        Span<byte> head = stackalloc byte[26];
        int n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (n >= 24 && head[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            // IHDR is always the first chunk: width at 16, height at 20, big-endian.
            int w = BinaryPrimitives.ReadInt32BigEndian(head[16..]), h = BinaryPrimitives.ReadInt32BigEndian(head[20..]);
            return w > 0 && h > 0 ? (w, h) : null;
        }
        if (n >= 26 && head[0] == 'B' && head[1] == 'M')
        {
            // BITMAPINFOHEADER: width at 18, height at 22 (negative = rows stored top-down).
            int w = BinaryPrimitives.ReadInt32LittleEndian(head[18..]), h = BinaryPrimitives.ReadInt32LittleEndian(head[22..]);
            return w > 0 && h != 0 && h != int.MinValue ? (w, Math.Abs(h)) : null;
        }
        if (n >= 2 && head[0] == 0xFF && head[1] == 0xD8)
            return JpegSize(f);
        return null;
    }

    /// <summary>Walks the JPEG marker segments after SOI up to the first start-of-frame (SOFn), which holds the size.</summary>
    private static (int, int)? JpegSize(FileStream f)
    {
        f.Position = 2;
        Span<byte> seg = stackalloc byte[9];
        while (true)
        {
            int b = f.ReadByte();
            if (b < 0) return null;
            if (b != 0xFF) return null;
            int marker;
            do { marker = f.ReadByte(); } while (marker == 0xFF); // fill bytes
            if (marker < 0) return null;
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) continue; // markers without a length
            if (marker == 0xD9 || marker == 0xDA) return null;          // end of image / scan before any SOF
            if (f.ReadAtLeast(seg[..2], 2, throwOnEndOfStream: false) < 2) return null;
            int len = BinaryPrimitives.ReadUInt16BigEndian(seg);
            if (len < 2) return null;
            bool sof = marker is >= 0xC0 and <= 0xCF && marker is not (0xC4 or 0xC8 or 0xCC);
            if (sof)
            {
                // SOFn payload: precision (1), height (2), width (2), components...
                if (f.ReadAtLeast(seg[..5], 5, throwOnEndOfStream: false) < 5) return null;
                int h = BinaryPrimitives.ReadUInt16BigEndian(seg[1..]), w = BinaryPrimitives.ReadUInt16BigEndian(seg[3..]);
                return w > 0 && h > 0 ? (w, h) : null;
            }
            f.Position += len - 2;
        }
    }
}
