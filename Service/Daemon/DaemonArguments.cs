namespace PicoTalk.Service.Daemon;

/// <summary>
/// The <c>picotalkd</c> command line (DESIGN.md "Command line contract"; extend, never rename).
/// Every option here overrides the same setting in the config file.
/// </summary>
public sealed record DaemonArguments
{
    public const string Usage = """
        usage: picotalkd [--state-dir DIR] [--config FILE] [--port N] [--bind ADDR] [--control PATH]
                         [--bootstrap HOST:PORT,...] [--no-lan-discovery] [--audio-in SPEC]
                         [--audio-out SPEC] [--gpio SPEC] [--name NAME] [--lan-interfaces IF,...]
                         [--no-hole-punching] [--nat-keepalive SECONDS]
                         [--room-server [--room-ports TCP,UDP,WS]]
          --state-dir DIR     identity, config and caches (default $STATE_DIRECTORY, else /var/lib/picotalkd)
          --config FILE       settings (default DIR/config.json, created with defaults when missing)
          --port N            UDP port for DHT, sessions and media (default 5004; 0 takes a free port)
          --bind ADDR         address to bind (default :: = all IPv6 and IPv4 addresses)
          --control PATH      control socket (default $RUNTIME_DIRECTORY/control.sock, else DIR/control.sock)
          --audio-in SPEC     sim | silence | wav:FILE | alsa:DEVICE
          --audio-out SPEC    sim | null | wav:FILE | alsa:DEVICE
          --gpio SPEC         sim | chip:/dev/gpiochipN
          --name NAME         the name a callee sees with the ring
          --bootstrap LIST    DHT nodes to join through (HOST:PORT,...), added to config dht.bootstrap
          --no-lan-discovery  do not look for appliances on the LAN by multicast
          --lan-interfaces L  interfaces for LAN discovery (e.g. lo or wlan0); default all
          --no-hole-punching  neither ask for, relay nor answer NAT hole punches (config dht.hole_punching)
          --nat-keepalive S   seconds between NAT keepalives to our DHT relays (default 25; dht.keepalive_seconds)
          --room-server       also serve PicoTalk rooms (key in DIR/room-server.key)
          --room-ports T,U,W  room server TCP, UDP and WebSocket ports (default 9999,9999,9998; 0 takes a free port)
        """;

    public string? StateDirectory { get; init; }

    public string? ConfigFile { get; init; }

    public int? Port { get; init; }

    public string? Bind { get; init; }

    public string? ControlPath { get; init; }

    public IReadOnlyList<string> Bootstrap { get; init; } = [];

    public bool NoLanDiscovery { get; init; }

    public string? AudioIn { get; init; }

    public string? AudioOut { get; init; }

    public string? Gpio { get; init; }

    public string? Name { get; init; }

    public IReadOnlyList<string>? LanInterfaces { get; init; }

    public bool NoHolePunching { get; init; }

    public int? NatKeepaliveSeconds { get; init; }

    public bool Help { get; init; }

    /// <summary>Serve PicoTalk rooms beside the calls (issue 7).</summary>
    public bool RoomServer { get; init; }

    /// <summary>The ports of <c>--room-ports</c>; null for the defaults.</summary>
    public PicoTalk.Service.Rooms.RoomServerPorts? RoomPorts { get; init; }

    /// <summary>Where the room server listens, or null when it is not asked for.</summary>
    public PicoTalk.Service.Rooms.RoomServerPorts? RoomServerPorts =>
        RoomServer ? RoomPorts ?? PicoTalk.Service.Rooms.RoomServerPorts.Default : null;

    /// <summary>Parses the arguments; a usage error throws <see cref="ArgumentException"/> naming the option.</summary>
    public static DaemonArguments Parse(IReadOnlyList<string> args)
    {
        var result = new DaemonArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{arg} needs a value");
                }

                return args[++i];
            }

            result = arg switch
            {
                "--state-dir" => result with { StateDirectory = Value() },
                "--config" => result with { ConfigFile = Value() },
                "--port" => result with { Port = ParsePort(Value()) },
                "--bind" => result with { Bind = Value() },
                "--control" => result with { ControlPath = Value() },
                "--bootstrap" => result with { Bootstrap = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--no-lan-discovery" => result with { NoLanDiscovery = true },
                "--audio-in" => result with { AudioIn = Value() },
                "--audio-out" => result with { AudioOut = Value() },
                "--gpio" => result with { Gpio = Value() },
                "--name" => result with { Name = Value() },
                "--lan-interfaces" => result with { LanInterfaces = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--no-hole-punching" => result with { NoHolePunching = true },
                "--nat-keepalive" => result with { NatKeepaliveSeconds = ParseSeconds(arg, Value()) },
                "--room-server" => result with { RoomServer = true },
                "--room-ports" => result with { RoomPorts = ParseRoomPorts(Value()) },
                "-h" or "--help" => result with { Help = true },
                _ => throw new ArgumentException($"unknown option '{arg}'"),
            };
        }

        if (result.RoomPorts is not null && !result.RoomServer)
        {
            throw new ArgumentException("--room-ports needs --room-server");
        }

        return result;
    }

    /// <summary>"TCP,UDP,WS", each 0 to 65535.</summary>
    private static PicoTalk.Service.Rooms.RoomServerPorts ParseRoomPorts(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var ports = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, null, out ports[i]) || ports[i] > 65535)
            {
                ports = [];
                break;
            }
        }

        return ports.Length == 3
            ? new PicoTalk.Service.Rooms.RoomServerPorts(ports[0], ports[1], ports[2])
            : throw new ArgumentException($"--room-ports: '{text}' is not TCP,UDP,WS (three ports, 0 to 65535)");
    }

    private static int ParseSeconds(string option, string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, null, out int seconds) && seconds > 0
            ? seconds
            : throw new ArgumentException($"{option}: '{text}' is not a whole number of seconds (1 or more)");

    private static int ParsePort(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, null, out int port) && port <= 65535
            ? port
            : throw new ArgumentException($"--port: '{text}' is not a port number (0 to 65535)");
}
