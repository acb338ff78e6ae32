using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Offload.Idempotency;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Http;

/// <summary>
/// How both hosts answer: JSON in camelCase without nulls, and every error as RFC 9457
/// <c>application/problem+json</c> with a title a person can act on.
/// </summary>
public static class ApiResults
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // JSON for API clients, never embedded in HTML: keep '+' and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Ok<T>(T value, int statusCode = StatusCodes.Status200OK) =>
        Results.Json(value, Json, statusCode: statusCode);

    public static IResult Problem(int statusCode, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: statusCode, title: title, extensions: extensions);

    public static IResult BadRequest(string title, string? detail = null) => Problem(StatusCodes.Status400BadRequest, title, detail);

    public static IResult NotFound(string title) => Problem(StatusCodes.Status404NotFound, title);

    /// <summary>400 naming the field at fault, with <c>errors</c> in the shape of ASP.NET Core's validation problems.</summary>
    public static IResult InvalidField(string field, string message) =>
        Problem(StatusCodes.Status400BadRequest, message, $"The field '{field}' is invalid.",
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    /// <summary>
    /// Reads a JSON request body of <typeparamref name="T"/>: the body, or the 415/400/413 answer when it is not JSON,
    /// not valid, empty, or over <see cref="RequestLimits.MaxJsonBodyBytes"/> (counted as it arrives, so a chunked
    /// body without a Content-Length is cut off too). <paramref name="shape"/> tells the client what to send, e.g. <c>{"to", "template"}</c>.
    /// </summary>
    public static async Task<(T? Body, IResult? Error)> ReadJsonAsync<T>(HttpRequest request, string what, string shape, CancellationToken cancellationToken)
        where T : class
    {
        const int max = RequestLimits.MaxJsonBodyBytes;
        if (!request.HasJsonContentType())
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, $"Send the {what} as application/json."));
        if (request.ContentLength > max)
            return (null, BodyTooLarge(max));

        var body = request.Body;
        request.Body = new SizeLimitedStream(body, max);
        try
        {
            return await request.ReadFromJsonAsync<T>(Json, cancellationToken) is { } read
                ? (read, null)
                : (null, BadRequest($"The body is empty: send {shape}."));
        }
        catch (JsonException ex)
        {
            return (null, BadRequest($"The body is not valid JSON for the {what}.", ex.Message));
        }
        catch (BodyTooLargeException)
        {
            return (null, BodyTooLarge(max));
        }
        catch (BadHttpRequestException ex)
        {
            return (null, UnreadableBody(ex));
        }
        finally
        {
            request.Body = body;
        }
    }

    public static IResult BodyTooLarge(long maxBytes) => TooLarge(maxBytes, "The request body is too large.");

    /// <summary>
    /// The server gave up on the body (it arrived too slowly, or broke off): the connection is usually gone already,
    /// but the answer is still a problem, not an unhandled exception.
    /// </summary>
    public static IResult UnreadableBody(BadHttpRequestException ex) =>
        Problem(ex.StatusCode, "The request body could not be read: it arrived too slowly or was cut off.");

    public static IResult TooLarge(long maxBytes, string? title = null, string? detail = null) =>
        Problem(StatusCodes.Status413PayloadTooLarge, title ?? "The video is too large.", detail ?? $"The limit is {maxBytes} bytes.",
            new Dictionary<string, object?> { ["maxBytes"] = maxBytes });

    /// <summary>
    /// The request's <c>Idempotency-Key</c>: <c>Key</c> is null without one; <c>Error</c> is the 400 answer for a key
    /// that is empty, too long or not printable ASCII.
    /// </summary>
    public static (string? Key, IResult? Error) ReadIdempotencyKey(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(IdempotencyKeys.HeaderName, out var values))
            return (null, null);
        var key = values.Count == 1 ? values[0] ?? "" : "";
        return IdempotencyKeys.IsValid(key)
            ? (key, null)
            : (null, BadRequest($"The {IdempotencyKeys.HeaderName} header must be one value of 1 to {IdempotencyKeys.MaxLength} printable ASCII characters.",
                "A unique value per operation works best, e.g. a UUID."));
    }

    /// <summary>202 with the job's status URL; a repeated request (same Idempotency-Key) also says <c>Idempotent-Replayed: true</c>.</summary>
    public static IResult Accepted(string statusUrl, object body, bool replayed) =>
        replayed ? WithHeader(Results.Accepted(statusUrl, body), IdempotencyKeys.ReplayedHeaderName, "true") : Results.Accepted(statusUrl, body);

    public static IResult IdempotencyKeyReused() => Problem(StatusCodes.Status422UnprocessableEntity,
        $"This {IdempotencyKeys.HeaderName} was already used with a different request.",
        $"A key stands for one request for {IdempotencyKeys.Lifetime.TotalHours:0} hours: send a new key for a new request.");

    /// <summary>429 naming the quota, with <c>Retry-After</c> in whole seconds.</summary>
    public static IResult OverQuota(Quotas.QuotaRefusal refusal) => WithHeader(
        Problem(StatusCodes.Status429TooManyRequests, refusal.Title, $"The quota is set by {refusal.Setting}.",
            new Dictionary<string, object?> { ["quota"] = refusal.Setting }),
        "Retry-After", ((long)Math.Ceiling(refusal.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Whether the request names JSON among what it accepts (a redirecting route then answers the link as JSON).</summary>
    public static bool AsksForJson(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));

    public static IResult MalformedId(string id) => BadRequest("That is not a job id.",
        $"Job ids are {JobId.Length} lower-case hex characters; got '{id}'.");

    /// <summary>
    /// A storage outage is the server's problem, not the client's: 503 with Retry-After. What it says is what is known:
    /// storage did not confirm the request, so a job it was to make may or may not have been stored (a write can land
    /// and its answer be lost). Once a job's row is stored it runs, its message or not (the sweeper sends a lost one),
    /// and the same request repeated with its Idempotency-Key returns that one job.
    /// </summary>
    public static async Task<IResult> WhenStorageIsDownAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            return StorageUnavailable(StorageDidNotConfirm);
        }
    }

    public const string StorageDidNotConfirm =
        "Storage did not confirm this request, so a job it was to make may or may not have been stored. " +
        "Repeat the request with the same Idempotency-Key header to get exactly one job.";

    public static IResult StorageUnavailable(string detail) =>
        WithHeader(Problem(StatusCodes.Status503ServiceUnavailable, "Storage is unavailable right now; try again shortly.", detail), "Retry-After", "10");

    public static IResult WithHeader(IResult result, string name, string value) => new WithHeaderResult(result, name, value);

    private sealed record WithHeaderResult(IResult Inner, string Name, string Value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[Name] = Value;
            return Inner.ExecuteAsync(httpContext);
        }
    }
}
