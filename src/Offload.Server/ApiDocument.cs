using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Offload.Access;
using Offload.Http;
using Offload.Idempotency;
using Scalar.AspNetCore;

namespace Offload.Server;

/// <summary>
/// The API's OpenAPI 3.1 document, generated from the server's own endpoints: each route's name, summary, bodies and
/// problem answers as <see cref="OffloadApi"/> declares them, and its credential and scope read from the policy the
/// route really runs. Served at GET /api/openapi.json without a credential (it describes the API, it holds no data),
/// with a reference page to read it at /api/reference. The Functions host has no endpoints to generate it from, so it
/// serves this document as checked in (src/Offload.Functions/openapi.json); a test holds that copy to what the server
/// serves.
/// </summary>
public static class ApiDocument
{
    /// <summary>The security scheme's name in the document: the Authorization scheme the credential is sent with.</summary>
    public const string SecurityScheme = BearerCredential.Scheme;

    /// <summary>The one document's name (AddOpenApi's default).</summary>
    private const string DocumentName = "v1";

    /// <summary>The component every problem+json answer refers to, as ProducesProblem names it.</summary>
    private const string ProblemSchema = nameof(Microsoft.AspNetCore.Mvc.ProblemDetails);

    /// <summary>The reference page, relative to <see cref="ApiRoutes.Prefix"/>: a server convenience, not an API route.</summary>
    public const string ReferenceRoute = "reference";

    public static IServiceCollection AddOffloadApiDocument(this IServiceCollection services)
    {
        // The schemas come from these options, and under the web default every number would be "integer or numeric
        // string". This setting changes only how JSON is read through them, and nothing reads through them: the shared
        // API reads with ApiResults.Json (which still takes a number sent as a string). Numbers are written as numbers.
        services.Configure<JsonOptions>(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return services.AddOpenApi(DocumentName, o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.AddSchemaTransformer(OptionalWhenNull);
            o.AddOperationTransformer(DescribeAccess);
            o.AddOperationTransformer(DescribeHeaders);
            o.AddDocumentTransformer(DescribeApi);
        });
    }

