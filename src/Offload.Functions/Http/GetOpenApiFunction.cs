using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;

namespace Offload.Functions.Http;

/// <summary>
/// GET /api/openapi.json, open to anyone: the API's OpenAPI document. The server generates it from its endpoints;
/// this host has none to generate it from, so it serves that document as checked in beside this project
/// (openapi.json, embedded in the assembly). OpenApiDocumentTests hold the copy to what the server serves.
/// </summary>
public sealed class GetOpenApiFunction
{
    public const string ResourceName = "openapi.json";

    private static readonly byte[] Document = Read();

    [Function(nameof(GetOpenApiFunction))]
    [AllowAnonymous]
    public IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + ApiRoutes.Document)] HttpRequest request) =>
        Results.Bytes(Document, "application/json;charset=utf-8");

    private static byte[] Read()
    {
        using var stream = typeof(GetOpenApiFunction).Assembly.GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException($"The build did not embed {ResourceName}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
