using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace AgentRuntime.Testing;

/// <summary>
/// A throwaway PostgreSQL server on <c>127.0.0.1</c> for tests and benchmarks, so nothing depends on a database
/// someone started by hand: <see cref="StartAsync(CancellationToken)"/> runs <c>initdb</c> into a new temporary directory
/// and starts <c>postgres</c> on a free port (trust authentication, loopback only, its Unix socket in that directory),
/// and <see cref="DisposeAsync"/> stops it and deletes the directory. Give each test class its own database with
/// <see cref="CreateDatabaseAsync"/>.
/// </summary>
/// <remarks>
/// Under root the server runs as the <c>postgres</c> system user (PostgreSQL refuses root). A watchdog shell stops the
/// server and deletes the directory if this process dies without disposing, so a killed test run leaves no server
/// behind. Needs PostgreSQL 13 or later (<c>DROP DATABASE ... WITH (FORCE)</c>); <c>bash scripts/setup-postgres.sh</c>
/// installs it.
/// </remarks>
public sealed partial class PostgresServer : IAsyncDisposable
{
    /// <summary>The address the server listens on, and the only one it accepts connections from.</summary>
    public const string Host = "127.0.0.1";

    /// <summary>The superuser every connection logs in as (no password: trust authentication).</summary>
    public const string UserName = "postgres";

    private const int LogLines = 200;

    private readonly PostgresBinaries _binaries;
    private readonly string _root;
    private readonly Process _server;
    private readonly Queue<string> _log;
    private Process? _watchdog;
    private int _disposed;

    private PostgresServer(PostgresBinaries binaries, string root, Process server, Queue<string> log, int port)
    {
        _binaries = binaries;
        _root = root;
        _server = server;
        _log = log;
        Port = port;
    }

    /// <summary>The TCP port on <see cref="Host"/>.</summary>
    public int Port { get; }

    /// <summary>The cluster's data directory (deleted on dispose).</summary>
    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The directory of the PostgreSQL programs used.</summary>
    public string BinDirectory => _binaries.Directory;

    /// <summary>A connection string (Npgsql's <c>Key=Value</c> form) to the <c>postgres</c> maintenance database.</summary>
    public string ConnectionString => GetConnectionString("postgres");

    /// <summary>The server's most recent log lines, for a failure message.</summary>
    public string RecentLog
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Starts a server for tests: fast, not crash-safe (see <see cref="PostgresServerOptions.Durable"/>).</summary>
    /// <param name="cancellationToken">Abandons start-up (the half-made server is removed).</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed, or the server did not start.</exception>
    public static Task<PostgresServer> StartAsync(CancellationToken cancellationToken) => StartAsync(new PostgresServerOptions(), cancellationToken);

