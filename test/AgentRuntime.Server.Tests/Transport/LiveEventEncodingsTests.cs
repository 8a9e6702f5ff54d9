using System.Buffers;
using System.Text;
using System.Text.Json;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using AgentRuntime.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Server.Tests.Transport;

/// <summary>Events encoded once for every subscriber: the same bytes on the wire as each transport wrote before.</summary>
public sealed class LiveEventEncodingsTests : IDisposable
{
    private readonly WebApplication _app;
    private readonly LiveEventEncodings _encodings;

    public LiveEventEncodingsTests()
    {
        // The services as the server registers them, so the hub protocol is the one the server speaks.
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddAgentRuntime();
        _app = builder.Build();
        _encodings = _app.Services.GetRequiredService<LiveEventEncodings>();
    }

    public static TheoryData<int> EventIndexes => [.. Enumerable.Range(0, Events().Count)];

    [Theory]
    [MemberData(nameof(EventIndexes))]
    public void SseFrame_AnEvent_IsTheFrameTheStreamWroteBefore(int index)
    {
        var e = Events()[index];

        var frame = _encodings.GetSseFrame(e);

        var json = JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent);
        Assert.Equal($"id: {e.Seq}\ndata: {json}\n\n", Encoding.UTF8.GetString(frame));
    }

    [Theory]
    [MemberData(nameof(EventIndexes))]
    public void HubEvent_InTheServersHubProtocol_IsTheMessageTheSessionEventMade(int index)
    {
        var protocol = _app.Services.GetServices<IHubProtocol>().Single(p => p.Name == "json");
        var e = Events()[index];

        var shared = new ArrayBufferWriter<byte>();
        protocol.WriteMessage(new StreamItemMessage("7", _encodings.GetHubEvent(e)), shared);

        var before = new ArrayBufferWriter<byte>();
        protocol.WriteMessage(new StreamItemMessage("7", e), before);
        Assert.Equal(Encoding.UTF8.GetString(before.WrittenSpan), Encoding.UTF8.GetString(shared.WrittenSpan));
    }

    [Fact]
    public void Encodings_OneEventAskedAgain_AreMadeOnce()
    {
        var e = Events()[0];

        Assert.Same(_encodings.GetSseFrame(e), _encodings.GetSseFrame(e));
        Assert.Same(_encodings.GetHubEvent(e), _encodings.GetHubEvent(e));
        Assert.NotSame(_encodings.GetSseFrame(e), _encodings.GetSseFrame(e with { }));
    }

    [Fact]
    public void SseFrame_AnEventLargerThanTheScratchBuffer_IsWhole()
    {
        var e = new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = "b", Delta = new string('x', 600_000) + "é\"<", Seq = 12, SessionId = "s" };

        var frame = _encodings.GetSseFrame(e);
        var next = _encodings.GetSseFrame(Events()[0]);

        Assert.Equal($"id: 12\ndata: {JsonSerializer.Serialize<SessionEvent>(e, AgentRuntimeJsonContext.Default.SessionEvent)}\n\n", Encoding.UTF8.GetString(frame));
        Assert.StartsWith("id: 41\ndata: {", Encoding.UTF8.GetString(next), StringComparison.Ordinal);
    }

    public void Dispose() => ((IDisposable)_app).Dispose();

    // What the escaping of each transport treats differently (quotes, markup, non-ASCII, surrogate pairs), nested
    // blocks, enums, raw JSON and large numbers.
    private static List<SessionEvent> Events()
    {
        var at = DateTimeOffset.UnixEpoch.AddTicks(1).ToOffset(TimeSpan.FromHours(2));
        var input = JsonElement.Parse("""{"command":"ls -la <dir> && echo \"é\"","n":[1,2.5,null,true]}""");
        return
        [
            new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = "b3", Delta = "emoji 🚀 and \"quotes\" <tag> & 'é' \u0001", Timestamp = at, Seq = 41, SessionId = "s-1" },
            new BlockStartEvent { ConversationId = "sub-1", Block = new ToolUseBlock { Id = "b2", Timestamp = at, ToolName = "Bash", ToolUseId = "tu1", Input = input, Status = ToolStatus.Running }, Timestamp = at, Seq = long.MaxValue, SessionId = "s-1" },
            new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = "b4", Block = new ToolResultBlock { Id = "b4", Timestamp = at, ToolUseId = "tu1", Output = "out\n<x>", IsError = true, DurationMs = 7 }, Timestamp = at, Seq = 3, SessionId = "s-1" },
            new StatusEvent { Runtime = new SessionRuntime { IsLoaded = true, Sandbox = new SandboxInfo { SandboxId = "sb-1", Status = SandboxStatus.Unhealthy, RestartCount = 1 } }, Timestamp = at, Seq = 4, SessionId = "s-1" },
            new TurnFailedEvent { TurnId = "t2", Error = "boom & <bust>", Timestamp = at, Seq = 5, SessionId = "s-1" },
            new FileCreatedEvent { Path = "src/新しい.py", Size = 12, Hash = new string('a', 64), Content = "print('hi')\n", Timestamp = at, Seq = 6, SessionId = "s-1" },
            new ErrorEvent { Message = "oops", Code = "internal", Timestamp = at },
        ];
    }
}
