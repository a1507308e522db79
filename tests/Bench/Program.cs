using PicoTalk.Bench;

// ./build.sh bench [media]: prints the table of per-frame costs. Timings are medians of 5 runs
// after a warm-up run; allocation counts come from GC.GetAllocatedBytesForCurrentThread.
string what = args.Length > 0 ? args[0] : "all";
var table = new Table();
Console.WriteLine($"PicoTalk bench on {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}");
switch (what)
{
    case "all":
    case "media":
        new MediaBench(table).Run();
        break;
    default:
        Console.Error.WriteLine($"unknown benchmark '{what}'; known: media");
        return 2;
}

return 0;
