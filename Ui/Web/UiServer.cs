using System.Net;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PicoTalk.Ui.Web.Security;

namespace PicoTalk.Ui.Web;

/// <summary>
/// <c>picotalk ui</c>: Kestrel serving the page (embedded assets), the JSON API and the WebSocket,
/// with the daemon reached only through <see cref="DaemonLink"/>. Start with <see cref="StartAsync"/>;
/// tests run it in-process on 127.0.0.1:0.
/// </summary>
internal sealed class UiServer : IAsyncDisposable
{
    /// <summary>Largest request body: the biggest is a config patch, a few KB.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    private readonly WebApplication _app;
    private int _disposed;

    private UiServer(WebApplication app, UiContext context, IReadOnlyList<string> urls)
    {
        _app = app;
        Context = context;
        Urls = urls;
    }

    /// <summary>The URLs served, with the real port where port 0 was asked for.</summary>
    public IReadOnlyList<string> Urls { get; }

    internal UiContext Context { get; }

    /// <param name="log">Where the UI's own lines go (set-up code, daemon up/down).</param>
    /// <param name="pbkdf2Iterations">Only tests of other parts lower it.</param>
    public static async Task<UiServer> StartAsync(UiOptions options, TimeProvider time, Action<string> log,
        int pbkdf2Iterations = AdminPassword.Iterations, CancellationToken cancellationToken = default)
    {
        SecretFile.EnsureDirectory(options.StateDirectory);
        var admin = new AdminStore(options.StateDirectory, pbkdf2Iterations);
        if (admin.SetupCodeValue is { } code)
        {
            log($"ui: first boot: set-up code {code}");
        }

        X509Certificate2? certificate = options.Https
            ? HttpsCertificate.LoadOrCreate(Path.Combine(options.StateDirectory, HttpsCertificate.FileName), time)
            : null;

        var hub = new LiveHub();
        var daemon = new DaemonLink(options.ControlPath, hub, time, log);
        var context = new UiContext(
            admin,
            SessionCookie.LoadOrCreate(Path.Combine(options.StateDirectory, "session.key")),
            new SessionStore(time),
            new LoginThrottle(time),
            daemon,
            hub,
            time,
            time.GetUtcNow());

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(time);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            foreach (var url in options.Urls)
            {
                Listen(kestrel, url, certificate);
            }
        });

        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.Use(RequestGuard.Create(context));
        PageRoutes.Map(app, context);
        AuthRoutes.Map(app, context);
        ApiRoutes.Map(app, context);
        RoomRoutes.Map(app, context);
        LiveRoute.Map(app, context);

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        daemon.Start();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        return new UiServer(app, context, addresses);
    }

    /// <summary>The version of this program, for the diagnostics page.</summary>
    public static string Version =>
        typeof(UiServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Context.Daemon.DisposeAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, Uri url, X509Certificate2? certificate)
    {
        Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> configure = listen =>
        {
            if (url.Scheme == "https")
            {
                listen.UseHttps(certificate!);
            }
        };
        string host = url.Host.Trim('[', ']');
        if (host is "localhost")
        {
            kestrel.ListenLocalhost(url.Port, configure);
        }
        else if (host is "*" or "+" || (IPAddress.TryParse(host, out var any) && any.Equals(IPAddress.IPv6Any)))
        {
            kestrel.ListenAnyIP(url.Port, configure);
        }
        else if (IPAddress.TryParse(host, out var address))
        {
            kestrel.Listen(address, url.Port, configure);
        }
        else
        {
            throw new ArgumentException($"ui: listen on an IP address, '*' or localhost, not '{url.Host}'");
        }
    }
}

/// <summary>What every route needs: the stores, the daemon and the clock.</summary>
internal sealed record UiContext(
    AdminStore Admin,
    SessionCookie Cookie,
    SessionStore Sessions,
    LoginThrottle Throttle,
    DaemonLink Daemon,
    LiveHub Hub,
    TimeProvider Time,
    DateTimeOffset Started);
