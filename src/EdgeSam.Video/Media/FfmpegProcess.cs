using System.Diagnostics;

namespace EdgeSam.Video.Media;

/// <summary>
/// One running <c>ffmpeg</c>/<c>ffprobe</c> child: arguments passed as a list (no shell quoting), stderr drained
/// asynchronously into a small ring of recent lines (so a chatty ffmpeg never blocks on a full stderr pipe, and a
/// failure can be reported with its last line), and a Dispose that kills the process tree if it is still running.
/// </summary>
internal sealed class FfmpegProcess : IDisposable
{
    private const int KeptLines = 16;

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly CancellationTokenRegistration _cancelRegistration;
    private int _killed;

    /// <summary>The tool name (<c>ffmpeg</c> or <c>ffprobe</c>) for messages.</summary>
    public string Tool { get; }

    private FfmpegProcess(string tool, Process process, CancellationToken cancel)
    {
        Tool = tool;
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data)) return;
            lock (_stderr)
            {
                _stderr.Enqueue(e.Data.Trim());
                while (_stderr.Count > KeptLines) _stderr.Dequeue();
            }
        };
        _process.BeginErrorReadLine();
        // Cancellation kills the child: a blocked pipe read or write then returns/throws at once.
        _cancelRegistration = cancel.CanBeCanceled ? cancel.Register(Kill) : default;
    }

    /// <summary>Starts <paramref name="tool"/> with <paramref name="args"/>; stdout and stderr are piped, stdin only when asked.</summary>
    public static FfmpegProcess Start(string tool, IEnumerable<string> args, bool redirectStdin, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo(ToolPath(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new EdgeSamException(FfTools.Missing(tool, e), e);
        }
        return new FfmpegProcess(tool, process, cancel);
    }

    /// <summary><c>EDGESAM_FFMPEG_DIR/tool</c> when that variable is set, else the bare name resolved on PATH.</summary>
    internal static string ToolPath(string tool)
    {
        string? dir = Environment.GetEnvironmentVariable("EDGESAM_FFMPEG_DIR");
        return string.IsNullOrEmpty(dir) ? tool : Path.Combine(dir, tool);
    }

    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    public Stream StandardInput => _process.StandardInput.BaseStream;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>True once <see cref="Kill"/> ran (cancellation or abandonment), so a failing read is not ffmpeg's fault.</summary>
    public bool WasKilled => Volatile.Read(ref _killed) != 0;

    /// <summary>The last stderr line that says something, or a placeholder.</summary>
    public string LastErrorLine
    {
        get
        {
            lock (_stderr) return FfTools.LastMessage([.. _stderr], Tool);
        }
    }

    /// <summary>Waits for exit (stderr fully drained too).</summary>
    public void WaitForExit()
    {
        _process.WaitForExit();
    }

    /// <summary>Waits for exit; throws <see cref="EdgeSamException"/> naming <paramref name="what"/> when the exit code is not 0.</summary>
    public void WaitForSuccess(string what, CancellationToken cancel)
    {
        _process.WaitForExit();
        cancel.ThrowIfCancellationRequested();
        if (_process.ExitCode != 0)
            throw Failure(what);
    }

    /// <summary>
    /// The exception for a failed run over <paramref name="what"/> (usually a file name): one-line
    /// <see cref="EdgeSamException"/>, or <see cref="OperationCanceledException"/> when ffmpeg stopped on a signal
    /// (exit code 255, e.g. the terminal's Ctrl-C reaching the child too), which is an interruption, not bad input.
    /// </summary>
    public Exception Failure(string what)
    {
        if (_process.HasExited && _process.ExitCode == 255)
            return new OperationCanceledException($"{Tool} was interrupted while working on {what}.");
        string code = _process.HasExited ? $" (exit code {_process.ExitCode})" : "";
        return new EdgeSamException($"{Tool} failed on {what}{code}: {LastErrorLine}");
    }

    public void Kill()
    {
        Interlocked.Exchange(ref _killed, 1);
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { /* already gone */ }
        catch (System.ComponentModel.Win32Exception) { /* exiting */ }
    }

    public void Dispose()
    {
        _cancelRegistration.Dispose();
        Kill();
        try { _process.WaitForExit(5000); } catch (InvalidOperationException) { }
        _process.Dispose();
    }

    /// <summary>Runs a tool to completion and returns its stdout as text (for ffprobe's JSON); killed and reported as
    /// one line when it runs past <paramref name="timeout"/> (default <see cref="FfTools.ProbeTimeout"/>).</summary>
    public static string RunForText(string tool, IEnumerable<string> args, string what, CancellationToken cancel, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? FfTools.ProbeTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(limit);
        try
        {
            using var p = Start(tool, args, redirectStdin: false, deadline.Token);
            using var reader = new StreamReader(p.StandardOutput);
            string text = reader.ReadToEnd();
            p.WaitForSuccess(what, deadline.Token);
            return text;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new EdgeSamException($"{tool} did not finish within {limit.TotalSeconds:0} s on {what}; is it a pipe, a device or a stalled network path? Give a regular video file.");
        }
        catch (EdgeSamException) when (deadline.IsCancellationRequested && !cancel.IsCancellationRequested)
        {
            throw new EdgeSamException($"{tool} did not finish within {limit.TotalSeconds:0} s on {what}; is it a pipe, a device or a stalled network path? Give a regular video file.");
        }
    }
}