    /// <summary>
    /// GET /api/openapi.json and the reference page, open to anyone. The document is the same for every request, and
    /// making it takes tens of milliseconds of CPU, so it is made once, on first use, not per request as MapOpenApi
    /// would: an open route must not be a cheap way to keep the server busy.
    /// </summary>
    public static void MapApiDocument(this IEndpointRouteBuilder root)
    {
        var provider = root.ServiceProvider.GetRequiredKeyedService<IOpenApiDocumentProvider>(DocumentName);
        var document = new Lazy<Task<byte[]>>(async () =>
            Encoding.UTF8.GetBytes(await (await provider.GetOpenApiDocumentAsync()).SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1)));
        root.MapGet(ApiRoutes.Document, async () => Results.Bytes(await document.Value, "application/json;charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
        root.MapScalarApiReference(ReferenceRoute, o =>
        {
            o.Title = "Offload API";
            o.OpenApiRoutePattern = $"{ApiRoutes.Prefix}/{ApiRoutes.Document}";
            // The page (its script is served from here too) calls nothing but this server: no telemetry, no AI
            // assistant, no hosted-service buttons.
            o.Telemetry = false;
            o.Agent = new ScalarAgentOptions { Disabled = true };
            o.Mcp = new ScalarMcpOptions { Disabled = true };
            o.ShowDeveloperTools = DeveloperToolsVisibility.Never;
            o.DotNetFlag = false;
        }).AllowAnonymous();
    }

    /// <summary>Declares the problem+json answers a route can give besides those of its access (see <see cref="DescribeAccess"/>).</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder route, params int[] statusCodes)
    {
        foreach (var statusCode in statusCodes)
            route.ProducesProblem(statusCode);
        return route;
    }

    /// <summary>The route reads an optional <c>Idempotency-Key</c> header (<see cref="ApiResults.ReadIdempotencyKey"/>).</summary>
    public static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder route) =>
        route.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            (operation.Parameters ??= []).Add(new OpenApiParameter
            {
                Name = IdempotencyKeys.HeaderName,
                In = ParameterLocation.Header,
                Description = $"Makes a repeat of the same request return the same job for {IdempotencyKeys.Lifetime.TotalHours:0} hours " +
                              $"(answered with {IdempotencyKeys.ReplayedHeaderName}: true); a UUID per operation works best.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyKeys.MaxLength },
            });
            return Task.CompletedTask;
        });

    /// <summary>
    /// The route reads a JSON body of <typeparamref name="T"/> by hand (<see cref="ApiResults.ReadJsonAsync{T}"/>).
    /// Declared for the document only: <c>Accepts&lt;T&gt;()</c> would also have routing refuse any other content type
    /// itself, with a bare 415 before the shared API can say what to send, and on this host only.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder route) =>
        route.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var document = context.Document!;
            var id = typeof(T).Name;
            document.AddComponent<IOpenApiSchema>(id, await context.GetOrCreateSchemaAsync(typeof(T), cancellationToken: cancellationToken));
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchemaReference(id, document) },
                },
            };
        });

    /// <summary>
    /// POST /api/videos reads its body by hand, streamed: raw bytes with a video content type, or multipart/form-data
    /// with the file in the field <c>file</c>; and an optional <c>notify</c> address in the query.
    /// </summary>
    public static RouteHandlerBuilder AcceptsVideo(this RouteHandlerBuilder route) =>
        route.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "The video, streamed: its bytes as the body, or a multipart/form-data body with the file in the field 'file'.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["video/*"] = new() { Schema = Binary() },
                    ["application/octet-stream"] = new() { Schema = Binary() },
                    ["multipart/form-data"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { "file" },
                            Properties = new Dictionary<string, IOpenApiSchema> { ["file"] = Binary() },
                        },
                    },
                },
            };
            (operation.Parameters ??= []).Add(new OpenApiParameter
            {
                Name = "notify",
                In = ParameterLocation.Query,
                Description = "An email address to tell when the video is ready or has failed.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "email", MaxLength = RequestLimits.MaxEmailAddressLength },
            });
            return Task.CompletedTask;
        });

    /// <summary>
    /// ApiResults.Json leaves null properties out, and a body read by hand takes a missing property as null: a
    /// property that may be null may be absent, so it is not required (a record's constructor parameters would all be).
    /// </summary>
    private static Task OptionalWhenNull(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Required is { Count: > 0 } required)
        {
            foreach (var property in context.JsonTypeInfo.Properties.Where(p => p.IsGetNullable))
                required.Remove(property.Name);
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema Binary() => new() { Type = JsonSchemaType.String, Format = "binary" };

    /// <summary>
    /// Who may call each route, from the metadata its authorization really runs on: none for an anonymous route;
    /// otherwise a Bearer credential with the scope its policy names (each policy is named after its scope), and the
    /// 401 and 403 answers of <see cref="AccessResults"/>.
    /// </summary>
    private static async Task DescribeAccess(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
            return;

        var document = context.Document!;
        var scopes = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecurityScheme, document)] = scopes }];

        // Every route declares some problem answer, so the component is usually there already.
        document.AddComponent<IOpenApiSchema>(ProblemSchema, await context.GetOrCreateSchemaAsync(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), cancellationToken: cancellationToken));
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", Problem(document, "No valid credential: none was sent, or the API key is unknown or revoked, or the token has expired or is not for this API.",
            ("WWW-Authenticate", "Bearer realm=\"offload\", with error=\"invalid_token\" when a credential was sent.")));
        operation.Responses.TryAdd("403", Problem(document, scopes.Count == 0
            ? "The credential may not do that."
            : $"The credential lacks the '{string.Join("', '", scopes)}' scope (or 'admin'); 'requiredScope' names it."));
    }

    private static OpenApiResponse Problem(OpenApiDocument document, string description, params (string Name, string Description)[] headers) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
        },
        Headers = headers.Length == 0 ? null : headers.ToDictionary(h => h.Name, h => (IOpenApiHeader)Header(h.Description)),
    };

    private static OpenApiHeader Header(string description) => new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };

    /// <summary>The headers <see cref="ApiResults"/> always sends with these answers, whichever route gives them.</summary>
    private static Task DescribeHeaders(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var idempotent = operation.Parameters?.Any(p => p.Name == IdempotencyKeys.HeaderName) == true;
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse answer)
                continue;
            var isProblem = answer.Content?.ContainsKey("application/problem+json") == true;
            IEnumerable<(string, string)> headers = status switch
            {
                "202" when idempotent => [("Location", "The job's status URL."), (IdempotencyKeys.ReplayedHeaderName, "'true' when this answers a repeat of an earlier request with the same key.")],
                "202" => [("Location", "The job's status URL.")],
                "302" => [("Location", "The short-lived read-only link.")],
                "429" => [("Retry-After", "Seconds until the quota allows the request.")],
                "503" when isProblem => [("Retry-After", "Seconds to wait before trying again.")],
                _ => [],
            };
            foreach (var (name, description) in headers)
                (answer.Headers ??= new Dictionary<string, IOpenApiHeader>()).TryAdd(name, Header(description));
        }

        return Task.CompletedTask;
    }

    /// <summary>What the API is, how to call it; and no server address: one document describes every deployment.</summary>
    private static Task DescribeApi(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Offload",
            Version = "1",
            Description = "Video encodes and templated emails, run as background jobs. Every route but health needs " +
                          "`Authorization: Bearer <API key or Entra ID access token>` with the scope the route names. " +
                          "Errors are `application/problem+json` (RFC 9457). Both hosts (Azure Functions and the " +
                          "self-hosted server) serve these routes under `/api`.",
        };
        document.Servers = null;
        (document.Components ??= new OpenApiComponents()).SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [SecurityScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An Offload API key (offload_…, made with POST /api/keys) or, where Entra ID is configured, an " +
                              "access token for the API. A scope listed on a route is the key's scope, or the token's app role " +
                              "or delegated scope, of that name; 'admin' implies every scope.",
            },
        };
        return Task.CompletedTask;
    }
}
