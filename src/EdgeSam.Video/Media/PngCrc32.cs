namespace EdgeSam.Video.Media;

/// <summary>
/// CRC-32 as PNG defines it (ISO 3309 / ITU-T V.42: reflected polynomial 0xEDB88320, initial value and final
/// XOR 0xFFFFFFFF), table-driven one byte at a time. Chunks in mask PNGs are a few KB, so slicing-by-N is not worth it.
/// </summary>
internal static class PngCrc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    /// <summary>Running update: start with <c>0xFFFFFFFF</c>, feed spans, finish with <see cref="Finish"/>.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] table = Table;
        foreach (byte b in data)
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

    /// <summary>CRC of one span (for a chunk: its type bytes followed by its data).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(0xFFFFFFFFu, data));
}
