namespace EdgeSam.Video.Cli.Commands.Models;

/// <summary>Folder overrides shared by the <c>models</c> sub-commands (null: environment variables and defaults).</summary>
internal sealed record ModelStoreSettings(string? Cache, string? Mirror);

/// <summary><c>models list</c>.</summary>
internal sealed record ModelsListSettings(ModelStoreSettings Store);

/// <summary><c>models fetch &lt;name|all&gt; [--force]</c>.</summary>
internal sealed record ModelsFetchSettings(ModelStoreSettings Store, string Name, bool Force);

/// <summary><c>models verify [name]</c>; a null name verifies every model.</summary>
internal sealed record ModelsVerifySettings(ModelStoreSettings Store, string? Name);
