using System.Collections.Concurrent;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sandboxes.Modal.Protocol;

namespace AgentRuntime.Testing.Modal;

/// <summary>An image the fake "built": its definition, and the agents directory whose installed tree it provides.</summary>
internal sealed record FakeImage(string Id, IReadOnlyList<string> Commands, IReadOnlyList<string> ReadOnlyPaths, string? Failure, IReadOnlyList<string> Log);

/// <summary>A fake Modal sandbox: a local bubblewrap sandbox with its entrypoint running, and its execs.</summary>
internal sealed class FakeSandbox
{
    private static int s_number;
    private readonly TaskCompletionSource<GenericResult> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ISandboxProcess? _entrypoint;

    public enum Ending
    {
        Exited,
        Terminated,
        Timeout,
    }

    public FakeSandbox(string id, ISandbox local, FakeImage image, IReadOnlyDictionary<string, string> tags)
    {
        Id = id;
        Local = local;
        Image = image;
        Tags = tags;
        Number = Interlocked.Increment(ref s_number);
    }

    public string Id { get; }

    public int Number { get; }

    public string TaskId { get; } = "ta-" + Guid.NewGuid().ToString("N")[..20];

    public string RouterJwt { get; set; } = FakeModalServer.NewJwt(TimeSpan.FromMinutes(10));

    public ISandbox Local { get; }

    public FakeImage Image { get; }

    public IReadOnlyDictionary<string, string> Tags { get; }

    public ConcurrentDictionary<string, FakeExec> Execs { get; } = new(StringComparer.Ordinal);

    public Task<GenericResult> Ended => _ended.Task;

    public async Task StartAsync(IReadOnlyList<string> entrypoint)
    {
        _entrypoint = await Local.StartProcessAsync(
            new SandboxProcessSpec { Command = entrypoint[0], Arguments = entrypoint.Skip(1).ToList() },
            CancellationToken.None).ConfigureAwait(false);
        _entrypoint.StandardInput.Close();
        _ = _entrypoint.Exited.ContinueWith(t => EndAsync(Ending.Exited, t.Result), TaskScheduler.Default);
    }

    public async Task EndAsync(Ending ending, int exitCode = 0)
    {
        var result = new GenericResult
        {
            Status = ending switch
            {
                Ending.Terminated => GenericResult.Types.GenericStatus.Terminated,
                Ending.Timeout => GenericResult.Types.GenericStatus.Timeout,
                _ => exitCode == 0 ? GenericResult.Types.GenericStatus.Success : GenericResult.Types.GenericStatus.Failure,
            },
            Exitcode = exitCode,
        };
        if (!_ended.TrySetResult(result))
        {
            return;
        }

        foreach (var exec in Execs.Values)
        {
            await exec.DisposeAsync().ConfigureAwait(false);
        }

        if (_entrypoint is not null)
        {
            await _entrypoint.DisposeAsync().ConfigureAwait(false);
        }

        await Local.TerminateAsync(CancellationToken.None).ConfigureAwait(false);
    }
}

/// <summary>An exec: a real process in the local sandbox, its output kept so that readers can start at any offset.</summary>
internal sealed class FakeExec : IAsyncDisposable
{
    private readonly ISandboxProcess _process;
    private readonly Output _stdout = new();
    private readonly Output _stderr = new();
    private readonly SemaphoreSlim _stdin = new(1, 1);
    private ulong _stdinWritten;
    private bool _stdinClosed;

    public FakeExec(ISandboxProcess process)
    {
        _process = process;
        _ = _stdout.FillAsync(process.StandardOutput);
        _ = _stderr.FillAsync(process.StandardError);
    }

    public Task<int> Exited => _process.Exited;

    public Output Stdout => _stdout;

    public Output Stderr => _stderr;

    /// <summary>Writes stdin at an offset: bytes already written are skipped (a retried write), a gap is an error.</summary>
    public async Task<bool> WriteStdinAsync(ulong offset, ReadOnlyMemory<byte> data, bool eof)
    {
        await _stdin.WaitAsync().ConfigureAwait(false);
        try
        {
            if (offset > _stdinWritten)
            {
                return false;
            }

            var skip = (int)Math.Min((ulong)data.Length, _stdinWritten - offset);
            if (!_stdinClosed && data.Length > skip)
            {
                try
                {
                    await _process.StandardInput.WriteAsync(data[skip..]).ConfigureAwait(false);
                    await _process.StandardInput.FlushAsync().ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The process closed its stdin or exited; like a pipe, what it did not read is lost.
                }

                _stdinWritten += (ulong)(data.Length - skip);
            }

            if (eof && !_stdinClosed)
            {
                _stdinClosed = true;
                try
                {
                    _process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // Already gone.
                }
            }

            return true;
        }
        finally
        {
            _stdin.Release();
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    /// <summary>A stream's bytes so far, and a signal when more come or it ends.</summary>
    internal sealed class Output
    {
        private readonly object _lock = new();
        private readonly MemoryStream _data = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Complete { get; private set; }

        public async Task FillAsync(Stream source)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    lock (_lock)
                    {
                        _data.Write(buffer, 0, read);
                        Signal();
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // Killed.
            }

            lock (_lock)
            {
                Complete = true;
                Signal();
            }
        }

        /// <summary>The bytes from <paramref name="offset"/> on, whether the stream has ended, and a task that completes on change.</summary>
        public (byte[] Data, bool Complete, Task Changed) Read(ulong offset)
        {
            lock (_lock)
            {
                var length = (ulong)_data.Length;
                var data = offset >= length ? [] : _data.GetBuffer().AsSpan((int)offset, (int)(length - offset)).ToArray();
                return (data, Complete, _changed.Task);
            }
        }

        private void Signal()
        {
            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
