using System.Net;
using Offload.IntegrationTests.Infrastructure;
using Offload.Storage;
using Offload.Testing;

namespace Offload.IntegrationTests.Security;

/// <summary>
/// <c>Offload.Server keys …</c>: the first key of a new deployment, made straight in storage (nobody can call
/// POST /api/keys before one exists), works against the running server at once.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class KeysCommandTests(ServerFixture fixture)
{
    private Task<Command.Result> KeysAsync(params string[] args) => Command.ExecAsync("dotnet",
        [Path.Combine(Repo.ProjectOutput("Offload.Server"), "Offload.Server.dll"), "keys", .. args],
        new Dictionary<string, string> { [StorageNames.ConnectionName] = fixture.Azurite.ConnectionString });

    [Fact]
    public async Task KeysCreate_MakesAKeyTheServerAccepts_AndKeysRevokeEndsIt()
    {
        var created = await KeysAsync("create", "--name", "first-admin", "--scopes", "admin");
        Assert.True(created.ExitCode == 0, created.Error);
        var key = created.Output.Split('\n').Single(l => l.StartsWith("key ", StringComparison.Ordinal))[4..].Trim();
        var id = created.Output.Split('\n').Single(l => l.StartsWith("id ", StringComparison.Ordinal))[3..].Trim();

        using var admin = fixture.Server.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/keys")).StatusCode);
        Assert.Contains(id, (await KeysAsync("list")).Output);

        Assert.Equal(0, (await KeysAsync("revoke", id)).ExitCode);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await admin.GetAsync("/api/keys")).StatusCode != HttpStatusCode.Unauthorized)
        {
            Assert.True(DateTime.UtcNow < deadline, "the revoked key still works after 30 s");
            await Task.Delay(200);
        }
    }

    [Theory]
    [InlineData("create", "--name", "x", "--scopes", "root")]
    [InlineData("create", "--scopes", "admin")]
    [InlineData("revoke", "nope")]
    [InlineData("frobnicate")]
    public async Task Keys_WithBadArguments_SaysHowToUseIt(params string[] args)
    {
        var result = await KeysAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Usage", result.Error);
    }
}
