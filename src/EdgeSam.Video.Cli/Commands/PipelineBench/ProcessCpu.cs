using System.Runtime.InteropServices;

namespace EdgeSam.Video.Cli.Commands.PipelineBench;

/// <summary>CPU time of this process and of its finished child processes (the ffmpeg readers and writers), from
/// <c>getrusage</c>; both null where the call is unavailable (not Linux/macOS).</summary>
internal readonly record struct CpuSample(TimeSpan? Self, TimeSpan? Children)
{
    public static CpuSample Now() => new(ProcessCpu.Read(ProcessCpu.RusageSelf), ProcessCpu.Read(ProcessCpu.RusageChildren));

    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.Self - b.Self, a.Children - b.Children);
}

internal static partial class ProcessCpu
{
    public const int RusageSelf = 0;
    /// <summary>Children that have been waited for (.NET's Process reaps every child it started).</summary>
    public const int RusageChildren = -1;

    /// <summary>struct rusage on 64-bit Linux: two timevals (user, system) then 14 longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSec, UserMicro, SysSec, SysMicro;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OutBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;
    }

    // int getrusage(int who, struct rusage *usage);
    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, out RUsage usage);

    /// <summary>User + system CPU time, or null where unavailable.</summary>
    public static TimeSpan? Read(int who)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) || !Environment.Is64BitProcess) return null;
        try
        {
            if (GetRusage(who, out RUsage u) != 0) return null;
            return TimeSpan.FromMicroseconds((u.UserSec + u.SysSec) * 1_000_000.0 + u.UserMicro + u.SysMicro);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }
}
