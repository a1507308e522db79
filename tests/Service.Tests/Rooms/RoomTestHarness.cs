using System.Net;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>A room server on loopback (any free ports) with a tap of everything it read and decrypted, and helpers to join it.</summary>
internal sealed class RoomTestHarness : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly object _tapGate = new();
    private readonly MemoryStream _received = new();
    private readonly X25519KeyPair _identity = X25519KeyPair.Generate();
    private readonly List<RoomClientSession> _clients = [];

    public RoomTestHarness()
    {
        Server = new RoomServer(IPAddress.Loopback, new RoomServerPorts(0, 0, 0), _identity, TimeProvider.System, _ => { })
        {
            ReceivedTap = bytes =>
            {
                lock (_tapGate)
                {
                    _received.Write(bytes);
                }
            },
        };
        Server.Start();
    }

    public RoomServer Server { get; }

    public RoomClientOptions Options(RoomTransport transport, string room, string password, string name) => new()
    {
        Host = "127.0.0.1",
        Port = transport == RoomTransport.WebSocket ? Server.WebSocketPort : Server.TcpPort,
        Transport = transport,
        RoomName = room,
        Password = password,
        UserName = name,
    };

    public async Task<RoomClientSession> JoinAsync(RoomClientOptions options)
    {
        var client = await RoomClientSession.ConnectAsync(options, CancellationToken.None).WaitAsync(Deadline);
        _clients.Add(client);
        return client;
    }

    /// <summary>True if the server ever read or decrypted <paramref name="needle"/>.</summary>
    public bool ServerSaw(ReadOnlySpan<byte> needle)
    {
        lock (_tapGate)
        {
            return _received.GetBuffer().AsSpan(0, (int)_received.Length).IndexOf(needle) >= 0;
        }
    }

    public long ServerBytesSeen
    {
        get
        {
            lock (_tapGate)
            {
                return _received.Length;
            }
        }
    }

    /// <summary>A 512-sample frame holding exactly FFT bin <paramref name="bin"/> (frequency bin × 31.25 Hz), so every frame is the same.</summary>
    public static short[] Tone(int bin, double amplitude = 3000)
    {
        var frame = new short[AudioKeystream.SamplesPerFrame];
        for (int n = 0; n < frame.Length; n++)
        {
            frame[n] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * bin * n / frame.Length));
        }

        return frame;
    }

    /// <summary>
    /// Magnitude of DFT bin <paramref name="bin"/> of one frame, |Σ x[n] e^(-2πi·bin·n/N)|
    /// (TestSupport's Fft is internal to its assembly; one bin at a time is all these tests need).
    /// </summary>
    public static double BinMagnitude(short[] frame, int bin)
    {
        double re = 0;
        double im = 0;
        for (int n = 0; n < frame.Length; n++)
        {
            double angle = 2 * Math.PI * bin * n / frame.Length;
            re += frame[n] * Math.Cos(angle);
            im -= frame[n] * Math.Sin(angle);
        }

        return Math.Sqrt((re * re) + (im * im));
    }

    public static byte[] Bytes(short[] frame)
    {
        var bytes = new byte[frame.Length * 2];
        Buffer.BlockCopy(frame, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await Server.DisposeAsync();
        _identity.Dispose();
    }
}
