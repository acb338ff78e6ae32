using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Offload.Telemetry;

/// <summary>
/// The application's own spans and metrics, both named <see cref="Name"/>. Without a listener (no exporter
/// configured: see <see cref="TelemetryServiceCollectionExtensions"/>) starting a span returns <c>null</c> and a
/// measurement goes nowhere, so instrumented code costs next to nothing when telemetry is off.
/// </summary>
public static class Instrumentation
{
    public const string Name = "Offload";

    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Static, as the .NET guidance allows for a library's counters: one per process, whatever the hosts build.</summary>
    public static Meter Meter { get; } = new(Name);

    /// <summary>
    /// Marks a span failed with the exception's type (its message may name internal hosts: that is in the log), and
    /// returns false, so it serves as an exception filter that records without catching:
    /// <c>catch (Exception ex) when (activity.Failed(ex)) { }</c> never runs its block.
    /// </summary>
    public static bool Failed(this Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        activity?.SetTag("error.type", exception.GetType().FullName);
        return false;
    }
}
