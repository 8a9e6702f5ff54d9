using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Server.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace AgentRuntime.Server.Tests.Transport;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> against the routes the server really maps, and against the committed
/// snapshot <c>openapi.v1.json</c> beside this file: a change of the API shows as a change of the snapshot.
/// </summary>
public sealed class OpenApiDocumentTests(OpenApiDocumentTests.Fixture fixture) : IClassFixture<OpenApiDocumentTests.Fixture>
{
    private const string SnapshotFile = "openapi.v1.json";
    private const string UpdateVariable = "UPDATE_OPENAPI_SNAPSHOT";
    private const string ProblemReference = "#/components/schemas/ProblemDetails";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private JsonObject Document => fixture.Document;

    [Fact]
    public void Document_ListsEveryMappedApiRoute_AndNoOther()
    {
        var mapped = ApiRoutes(fixture.Host.App).ToHashSet();
        var documented = Operations(Document).Where(o => o.Path.StartsWith("/api/", StringComparison.Ordinal)).Select(o => (o.Path, o.Method)).ToHashSet();

        Assert.True(mapped.Count > 20, $"Only {mapped.Count} API routes were found: the enumeration of the endpoints is broken.");
        Assert.Empty(mapped.Except(documented).Select(r => $"{r.Method} {r.Path}"));
        Assert.Empty(documented.Except(mapped).Select(r => $"{r.Method} {r.Path}"));
    }

