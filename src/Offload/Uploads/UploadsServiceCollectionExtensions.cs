using Microsoft.Extensions.DependencyInjection;

namespace Offload.Uploads;

public static class UploadsServiceCollectionExtensions
{
    /// <summary>Direct uploads: a SAS link to put a large video straight into Blob Storage, then a submit that queues its job.</summary>
    public static IServiceCollection AddUploads(this IServiceCollection services)
    {
        services.AddSingleton<CreateUploadHandler>();
        services.AddSingleton<SubmitUploadHandler>();
        services.AddSingleton<UploadApi>();
        return services;
    }
}
