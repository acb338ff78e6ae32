using Microsoft.Extensions.Options;
using Offload.Jobs;

namespace Offload.Videos;

/// <summary>
/// Refuses to start when <see cref="EncodingOptions.TimeLimit"/> is not below the host's <c>functionTimeout</c>
/// (<see cref="HostFacts.FunctionTimeout"/>, which the host sets): the host would then kill a long encode before the
/// job could end it as "timed out", and the job would come back again and again.
/// </summary>
public sealed class EncodingTimeLimitValidator(IOptions<HostFacts> host) : IValidateOptions<EncodingOptions>
{
    public ValidateOptionsResult Validate(string? name, EncodingOptions options) =>
        host.Value.FunctionTimeout is { } limit && options.TimeLimit >= limit
            ? ValidateOptionsResult.Fail(
                $"Encoding:TimeLimit ({options.TimeLimit}) must be below the host's functionTimeout ({limit}): raise functionTimeout in host.json or lower the limit.")
            : ValidateOptionsResult.Success;
}
