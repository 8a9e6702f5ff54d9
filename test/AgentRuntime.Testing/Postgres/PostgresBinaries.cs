using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AgentRuntime.Testing;

/// <summary>
/// The PostgreSQL programs a <see cref="PostgresServer"/> runs, and how to run them: the server programs refuse to run
/// as root, so under root they run as the <c>postgres</c> system user through <c>runuser</c>.
/// </summary>
internal sealed class PostgresBinaries
{
    public const string ServerUser = "postgres";

    private const string SetupHint = "Run `bash scripts/setup-postgres.sh` to install PostgreSQL (it also creates the postgres user).";

    private PostgresBinaries(string directory, string psql, string? runuser)
    {
        Directory = directory;
        Psql = psql;
        RunUser = runuser;
    }

    /// <summary>The directory of <c>initdb</c>, <c>postgres</c> and <c>pg_ctl</c>.</summary>
    public string Directory { get; }

    public string Psql { get; }

    /// <summary><c>runuser</c> when this process is root, else <see langword="null"/> (the programs run as this user).</summary>
    public string? RunUser { get; }

    public string Initdb => Path.Combine(Directory, "initdb");

    public string Postgres => Path.Combine(Directory, "postgres");

    public static async Task<PostgresBinaries> FindAsync(string? binDirectory, CancellationToken cancellationToken)
    {
        var directory = binDirectory is not null
            ? (HasServerPrograms(binDirectory) ? binDirectory : throw new InvalidOperationException(
                $"The PostgreSQL bin directory '{binDirectory}' has no initdb and postgres programs. {SetupHint}"))
            : await FindServerDirectoryAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException(
                    "The PostgreSQL server programs (initdb and postgres) were not found in `pg_config --bindir`, " +
                    $"/usr/lib/postgresql/*/bin or PATH; the PostgreSQL tests need a real server. {SetupHint}");

        var psql = Path.Combine(directory, "psql");
        if (!File.Exists(psql))
        {
            psql = FindOnPath("psql") ?? throw new InvalidOperationException(
                $"The PostgreSQL client psql was found neither beside initdb in '{directory}' nor on PATH. {SetupHint}");
        }

        string? runuser = null;
        if (Environment.IsPrivilegedProcess)
        {
            runuser = FindOnPath("runuser") ?? new[] { "/usr/sbin/runuser", "/sbin/runuser" }.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("Running as root, the PostgreSQL server must run as the postgres user, but runuser was not found.");
            var id = await RunAsync(new ProcessStartInfo("id", ["-u", ServerUser]), TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            if (id.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"Running as root, the PostgreSQL server must run as the '{ServerUser}' system user, which does not exist. {SetupHint}");
            }
        }

        return new PostgresBinaries(directory, psql, runuser);
    }

    /// <summary>A server program started as the server user: through runuser when this process is root.</summary>
    public ProcessStartInfo AsServerUser(string program, IEnumerable<string> arguments)
    {
        var info = RunUser is null ? new ProcessStartInfo(program) : new ProcessStartInfo(RunUser) { ArgumentList = { "-u", ServerUser, "--", program } };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Isolate(info);
    }

    /// <summary>Makes a start info independent of this process's PG* variables (PGHOST, PGDATA, PGOPTIONS...).</summary>
    public static ProcessStartInfo Isolate(ProcessStartInfo info)
    {
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["LC_ALL"] = "C";
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        return info;
    }

    /// <summary>Runs a program to its end (bounded by <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo info, TimeSpan timeout, CancellationToken cancellationToken)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        void Append(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"'{info.FileName} {string.Join(' ', info.ArgumentList)}' did not finish within {timeout.TotalSeconds:0} s.");
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static async Task<string?> FindServerDirectoryAsync(CancellationToken cancellationToken)
    {
        // pg_config may come from a client-only package (Debian's libpq-dev), so its bindir counts only if it has initdb.
        if (FindOnPath("pg_config") is { } pgConfig)
        {
            try
            {
                var (exitCode, output) = await RunAsync(new ProcessStartInfo(pgConfig, ["--bindir"]), TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                if (exitCode == 0 && output.Trim() is { Length: > 0 } bindir && HasServerPrograms(bindir))
                {
                    return bindir;
                }
            }
            catch (TimeoutException)
            {
                // Fall through to the other places.
            }
        }

        const string DebianRoot = "/usr/lib/postgresql";
        if (System.IO.Directory.Exists(DebianRoot))
        {
            var newest = System.IO.Directory.GetDirectories(DebianRoot)
                .Select(d => (Directory: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Directory)
                .FirstOrDefault(HasServerPrograms);
            if (newest is not null)
            {
                return newest;
            }
        }

        // On PATH the programs are often links (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb): use the
        // directory they link into, where psql and the server's other programs sit beside them.
        if (FindOnPath("initdb") is { } initdb)
        {
            var target = File.ResolveLinkTarget(initdb, returnFinalTarget: true)?.FullName ?? initdb;
            foreach (var directory in new[] { Path.GetDirectoryName(target)!, Path.GetDirectoryName(initdb)! })
            {
                if (HasServerPrograms(directory))
                {
                    return directory;
                }
            }
        }

        return null;
    }

    private static bool HasServerPrograms(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "postgres"));

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
}
