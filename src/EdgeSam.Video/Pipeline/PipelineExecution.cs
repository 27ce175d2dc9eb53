namespace EdgeSam.Video.Pipeline;

/// <summary>How <see cref="VideoSession.Propagate"/> schedules its stages (read, encode, track + decode, consumer).</summary>
public enum PipelineExecution
{
    /// <summary>The stages run concurrently over bounded channels: frame k+1 is decoded and encoded while frame k is
    /// tracked and decoded and the consumer writes frame k-1 (the normal mode).</summary>
    Overlapped,

    /// <summary>Each frame passes through all stages, one after another, on the consumer's thread: nothing overlaps,
    /// so each stage's busy time is its cost alone on the machine (the reference that <c>bench pipeline</c> compares
    /// the overlapped run with). Same results as <see cref="Overlapped"/>.</summary>
    Sequential,
}
