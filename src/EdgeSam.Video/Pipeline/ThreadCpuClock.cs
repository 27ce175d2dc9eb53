using System.Runtime.InteropServices;

namespace EdgeSam.Video.Pipeline;

/// <summary>
/// CPU time consumed by the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>): unlike a stopwatch it does not
/// count the time the thread waited for a core, so stage costs stay comparable on a loaded machine. Returns -1 where
/// unavailable; callers then skip the sample.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID on Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    // int clock_gettime(clockid_t clockid, struct timespec *tp);
    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private static readonly bool Available = OperatingSystem.IsLinux() && Environment.Is64BitProcess && Probe();

    private static bool Probe()
    {
        try { return ClockGetTime(ClockThreadCpuTime, out _) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    /// <summary>The calling thread's CPU time in nanoseconds, or -1.</summary>
    public static long NowNanoseconds()
    {
        if (!Available || ClockGetTime(ClockThreadCpuTime, out TimeSpec t) != 0) return -1;
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    /// <summary>A start mark: the thread and its CPU time.</summary>
    public readonly record struct Mark(int Thread, long Nanoseconds)
    {
        public static Mark Now() => new(Environment.CurrentManagedThreadId, NowNanoseconds());

        /// <summary>CPU nanoseconds since this mark on the same thread; -1 when the code moved threads or no clock.</summary>
        public long Elapsed()
        {
            if (Nanoseconds < 0 || Environment.CurrentManagedThreadId != Thread) return -1;
            long now = NowNanoseconds();
            return now < 0 ? -1 : now - Nanoseconds;
        }
    }
}
