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

    /// <summary>Every resource of the template and of its nested module templates.</summary>
    public static IEnumerable<JsonElement> Resources(JsonElement template)
    {
        // Templates with symbolic names (language version 2.0) keep resources in an object.
        var resources = template.GetProperty("resources");
        var all = resources.ValueKind == JsonValueKind.Array ? resources.EnumerateArray().ToList() : resources.EnumerateObject().Select(p => p.Value).ToList();
        foreach (var resource in all)
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
