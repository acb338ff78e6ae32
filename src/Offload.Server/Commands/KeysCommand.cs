using Azure.Data.Tables;
using Offload.Access;
using Offload.Storage;

namespace Offload.Server.Commands;

/// <summary>
/// <c>Offload.Server keys create|list|revoke</c>: API keys straight in storage, without the API. It is how the first
/// admin key of a new Azure deployment is made (nobody can call POST /api/keys before one exists):
/// <code>
/// dotnet run --project src/Offload.Server -c Release -- keys create --name first-admin --scopes admin --storage-account NAME
/// </code>
/// With <c>--storage-account</c> it signs in as you (Azure CLI, Visual Studio, environment: DefaultAzureCredential);
/// the Bicep gives the deploying person the table role for this. Without it, it uses <c>AzureWebJobsStorage</c> like the server.
/// </summary>
public static class KeysCommand
{
    public const string Name = "keys";

    private const string Usage = """
        Usage:
          Offload.Server keys create --name NAME --scopes videos,emails,admin [--storage-account ACCOUNT]
          Offload.Server keys list [--storage-account ACCOUNT]
          Offload.Server keys revoke ID [--storage-account ACCOUNT]
        Storage: --storage-account (signs in as you), else the AzureWebJobsStorage setting (a connection string locally).
        """;

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == Name;

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration)
    {
        var options = Parse(args[1..]);
        if (options is null || options.Verb is not ("create" or "list" or "revoke"))
            return Fail(Usage);

        var store = CreateStore(configuration, options.Get("--storage-account"));
        switch (options.Verb)
        {
            case "create":
                var name = options.Get("--name");
                var scopes = (options.Get("--scopes") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (string.IsNullOrWhiteSpace(name) || name.Length > KeysApi.MaxNameLength)
                    return Fail($"--name must be 1 to {KeysApi.MaxNameLength} characters.\n{Usage}");
                if (scopes.Length == 0 || scopes.Any(s => !Scopes.IsKnown(s)))
                    return Fail($"--scopes must list one or more of: {string.Join(", ", Scopes.All)}.\n{Usage}");
                var (record, key) = await store.CreateAsync(name, scopes, createdBy: "keys create (command line)", CancellationToken.None);
                Console.WriteLine($"id      {record.Id}");
                Console.WriteLine($"name    {record.Name}");
                Console.WriteLine($"scopes  {record.Scopes}");
                Console.WriteLine($"key     {key}");
                Console.Error.WriteLine("The key is shown this once; only its hash is stored. Send it as 'Authorization: Bearer <key>'.");
                return 0;
            case "list":
                foreach (var k in await store.ListAsync(CancellationToken.None))
                    Console.WriteLine($"{k.Id}  {k.Name,-30}  {k.Scopes,-20}  created {k.CreatedAt:u}  last used {k.LastUsedAt?.ToString("u") ?? "never"}{(k.RevokedAt is { } r ? $"  REVOKED {r:u}" : "")}");
                return 0;
            default:
                if (options.Positional is not { } id || !ApiKeyFormat.IsValidId(id))
                    return Fail($"Name the key id to revoke ({ApiKeyFormat.IdLength} hex characters).\n{Usage}");
                if (await store.RevokeAsync(id, CancellationToken.None) is null)
                    return Fail($"There is no key '{id}'.");
                Console.WriteLine($"Revoked {id}: refused everywhere within the key cache time.");
                return 0;
        }
    }

    private static ApiKeyStore CreateStore(IConfiguration configuration, string? account)
    {
        var services = new ServiceCollection().AddLogging();
        var settings = new ConfigurationBuilder().AddConfiguration(configuration);
        if (account is not null)
        {
            settings.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [StorageNames.ConnectionName] = null,
                [$"{StorageNames.ConnectionName}:blobServiceUri"] = $"https://{account}.blob.core.windows.net",
                [$"{StorageNames.ConnectionName}:queueServiceUri"] = $"https://{account}.queue.core.windows.net",
                [$"{StorageNames.ConnectionName}:tableServiceUri"] = $"https://{account}.table.core.windows.net",
            });
        }

        var built = settings.Build();
        services.AddSingleton<IConfiguration>(built).AddSingleton(TimeProvider.System).AddOffloadStorage(built);
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName);
        services.AddSingleton<ApiKeyStore>();
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<TableServiceClient>().CreateTableIfNotExists(StorageNames.ApiKeysTable);
        return provider.GetRequiredService<ApiKeyStore>();
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private sealed record Options(string Verb, string? Positional, Dictionary<string, string> Named)
    {
        public string? Get(string name) => Named.GetValueOrDefault(name);
    }

    private static Options? Parse(string[] args)
    {
        if (args.Length == 0)
            return null;
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        string? positional = null;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                if (i + 1 >= args.Length)
                    return null;
                named[args[i]] = args[++i];
            }
            else
                positional ??= args[i];
        }

        return new Options(args[0], positional, named);
    }
}
