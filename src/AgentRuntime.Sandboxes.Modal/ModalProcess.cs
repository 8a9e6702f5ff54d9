using System.IO.Pipelines;
using AgentRuntime.Sandboxes.Modal.Protocol;

namespace AgentRuntime.Sandboxes.Modal;

/// <summary>
/// A process in a Modal sandbox (an exec on its command router). Its stdin is written in order at explicit offsets,
/// each write awaited, so a slow sandbox slows the writer; stdout and stderr are read into pipes that stop reading
/// from Modal while nobody drains them (back-pressure both ways).
/// </summary>
internal sealed class ModalProcess : ISandboxProcess
{
    // Past this much unread output the pump stops taking more from Modal until the reader catches up.
    private static readonly PipeOptions OutputPipe = new(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 256 * 1024, useSynchronizationContext: false);
    private static int s_nextId;

    private readonly CommandRouter _router;
    private readonly CancellationTokenSource _stop = new();
    private readonly Pipe _stdout = new(OutputPipe);
    private readonly Pipe _stderr = new(OutputPipe);
    private readonly Task _pumps;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ModalProcess(CommandRouter router, string execId)
    {
        _router = router;
        ExecId = execId;
        ProcessId = Interlocked.Increment(ref s_nextId);
        StandardInput = new StdinStream(router, execId);
        StandardOutput = _stdout.Reader.AsStream();
        StandardError = _stderr.Reader.AsStream();
        _pumps = Task.WhenAll(
            PumpAsync(TaskExecStdioFileDescriptor.Stdout, _stdout.Writer),
            PumpAsync(TaskExecStdioFileDescriptor.Stderr, _stderr.Writer));
        _ = WaitAsync();
    }

    /// <summary>Modal's id of the exec.</summary>
    public string ExecId { get; }

    /// <summary>Modal has no process ids for execs: a number unique in this server, for logs.</summary>
    public int ProcessId { get; }

    public Stream StandardInput { get; }

    public Stream StandardOutput { get; }

    public Stream StandardError { get; }

    public Task<int> Exited => _exited.Task;

    /// <summary>
    /// Modal's API has no call that kills an exec: this closes its stdin (on which the agent CLIs exit) and stops
    /// reading it; whatever still runs ends with the sandbox.
    /// </summary>
    public void Kill()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _ = ((StdinStream)StandardInput).CloseAsync();
        _stop.Cancel();
        _exited.TrySetResult(137);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _pumps.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or SandboxException)
        {
            // Reading stops with the cancellation; a router that does not answer is not waited for.
        }

        _stop.Dispose();
    }

    private async Task PumpAsync(TaskExecStdioFileDescriptor descriptor, PipeWriter writer)
    {
        Exception? failure = null;
        try
        {
            await foreach (var chunk in _router.ReadAsync(ExecId, descriptor, _stop.Token).ConfigureAwait(false))
            {
                var flushed = await writer.WriteAsync(chunk, _stop.Token).ConfigureAwait(false);
                if (flushed.IsCompleted)
                {
                    break; // The reader is gone.
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Killed: the stream ends here.
        }
        catch (SandboxException ex)
        {
            failure = new IOException(ex.Message, ex);
        }

        await writer.CompleteAsync(failure).ConfigureAwait(false);
    }

    private async Task WaitAsync()
    {
        try
        {
            var code = await _router.WaitAsync(ExecId, _stop.Token).ConfigureAwait(false);
            try
            {
                // Output written just before the exit is read before the exit is reported, as for a local process;
                // output nobody drains (back-pressure holds it) does not hold back the exit code.
                await _pumps.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            _exited.TrySetResult(code);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SandboxException or IOException)
        {
            // Lost track of it (killed, or the sandbox is gone): as a killed process.
            _exited.TrySetResult(137);
        }
    }

    /// <summary>Stdin as a write-only stream: each write is one <c>TaskExecStdinWrite</c> at the running offset.</summary>
    private sealed class StdinStream(CommandRouter router, string execId) : Stream
    {
        private readonly SemaphoreSlim _order = new(1, 1);
        private ulong _offset;
        private bool _closed;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_closed;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(_closed, this);
                // Modal takes stdin in pieces of at most a few MiB; agent messages are far smaller, but a large one is split.
                const int MaxPiece = 1024 * 1024;
                for (var start = 0; start < buffer.Length; start += MaxPiece)
                {
                    var piece = buffer.Slice(start, Math.Min(MaxPiece, buffer.Length - start));
                    try
                    {
                        await router.WriteStdinAsync(execId, _offset, piece, eof: false, cancellationToken).ConfigureAwait(false);
                    }
                    catch (SandboxException ex)
                    {
                        throw new IOException(ex.Message, ex);
                    }

                    _offset += (ulong)piece.Length;
                }
            }
            finally
            {
                _order.Release();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public async Task CloseAsync()
        {
            await _order.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_closed)
                {
                    return;
                }

                _closed = true;
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await router.WriteStdinAsync(execId, _offset, ReadOnlyMemory<byte>.Empty, eof: true, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SandboxException or OperationCanceledException or ObjectDisposedException)
            {
                // The process or the sandbox is gone already.
            }
            finally
            {
                _order.Release();
            }
        }

        public override ValueTask DisposeAsync() => new(CloseAsync());

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _ = CloseAsync();
            }

            base.Dispose(disposing);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
