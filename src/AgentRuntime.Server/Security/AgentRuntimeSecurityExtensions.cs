using System.Security.Claims;
using System.Threading.RateLimiting;
using AgentRuntime.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AgentRuntime.Security;

/// <summary>
/// Who may call the runtime and how much: ASP.NET Core authentication (API keys, JWT bearer, or none on loopback),
/// authorization by scope, tenant-partitioned rate limiting, CORS, the Origin check and host filtering.
/// </summary>
internal static class AgentRuntimeSecurityExtensions
{
    /// <summary>Needs <see cref="ApiScopes.Sessions"/> (or admin): every session route, the hub, the profiles.</summary>
    public const string SessionsPolicy = "agent-runtime:sessions";

    /// <summary>Needs <see cref="ApiScopes.Admin"/>: the key routes.</summary>
    public const string AdminPolicy = "agent-runtime:admin";

    private const string CorsPolicy = "agent-runtime";

    public static IServiceCollection AddAgentRuntimeSecurity(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .Validate<IConfiguration>(
                (auth, configuration) => auth.Mode != AuthMode.None || ServerAddresses.AreLoopbackOnly(ServerAddresses.Configured(configuration)),
                "AgentRuntime:Auth:Mode is 'none', which lets anyone who can reach the server do anything, but the server listens on a "
                + "non-loopback address. Use 'apikey' or 'jwt', or bind to 127.0.0.1 / localhost only.")
            .Validate(
                auth => auth.Mode != AuthMode.Jwt || auth.Jwt.Authority is { Length: > 0 } || auth.Jwt.SigningKey is { Length: > 0 },
                "AgentRuntime:Auth:Mode is 'jwt' but neither AgentRuntime:Auth:Jwt:Authority nor AgentRuntime:Auth:Jwt:SigningKey is set.")
            .ValidateOnStart();
        services.AddOptions<CorsSettings>().BindConfiguration(CorsSettings.SectionName);
        services.AddSingleton<ApiKeys>();
        services.AddHostedService<AdminKeyBootstrap>();
        QueryAccessTokenServer.Decorate(services);

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, NoAuthenticationHandler>(NoAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        services.AddOptions<AuthenticationOptions>().Configure<IOptions<AuthOptions>>((options, auth) => options.DefaultScheme = auth.Value.Mode switch
        {
            AuthMode.Jwt => JwtBearerDefaults.AuthenticationScheme,
            AuthMode.None => NoAuthenticationHandler.SchemeName,
            _ => ApiKeyAuthenticationHandler.SchemeName,
        });
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((options, auth) => ConfigureJwt(options, auth.Value.Jwt));

        services.AddAuthorizationBuilder()
            .AddPolicy(SessionsPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c.User, ApiScopes.Sessions) || HasScope(c.User, ApiScopes.Admin)))
            .AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c.User, ApiScopes.Admin)));

        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<CorsSettings>>((options, settings) => options.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins([.. settings.Value.Origins.Select(o => o.TrimEnd('/'))])
            .AllowAnyHeader()
            .AllowAnyMethod()
            .WithExposedHeaders("Retry-After", "Location")));

        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(RequestsPerMinute);
            options.OnRejected = RejectAsync;
        });

        // A server that listens on loopback only answers only to loopback names: a page of another site whose name
        // resolves to 127.0.0.1 (DNS rebinding) is refused. Set AllowedHosts to serve other names.
        services.AddOptions<HostFilteringOptions>().PostConfigure<IConfiguration>((options, configuration) =>
        {
            if (configuration["AllowedHosts"] is null or "" or "*" && ServerAddresses.AreLoopbackOnly(ServerAddresses.Configured(configuration)))
            {
                options.AllowedHosts = [.. ServerAddresses.LoopbackHosts];
            }
        });
        return services;
    }

    /// <summary>The middleware, in order: the Origin check, CORS, authentication, authorization, rate limiting.</summary>
    public static IApplicationBuilder UseAgentRuntimeSecurity(this IApplicationBuilder app)
    {
        app.UseMiddleware<OriginGuard>();
        app.UseCors(CorsPolicy);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    private static bool HasScope(ClaimsPrincipal user, string scope) => user.HasClaim(Caller.ScopeClaim, scope);

    private static RateLimitPartition<string> RequestsPerMinute(HttpContext context)
    {
        var limits = context.RequestServices.GetRequiredService<IOptionsMonitor<TenantLimitOptions>>().CurrentValue;
        var tenant = context.User.FindFirst(Caller.TenantClaim)?.Value;
        // Callers without a credential are counted by address, at the default rate, so they cannot use a tenant's.
        var (key, permits) = tenant is null
            ? ($"address:{context.Connection.RemoteIpAddress}", limits.RequestsPerMinute)
            : ($"tenant:{tenant}", limits.For(tenant).RequestsPerMinute);
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var tenant = context.User.FindFirst(Caller.TenantClaim)?.Value;
        var limits = context.RequestServices.GetRequiredService<IOptionsMonitor<TenantLimitOptions>>().CurrentValue;
        var max = tenant is null ? limits.RequestsPerMinute : limits.For(tenant).RequestsPerMinute;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
        await Transport.ProblemMapping.TooManyRequests(
            nameof(TenantLimitOptions.RequestsPerMinute),
            tenant is null ? "Too many requests from this address without a credential." : $"Tenant '{tenant}' is at its limit RequestsPerMinute ({max}).",
            retryAfter).ExecuteAsync(context);
    }

    private static void ConfigureJwt(JwtBearerOptions options, JwtAuthOptions jwt)
    {
        options.MapInboundClaims = false;
        options.Authority = jwt.Authority;
        options.Audience = jwt.Audience;
        options.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        options.TokenValidationParameters.ValidateAudience = jwt.Audience is not null;
        if (jwt.SigningKey is { Length: > 0 } signingKey)
        {
            options.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(signingKey));
            options.TokenValidationParameters.ValidIssuer = jwt.Issuer;
            options.TokenValidationParameters.ValidateIssuer = jwt.Issuer is not null;
        }

        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                context.Token = BearerCredential.Read(context.HttpContext);
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                // The runtime's own claims, from the configured ones: the tenant (required) and the scopes it knows.
                var tenant = context.Principal!.FindFirst(jwt.TenantClaim)?.Value;
                if (!Tenants.IsValid(tenant))
                {
                    context.Fail($"The token has no valid '{jwt.TenantClaim}' claim naming its tenant.");
                    return Task.CompletedTask;
                }

                var scopes = context.Principal.FindAll(jwt.ScopeClaim)
                    .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Where(ApiScopes.All.Contains)
                    .DefaultIfEmpty(ApiScopes.Sessions)
                    .Distinct();
                context.Principal = Caller.Principal(JwtBearerDefaults.AuthenticationScheme, tenant!, scopes, keyId: null);
                context.Success();
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                await AuthProblems.ChallengeAsync(context.HttpContext);
            },
            OnForbidden = context => AuthProblems.ForbidAsync(context.HttpContext),
        };
    }
}
