using PicoTalk.Bench;

// ./build.sh bench [media|latency|call|dht|dht-sim|dht-loopback|rooms]: media prints the table of per-frame costs and the latency (timings are
// medians of 5 runs after a warm-up run; allocation counts come from GC.GetAllocatedBytesForCurrentThread);
// call runs two daemons in a call and reads their CPU and memory from /proc;
// dht runs the 100,000-node DHT simulation and then 1,000 of our nodes on real loopback sockets
// (beside npm bittorrent-dht); dht-sim and dht-loopback run one of the two; rooms measures the room
// server's CPU per member over loopback and the mixer's capacity per core. With no argument: media only.
string what = args.Length > 0 ? args[0] : "media";
var table = new Table();
Console.WriteLine($"PicoTalk bench on {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}");
// Caught here so that every bench's using blocks run (an unhandled exception ends the process
// without them) and the processes a call bench started are stopped before it exits.
try
{
    switch (what)
    {
        case "media":
            new MediaBench(table).Run();
            LatencyBench.Run(table);
            break;
        case "latency":
            LatencyBench.Run(table);
            break;
        case "dht":
            DhtBench.Run(table);
            DhtLoopbackBench.Run(table);
            break;
        case "call":
            CallBench.Run(table);
            break;
        case "dht-sim":
            DhtBench.Run(table);
            break;
        case "dht-loopback":
            DhtLoopbackBench.Run(table);
            break;
        case "rooms":
            RoomBench.Run(table, args[1..]);
            break;
        default:
            Console.Error.WriteLine($"unknown benchmark '{what}'; known: media, latency, call, dht, dht-sim, dht-loopback, rooms");
            return 2;
    }
}
catch (Exception e)
{
    Console.Error.WriteLine($"bench {what} failed: {e}");
    return 1;
}

return 0;
