using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PicoTalk.Protocol.Media;
using PicoTalk.Service.Config;
using PicoTalk.TestSupport;

namespace PicoTalk.Bench;

/// <summary>
/// Latency on a clean link (issue 4: 28 ms or less with 20 ms frames, 18 ms or less with 10 ms,
/// baresip 1.0 measuring 28 ms encoder-to-decoder with a one-frame jitter buffer). A sample that
/// begins a frame waits a frame for the rest of it, Opus delays it by its lookahead, and then the
/// frame is encoded, sealed, sent over loopback UDP, opened and decoded: our receive stream decodes
/// a packet the moment it arrives in order (the adaptive buffer's NetEq design), so encoder input
/// to decoder output = frame + lookahead + that processing. The processing is measured here on real
/// sockets, the lookahead by an impulse through the real codec. To playout adds the adaptive
/// buffer's wait for the sound card's next read and the period the card takes to play it out
/// (the receive stream's delay figure), simulated on a fake clock over read phases spread
/// evenly across a period (two devices' clocks have no phase relation).
/// </summary>
internal static class LatencyBench
{
    private const int Frames = 500;

    public static void Run(Table table)
    {
        foreach (int frameMs in new[] { 20, 10 })
        {
            var settings = new DaemonConfig().EncoderSettings() with { FrameMilliseconds = frameMs };
            double lookaheadMs = MeasuredLookahead(settings) * 1000.0 / MediaConstants.SampleRate;
            double processingMs = MedianProcessing(settings) * 1000;
            double encoderToDecoder = frameMs + lookaheadMs + processingMs;
            table.Row($"latency {frameMs} ms frames: encoder input -> decoder output, clean loopback",
                encoderToDecoder.ToString("F1"), "ms", frameMs == 20 ? "<= 28 (baresip 28)" : "<= 18");
            table.Row($"  of which: frame {frameMs}, Opus lookahead (impulse) {lookaheadMs:F1}, encode+seal+UDP+open+decode",
                processingMs.ToString("F2"), "ms", "-");
            var (median, worst) = PlayoutWait(settings, processingMs);
            table.Row($"latency {frameMs} ms frames: encoder input -> heard (adaptive buffer, one-period sound card), median / worst read phase",
                $"{encoderToDecoder + median:F1} / {encoderToDecoder + worst:F1}", "ms", "-");
        }
    }

    /// <summary>Samples between an impulse into the encoder and its peak out of the decoder.</summary>
    private static int MeasuredLookahead(OpusEncoderSettings settings)
    {
        using var encoder = new OpusEncoder(settings);
        using var decoder = new OpusDecoder();
        int n = encoder.FrameSamples;
        var input = new short[n * 20];
        int at = n * 10 + n / 3;
        for (int i = -2; i <= 2; i++)
        {
            input[at + i] = (short)(20000 - 6000 * Math.Abs(i)); // a short click, easy to find after coding
        }

        var output = new short[input.Length];
        var packet = new byte[MediaConstants.MaxPacketBytes];
        for (int f = 0; f < 20; f++)
        {
            int length = encoder.Encode(input.AsSpan(f * n, n), packet);
            decoder.Decode(packet.AsSpan(0, length), output.AsSpan(f * n, n));
        }

        int peak = 0;
        for (int i = 1; i < output.Length; i++)
        {
            if (Math.Abs(output[i]) > Math.Abs(output[peak]))
            {
                peak = i;
            }
        }

        return peak - at;
    }

    /// <summary>Median seconds from a captured frame to its samples out of the decoder, over real loopback UDP.</summary>
    private static double MedianProcessing(OpusEncoderSettings settings)
    {
        short[] speech = Speech.ToolsAvailable ? Speech.Samples(Speech.CallerSentence) : WavTestFiles.Tone(440, 8000, 48_000 * 5);
        using var pair = SessionPairForBench.Establish();
        using var encoder = new OpusEncoder(settings);
        using var receive = new ReceiveStream(settings.FrameMilliseconds, TimeProvider.System);
        pair.Observer.Sink = receive;
        pair.Link.Hold = true; // the datagram goes over the real socket below, not the in-memory link
        using var tx = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var rx = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rx.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var to = rx.LocalEndPoint!;
        var packet = new byte[MediaConstants.MaxPacketBytes];
        var datagram = new byte[2048];
        int n = encoder.FrameSamples;
        var times = new List<double>(Frames);
        for (int i = 0; i < Frames + 50; i++)
        {
            int offset = i * n % (speech.Length - n);
            long start = Stopwatch.GetTimestamp();
            int length = encoder.Encode(speech.AsSpan(offset, n), packet);
            pair.Caller.TrySendMedia(packet.AsSpan(0, length));
            tx.SendTo(pair.Link.Last.AsSpan(0, pair.Link.LastLength), to);
            int received = rx.Receive(datagram);
            pair.CalleeLayer.Handle(datagram.AsSpan(0, received), SessionPairForBench.CallerAddress);
            long end = Stopwatch.GetTimestamp();
            if (i >= 50)
            {
                times.Add(Stopwatch.GetElapsedTime(start, end).TotalSeconds);
            }

            if (receive.Stats.FramesDecoded != i + 1)
            {
                throw new InvalidOperationException($"frame {i} was not decoded on arrival");
            }
        }

        pair.Observer.Sink = null;
        pair.Link.Hold = false;
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Arrival to playout with the default adaptive buffer on a clean link, median and worst over read phases.</summary>
    private static (double Median, double Worst) PlayoutWait(OpusEncoderSettings settings, double processingMs)
    {
        int frameMs = settings.FrameMilliseconds;
        using var encoder = new OpusEncoder(settings);
        var frame = WavTestFiles.Tone(220, 6000, encoder.FrameSamples);
        var packet = new byte[MediaConstants.MaxPacketBytes];
        var pcm = new short[encoder.FrameSamples];
        var waits = new List<double>();
        const int Phases = 16;
        for (int p = 0; p < Phases; p++)
        {
            var time = new FakeTimeProvider(seed: p);
            using var stream = new ReceiveStream(frameMs, time);
            var period = TimeSpan.FromMilliseconds(frameMs);
            var arrivalAfterSend = TimeSpan.FromMilliseconds(processingMs);
            TimeSpan phase = period * p / Phases;
            // Per period: the packet leaves, arrives, and the sound card reads at its own phase.
            for (int k = 0; k < 10_000 / frameMs; k++)
            {
                int length = encoder.Encode(frame, packet);
                bool readFirst = phase < arrivalAfterSend;
                if (readFirst)
                {
                    time.Advance(phase);
                    stream.ReadFrame(pcm);
                    time.Advance(arrivalAfterSend - phase);
                    stream.Push((uint)k, packet.AsSpan(0, length));
                    time.Advance(period - arrivalAfterSend);
                }
                else
                {
                    time.Advance(arrivalAfterSend);
                    stream.Push((uint)k, packet.AsSpan(0, length));
                    time.Advance(phase - arrivalAfterSend);
                    stream.ReadFrame(pcm);
                    time.Advance(period - phase);
                }
            }

            waits.Add(stream.Stats.DelayMilliseconds);
        }

        waits.Sort();
        return (waits[waits.Count / 2], waits[^1]);
    }
}
