using Offload.Testing;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>A private Azurite and one Offload.Server process on it, shared by the end-to-end tests.</summary>
public class ServerFixture : IAsyncLifetime
{
    public const long MaxUploadBytes = 24 * 1024 * 1024;

    private Azurite? _azurite;
    private MailDev? _mail;
    private ServerProcess? _server;

    public Azurite Azurite => _azurite!;
    public MailDev Mail => _mail!;
    public ServerProcess Server => _server!;
    public HttpClient Http => Server.Http;

    public async Task InitializeAsync()
    {
        (_azurite, _mail) = (await Azurite.StartAsync(), await MailDev.StartAsync());
        var settings = new Dictionary<string, string>
        {
            ["Email__SmtpHost"] = "127.0.0.1",
            ["Email__SmtpPort"] = _mail.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Videos__MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Jobs__HeartbeatInterval"] = "00:00:00.250",
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500",
        };
        foreach (var (key, value) in Settings)
            settings[key] = value;
        await BeforeServerStartsAsync();
        _server = await ServerProcess.StartAsync(_azurite.ConnectionString, settings);
    }

    /// <summary>Settings a fixture of its own adds to (or changes in) the server's environment.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    /// <summary>Runs once storage and the mail server are up, before the server starts: for what it reads at start-up.</summary>
    protected virtual Task BeforeServerStartsAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        if (_azurite is not null)
            await _azurite.DisposeAsync();
        if (_mail is not null)
            await _mail.DisposeAsync();
    }
}

/// <summary>
/// A server whose encoder takes its time (libx264 veryslow): long enough to see a job run, or wait behind another.
/// A job may be sent through again <see cref="MaxRetries"/> times.
/// </summary>
public sealed class SlowEncoderServerFixture : ServerFixture
{
    public const int MaxRetries = 3;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Encoding__Preset"] = "veryslow",
        ["Jobs__MaxRetries"] = MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
