namespace PicoTalk.Bench;

/// <summary>The benchmark's output: one table, printed as it fills, plus notes.</summary>
internal sealed class Table
{
    private bool _headerPrinted;

    public void Note(string text) => Console.WriteLine($"# {text}");

    public void Row(string measure, string value, string unit, string target)
    {
        if (!_headerPrinted)
        {
            Console.WriteLine($"| {"measure",-52} | {"value",10} | {"unit",-12} | {"target",-24} |");
            Console.WriteLine($"|{new string('-', 54)}|{new string('-', 12)}|{new string('-', 14)}|{new string('-', 26)}|");
            _headerPrinted = true;
        }

        Console.WriteLine($"| {measure,-52} | {value,10} | {unit,-12} | {target,-24} |");
    }
}
