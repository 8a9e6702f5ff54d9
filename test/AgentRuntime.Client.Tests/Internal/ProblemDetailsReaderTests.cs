using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AgentRuntime.Client.Internal;

namespace AgentRuntime.Client.Tests.Internal;

public sealed class ProblemDetailsReaderTests
{
    [Fact]
    public async Task Read_TooManyRequestsWithRetryAfterSeconds_KeepsTheProblemAndTheWait()
    {
        using var response = Problem(HttpStatusCode.TooManyRequests, """{"title":"Limit reached","detail":"Tenant 'a' is at its limit MaxSessions (1).","limit":"MaxSessions"}""");
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(60));

        var error = await ProblemDetailsReader.ReadAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Equal("Limit reached", error.Title);
        Assert.Equal("Tenant 'a' is at its limit MaxSessions (1).", error.Detail);
        Assert.Equal(TimeSpan.FromSeconds(60), error.RetryAfter);
    }

    [Fact]
    public async Task Read_RetryAfterAsADate_GivesTheWaitFromNow()
    {
        using var response = Problem(HttpStatusCode.ServiceUnavailable, "");
        response.Headers.RetryAfter = new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddMinutes(2));

        var error = await ProblemDetailsReader.ReadAsync(response, TestContext.Current.CancellationToken);

        Assert.InRange(error.RetryAfter!.Value, TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task Read_RetryAfterADateInThePast_GivesZero()
    {
        using var response = Problem(HttpStatusCode.TooManyRequests, "");
        response.Headers.RetryAfter = new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddMinutes(-2));

        var error = await ProblemDetailsReader.ReadAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal(TimeSpan.Zero, error.RetryAfter);
    }

    [Fact]
    public async Task Read_NoRetryAfter_LeavesItNull()
    {
        using var response = Problem(HttpStatusCode.Unauthorized, """{"title":"Unauthorized","detail":"Send a valid credential."}""");

        var error = await ProblemDetailsReader.ReadAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal("401 Unauthorized: Send a valid credential.", error.Message);
        Assert.Null(error.RetryAfter);
    }

    private static HttpResponseMessage Problem(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/problem+json") };
}
