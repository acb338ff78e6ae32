using System.Text.Json;
using System.Text.RegularExpressions;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.IntegrationTests.Infra;

/// <summary>
/// infra/ compiles and lints clean, and the compiled ARM template keeps the security and scaling settings:
/// a regression here fails CI although no Azure subscription is reachable.
/// </summary>
public sealed class InfraTests
{
    private static async Task<List<JsonElement>> ResourcesAsync(string type) =>
        Bicep.Resources(await Bicep.TemplateAsync()).Where(r => r.GetProperty("type").GetString() == type).ToList();

    [Fact]
    public async Task Bicep_BuildsAndLintsWithoutErrors()
    {
        var (build, buildOutput) = await Bicep.RunAsync("build", Bicep.MainFile, "--stdout");
        Assert.True(build == 0, buildOutput);
        var (lint, lintOutput) = await Bicep.RunAsync("lint", Bicep.MainFile);
        Assert.True(lint == 0, lintOutput);
        Assert.DoesNotContain(": Error ", lintOutput);
    }

    [Fact]
    public async Task Storage_HasNoKeysNoPublicBlobsAndTls12()
    {
        var account = Assert.Single(await ResourcesAsync("Microsoft.Storage/storageAccounts")).GetProperty("properties");

        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(account.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.True(account.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
        Assert.Equal("TLS1_2", account.GetProperty("minimumTlsVersion").GetString());
    }

    [Fact]
    public async Task Storage_CreatesWhatTheCodeUses()
    {
        var storage = Bicep.Module(await Bicep.TemplateAsync(), "storage").GetProperty("template");
        var variables = storage.GetProperty("variables");
        var containers = variables.GetProperty("containers").EnumerateArray().Select(c => c.GetString()).ToList();
        var queues = variables.GetProperty("queues").EnumerateArray().Select(q => q.GetString()).ToList();
        var tables = variables.GetProperty("tables").EnumerateArray().Select(t => t.GetString()).ToList();

        Assert.Equal([StorageNames.UploadsContainer, StorageNames.OutputsContainer, StorageNames.EmailTemplatesContainer], containers);
        // The Functions hosts' containers exist before the hosts start, so each app's role can be scoped to them.
        Assert.Equal(["azure-webjobs-hosts", "azure-webjobs-secrets"], variables.GetProperty("hostContainers").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(WorkQueues.Everything.Order(), queues.Order());
        Assert.Equal([StorageNames.JobsTable, StorageNames.IdempotencyTable, StorageNames.ApiKeysTable, StorageNames.QuotasTable, StorageNames.ActiveJobsTable, StorageNames.JobExpiriesTable, StorageNames.WebhooksTable, StorageNames.WebhookSecretsTable, StorageNames.WebhookDeliveriesTable, StorageNames.DeadLettersTable], tables);
        Assert.Single(Bicep.Resources(storage), r => r.GetProperty("type").GetString() == "Microsoft.Storage/storageAccounts/tableServices/tables");
        var lifecycle = Assert.Single(await ResourcesAsync("Microsoft.Storage/storageAccounts/managementPolicies"));
        Assert.Contains("uploads/", lifecycle.GetRawText());
        Assert.Contains("daysAfterCreationGreaterThan", lifecycle.GetProperty("properties").GetRawText()); // the pinned snapshots too
        // Outputs: a backstop one day past the jobs' retention (Jobs__Retention, 30 days by default), which deletes them first.
        var predicted = Assert.Single(Bicep.Predicted(await Bicep.SnapshotAsync(), "Microsoft.Storage/storageAccounts/managementPolicies"));
        var outputsRule = predicted.GetProperty("properties").GetProperty("policy").GetProperty("rules").EnumerateArray()
            .Single(r => r.GetProperty("definition").GetProperty("filters").GetProperty("prefixMatch")[0].GetString() == "outputs/");
        Assert.Equal(31, outputsRule.GetProperty("definition").GetProperty("actions").GetProperty("baseBlob").GetProperty("delete").GetProperty("daysAfterModificationGreaterThan").GetInt32());
    }

    private const string BlobOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string BlobContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string BlobReader = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    private const string BlobDelegator = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a";
    private const string QueueContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string QueueSender = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";
    private const string TableContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string TableReader = "76199698-9eea-4c19-bc75-cec21354c6b6";
    private const string MetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string SecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";

    /// <summary>One role assignment of a deployment: who ("api", "encode" or a user's id), which role, on what.</summary>
    private sealed record Grant(string Principal, string Role, string Scope);

    /// <summary>
    /// The role assignments a deployment makes. Scopes are shortened: "account" for the storage account,
    /// "containers/uploads", "queues/watchdog", "tables/jobs", "insights", "vault", "secrets/smtp-password".
    /// </summary>
    private static List<Grant> Grants(JsonElement snapshot) =>
        Bicep.Predicted(snapshot, "Microsoft.Authorization/roleAssignments").Select(r =>
        {
            var properties = r.GetProperty("properties");
            var principal = properties.GetProperty("principalId").GetString()!;
            var identity = Regex.Match(principal, "userAssignedIdentities/id-(api|encode)-");
            // The id is an expression while the name waits on an identity's principal id, else a plain resource id.
            var id = r.GetProperty("id").GetString()!;
            var scope = id.StartsWith('[') ? Regex.Match(id, @"^\[extensionResourceId\('([^']+)'").Groups[1].Value : id[..id.IndexOf("/providers/Microsoft.Authorization/", StringComparison.Ordinal)];
            var shortScope = Regex.Match(scope, "/providers/Microsoft.Storage/storageAccounts/[^/]+(?:/(?:blobServices|queueServices|tableServices)/default/(.+))?$") is { Success: true } storage
                ? storage.Groups[1].Success ? storage.Groups[1].Value : "account"
                : scope.Contains("/secrets/", StringComparison.Ordinal) ? "secrets/" + scope[(scope.LastIndexOf('/') + 1)..]
                : scope.Contains("Microsoft.KeyVault/vaults", StringComparison.Ordinal) ? "vault"
                : scope.Contains("Microsoft.Insights/components", StringComparison.Ordinal) ? "insights"
                : scope;
            return new Grant(identity.Success ? identity.Groups[1].Value : principal, properties.GetProperty("roleDefinitionId").GetString()![^36..], shortScope);
        }).ToList();

    [Fact]
    public async Task EachAppIdentity_GetsExactlyTheRolesItsCodeAndHostNeed()
    {
        var grants = Grants(await Bicep.SnapshotAsync());

        Assert.Equal(new HashSet<Grant>
        {
            new("api", BlobOwner, "containers/azure-webjobs-hosts"),
            new("api", BlobOwner, "containers/azure-webjobs-secrets"),
            new("api", BlobOwner, "containers/app-package-api"),
            new("api", BlobContributor, "containers/uploads"),
            new("api", BlobReader, "containers/outputs"),
            new("api", BlobReader, "containers/email-templates"),
            new("api", BlobDelegator, "account"),
            new("api", QueueContributor, "account"),
            new("api", TableContributor, "account"),
            new("api", MetricsPublisher, "insights"),
            new("api", SecretsUser, "secrets/smtp-password"),
            new("encode", BlobOwner, "containers/azure-webjobs-hosts"),
            new("encode", BlobOwner, "containers/azure-webjobs-secrets"),
            new("encode", BlobOwner, "containers/app-package-encode"),
            new("encode", BlobReader, "containers/uploads"),
            new("encode", BlobContributor, "containers/outputs"),
            new("encode", BlobReader, "containers/email-templates"),
            new("encode", QueueContributor, "queues/heavy-compute"),
            new("encode", QueueContributor, "queues/heavy-compute-poison"),
            new("encode", QueueSender, "queues/watchdog"),
            new("encode", QueueSender, "queues/high-priority"),
            new("encode", QueueSender, "queues/webhooks"),
            new("encode", TableContributor, "tables/jobs"),
            new("encode", TableContributor, "tables/activejobs"),
            new("encode", TableContributor, "tables/jobexpiries"),
            new("encode", TableReader, "tables/webhooks"),
            new("encode", TableContributor, "tables/webhookdeliveries"),
            new("encode", BlobDelegator, "account"), // signs the read links of a split video's parts
            new("encode", MetricsPublisher, "insights"),
        }, grants.ToHashSet());
        Assert.Equal(grants.Count, grants.Distinct().Count());
    }

    [Fact]
    public async Task EncodeIdentity_ReadsUploadsWritesOutputs_AndNothingOfTheApiApps()
    {
        var encode = Grants(await Bicep.SnapshotAsync()).Where(g => g.Principal == "encode").ToList();

        Assert.Contains(new Grant("encode", BlobReader, "containers/uploads"), encode);
        Assert.Contains(new Grant("encode", BlobContributor, "containers/outputs"), encode);
        Assert.DoesNotContain(encode, g => g.Scope is "vault" || g.Scope.StartsWith("secrets/", StringComparison.Ordinal));
        // No account-wide blob, queue or table role: only the delegator's, which holds no data (a link it signs reads
        // what the identity's container roles read).
        Assert.Equal([BlobDelegator], encode.Where(g => g.Scope == "account").Select(g => g.Role));
        Assert.DoesNotContain(encode, g => g.Scope == "containers/app-package-api");
        Assert.DoesNotContain(encode, g => g.Scope is "tables/apikeys" or "tables/idempotency" or "tables/webhooksecrets");
        Assert.Equal([BlobReader], encode.Where(g => g.Scope == "containers/uploads").Select(g => g.Role));
    }

    [Fact]
    public async Task EachApp_UsesItsOwnIdentity_ForStorageTelemetryDeploymentAndKeyVault()
    {
        var snapshot = await Bicep.SnapshotAsync();
        Assert.Equal(2, Bicep.Predicted(snapshot, "Microsoft.ManagedIdentity/userAssignedIdentities").Count());

        foreach (var app in new[] { "api", "encode" })
        {
            var site = Bicep.Predicted(snapshot, "Microsoft.Web/sites").Single(s => s.GetProperty("name").GetString()!.StartsWith($"func-{app}-", StringComparison.Ordinal));
            var settings = Bicep.Predicted(snapshot, "Microsoft.Web/sites/config").Single(c => c.GetProperty("name").GetString()!.StartsWith($"func-{app}-", StringComparison.Ordinal)).GetProperty("properties");
            var identity = $"/userAssignedIdentities/id-{app}-";

            var assigned = Assert.Single(site.GetProperty("identity").GetProperty("userAssignedIdentities").EnumerateObject()).Name;
            Assert.Contains(identity, assigned);
            Assert.Equal(assigned, site.GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString());
            Assert.Equal(assigned, site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("deployment").GetProperty("storage")
                .GetProperty("authentication").GetProperty("userAssignedIdentityResourceId").GetString());
            Assert.Contains(identity, settings.GetProperty("AzureWebJobsStorage__clientId").GetString());
            Assert.EndsWith(".clientId]", settings.GetProperty("AzureWebJobsStorage__clientId").GetString());
            Assert.Contains(identity, settings.GetProperty("APPLICATIONINSIGHTS_AUTHENTICATION_STRING").GetString());
            Assert.EndsWith($"'app-package-{app}')]", site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("deployment").GetProperty("storage").GetProperty("value").GetString());
        }
    }

    [Fact]
    public async Task SmtpSettings_AndThePasswordReference_AreTheApiAppsAlone()
    {
        var configs = Bicep.Predicted(await Bicep.SnapshotAsync(), "Microsoft.Web/sites/config").ToList();
        var api = configs.Single(c => c.GetProperty("name").GetString()!.StartsWith("func-api-", StringComparison.Ordinal)).GetProperty("properties");
        var encode = configs.Single(c => c.GetProperty("name").GetString()!.StartsWith("func-encode-", StringComparison.Ordinal)).GetProperty("properties");

        Assert.StartsWith("@Microsoft.KeyVault(", api.GetProperty("Email__SmtpPassword").GetString());
        Assert.Equal("smtp.example.com", api.GetProperty("Email__SmtpHost").GetString());
        Assert.DoesNotContain(encode.EnumerateObject(), p => p.Name.StartsWith("Email__Smtp", StringComparison.Ordinal) || p.Name == "Email__From");
        Assert.DoesNotContain("KeyVault", encode.GetRawText());
        // The encoder still queues ?notify= emails, whose links point at the api app.
        Assert.Equal(api.GetProperty("Email__LinkBaseUrl").GetString(), encode.GetProperty("Email__LinkBaseUrl").GetString());
    }

    [Fact]
    public async Task BothApps_ReadTheEmailTemplatesContainer_WhichOnlyAnOperatorWrites()
    {
        var snapshot = await Bicep.SnapshotAsync();

        foreach (var config in Bicep.Predicted(snapshot, "Microsoft.Web/sites/config"))
            Assert.Equal(StorageNames.EmailTemplatesContainer, config.GetProperty("properties").GetProperty("Email__TemplatesContainer").GetString());
        Assert.Equal([("api", BlobReader), ("encode", BlobReader)], Grants(snapshot)
            .Where(g => g.Scope == $"containers/{StorageNames.EmailTemplatesContainer}").Select(g => (g.Principal, g.Role)).Order());
    }

    [Fact]
    public async Task KeyVault_HasPurgeProtection_AndRbacOnly()
    {
        var vault = Assert.Single(Bicep.Predicted(await Bicep.SnapshotAsync(), "Microsoft.KeyVault/vaults")).GetProperty("properties");

        Assert.True(vault.GetProperty("enablePurgeProtection").GetBoolean());
        Assert.True(vault.GetProperty("enableSoftDelete").GetBoolean());
        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
    }

    [Fact]
    public async Task Cors_IsOff_WithTheDefaultParameters()
    {
        var snapshot = await Bicep.SnapshotAsync();
        var blobService = Assert.Single(Bicep.Predicted(snapshot, "Microsoft.Storage/storageAccounts/blobServices")).GetProperty("properties");

        Assert.Empty(blobService.GetProperty("cors").GetProperty("corsRules").EnumerateArray());
        Assert.All(Bicep.Predicted(snapshot, "Microsoft.Web/sites"), site => Assert.False(site.GetProperty("properties").GetProperty("siteConfig").TryGetProperty("cors", out _)));
    }

    [Fact]
    public async Task Cors_AllowsExactlyTheConfiguredOrigins_ToPutUploadsAndCallTheApi()
    {
        var snapshot = await Bicep.SnapshotAsync(new Dictionary<string, string>
        {
            ["corsAllowedOrigins"] = "'https://app.example.com, https://admin.example.com'",
        });
        var origins = new[] { "https://app.example.com", "https://admin.example.com" };

        var blobService = Assert.Single(Bicep.Predicted(snapshot, "Microsoft.Storage/storageAccounts/blobServices")).GetProperty("properties");
        var rule = Assert.Single(blobService.GetProperty("cors").GetProperty("corsRules").EnumerateArray());
        Assert.Equal(origins, rule.GetProperty("allowedOrigins").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(["PUT"], rule.GetProperty("allowedMethods").EnumerateArray().Select(m => m.GetString()));
        Assert.Contains("x-ms-*", rule.GetProperty("allowedHeaders").EnumerateArray().Select(h => h.GetString()));
        Assert.Contains("content-type", rule.GetProperty("allowedHeaders").EnumerateArray().Select(h => h.GetString()));

        var sites = Bicep.Predicted(snapshot, "Microsoft.Web/sites").ToDictionary(s => s.GetProperty("name").GetString()!.Split('-')[1], s => s.GetProperty("properties").GetProperty("siteConfig"));
        var cors = sites["api"].GetProperty("cors");
        Assert.Equal(origins, cors.GetProperty("allowedOrigins").EnumerateArray().Select(o => o.GetString()));
        Assert.False(cors.GetProperty("supportCredentials").GetBoolean());
        Assert.False(sites["encode"].TryGetProperty("cors", out _)); // the encoder serves no HTTP
    }

    [Fact]
    public async Task UserPrincipal_GetsTheStorageDataRoles_ForTheFirstApiKey()
    {
        const string user = "11111111-2222-3333-4444-555555555555";
        var grants = Grants(await Bicep.SnapshotAsync(new Dictionary<string, string> { ["userPrincipalId"] = $"'{user}'" }));

        Assert.Equal(new[] { BlobOwner, QueueContributor, TableContributor }.Order(),
            grants.Where(g => g.Principal == user).Select(g => { Assert.Equal("account", g.Scope); return g.Role; }).Order());
        Assert.DoesNotContain(Grants(await Bicep.SnapshotAsync()), g => g.Principal == user);
    }

    [Fact]
    public async Task Monitoring_HasLocalAuthDisabled()
    {
        var insights = Assert.Single(await ResourcesAsync("Microsoft.Insights/components")).GetProperty("properties");
        var workspace = Assert.Single(await ResourcesAsync("Microsoft.OperationalInsights/workspaces")).GetProperty("properties");

        Assert.True(insights.GetProperty("DisableLocalAuth").GetBoolean());
        Assert.True(workspace.GetProperty("features").GetProperty("disableLocalAuth").GetBoolean());
    }

    [Fact]
    public async Task FunctionApps_AreFlexConsumptionDotnet10_WithIdentityBasedStorage()
    {
        var functionApp = Bicep.Module(await Bicep.TemplateAsync(), "api-app").GetProperty("template");
        var site = Bicep.Resources(functionApp).Single(r => r.GetProperty("type").GetString() == "Microsoft.Web/sites");
        var plan = Bicep.Resources(functionApp).Single(r => r.GetProperty("type").GetString() == "Microsoft.Web/serverfarms");
        var config = site.GetProperty("properties").GetProperty("functionAppConfig");
        var settings = functionApp.GetProperty("variables").GetProperty("platformSettings");

        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());
        Assert.Equal("UserAssignedIdentity", config.GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());
        Assert.Equal("managedidentity", settings.GetProperty("AzureWebJobsStorage__credential").GetString());
        foreach (var key in new[] { "clientId", "blobServiceUri", "queueServiceUri", "tableServiceUri" })
            Assert.True(settings.TryGetProperty($"{StorageNames.ConnectionName}__{key}", out _), key);
        Assert.False(settings.TryGetProperty("FUNCTIONS_WORKER_RUNTIME", out _)); // not on Flex Consumption
        Assert.Contains("Authorization=AAD", settings.GetProperty("APPLICATIONINSIGHTS_AUTHENTICATION_STRING").GetString());
    }

    [Fact]
    public async Task EncodeApp_RunsOneEncodePerBigInstance_AndApiAppManyEmails()
    {
        var template = await Bicep.TemplateAsync();
        var api = await Bicep.AppSettingsAsync("api");
        var encode = await Bicep.AppSettingsAsync("encode");
        var encodeParameters = Bicep.Module(template, "encode-app").GetProperty("parameters");

        Assert.Equal("1", encode.GetProperty("AzureFunctionsJobHost__extensions__queues__batchSize").GetString());
        Assert.Equal("0", encode.GetProperty("AzureFunctionsJobHost__extensions__queues__newBatchThreshold").GetString());
        Assert.Equal(4096, encodeParameters.GetProperty("instanceMemoryMB").GetProperty("value").GetInt32());
        Assert.Equal("16", api.GetProperty("AzureFunctionsJobHost__extensions__queues__batchSize").GetString());
        Assert.Equal("16", api.GetProperty("AzureFunctionsJobHost__extensions__queues__newBatchThreshold").GetString());
        // Emails are polled for often (latency), encodes seldom (each poll is a billed operation): queues.json's paces.
        Assert.Equal("00:00:00.250", api.GetProperty("AzureFunctionsJobHost__extensions__queues__maxPollingInterval").GetString());
        Assert.Equal("00:00:05", encode.GetProperty("AzureFunctionsJobHost__extensions__queues__maxPollingInterval").GetString());
    }

    [Fact]
    public async Task SmtpPassword_IsAKeyVaultReference_NeverPlainText()
    {
        var template = await Bicep.TemplateAsync();
        var apiSettings = Bicep.Module(template, "api-app").GetProperty("parameters").GetProperty("roleSettings").GetRawText();

        Assert.Contains("Email__SmtpPassword", apiSettings);
        Assert.Contains("@Microsoft.KeyVault(", apiSettings);
        Assert.Equal("securestring", template.GetProperty("parameters").GetProperty("smtpPassword").GetProperty("type").GetString());
        Assert.Contains(Bicep.Resources(template), r => r.GetProperty("type").GetString() == "Microsoft.KeyVault/vaults/secrets");
    }

    [Fact]
    public async Task EntraSettings_AreOptionalParameters_GivenToTheApiAppOnly()
    {
        var template = await Bicep.TemplateAsync();
        var parameters = template.GetProperty("parameters");
        Assert.Equal("", parameters.GetProperty("entraTenantId").GetProperty("defaultValue").GetString());
        Assert.Equal("", parameters.GetProperty("entraAudience").GetProperty("defaultValue").GetString());
        Assert.Equal("", parameters.GetProperty("entraDashboardClientId").GetProperty("defaultValue").GetString());

        Assert.Contains("Auth__Entra__TenantId", template.GetProperty("variables").GetProperty("entraSettings").GetRawText());
        Assert.Contains("entraSettings", Bicep.Module(template, "api-app").GetProperty("parameters").GetProperty("roleSettings").GetRawText());
        Assert.DoesNotContain("entraSettings", Bicep.Module(template, "encode-app").GetProperty("parameters").GetRawText());
        Assert.DoesNotContain("Auth__", Bicep.Module(template, "encode-app").GetProperty("parameters").GetRawText());
    }

    [Fact]
    public async Task Outputs_AreUpperSnakeForAzd()
    {
        var outputs = (await Bicep.TemplateAsync()).GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToList();

        Assert.NotEmpty(outputs);
        Assert.All(outputs, name => Assert.Matches("^[A-Z][A-Z0-9_]*$", name));
        Assert.Contains("API_URL", outputs);
        Assert.Contains("API_IDENTITY_CLIENT_ID", outputs);
        Assert.Contains("ENCODE_IDENTITY_CLIENT_ID", outputs);
    }
}
