namespace EdgeSam.Video.Cli.Commands.Segment;

/// <summary>Settings of <c>edgesam-video segment</c>.</summary>
internal sealed record SegmentSettings
{
    /// <summary>Video file or folder of frames.</summary>
    public required string Input { get; init; }
    /// <summary>Mask PNG (palette ids, or any non-zero = the object).</summary>
    public string? Mask { get; init; }
    /// <summary>Clicks "x,y,+;x,y,-".</summary>
    public string? Points { get; init; }
    /// <summary>Box "x0,y0,x1,y1".</summary>
    public string? Box { get; init; }
    /// <summary>Frame the prompt is on.</summary>
    public int Frame { get; init; }
    /// <summary>Object id for points/box/a binary mask, or the one id to keep from a multi-object mask.</summary>
    public int? Object { get; init; }
    public required string Out { get; init; }
    /// <summary>Write the overlay preview video.</summary>
    public bool Preview { get; init; } = true;
    public PipelineSettings Pipeline { get; init; } = new();
    /// <summary>Rotoscoping exports written from the masks once segmentation is done (into <c>&lt;out&gt;/export/</c>).</summary>
    public IReadOnlyList<Video.Export.ExportFormat> Export { get; init; } = [];
    /// <summary><c>--prompt</c> texts, "frame=N;object=ID;points=x,y,+ x,y,-;box=x0,y0,x1,y1;mask=m.png".</summary>
    public IReadOnlyList<string> Prompts { get; init; } = [];
    /// <summary>JSON prompt file (<see cref="Video.Pipeline.PromptFile"/>).</summary>
    public string? PromptsFile { get; init; }
    /// <summary>Add the prompts to the session stored in <see cref="Out"/> and re-propagate what they change.</summary>
    public bool Add { get; init; }
    /// <summary>Segment only the prompted frames and write their previews.</summary>
    public bool PreviewPrompts { get; init; }
}
