namespace PicoTalk.Browser.Tests;

/// <summary>A browser test's failure with what the appliances' processes printed, so a page that
/// never showed a state can be told apart from a daemon that never reached it.</summary>
public sealed class PageTestFailure(Exception inner, string processOutput)
    : Exception($"{inner.Message}\n{processOutput}", inner);
