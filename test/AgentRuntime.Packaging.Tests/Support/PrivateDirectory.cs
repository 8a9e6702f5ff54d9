namespace AgentRuntime.Packaging.Tests.Support;

/// <summary>A fresh directory only its owner may enter (0700, as <c>mktemp -d</c> makes one), deleted on dispose.</summary>
internal sealed class PrivateDirectory : IDisposable
{
    public PrivateDirectory(string prefix)
    {
        // On Unix, as mkdtemp: mode 0700.
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A sandbox's leftovers (a mount being released) may outlive the app by a moment; the directory is private.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
