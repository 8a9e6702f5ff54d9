using System.Text;
using AgentRuntime.Gateway.Model;

namespace AgentRuntime.Gateway.Tests.Model;

public sealed class RequestBodyPrefixTests
{
    [Theory]
    [InlineData("""{"model":"claude-opus-4-5","messages":[]}""", "claude-opus-4-5")]
    [InlineData("""{"messages":[{"role":"user","content":"{\"model\":\"fake\"}"}],"system":{"model":"nested"},"model":"real"}""", "real")]
    [InlineData("""{"messages":[{"role":"user","content":"no model here"}]}""", null)]
    [InlineData("""not json""", null)]
    public async Task FindModel_BodyPassedThrough_FindsOnlyTheTopLevelModel(string body, string? model)
    {
        var prefix = new RequestBodyPrefix(new MemoryStream(Encoding.UTF8.GetBytes(body)), 4096);

        var passed = await new StreamReader(prefix).ReadToEndAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(body, passed);
        Assert.Equal(model, prefix.FindModel());
    }

    [Fact]
    public async Task FindModel_ModelAfterThePrefix_IsNotGuessedFromATruncatedMessage()
    {
        var body = $$"""{"messages":[{"role":"user","content":"{{new string('x', 5000)}} \"model\":\"wrong\""}],"model":"late"}""";
        var prefix = new RequestBodyPrefix(new MemoryStream(Encoding.UTF8.GetBytes(body)), 4096);

        await prefix.CopyToAsync(Stream.Null, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Null(prefix.FindModel());
    }
}