    [Fact]
    public void Document_ReadsBackAsValidOpenApi31()
    {
        var read = Microsoft.OpenApi.OpenApiDocument.Parse(Document.ToJsonString(), "json");

        Assert.Empty(read.Diagnostic!.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty(read.Diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Equal(Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        Assert.Equal(Operations(Document).Count(), read.Document!.Paths.Sum(p => p.Value.Operations?.Count ?? 0));

        // The reader does judge: a document without its info is refused.
        var broken = Document.DeepClone().AsObject();
        broken.Remove("info");
        Assert.NotEmpty(Microsoft.OpenApi.OpenApiDocument.Parse(broken.ToJsonString(), "json").Diagnostic!.Errors);
    }

    [Fact]
    public void Document_ListsTheHealthChecks_WithoutACredential()
    {
        var mapped = ((IEndpointRouteBuilder)fixture.Host.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => OpenApiPath(e.RoutePattern))
            .Where(p => p == "/health" || p.StartsWith("/health", StringComparison.Ordinal))
            .ToList();

        Assert.Equal(["/health", "/health/live", "/health/ready", "/healthz"], mapped.Order(StringComparer.Ordinal));
        foreach (var path in mapped)
        {
            var operation = Operation(Document, path, "get");
            Assert.Null(operation["security"]);
            var schema = operation["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
            Assert.Equal("#/components/schemas/HealthCheckReport", schema);
            Assert.Equal(path != "/health/live", operation["responses"]!.AsObject().ContainsKey("503"));
        }
    }

    [Fact]
    public void Document_EveryOperation_HasItsBodySchemasAndProblemAnswers()
    {
        var problems = new List<string>();
        foreach (var (path, method, operation) in Operations(Document))
        {
            var name = $"{method} {path}";
            if (operation["requestBody"]?["content"] is JsonObject body)
            {
                foreach (var (contentType, media) in body)
                {
                    if (media?["schema"] is not JsonObject { Count: > 0 })
                    {
                        problems.Add($"{name}: the {contentType} request body has no schema");
                    }
                }
            }

            var responses = operation["responses"]!.AsObject();
            var successes = responses.Where(r => r.Key.StartsWith('2')).ToList();
            if (successes.Count == 0)
            {
                problems.Add($"{name}: no success response");
            }

            foreach (var (status, response) in successes)
            {
                var content = response?["content"] as JsonObject;
                if (status == "204")
                {
                    if (content is { Count: > 0 })
                    {
                        problems.Add($"{name}: 204 with content");
                    }

                    continue;
                }

                if (content is not { Count: > 0 })
                {
                    problems.Add($"{name}: {status} has no content");
                    continue;
                }

                foreach (var (contentType, media) in content)
                {
                    if (media?["schema"] is not JsonObject { Count: > 0 })
                    {
                        problems.Add($"{name}: {status} {contentType} has no schema");
                    }
                }
            }

            // The health checks' 503 is their report; every error of the API is a problem.
            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5' && path.StartsWith("/api/", StringComparison.Ordinal)))
            {
                var reference = response?["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>();
                if (reference != ProblemReference || response!["content"]!.AsObject().Count != 1)
                {
                    problems.Add($"{name}: {status} is not only an application/problem+json ProblemDetails");
                }
            }

            if (path.StartsWith("/api", StringComparison.Ordinal) && !responses.ContainsKey("429"))
            {
                problems.Add($"{name}: the rate limit's 429 is missing");
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Document_Streams_HaveTheirContentTypes()
    {
        var events = Operation(Document, "/api/sessions/{id}/events", "get")["responses"]!["200"]!["content"]!.AsObject();
        Assert.Equal(["application/json", "text/event-stream"], events.Select(c => c.Key).Order());
        Assert.Equal("#/components/schemas/SessionEvent", events["application/json"]!["schema"]!["items"]!["$ref"]!.GetValue<string>());

        var file = Operation(Document, "/api/sessions/{id}/files/{path}", "get")["responses"]!["200"]!["content"]!.AsObject();
        Assert.Equal("application/octet-stream", Assert.Single(file).Key);
        var zip = Operation(Document, "/api/sessions/{id}/files.zip", "get")["responses"]!["200"]!["content"]!.AsObject();
        Assert.Equal("application/zip", Assert.Single(zip).Key);
        var upload = Operation(Document, "/api/sessions/{id}/files/{path}", "put")["requestBody"]!["content"]!.AsObject();
        Assert.Equal("application/octet-stream", Assert.Single(upload).Key);
    }

    [Fact]
    public void Document_PolymorphicEventsAndBlocks_HaveDiscriminators()
    {
        var schemas = Document["components"]!["schemas"]!;
        foreach (var (type, value) in new[] { ("SessionEvent", "session:block:delta"), ("ConversationBlock", "tool_use") })
        {
            var discriminator = schemas[type]!["discriminator"];
            Assert.Equal("type", discriminator?["propertyName"]?.GetValue<string>());
            var target = discriminator!["mapping"]![value]!.GetValue<string>();
            Assert.NotNull(schemas[target.Split('/')[^1]]);
        }

        // A message's content is a string or parts, as the server reads it (not the .NET record's string alone).
        var content = schemas["SendMessageBody"]!["properties"]!["content"]!["oneOf"]!.AsArray();
        Assert.Equal(2, content.Count);
    }

    [Fact]
    public void Document_DescribesTheApiKeyBearerScheme_AndOnlyHealthIsAnonymous()
    {
        var schemes = Document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("http", schemes["bearer"]!["type"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["bearer"]!["scheme"]!.GetValue<string>());
        Assert.Equal(("apiKey", "query", "access_token"),
            (schemes["accessTokenQuery"]!["type"]!.GetValue<string>(), schemes["accessTokenQuery"]!["in"]!.GetValue<string>(), schemes["accessTokenQuery"]!["name"]!.GetValue<string>()));

        foreach (var (path, method, operation) in Operations(Document))
        {
            var security = operation["security"] as JsonArray;
            if (path == "/api/health" || path.StartsWith("/health", StringComparison.Ordinal))
            {
                Assert.True(security is null or { Count: 0 }, $"{path} answers without a credential");
                Assert.False(operation["responses"]!.AsObject().ContainsKey("401"));
                continue;
            }

            Assert.True(security is { Count: > 0 }, $"{method} {path} has no security requirement");
            var scopes = security[0]!["bearer"]!.AsArray().Select(s => s!.GetValue<string>());
            Assert.Equal(path.StartsWith("/api/keys", StringComparison.Ordinal) ? "admin" : "sessions", Assert.Single(scopes));
            Assert.True(operation["responses"]!.AsObject().ContainsKey("401"), $"{method} {path} does not list 401");
        }

        // Only the event stream takes the credential in the query too.
        Assert.Equal(["/api/sessions/{id}/events"], Operations(Document)
            .Where(o => o.Operation["security"]?.AsArray().Any(r => r!.AsObject().ContainsKey("accessTokenQuery")) == true)
            .Select(o => o.Path));
    }

    [Fact]
    public async Task Document_IsServedWithoutACredential_AsJson()
    {
        using var response = await fixture.Host.Anonymous.GetAsync("/openapi/v1.json", Token);
        using var other = await fixture.Host.Anonymous.GetAsync("/openapi/v2.json", Token);
        using var post = await fixture.Host.Anonymous.PostAsync("/openapi/v1.json", null, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task DocumentedBodies_LeaveTheContentTypeCheckToTheHandler()
    {
        // Routing would refuse a body of another type with a bare 415 if the documented content types were enforced
        // there; the handler's 415 is a problem that names what it got.
        using var http = new HttpClient { BaseAddress = fixture.Host.Anonymous.BaseAddress, Timeout = RunningServer.Timeout };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Host.AdminKey);

        using var response = await http.PostAsync("/api/sessions", new StringContent("agentProfileRef=default", System.Text.Encoding.UTF8, "text/plain"), Token);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("text/plain", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public void Document_MatchesTheCommittedSnapshot()
    {
        var directory = SourceDirectory();
        var snapshot = Path.Combine(directory, SnapshotFile);
        var received = Path.Combine(directory, Path.ChangeExtension(SnapshotFile, ".received.json"));
        var actual = Normalize(Document);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(snapshot, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(snapshot) ? File.ReadAllText(snapshot).ReplaceLineEndings("\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(
            $"The OpenAPI document differs from the committed snapshot {snapshot}{FirstDifference(expected, actual)}\n"
            + $"The document the server serves now is in {received}. If the API change is intended, accept it with\n"
            + $"  {UpdateVariable}=1 dotnet test test/AgentRuntime.Server.Tests --filter FullyQualifiedName~OpenApiDocumentTests\n"
            + "(or copy the received file over the snapshot) and commit the snapshot with the change.");
    }

    [Theory]
    [InlineData("jwt")]
    [InlineData("none")]
    public async Task Document_DescribesTheSchemeOfTheConfiguredMode(string mode)
    {
        await using var host = await ApiOnlyHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["AgentRuntime:Auth:Mode"] = mode,
            ["AgentRuntime:Auth:Jwt:SigningKey"] = Convert.ToBase64String(new byte[32]),
        });
        var document = await FetchAsync(host);

        var schemes = document["components"]?["securitySchemes"]?.AsObject();
        var secured = Operations(document).Count(o => o.Operation["security"] is JsonArray { Count: > 0 });
        if (mode == "jwt")
        {
            Assert.Equal("JWT", schemes?["bearer"]?["bearerFormat"]?.GetValue<string>());
            Assert.Equal(Operations(document).Count(o => o.Path.StartsWith("/api/", StringComparison.Ordinal)) - 1, secured);
        }
        else
        {
            // Authentication is off (loopback only): nothing to send, so no scheme and no requirement.
            Assert.True(schemes is null or { Count: 0 });
            Assert.Equal(0, secured);
        }
    }

    /// <summary>Each route under <c>/api</c> with each of its methods, its path written as OpenAPI writes it.</summary>
    private static IEnumerable<(string Path, string Method)> ApiRoutes(IEndpointRouteBuilder app) =>
        app.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => (Path: OpenApiPath(e.RoutePattern), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => e.Path == "/api" || e.Path.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => (e.Path, m.ToLowerInvariant())));

    private static string OpenApiPath(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => throw new InvalidOperationException($"A route part of kind {p.PartKind}."),
        }))));

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()
            .Where(o => o.Key is "get" or "put" or "post" or "delete" or "patch" or "head" or "options")
            .Select(o => (p.Key, o.Key, o.Value!.AsObject())));

    private static JsonObject Operation(JsonObject document, string path, string method) =>
        document["paths"]?[path]?[method]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"The document has no {method} {path}.");

    internal static async Task<JsonObject> FetchAsync(ApiOnlyHost host)
    {
        using var response = await host.Anonymous.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
    }

    /// <summary>The document as the snapshot keeps it: without the server's address, every object's keys in order.</summary>
    private static string Normalize(JsonObject document)
    {
        var copy = document.DeepClone().AsObject();
        copy.Remove("servers");
        return Sorted(copy)!.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    private static string FirstDifference(string? expected, string actual)
    {
        if (expected is null)
        {
            return " (there is no snapshot yet).";
        }

        var (was, now) = (expected.Split('\n'), actual.Split('\n'));
        for (var i = 0; i < Math.Max(was.Length, now.Length); i++)
        {
            var (a, b) = (i < was.Length ? was[i] : "<end>", i < now.Length ? now[i] : "<end>");
            if (a != b)
            {
                return $": first at line {i + 1}, was\n  {a.Trim()}\nnow\n  {b.Trim()}";
            }
        }

        return ".";
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    /// <summary>One server (Production, API keys) and its document for the tests that only read them.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        internal ApiOnlyHost Host { get; private set; } = null!;

        internal JsonObject Document { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Host = await ApiOnlyHost.StartAsync();
            Document = await FetchAsync(Host);
        }

        public async ValueTask DisposeAsync() => await Host.DisposeAsync();
    }
}
