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
/// provider may well work, and no test may depend on a GPU). <see cref="NeedsMirror"/> adds the mirror's condition.
/// </summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute() => Skip = SkipConditions.CudaPresent;

    public bool NeedsMirror
    {
        get => false;
        init => Skip = SkipConditions.CudaPresent ?? (value ? TestPaths.MirrorSkipReason : null);
    }
}

/// <summary>As <see cref="NoCudaFactAttribute"/> for a theory.</summary>
public sealed class NoCudaTheoryAttribute : TheoryAttribute
{
    public NoCudaTheoryAttribute() => Skip = SkipConditions.CudaPresent;

    public bool NeedsMirror
    {
        get => false;
        init => Skip = SkipConditions.CudaPresent ?? (value ? TestPaths.MirrorSkipReason : null);
    }
}

internal static class SkipConditions
{
    /// <summary>Why a no-CUDA test cannot run here, or null when CUDA 13's cuBLASLt does not load (the usual CPU machine).</summary>
    public static string? CudaPresent
    {
        get
        {
            if (!NativeLibrary.TryLoad("libcublasLt.so.13", out IntPtr handle)) return null;
            NativeLibrary.Free(handle);
            return "CUDA 13 (libcublasLt.so.13) is installed here, so its absence cannot be tested";
        }
    }
}