    /// <summary>Starts a server with the given options.</summary>
    /// <param name="options">How to set the server up.</param>
    /// <param name="cancellationToken">Abandons start-up (the half-made server is removed).</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed, or the server did not start.</exception>
    public static async Task<PostgresServer> StartAsync(PostgresServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        var binaries = await PostgresBinaries.FindAsync(options.BinDirectory, timeout.Token).ConfigureAwait(false);

        // Created 0700; under root it is handed to the server user, who must own the data directory and the socket.
        var root = Directory.CreateTempSubdirectory("agent-runtime-pg-").FullName;
        try
        {
            if (binaries.RunUser is not null)
            {
                await RunCheckedAsync(new ProcessStartInfo("chown", [$"{PostgresBinaries.ServerUser}:", root]), timeout.Token).ConfigureAwait(false);
            }

            await RunCheckedAsync(binaries.AsServerUser(binaries.Initdb,
                ["-D", Path.Combine(root, "data"), "-U", UserName, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]), timeout.Token).ConfigureAwait(false);

            // initdb's file also trusts ::1 and replication; the server listens on 127.0.0.1 alone, and says so here too.
            await File.WriteAllTextAsync(Path.Combine(root, "data", "pg_hba.conf"), """
                # Written by AgentRuntime.Testing.PostgresServer: a throwaway test server, trusted on loopback only.
                local all all trust
                host all all 127.0.0.1/32 trust

                """, timeout.Token).ConfigureAwait(false);

            // A port found free can be taken before the server binds it; then try another.
            for (var attempt = 1; ; attempt++)
            {
                var server = await TryStartAsync(binaries, root, options, FreePort(), timeout.Token).ConfigureAwait(false);
                if (server is not null)
                {
                    try
                    {
                        server.StartWatchdog();
                    }
                    catch
                    {
                        await server.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }

                    return server;
                }

                if (attempt == 3)
                {
                    throw new InvalidOperationException("The PostgreSQL server could not bind a free port in three attempts.");
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            DeleteDirectory(root);
            throw new InvalidOperationException($"The PostgreSQL server did not start within {options.StartTimeout.TotalSeconds:0} s.");
        }
        catch
        {
            DeleteDirectory(root);
            throw;
        }
    }

    /// <summary>A connection string to one database of this server.</summary>
    /// <param name="database">The database name.</param>
    /// <returns>Npgsql's <c>Key=Value</c> form.</returns>
    public string GetConnectionString(string database)
    {
        ValidateName(database);
        return $"Host={Host};Port={Port.ToString(CultureInfo.InvariantCulture)};Username={UserName};Database={database}";
    }

    /// <summary>Creates an empty database.</summary>
    /// <param name="name">Letters, digits and underscores, at most 63; unique on this server (a GUID without dashes, prefixed, does).</param>
    /// <param name="cancellationToken">Abandons the wait (bounded at 60 s regardless).</param>
    /// <returns>A connection string to the new database.</returns>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        await ExecuteAsync($"CREATE DATABASE \"{name}\";", cancellationToken).ConfigureAwait(false);
        return GetConnectionString(name);
    }

    /// <summary>Drops a database if it exists, ending any connections still open to it.</summary>
    /// <param name="name">The database name.</param>
    /// <param name="cancellationToken">Abandons the wait (bounded at 60 s regardless).</param>
    /// <returns>A task that completes when the database is gone.</returns>
    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        return ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE);", cancellationToken);
    }

    /// <summary>Stops the server (immediate shutdown: it is thrown away) and deletes its directory.</summary>
    /// <returns>A task that completes when the server's processes have exited.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopAsync(_server, DataDirectory).ConfigureAwait(false);
        }
        finally
        {
            if (_watchdog is { } watchdog)
            {
                KillTree(watchdog);
                watchdog.Dispose();
            }

            _server.Dispose();
            DeleteDirectory(_root);
        }
    }

    private static async Task<PostgresServer?> TryStartAsync(
        PostgresBinaries binaries, string root, PostgresServerOptions options, int port, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["listen_addresses"] = Host,
            ["unix_socket_directories"] = root,
            ["port"] = port.ToString(CultureInfo.InvariantCulture),
        };
        if (!options.Durable)
        {
            settings["fsync"] = "off";
            settings["synchronous_commit"] = "off";
            settings["full_page_writes"] = "off";
        }

        foreach (var (name, value) in options.Settings)
        {
            settings[name] = value;
        }

        var arguments = new List<string> { "-D", Path.Combine(root, "data") };
        foreach (var (name, value) in settings)
        {
            arguments.AddRange(["-c", $"{name}={value}"]);
        }

        var log = new Queue<string>();
        var process = new Process { StartInfo = binaries.AsServerUser(binaries.Postgres, arguments) };
        void Append(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.Enqueue(e.Data);
                    if (log.Count > LogLines)
                    {
                        log.Dequeue();
                    }
                }
            }
        }

        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PostgresServer(binaries, root, process, log, port);
        var started = false;
        try
        {
            // postmaster.pid's eighth line turns to "ready" once the server accepts connections (PostgreSQL 10+),
            // which is what pg_ctl -w waits for too.
            while (!server.IsReady())
            {
                if (process.HasExited)
                {
                    // Waits for the output to be drained, so the log below is complete.
                    await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                    var recent = server.RecentLog;
                    if (recent.Contains("could not bind", StringComparison.Ordinal) || recent.Contains("already in use", StringComparison.Ordinal))
                    {
                        return null;
                    }

                    throw new InvalidOperationException($"The PostgreSQL server exited with code {process.ExitCode} while starting:\n{recent}");
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }

            started = true;
            return server;
        }
        finally
        {
            if (!started)
            {
                await StopAsync(process, server.DataDirectory).ConfigureAwait(false);
                process.Dispose();
            }
        }
    }

    private bool IsReady()
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(DataDirectory, "postmaster.pid"));
            return lines.Length >= 8 && lines[7].Trim() == "ready";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int? ReadPostmasterPid(string dataDirectory)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// SIGQUIT to the postmaster is an immediate shutdown (what <c>pg_ctl stop -m immediate</c> sends): it stops its
    /// backends, releases shared memory and exits. SIGKILL to the whole tree is the fallback, since it leaks the shared
    /// memory segment.
    /// </summary>
    private static async Task StopAsync(Process process, string dataDirectory)
    {
        if (process.HasExited)
        {
            return;
        }

        if (ReadPostmasterPid(dataDirectory) is { } pid)
        {
            try
            {
                await PostgresBinaries.RunAsync(new ProcessStartInfo("kill", ["-QUIT", pid.ToString(CultureInfo.InvariantCulture)]), TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or System.ComponentModel.Win32Exception)
            {
                // Falls through to the kill below.
            }
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts a shell that waits for this process to end and then does what <see cref="DisposeAsync"/> would have:
    /// stop the server and delete its directory. Disposing kills the shell first-hand.
    /// </summary>
    private void StartWatchdog()
    {
        const string Script = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            pid=$(head -n 1 "$2/postmaster.pid" 2>/dev/null)
            if [ -n "$pid" ]; then
              kill -QUIT "$pid" 2>/dev/null
              i=0
              while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
              kill -KILL "$pid" 2>/dev/null
            fi
            rm -rf "$3"
            """;
        var info = new ProcessStartInfo("/bin/sh", ["-c", Script, "postgres-watchdog", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), DataDirectory, _root])
        {
            UseShellExecute = false,
        };
        _watchdog = Process.Start(info);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var info = PostgresBinaries.Isolate(new ProcessStartInfo(_binaries.Psql,
            ["-X", "-q", "-w", "-v", "ON_ERROR_STOP=1", "-h", Host, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", UserName, "-d", "postgres", "-c", sql]));
        var (exitCode, output) = await PostgresBinaries.RunAsync(info, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"psql failed with exit code {exitCode} running `{sql}`:\n{output}");
        }
    }

    private static async Task RunCheckedAsync(ProcessStartInfo info, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await PostgresBinaries.RunAsync(info, TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"'{info.FileName} {string.Join(' ', info.ArgumentList)}' failed with exit code {exitCode}:\n{output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary directory must not hide the error that brought us here.
        }
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a database name of letters, digits and underscores, at most 63.", nameof(name));
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
