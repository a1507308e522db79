using System.Diagnostics;
using System.Text;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Gpio;

/// <summary>
/// Writes a C program that includes linux/gpio.h (and the libc headers the driver's constants come
/// from), compiles it with gcc into a temp folder and runs it: the ground truth the C# layouts are
/// checked against. A missing gcc or header is a failure, not a skip: build.sh installs gcc and
/// linux-libc-dev.
/// </summary>
internal static class UapiProbe
{
    private const string Headers = """
        #include <errno.h>
        #include <fcntl.h>
        #include <poll.h>
        #include <stddef.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/eventfd.h>
        #include <linux/gpio.h>

        """;

    /// <summary>A figure: what C prints for <paramref name="CExpression"/> (an integer expression).</summary>
    public sealed record Figure(string Name, string CExpression);

    /// <summary>A gpio_v2_line_request that C fills: lines, a flags expression of the header's macros, a consumer.</summary>
    public sealed record Request(string Name, int[] Lines, string CFlags, string Consumer);

    /// <summary>Runs the probe; returns each figure's value and each request's bytes as lowercase hex.</summary>
    public static (Dictionary<string, ulong> Figures, Dictionary<string, string> RequestHex) Run(
        IEnumerable<Figure> figures, IEnumerable<Request> requests)
    {
        var source = new StringBuilder(Headers);
        source.AppendLine("static void __attribute__((unused)) hex(const char *name, const void *p, size_t n) {");
        source.AppendLine("    printf(\"bytes %s \", name);");
        source.AppendLine("    for (size_t i = 0; i < n; i++) printf(\"%02x\", ((const unsigned char *)p)[i]);");
        source.AppendLine("    printf(\"\\n\");");
        source.AppendLine("}");
        source.AppendLine("int main(void) {");
        foreach (var figure in figures)
        {
            source.AppendLine($"    printf(\"figure %s %llu\\n\", \"{figure.Name}\", (unsigned long long)({figure.CExpression}));");
        }

        foreach (var request in requests)
        {
            source.AppendLine("    {");
            source.AppendLine("        struct gpio_v2_line_request r;");
            source.AppendLine("        memset(&r, 0, sizeof r);");
            for (int i = 0; i < request.Lines.Length; i++)
            {
                source.AppendLine($"        r.offsets[{i}] = {request.Lines[i]};");
            }

            // At most 31 bytes, so a NUL always ends the consumer (the kernel reads it as a C string).
            source.AppendLine($"        const char *consumer = \"{request.Consumer}\";");
            source.AppendLine("        size_t length = strlen(consumer);");
            source.AppendLine("        memcpy(r.consumer, consumer, length < sizeof r.consumer ? length : sizeof r.consumer - 1);");
            source.AppendLine($"        r.config.flags = {request.CFlags};");
            source.AppendLine($"        r.num_lines = {request.Lines.Length};");
            source.AppendLine($"        hex(\"{request.Name}\", &r, sizeof r);");
            source.AppendLine("    }");
        }

        source.AppendLine("    return 0;");
        source.AppendLine("}");

        using var folder = new TempDirectory("picotalk-gpio-probe");
        string c = folder.File("probe.c");
        string exe = folder.File("probe");
        File.WriteAllText(c, source.ToString());
        string gcc = FindGcc() ?? throw new Xunit.Sdk.XunitException(
            "gcc is not installed: the uAPI layout check compiles a C program against linux/gpio.h " +
            "(apt-get install gcc linux-libc-dev; build.sh deps installs both)");
        var (compiled, _, compileErrors) = Execute(gcc, ["-std=gnu11", "-Wall", "-Werror", "-o", exe, c]);
        if (compiled != 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"gcc could not build the uAPI probe (is linux/gpio.h installed? apt-get install linux-libc-dev):\n{compileErrors}");
        }

        var (ran, output, runErrors) = Execute(exe, []);
        Assert.True(ran == 0, $"the uAPI probe failed with exit code {ran}: {runErrors}");

        var values = new Dictionary<string, ulong>();
        var bytes = new Dictionary<string, string>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ');
            if (parts[0] == "figure")
            {
                values[parts[1]] = ulong.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                bytes[parts[1]] = parts[2];
            }
        }

        return (values, bytes);
    }

    private static string? FindGcc() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "gcc"))
            .FirstOrDefault(File.Exists);

    private static (int ExitCode, string Output, string Errors) Execute(string tool, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        // A guard against a hung tool, not a timing assumption: gcc takes well under a second here.
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{tool} did not finish within two minutes");
        }

        return (process.ExitCode, output, errors.GetAwaiter().GetResult());
    }
}
