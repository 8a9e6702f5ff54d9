using AgentRuntime.Testing.Net;
using System.Text.Json;
using AgentRuntime.Cli.Tests.Support;
using AgentRuntime.Client;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Testing;

namespace AgentRuntime.Cli.Tests.EndToEnd;

public sealed class ServerRestartTests
{
    [Fact]
    public async Task AttachJson_ServerRestartedOnTheSameStore_GoesOnAfterTheLastSeqWithoutAGap()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDirectory = Directory.CreateTempSubdirectory("agent-runtime-cli-restart-").FullName;
        RuntimeServer? second = null;
        try
        {
            string sessionId;
            CliRun attach;
            await using var proxy = new TcpProxy(new Uri("http://127.0.0.1:1"));
            var first = await RuntimeServer.StartAsync(ct, dataDirectory);
            var adminKey = first.AdminKey;
            await using (var client = Connect(first))
            {
                proxy.Retarget(first.BaseAddress);
                sessionId = (await client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct)).SessionId;
                attach = CliRun.Start(
                    ["--url", proxy.Address.ToString(), "--api-key", adminKey, "--json", "attach", sessionId],
                    configureClient: options => options.ReconnectDelays = [TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250)]);
                first.Model.Enqueue(Reply.Text("Before the restart."));
                await client.SendMessageAsync(sessionId, "One", ct).WaitAsync(RuntimeServer.Timeout, ct);
                await attach.WaitForOutputAsync("\"type\":\"session:turn:completed\"");
            }

            await first.DisposeAsync();

            // The proxy passes the server's close on one way only; a server that went away takes both ways with it.
            proxy.CutAll();
            second = await RuntimeServer.StartAsync(ct, dataDirectory);
            proxy.Retarget(second.BaseAddress);
            await using (var client = Connect(second))
            {
                second.Model.Enqueue(Reply.Text("After the restart."));
                var turnId = await client.SendMessageAsync(sessionId, "Two", ct).WaitAsync(RuntimeServer.Timeout, ct);
                await attach.WaitForOutputAsync($"\"type\":\"session:turn:completed\",\"turnId\":\"{turnId}\"");
                attach.PressCtrlC();

                Assert.Equal(ExitCodes.Interrupted, await attach.ExitCodeAsync());
                var printed = attach.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                var seqs = printed.Select(l => JsonSerializer.Deserialize(l, AgentRuntimeJsonContext.Default.SessionEvent)!.Seq).ToList();
                Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
                var logged = await client.GetEventsAsync(sessionId, 0, ct).WaitAsync(RuntimeServer.Timeout, ct);
                Assert.Equal(logged.Select(e => JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent)), printed);
                Assert.Contains(logged.OfType<BlockCompleteEvent>(), e => e.Block is Blocks.AssistantTextBlock { Content: "After the restart." });
            }
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }

            Directory.Delete(dataDirectory, recursive: true);
        }

        static AgentRuntimeClient Connect(RuntimeServer server) =>
            new(new AgentRuntimeClientOptions { BaseAddress = server.BaseAddress, ApiKey = server.AdminKey });
    }
}
