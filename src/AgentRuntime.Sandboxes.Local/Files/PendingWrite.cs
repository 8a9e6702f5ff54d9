using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AgentRuntime.Sandboxes.Local.Files;

/// <summary>
/// A write under way (<see cref="SandboxFileSystem.BeginWrite"/>): a new temporary file, open, in the held directory
/// the file goes in. <see cref="Commit"/> renames it over the name; disposing without committing removes it.
/// </summary>
internal sealed class PendingWrite : IDisposable
{
    private readonly SandboxFileSystem _fileSystem;
    private readonly SafeFileHandle _directory;
    private readonly byte[] _temporaryName;
    private readonly byte[] _name;
    private readonly string _relativePath;
    private bool _committed;

    public PendingWrite(SandboxFileSystem fileSystem, SafeFileHandle directory, SafeFileHandle file, byte[] temporaryName, byte[] name, string relativePath)
    {
        _fileSystem = fileSystem;
        _directory = directory;
        File = file;
        _temporaryName = temporaryName;
        _name = name;
        _relativePath = relativePath;
    }

    /// <summary>The temporary file, to write the content to.</summary>
    public SafeFileHandle File { get; }

    /// <summary>Puts the file in place. renameat replaces the name whatever it is (a link too) without following it.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(File.IsClosed, this);
        File.Dispose();
        var directory = (int)_directory.DangerousGetHandle();
        int errno;
        using (_fileSystem.EnterUser())
        {
            errno = Native.RenameAt(directory, _temporaryName, directory, _name) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }

        if (errno != 0)
        {
            throw SandboxFileSystem.Error(errno, "write", _relativePath);
        }

        _committed = true;
    }

    public void Dispose()
    {
        if (_directory.IsClosed)
        {
            return;
        }

        File.Dispose();
        if (!_committed)
        {
            // Best effort: should the agent have moved the temporary file, there is nothing of ours left to remove.
            using (_fileSystem.EnterUser())
            {
                Native.UnlinkAt((int)_directory.DangerousGetHandle(), _temporaryName, 0);
            }
        }

        _directory.Dispose();
    }
}
