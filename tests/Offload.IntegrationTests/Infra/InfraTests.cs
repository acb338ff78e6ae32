using System.Text.Json;
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

        Assert.Equal([StorageNames.UploadsContainer, StorageNames.OutputsContainer], containers);
        Assert.Equal(QueueNames.Everything.Order(), queues.Order());
        Assert.Equal([StorageNames.JobsTable, StorageNames.IdempotencyTable, StorageNames.ApiKeysTable, StorageNames.QuotasTable], tables);
        Assert.Single(Bicep.Resources(storage), r => r.GetProperty("type").GetString() == "Microsoft.Storage/storageAccounts/tableServices/tables");
        var lifecycle = Assert.Single(await ResourcesAsync("Microsoft.Storage/storageAccounts/managementPolicies"));
        Assert.Contains("uploads/", lifecycle.GetRawText());
    }

    [Theory]
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b")] // Storage Blob Data Owner
    [InlineData("974c5e8b-45b9-4653-ba55-5f855dd0fb88")] // Storage Queue Data Contributor
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3")] // Storage Table Data Contributor
    [InlineData("3913510d-42f4-4e42-8a64-420c390055eb")] // Monitoring Metrics Publisher
    [InlineData("4633458b-17de-408a-b874-0445c86b69e6")] // Key Vault Secrets User
    public async Task Identity_GetsOneRoleAssignmentPerDataPlane(string roleGuid)
    {
        var access = Bicep.Module(await Bicep.TemplateAsync(), "access").GetProperty("template");

        Assert.Contains(roleGuid, access.GetRawText());
        Assert.Contains(Bicep.Resources(access), r => r.GetProperty("type").GetString() == "Microsoft.Authorization/roleAssignments");
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
        var variables = template.GetProperty("variables");
        var api = variables.GetProperty("apiRoleSettings");
        var encode = variables.GetProperty("encodeRoleSettings");
        var encodeParameters = Bicep.Module(template, "encode-app").GetProperty("parameters");

        Assert.Equal("1", encode.GetProperty("AzureFunctionsJobHost__extensions__queues__batchSize").GetString());
        Assert.Equal("0", encode.GetProperty("AzureFunctionsJobHost__extensions__queues__newBatchThreshold").GetString());
        Assert.Equal(4096, encodeParameters.GetProperty("instanceMemoryMB").GetProperty("value").GetInt32());
        Assert.Equal("16", api.GetProperty("AzureFunctionsJobHost__extensions__queues__batchSize").GetString());
        Assert.Equal("16", api.GetProperty("AzureFunctionsJobHost__extensions__queues__newBatchThreshold").GetString());
    }

    [Fact]
    public async Task SmtpPassword_IsAKeyVaultReference_NeverPlainText()
    {
        var template = await Bicep.TemplateAsync();
        var password = Bicep.Module(template, "encode-app").GetProperty("parameters").GetProperty("sharedSettings")
            .GetProperty("value").GetProperty("Email__SmtpPassword").GetString();

        Assert.Contains("@Microsoft.KeyVault(", password);
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
    }
}
