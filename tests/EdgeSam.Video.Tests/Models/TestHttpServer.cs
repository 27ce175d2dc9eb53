using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeSam.Video.Tests.Models;

/// <summary>
/// A minimal HTTP/1.1 file server on 127.0.0.1 for download tests: serves <see cref="Body"/> at any path, honours
/// <c>Range: bytes=N-</c> with 206 (unless <see cref="IgnoreRange"/>), and can stall after a number of body bytes
/// until <see cref="Release"/> so a test can observe a download in flight. One connection at a time, then close.
/// </summary>
internal sealed class TestHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;

    public TestHttpServer(byte[] body)
    {
        Body = body;
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public byte[] Body { get; set; }
    public bool IgnoreRange { get; set; }
    /// <summary>Send this many body bytes, then wait for <see cref="Release"/> (null: no stall).</summary>
    public long? StallAfter { get; set; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Url(string file) => $"http://127.0.0.1:{Port}/{file}";
    /// <summary>The Range header of every request (null when absent), in order.</summary>
    public List<string?> Ranges { get; } = [];

    public void Release() => _release.TrySetResult();

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            using (client)
            {
                try { await Serve(client.GetStream()); }
                catch (IOException) { } // the client went away (cancelled download)
                catch (OperationCanceledException) { }
            }
        }
    }

    private async Task Serve(NetworkStream net)
    {
        var header = new StringBuilder();
        var one = new byte[1];
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await net.ReadAsync(one, _stop.Token) == 0) return;
            header.Append((char)one[0]);
        }
        string? range = header.ToString().Split("\r\n")
            .FirstOrDefault(l => l.StartsWith("Range:", StringComparison.OrdinalIgnoreCase))?[6..].Trim();
        lock (Ranges) Ranges.Add(range);

        long from = 0;
        if (range != null && !IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
            from = long.Parse(range[6..^1]);
        string status;
        string extra = "";
        if (from >= Body.Length && range != null && !IgnoreRange)
        {
            status = "416 Range Not Satisfiable";
            await Write(net, $"HTTP/1.1 {status}\r\nContent-Length: 0\r\nContent-Range: bytes */{Body.Length}\r\nConnection: close\r\n\r\n");
            return;
        }
        if (range != null && !IgnoreRange)
        {
            status = "206 Partial Content";
            extra = $"Content-Range: bytes {from}-{Body.Length - 1}/{Body.Length}\r\n";
        }
        else
            status = "200 OK";
        await Write(net, $"HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nContent-Length: {Body.Length - from}\r\n{extra}Connection: close\r\n\r\n");

        long end = Body.Length;
        if (StallAfter is { } stall && stall > from)
        {
            await net.WriteAsync(Body.AsMemory((int)from, (int)(stall - from)), _stop.Token);
            await net.FlushAsync(_stop.Token);
            await _release.Task.WaitAsync(_stop.Token);
            from = stall;
        }
        await net.WriteAsync(Body.AsMemory((int)from, (int)(end - from)), _stop.Token);
        await net.FlushAsync(_stop.Token);
    }

    private Task Write(NetworkStream net, string text) => net.WriteAsync(Encoding.ASCII.GetBytes(text), _stop.Token).AsTask();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
