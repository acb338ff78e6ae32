using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Offload.Server;

/// <summary>
/// How long the server waits on a slow or silent client (section <c>Http</c>, e.g. <c>Http__MinBodyBytesPerSecond</c>).
/// The size of a body is capped by the API itself (it counts every byte); these stop a body that never ends, or
/// headers that never come, from holding a connection and a request forever. In Azure the Functions front end does
/// this job; this is the self-hosted server's own.
/// </summary>
public sealed class HttpLimitsOptions
{
    public const string SectionName = "Http";

    /// <summary>
    /// A request body must arrive at least this fast, on average, once <see cref="BodyGracePeriod"/> has passed (only
    /// while the app waits for it); a client that stops sending is cut off. Kestrel's default: 240 bytes/s.
    /// </summary>
    [Range(1, 1_000_000_000)]
    public double MinBodyBytesPerSecond { get; set; } = 240;

    /// <summary>How long a body may be slower than that before the rate counts (a slow start, a TCP window filling).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan BodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait for a request's headers. Kestrel's default: 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan HeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Applies these limits to Kestrel; the response side keeps Kestrel's own minimum rate.</summary>
    internal sealed class ConfigureKestrel(IOptions<HttpLimitsOptions> options) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions kestrel)
        {
            var limits = options.Value;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(limits.MinBodyBytesPerSecond, limits.BodyGracePeriod);
            kestrel.Limits.RequestHeadersTimeout = limits.HeadersTimeout;
        }
    }
}
