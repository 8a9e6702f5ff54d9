using System.Collections.Concurrent;
using System.Text;
using AgentRuntime.Sandboxes.Local.Files;

namespace AgentRuntime.Sandboxes.Local.Tests.Files;

/// <summary>
/// The attack this type exists for (the class of CVE-2018-15664): while the server works in the tree, the agent swaps
/// a directory and a file for symbolic links to the outside, atomically and as fast as it can. The server must never
/// read, write or delete outside, whichever state each of its syscalls meets.
/// </summary>
public sealed class SandboxFileSystemRaceTests : IDisposable
{
    private const string Secret = "canary-secret-9c2a71";
    private const int Workers = 2;
    private static readonly TimeSpan RaceDuration = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Timeout = RaceDuration + TimeSpan.FromSeconds(20);

    private readonly TestTree _tree = new();

    [Theory]
    [InlineData(null)]
    [InlineData(TestTree.SandboxUserId)]
    public async Task Operations_WhileTheAgentSwapsPathsForSymlinks_NeverReachOutside(int? fsUserId)
    {
        Assert.SkipWhen(fsUserId is not null && !TestTree.IsRoot, "Switching the filesystem user needs root.");
        var ct = TestContext.Current.CancellationToken;
        var canaryDirectory = _tree.Outside("canary");
        Directory.CreateDirectory(canaryDirectory);
        File.SetUnixFileMode(canaryDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(canaryDirectory, "y"), Secret);
        File.WriteAllText(Path.Combine(canaryDirectory, "z"), "must survive");
        File.WriteAllText(Path.Combine(canaryDirectory, "canary-only.txt"), Secret);
        var canaryFile = _tree.Outside("canary.txt");
        File.WriteAllText(canaryFile, Secret);
        var before = Snapshot(canaryDirectory);

        var files = _tree.Open(fsUserId);
        _tree.WriteInRoot("dir/y", "inside");
        _tree.WriteInRoot("f", "inside");
        if (fsUserId is int uid)
        {
            foreach (var path in new[] { "dir", "dir/y", "f" })
            {
                TestTree.Chown(_tree.InRoot(path), uid);
            }
        }

        Directory.CreateSymbolicLink(_tree.InRoot("dir.swap"), canaryDirectory);
        File.CreateSymbolicLink(_tree.InRoot("f.swap"), canaryFile);

        using var stop = new CancellationTokenSource(RaceDuration);
        var swaps = 0L;
        var agent = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                swaps += TestTree.Exchange(_tree.InRoot("dir"), _tree.InRoot("dir.swap")) ? 1 : 0;
                TestTree.Exchange(_tree.InRoot("f"), _tree.InRoot("f.swap"));
            }
        }) { IsBackground = true };
        agent.Start();
        var race = new RaceOutcome();
        var workers = Enumerable.Range(0, Workers)
            .Select(_ => Task.Factory.StartNew(() => Work(files, race, stop.Token), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        await Task.WhenAll(workers).WaitAsync(Timeout, ct);
        Assert.True(agent.Join(Timeout));

        Assert.Empty(race.Unexpected);
        Assert.Empty(race.Leaks);
        Assert.Equal(before, Snapshot(canaryDirectory));
        Assert.Equal(Secret, File.ReadAllText(canaryFile));
        // Both states were met many times: the race was run, not dodged.
        Assert.True(swaps > 1000, $"only {swaps} swaps");
        Assert.True(race.Refused > 10 && race.Succeeded > 10, $"refused {race.Refused}, succeeded {race.Succeeded}");
    }

    private static void Work(SandboxFileSystem files, RaceOutcome race, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            race.Attempt(() => files.Write("dir/x", "written by the server"u8));
            race.Attempt(() => race.Check("read f", files.ReadAll("f", 1024)));
            race.Attempt(() => race.Check("read dir/y", files.ReadAll("dir/y", 1024)));
            race.Attempt(() => race.Check("read a range of f", files.ReadRange("f", 0, 1024)?.Content.ToArray()));
            race.Attempt(() => race.Check("read a range of dir/y", files.ReadRange("dir/y", 0, 1024)?.Content.ToArray()));
            race.Attempt(() => files.Delete("dir/z"));
            race.Attempt(() =>
            {
                var scan = files.List("", ScanLimits.Default);
                if (scan.Files.Any(f => f.RelativePath.Contains("canary-only", StringComparison.Ordinal)))
                {
                    race.Leaks.Enqueue("list descended into the canary directory");
                }
            });
        }
    }

    private static List<string> Snapshot(string directory) =>
        Directory.GetFileSystemEntries(directory).Order(StringComparer.Ordinal).Select(p => $"{Path.GetFileName(p)}={File.ReadAllText(p)}").ToList();

    public void Dispose() => _tree.Dispose();

    private sealed class RaceOutcome
    {
        private long _succeeded;
        private long _refused;

        public long Succeeded => Interlocked.Read(ref _succeeded);

        public long Refused => Interlocked.Read(ref _refused);

        public ConcurrentQueue<Exception> Unexpected { get; } = new();

        public ConcurrentQueue<string> Leaks { get; } = new();

        public void Attempt(Action operation)
        {
            try
            {
                operation();
                Interlocked.Increment(ref _succeeded);
            }
            catch (ArgumentException ex) when (ex.Message.Contains("symbolic link", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _refused);
            }
            catch (Exception ex)
            {
                Unexpected.Enqueue(ex);
            }
        }

        public void Check(string operation, byte[]? content)
        {
            if (content is not null && Encoding.UTF8.GetString(content).Contains(Secret, StringComparison.Ordinal))
            {
                Leaks.Enqueue(operation + " returned the secret");
            }
        }
    }
}
