using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Protocol;

namespace AgentRuntime.Architectures.Acp.Tests.Protocol;

public sealed class AcpPermissionPolicyTests
{
    [Fact]
    public void Decide_NoAllowedTools_SelectsTheAllowOnceOption()
    {
        var decision = new AcpPermissionPolicy(null).Decide(Request("execute", AllOptions));

        Assert.True(decision.Allowed);
        Assert.Equal("""{"outcome":"selected","optionId":"proceed_once"}""", decision.Outcome.ToJsonString());
    }

    [Theory]
    [InlineData("run_shell_command")]
    [InlineData("EXECUTE")]
    public void Decide_ToolNameOrKindAllowed_Allows(string allowed)
    {
        var decision = new AcpPermissionPolicy([allowed], RecordedToolName).Decide(Request("execute", AllOptions));

        Assert.Equal((true, "run_shell_command"), (decision.Allowed, decision.ToolName));
    }

    [Fact]
    public void Decide_ToolNotAllowed_SelectsTheRejectOnceOption()
    {
        var decision = new AcpPermissionPolicy(["write_file"], RecordedToolName).Decide(Request("execute", AllOptions));

        Assert.False(decision.Allowed);
        Assert.Equal("""{"outcome":"selected","optionId":"cancel"}""", decision.Outcome.ToJsonString());
        Assert.Equal("The profile's allowed tools (write_file) do not include 'run_shell_command'.", decision.Reason);
    }

    [Fact]
    public void Decide_NoMatchingOption_AnswersCancelled()
    {
        var decision = new AcpPermissionPolicy(["write_file"], RecordedToolName).Decide(Request("execute", new JsonArray(new JsonObject { ["optionId"] = "yes", ["kind"] = "allow_always" })));

        Assert.Equal("""{"outcome":"cancelled"}""", decision.Outcome.ToJsonString());
    }

    [Fact]
    public void Decide_OnlyAllowAlways_SelectsIt()
    {
        var decision = new AcpPermissionPolicy(null).Decide(Request("edit", new JsonArray(new JsonObject { ["optionId"] = "always", ["kind"] = "allow_always" })));

        Assert.Equal((true, "always"), (decision.Allowed, decision.Outcome["optionId"]!.GetValue<string>()));
    }

    // The options the Gemini CLI 0.61.0 offered for a shell command.
    private static JsonArray AllOptions => new(
        new JsonObject { ["optionId"] = "proceed_always", ["name"] = "Allow for this session", ["kind"] = "allow_always" },
        new JsonObject { ["optionId"] = "proceed_once", ["name"] = "Allow", ["kind"] = "allow_once" },
        new JsonObject { ["optionId"] = "cancel", ["name"] = "Reject", ["kind"] = "reject_once" });

    private static JsonObject Request(string kind, JsonArray options) => new()
    {
        ["sessionId"] = "s",
        ["options"] = options,
        ["toolCall"] = new JsonObject { ["toolCallId"] = "run_shell_command__run_shell_command_1_0", ["status"] = "pending", ["title"] = "ls", ["kind"] = kind },
    };

    private static string? RecordedToolName(JsonObject toolCall) => Mapping.RecordedAcp.GeminiToolName(toolCall);
}
