using System.Reflection;
using System.Text.Json;
using Offload.Testing;

namespace Offload.IntegrationTests.Infra;

/// <summary>The Bicep CLI from the NuGet package Azure.Bicep.CommandLine.linux-x64, and what it compiles infra/ to.</summary>
public static class Bicep
{
    public static string Cli { get; } = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BicepCli").Value!;

    public static string MainFile => Path.Combine(Repo.Root, "infra", "main.bicep");

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        if (!File.Exists(Cli))
            throw new InvalidOperationException($"The Bicep CLI is missing at {Cli}: restore the test project.");
        if (!File.GetUnixFileMode(Cli).HasFlag(UnixFileMode.UserExecute))
            File.SetUnixFileMode(Cli, File.GetUnixFileMode(Cli) | UnixFileMode.UserExecute);

        var result = await Command.ExecAsync(Cli, args, new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });
        return (result.ExitCode, result.Output + result.Error);
    }

    private static readonly Lazy<Task<JsonElement>> Compiled = new(async () =>
    {
        var (code, output) = await RunAsync("build", MainFile, "--stdout");
        if (code != 0)
            throw new InvalidOperationException($"bicep build failed:\n{output}");
        return JsonDocument.Parse(output[..(output.LastIndexOf('}') + 1)]).RootElement.Clone();
    });

    /// <summary>infra/main.bicep compiled to an ARM template (modules nested as deployments).</summary>
    public static Task<JsonElement> TemplateAsync() => Compiled.Value;

    private static readonly Lazy<Task<JsonElement>> DefaultSnapshot = new(() => SnapshotAsync(new Dictionary<string, string>()));

    /// <summary>
    /// The resources a deployment of infra/main.bicep with the required parameters only would make, every expression
    /// evaluated that does not wait on a deployed resource (<c>bicep snapshot</c>, offline).
    /// </summary>
    public static Task<JsonElement> SnapshotAsync() => DefaultSnapshot.Value;

    /// <summary>The same, with <paramref name="parameters"/> (Bicep literals such as <c>'a,b'</c>) set as well.</summary>
    public static async Task<JsonElement> SnapshotAsync(IReadOnlyDictionary<string, string> parameters)
    {
        var folder = Directory.CreateTempSubdirectory("offload-bicep").FullName;
        try
        {
            var file = Path.Combine(folder, "test.bicepparam");
            var values = new Dictionary<string, string>
            {
                ["environmentName"] = "'test'",
                ["location"] = "'westeurope'",
                ["smtpHost"] = "'smtp.example.com'",
                ["smtpUser"] = "'user'",
                ["smtpPassword"] = "'not-a-secret'",
                ["emailFrom"] = "'Offload <no-reply@example.com>'",
            };
            foreach (var (name, value) in parameters)
                values[name] = value;
            // A .bicepparam file must name its template by a relative path.
            await File.WriteAllLinesAsync(file, [$"using '{Path.GetRelativePath(folder, MainFile)}'", .. values.Select(p => $"param {p.Key} = {p.Value}")]);

            var (code, output) = await RunAsync("snapshot", file, "--subscription-id", "00000000-0000-0000-0000-000000000001",
                "--resource-group", "rg-test", "--location", "westeurope");
            if (code != 0)
                throw new InvalidOperationException($"bicep snapshot failed:\n{output}");
            return JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(file, ".snapshot.json"))).RootElement.Clone();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The snapshot's resources of <paramref name="type"/>.</summary>
    public static IEnumerable<JsonElement> Predicted(JsonElement snapshot, string type) =>
        snapshot.GetProperty("predictedResources").EnumerateArray().Where(r => r.GetProperty("type").GetString() == type);

    /// <summary>The app settings a deployment gives the function app of <paramref name="role"/> (<c>api</c>, <c>encode</c>), every expression evaluated.</summary>
    public static async Task<JsonElement> AppSettingsAsync(string role) =>
        Predicted(await SnapshotAsync(), "Microsoft.Web/sites/config")
            .Single(c => c.GetProperty("name").GetString()!.StartsWith($"func-{role}-", StringComparison.Ordinal))
            .GetProperty("properties");

    /// <summary>Every resource of the template and of its nested module templates (not the <c>existing</c> ones it only refers to).</summary>
    public static IEnumerable<JsonElement> Resources(JsonElement template)
    {
        // Templates with symbolic names (language version 2.0) keep resources in an object.
        var resources = template.GetProperty("resources");
        var all = resources.ValueKind == JsonValueKind.Array ? resources.EnumerateArray().ToList() : resources.EnumerateObject().Select(p => p.Value).ToList();
        foreach (var resource in all.Where(r => !(r.TryGetProperty("existing", out var existing) && existing.GetBoolean())))
        {
            yield return resource;
            if (resource.GetProperty("type").GetString() == "Microsoft.Resources/deployments"
                && resource.GetProperty("properties").TryGetProperty("template", out var nested))
            {
                foreach (var inner in Resources(nested))
                    yield return inner;
            }
        }
    }

    /// <summary>The nested module template deployed under <paramref name="deploymentName"/>.</summary>
    public static JsonElement Module(JsonElement template, string deploymentName) =>
        Resources(template)
            .Single(r => r.GetProperty("type").GetString() == "Microsoft.Resources/deployments" && r.GetProperty("name").GetString() == deploymentName)
            .GetProperty("properties");
}
