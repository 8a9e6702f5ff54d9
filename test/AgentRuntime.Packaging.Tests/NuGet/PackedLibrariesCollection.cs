namespace AgentRuntime.Packaging.Tests.NuGet;

/// <summary>The NuGet tests share one `dotnet pack`; the npm tests run beside them.</summary>
[CollectionDefinition(Name)]
public sealed class PackedLibrariesCollection : ICollectionFixture<PackedLibraries>
{
    public const string Name = "packed libraries";
}
