namespace PicoTalk.Bench;

/// <summary>The benchmark's output: one table, printed as it fills, plus notes.</summary>
internal sealed class Table
{
    /// <summary>Wide enough for the longest measure name today; rows are printed as they come, so it cannot be fitted.</summary>
    private const int MeasureWidth = 72;

    private bool _headerPrinted;

    public void Note(string text) => Console.WriteLine($"# {text}");

    public void Row(string measure, string value, string unit, string target)
    {
        if (!_headerPrinted)
        {
            Console.WriteLine($"| {"measure",-MeasureWidth} | {"value",10} | {"unit",-12} | {"target",-24} |");
            Console.WriteLine($"|{new string('-', MeasureWidth + 2)}|{new string('-', 12)}|{new string('-', 14)}|{new string('-', 26)}|");
            _headerPrinted = true;
        }

        Console.WriteLine($"| {measure,-MeasureWidth} | {value,10} | {unit,-12} | {target,-24} |");
    }
}
