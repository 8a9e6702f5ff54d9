using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Core.Tests.Profiles;

public sealed class DependencyLayerPlanTests
{
    private static readonly DependencyLayerOptions Options = new() { NpmRegistry = "http://127.0.0.1:1/npm/" };

    private static readonly AgentProfile Base = new()
    {
        Id = "p",
        Name = "P",
        NpmDependencies = ["b@1", "a@2"],
        Skills = [new ProfileSkill { Name = "s", Description = "d", Body = "b", NpmDependencies = ["a@2"], PipDependencies = ["x==1"] }],
        Network = SandboxNetworkPolicy.Allow("127.0.0.1:1"),
    };

    [Fact]
    public void For_ProfileWithoutAnythingToInstall_IsNull()
    {
        var profile = new AgentProfile
        {
            Id = "p",
            Name = "P",
            // A bundled server without an install command is copied, not installed.
            BundledMcps = [new ProfileBundledMcp { Name = "m", Files = new Dictionary<string, string> { ["s.js"] = "" }, Command = "node" }],
        };

        Assert.Null(DependencyLayerPlan.For(profile, Options));
    }

    [Fact]
    public void For_MergesTheSkillsPackagesWithTheProfiles_EachOnce()
    {
        var plan = DependencyLayerPlan.For(Base, Options)!;

        Assert.Equal(["a@2", "b@1"], plan.Npm);
        Assert.Equal(["x==1"], plan.Pip);
        Assert.Equal("npm: a@2, b@1; pip: x==1", plan.Describe());
    }

    [Fact]
    public void Hash_SameContentInAnotherOrderOrProfile_IsTheSameLayer()
    {
        var reordered = Base with { Id = "other", Name = "Other", NpmDependencies = ["a@2", "b@1", "b@1"], SystemPrompt = "unrelated" };

        Assert.Equal(DependencyLayerPlan.For(Base, Options)!.Hash, DependencyLayerPlan.For(reordered, Options)!.Hash);
    }

    [Theory]
    [InlineData("package")]
    [InlineData("registry")]
    [InlineData("network")]
    [InlineData("server file")]
    [InlineData("install command")]
    public void Hash_AnythingThatDecidesTheContent_IsAnotherLayer(string change)
    {
        var server = new ProfileBundledMcp { Name = "m", Files = new Dictionary<string, string> { ["s.js"] = "1" }, Command = "node", InstallCommand = "npm ci" };
        var profile = Base with { BundledMcps = [server] };
        var options = Options;
        var changed = change switch
        {
            "package" => profile with { NpmDependencies = ["b@1", "a@3"] },
            "network" => profile with { Network = SandboxNetworkPolicy.Allow("127.0.0.1:2") },
            "server file" => profile with { BundledMcps = [server with { Files = new Dictionary<string, string> { ["s.js"] = "2" } }] },
            "install command" => profile with { BundledMcps = [server with { InstallCommand = "npm install" }] },
            _ => profile,
        };
        var changedOptions = change == "registry" ? new DependencyLayerOptions { NpmRegistry = "http://127.0.0.1:1/other/" } : options;

        Assert.NotEqual(DependencyLayerPlan.For(profile, options)!.Hash, DependencyLayerPlan.For(changed, changedOptions)!.Hash);
    }
}
