using AgentRuntime.Testing.Net;
using System.Text.Json;
using AgentRuntime.Cli.Tests.Support;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Testing;

namespace AgentRuntime.Cli.Tests.EndToEnd;

public sealed class ResumeTests(ServerFixture fixture) : CliTest(fixture)
{
    [Fact]
    public async Task AttachJson_ConnectionCutTwiceMidTurn_PrintsEverySeqOnceInOrder()
    {
        await using var proxy = new TcpProxy(Server.BaseAddress);
        var sessionId = await NewSessionAsync();
        Model.Enqueue(Reply.Text("Earlier turn."));
        Assert.Equal(0, await (await RunAsync("send", sessionId, "First")).ExitCodeAsync());
        Model.Enqueue(Reply.Text(string.Join(' ', Enumerable.Range(1, 80).Select(i => $"word{i}"))).WithPieces(60).WithChunkDelay(TimeSpan.FromMilliseconds(40)));

        // History first (the earlier turn), then live through the proxy, whose connections the test cuts.
        var attach = CliRun.Start([.. Connection(proxy.Address), "--json", "attach", sessionId]);
        await attach.WaitForOutputAsync("\"type\":\"session:turn:completed\"");
        var turnId = await Client.SendMessageAsync(sessionId, "Stream slowly", Ct);
        await WaitForLinesAsync(attach, lines => Deltas(lines) >= 5);
        var firstCut = proxy.CutAll();
        await WaitForLinesAsync(attach, lines => Deltas(lines) >= 25);
        var secondCut = proxy.CutAll();
        await WaitForLinesAsync(attach, lines => lines.Any(l => l.Contains("session:turn:completed", StringComparison.Ordinal) && l.Contains(turnId, StringComparison.Ordinal)));
        attach.PressCtrlC();

        Assert.Equal(ExitCodes.Interrupted, await attach.ExitCodeAsync());
        Assert.True(firstCut > 0 && secondCut > 0, "the proxy had no connection to cut");
        Assert.True(proxy.AcceptedConnections >= 3, $"the client should have reconnected twice; the proxy saw {proxy.AcceptedConnections} connections");
        var printed = Lines(attach);
        var seqs = printed.Select(l => JsonSerializer.Deserialize(l, AgentRuntimeJsonContext.Default.SessionEvent)!.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        var logged = await Client.GetEventsAsync(sessionId, 0, Ct);
        Assert.Equal(logged.Select(e => JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent)), printed);
    }

    [Fact]
    public async Task Attach_AfterASeq_ReplaysOnlyWhatCameAfterIt()
    {
        var sessionId = await NewSessionAsync();
        Model.Enqueue(Reply.Text("Answer one."), Reply.Text("Answer two."));
        Assert.Equal(0, await (await RunAsync("send", sessionId, "One")).ExitCodeAsync());
        var after = (await Client.GetSessionAsync(sessionId, Ct)).LastSeq;
        Assert.Equal(0, await (await RunAsync("send", sessionId, "Two")).ExitCodeAsync());

        var attach = Start(["attach", sessionId, "--after", after.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await attach.WaitForOutputAsync("Answer two.\n─ ");
        attach.PressCtrlC();

        Assert.Equal(ExitCodes.Interrupted, await attach.ExitCodeAsync());
        Assert.StartsWith("› Two\n", attach.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Answer one.", attach.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_SessionDeletedWhileFollowed_EndsWithZero()
    {
        var sessionId = await NewSessionAsync();
        var attach = Start(["attach", sessionId]);
        await WaitUntilSubscribedAsync(sessionId, attach);

        Assert.Equal(0, await (await RunAsync("sessions", "delete", sessionId)).ExitCodeAsync());

        Assert.Equal(0, await attach.ExitCodeAsync());
        Assert.Contains($"Session {sessionId} was deleted.", attach.Error, StringComparison.Ordinal);
    }

    private static int Deltas(List<string> lines) => lines.Count(l => l.Contains("\"type\":\"session:block:delta\"", StringComparison.Ordinal));

    private static List<string> Lines(CliRun run) => [.. run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static async Task WaitForLinesAsync(CliRun run, Func<List<string>, bool> done)
    {
        var deadline = DateTime.UtcNow + RuntimeServer.Timeout;
        while (!done(Lines(run)))
        {
            Assert.True(DateTime.UtcNow < deadline, run.ToString());
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>
    /// An idle session prints nothing when attached, so the test sends a message from another client and waits for it
    /// to show: from then on the stream is live.
    /// </summary>
    private async Task WaitUntilSubscribedAsync(string sessionId, CliRun attach)
    {
        Model.Enqueue(Reply.Text("Here."));
        await Client.SendMessageAsync(sessionId, "Are you there?", Ct);
        await attach.WaitForOutputAsync("Here.\n─ ");
    }
}
