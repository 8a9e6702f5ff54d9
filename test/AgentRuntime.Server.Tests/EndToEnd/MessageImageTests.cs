using System.Net;
using System.Net.Http.Json;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>Messages with images: what the model receives, and what the server refuses.</summary>
public sealed class MessageImageTests : ServerTest
{
    // A 1x1 transparent PNG.
    private const string Png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Message_WithAnImage_ReachesTheModelBeforeTheTextAndIsKeptInTheBlock()
    {
        var session = await Server.CreateSessionAsync();
        var events = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.Text("A tiny image."));

        var response = await Server.Http.PostAsJsonAsync($"/api/sessions/{session.SessionId}/messages", new
        {
            content = new object[] { new { type = "image", mediaType = "image/png", data = Png }, new { type = "text", text = "What is this?" } },
        }, Token);
        response.EnsureSuccessStatusCode();
        await events.WaitForAsync<TurnCompletedEvent>();

        // The CLI adds its own context blocks; the user's image comes before the user's text.
        var content = Model.ConversationRequests[^1].Messages.Last(m => (string?)m["role"] == "user")["content"]!.AsArray().Select(c => c!).ToList();
        var image = content.FindIndex(c => c["type"]!.GetValue<string>() == "image");
        var text = content.FindIndex(c => c["type"]!.GetValue<string>() == "text" && c["text"]!.GetValue<string>().Contains("What is this?", StringComparison.Ordinal));
        Assert.InRange(image, 0, text - 1);
        var source = content[image]["source"]!;
        Assert.Equal(("base64", "image/png", Png), (source["type"]!.GetValue<string>(), source["media_type"]!.GetValue<string>(), source["data"]!.GetValue<string>()));
        var message = (await Server.GetSessionAsync(session.SessionId)).Blocks.OfType<UserMessageBlock>().Single();
        Assert.Equal("What is this?", message.Content);
        Assert.Equal(Png, Assert.Single(message.Images!).Data);
    }

    [Theory]
    [InlineData("""{"content":[{"type":"image","mediaType":"image/svg+xml","data":"PHN2Zz4="}]}""", "the types taken are")]
    [InlineData("""{"content":[{"type":"image","mediaType":"image/png","data":"not base64!"}]}""", "is not base64")]
    [InlineData("""{"content":[{"type":"image","mediaType":"image/png"}]}""", "needs 'data'")]
    [InlineData("""{"content":[{"type":"video","data":"AAAA"}]}""", "Each part of 'content'")]
    [InlineData("""{"content":42}""", "'content' must be a string")]
    [InlineData("""{"content":[]}""", "is empty")]
    public async Task Message_WithABadImage_Is400AndStartsNoTurn(string body, string message)
    {
        var session = await Server.CreateSessionAsync();

        var response = await Server.Http.PostAsync($"/api/sessions/{session.SessionId}/messages", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Empty((await Server.GetSessionAsync(session.SessionId)).Blocks);
    }

    [Fact]
    public async Task Message_WithTooManyOrTooLargeImages_IsRefused()
    {
        var session = await Server.CreateSessionAsync();
        var image = new { type = "image", mediaType = "image/png", data = Png };
        var large = new { type = "image", mediaType = "image/png", data = Convert.ToBase64String(new byte[(5 * 1024 * 1024) + 1]) };

        var many = await Server.Http.PostAsJsonAsync($"/api/sessions/{session.SessionId}/messages", new { content = Enumerable.Repeat(image, 5).ToArray() }, Token);
        var big = await Server.Http.PostAsJsonAsync($"/api/sessions/{session.SessionId}/messages", new { content = new[] { large } }, Token);

        Assert.Equal(HttpStatusCode.BadRequest, many.StatusCode);
        Assert.Contains("at most 4 images", await many.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, big.StatusCode);
        Assert.Contains("larger than 5242880 bytes", await big.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Empty((await Server.GetSessionAsync(session.SessionId)).Blocks);
    }
}
