// Frozen copy of src/EdgeSam.Video/Prompts/SplitMix64.cs from before the sampling-speed work, the reference that
// PointSamplerEquivalenceTests holds the optimised sampler to (see ReferencePointSampler). Do not optimise it.
namespace EdgeSam.Video.Tests.Prompts.Reference;

/// <summary>
/// A tiny seeded generator (ReferenceSplitMix64) so sampled points are identical for a seed on every runtime and machine
/// (System.Random's seeded sequence is an implementation detail).
/// </summary>
internal struct ReferenceSplitMix64(ulong seed)
{
    private ulong _state = seed;

    public static ReferenceSplitMix64 FromSeed(int seed, ulong stream = 0) => new(unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (stream + 1) * 0xD1B54A32D192ED03UL));

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, <paramref name="bound"/>) (multiply-shift; bias below 2^-32 for our bounds).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound));
        return (int)(((NextUInt64() >> 32) * (ulong)bound) >> 32);
    }
}
