using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Offload.Videos;

/// <summary>
/// Refuses to start when <see cref="EncodingOptions.TimeLimit"/> is not below the host's <c>functionTimeout</c>
/// (host.json beside the app, or <c>AzureFunctionsJobHost__functionTimeout</c>): the host would then kill a long
/// encode before the job could end it as "timed out", and the job would come back again and again.
/// </summary>
public sealed class EncodingTimeLimitValidator(IConfiguration configuration) : IValidateOptions<EncodingOptions>
{
    public ValidateOptionsResult Validate(string? name, EncodingOptions options)
    {
        var functionTimeout = FunctionTimeout();
        return functionTimeout is { } limit && options.TimeLimit >= limit
            ? ValidateOptionsResult.Fail(
                $"Encoding:TimeLimit ({options.TimeLimit}) must be below the host's functionTimeout ({limit}): raise functionTimeout in host.json or lower the limit.")
            : ValidateOptionsResult.Success;
    }

    private TimeSpan? FunctionTimeout()
    {
        var setting = configuration["AzureFunctionsJobHost:functionTimeout"] ?? ReadHostJson();
        return TimeSpan.TryParse(setting, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static string? ReadHostJson()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "host.json");
        if (!File.Exists(path))
            return null;
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.TryGetProperty("functionTimeout", out var timeout) ? timeout.GetString() : null;
    }
}
