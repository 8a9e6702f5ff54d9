using System.Net;
using System.Net.Http.Json;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Server.Tests.Auth;

/// <summary><c>Auth:Mode = none</c>: everyone is the admin, so only a loopback-only server may run that way.</summary>
public sealed class NoneModeTests : ServerTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["AgentRuntime:Auth:Mode"] = "none" };

    [Fact]
    public async Task OnLoopback_EveryCallerIsTheDefaultTenantsAdmin()
    {
        var ct = TestContext.Current.CancellationToken;
        var anonymous = Server.CreateHttpClient(null);
        var me = await anonymous.GetFromJsonAsync("/api/me", AgentRuntimeJsonContext.Default.CallerInfo, ct);
        Assert.Equal(("default", "none"), (me!.TenantId, me.AuthMode));
        Assert.Contains("admin", me.Scopes);
        await anonymous.CreateSessionAsync();
        Assert.False(File.Exists(Path.Combine(DataDirectory, "admin.key")));
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://127.0.0.1:0;http://[::]:0")]
    public async Task OnAnyOtherAddress_TheServerRefusesToStart(string urls)
    {
        await using var model = await ScriptedModelServer.StartAsync(TestContext.Current.CancellationToken);
        var dataDirectory = Directory.CreateTempSubdirectory("agent-runtime-tests-").FullName;
        try
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningServer.StartAsync(dataDirectory, model, new Dictionary<string, string?>
            {
                ["AgentRuntime:Auth:Mode"] = "none",
                ["urls"] = urls,
            }));
            Assert.Contains("non-loopback address", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
