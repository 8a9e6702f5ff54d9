using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// The symlink-exchange race (the class of CVE-2018-15664): an agent swaps a workspace file and directory for symbolic
/// links to root-only host paths, atomically and in a tight loop, while turns scan the workspace and a client hammers
/// the file API on those paths. Nothing of the host may be read or written, and the session must go on working.
/// </summary>
public sealed class WorkspaceRaceTests : ServerTest
{
    private static readonly TimeSpan RaceDuration = TimeSpan.FromSeconds(20);
    private const string Secret = "host-secret-5a7c1e";

    // The client hammers the file API far faster than a tenant's default request rate allows.
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["AgentRuntime:Limits:RequestsPerMinute"] = "10000000" };

    [Fact]
    public async Task SymlinkExchange_DuringScansAndFileCalls_NeverReachesTheHost()
    {
        var ct = TestContext.Current.CancellationToken;
        var canary = Directory.CreateTempSubdirectory("agent-runtime-canary-"); // root's, 0700
        var secretFile = Path.Combine(canary.FullName, "secret.txt");
        await File.WriteAllTextAsync(secretFile, Secret, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(Path.Combine(canary.FullName, "z"), "keep me", ct);
        try
        {
            var session = await Server.CreateSessionAsync();
            var events = await SubscribeHubAsync(session.SessionId);
            var files = $"/api/sessions/{session.SessionId}/files";
            (await Server.Http.PutAsync($"{files}/swap.py", new StringContent(SwapScript(canary.FullName, secretFile)), ct)).EnsureSuccessStatusCode();
            await RunBashAsync(session.SessionId, "nohup python3 swap.py > /dev/null 2>&1 & echo started", events);

            var responses = new List<(string Request, int Status, string Body)>();
            var clock = Stopwatch.StartNew();
            var hammer = Task.Run(async () =>
            {
                var n = 0;
                while (clock.Elapsed < RaceDuration)
                {
                    foreach (var request in new[]
                    {
                        new HttpRequestMessage(HttpMethod.Put, $"{files}/d/x{n++ % 5}") { Content = new StringContent("written through d") },
                        new HttpRequestMessage(HttpMethod.Put, $"{files}/f") { Content = new StringContent("written at f") },
                        new HttpRequestMessage(HttpMethod.Delete, $"{files}/d/z"),
                        new HttpRequestMessage(HttpMethod.Get, $"{files}/f"),
                        new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session.SessionId}/files.zip"),
                    })
                    {
                        using var response = await Server.Http.SendAsync(request, ct);
                        var body = Encoding.Latin1.GetString(await response.Content.ReadAsByteArrayAsync(ct));
                        lock (responses)
                        {
                            responses.Add(($"{request.Method} {request.RequestUri}", (int)response.StatusCode, body));
                        }
                    }
                }
            }, ct);
            var turns = 0;
            while (clock.Elapsed < RaceDuration)
            {
                await RunBashAsync(session.SessionId, "ls -la > /dev/null; cat f d/* > /dev/null 2>&1; echo tick", events);
                turns++;
            }

            await hammer.WaitAsync(TimeSpan.FromSeconds(60), ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct); // the swapper stops by itself at the end of the race
            var (after, _) = await RunBashAsync(session.SessionId, "echo still-working", events);

            Assert.Equal(["secret.txt", "z"], canary.EnumerateFiles().Select(f => f.Name).Order());
            Assert.Equal(Secret, await File.ReadAllTextAsync(secretFile, ct));
            Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(canary.FullName, "z"), ct));
            Assert.DoesNotContain(responses, r => r.Body.Contains(Secret, StringComparison.Ordinal));
            Assert.DoesNotContain(responses, r => r.Status >= 500);
            Assert.DoesNotContain(events.Events, e => JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent).Contains(Secret, StringComparison.Ordinal));
            foreach (var file in (await Server.Http.GetFromJsonAsync(files, AgentRuntimeJsonContext.Default.IReadOnlyListWorkspaceFileInfo, ct))!)
            {
                Assert.DoesNotContain(Secret, await Server.Http.GetStringAsync($"{files}/{file.Path}", ct));
            }

            Assert.Contains("still-working", after.Output);
            Assert.True(turns >= 2, $"turns scanned the workspace during the race ({turns})");
            Assert.True(responses.Count >= 50, $"the client raced the swapper ({responses.Count} calls)");
        }
        finally
        {
            canary.Delete(recursive: true);
        }
    }

    private static string SwapScript(string canaryDirectory, string canaryFile) => $"""
        import ctypes, os, time
        libc = ctypes.CDLL(None, use_errno=True)
        AT_FDCWD, RENAME_EXCHANGE = -100, 2
        os.makedirs("d", exist_ok=True)
        open("f", "w").write("plain")
        for name, target in (("dlink", {JsonSerializer.Serialize(canaryDirectory)}), ("flink", {JsonSerializer.Serialize(canaryFile)})):
            if not os.path.lexists(name):
                os.symlink(target, name)
        end = time.time() + {RaceDuration.TotalSeconds}
        while time.time() < end:
            libc.renameat2(AT_FDCWD, b"d", AT_FDCWD, b"dlink", RENAME_EXCHANGE)
            libc.renameat2(AT_FDCWD, b"f", AT_FDCWD, b"flink", RENAME_EXCHANGE)
        """;
}
