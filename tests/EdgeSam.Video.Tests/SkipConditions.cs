using System.Runtime.InteropServices;

namespace EdgeSam.Video.Tests;

/// <summary>
/// A test that reads the shared mirror (<c>../shared</c>: DAVIS, the real models, reference outputs). Without the mirror
/// it reports itself as skipped with the reason, so a fresh clone's test run passes; under CI (<c>CI=true</c>) it runs
/// and fails, because CI always has the mirror and must run every test.
/// </summary>
public sealed class MirrorFactAttribute : FactAttribute
{
    public MirrorFactAttribute() => Skip = TestPaths.MirrorSkipReason;
}

/// <summary>As <see cref="MirrorFactAttribute"/> for a theory.</summary>
public sealed class MirrorTheoryAttribute : TheoryAttribute
{
    public MirrorTheoryAttribute() => Skip = TestPaths.MirrorSkipReason;
}

/// <summary>
/// A test of what happens without CUDA's libraries: skipped on a machine where CUDA 13's cuBLASLt loads (there the
/// provider may well work, and no test may depend on a GPU).
/// </summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute()
    {
        if (NativeLibrary.TryLoad("libcublasLt.so.13", out IntPtr handle))
        {
            NativeLibrary.Free(handle);
            Skip = "CUDA 13 (libcublasLt.so.13) is installed here, so its absence cannot be tested";
        }
    }
}
