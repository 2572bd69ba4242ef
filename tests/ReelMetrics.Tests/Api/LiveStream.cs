using System.Text;
using System.Text.Json;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Tests.Api;

/// <summary>A client of <c>GET /live</c>: reads Server-Sent Events as they come, each read with a deadline.</summary>
public sealed class LiveStream : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;

    private LiveStream(HttpResponseMessage response, StreamReader reader)
    {
        this.response = response;
        this.reader = reader;
    }

    public string? MediaType => response.Content.Headers.ContentType?.MediaType;

    public string? CacheControl => response.Headers.CacheControl?.ToString();

    /// <summary>Opens <paramref name="url"/> (<c>/live</c>, or <c>/live?ticket=…</c>); fails unless it answers 200.</summary>
    public static async Task<LiveStream> OpenAsync(HttpClient client, string url = "/live")
    {
        using var deadline = Deadlined();
        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        response.EnsureSuccessStatusCode();
        return new LiveStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token), Encoding.UTF8));
    }

    /// <summary>The next event or comment: (event name, data) for an event, ("", comment text) for a comment line.</summary>
    public async Task<(string Event, string Data)> NextAsync()
    {
        using var deadline = Deadlined();
        string? name = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync(deadline.Token)
                ?? throw new InvalidOperationException("the stream ended");
            if (line.StartsWith(':'))
            {
                if (name is null && data.Length == 0) return ("", line[1..].Trim());
                continue;
            }
            if (line.Length == 0)
            {
                if (name is null && data.Length == 0) continue;
                return (name ?? "message", data.ToString());
            }
            if (line.StartsWith("event:", StringComparison.Ordinal)) name = line["event:".Length..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Append(line["data:".Length..].TrimStart());
        }
    }

    /// <summary>The next comment (its text), skipping events (the pipeline's status and alerts come every few seconds).</summary>
    public async Task<string> NextCommentAsync()
    {
        while (true)
        {
            var (name, data) = await NextAsync();
            if (name == "") return data;
        }
    }

    /// <summary>The next event named <paramref name="name"/> (its data), skipping others and comments.</summary>
    public async Task<string> NextEventAsync(string name)
    {
        while (true)
        {
            var (next, data) = await NextAsync();
            if (next == name) return data;
        }
    }

    /// <summary>The next <c>totals</c> event, skipping comments.</summary>
    public async Task<LiveTotals> NextTotalsAsync()
    {
        while (true)
        {
            var (name, data) = await NextAsync();
            if (name == "totals") return JsonSerializer.Deserialize<LiveTotals>(data, ApiResponse.Json)!;
        }
    }

    /// <summary>Reads <c>totals</c> events until one satisfies <paramref name="condition"/>; fails after the deadline.</summary>
    public async Task<LiveTotals> TotalsWhenAsync(Func<LiveTotals, bool> condition)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            Assert.True(DateTime.UtcNow < until, $"no matching totals event within {Deadline.TotalSeconds} s");
            var totals = await NextTotalsAsync();
            if (condition(totals)) return totals;
        }
    }

    private static CancellationTokenSource Deadlined()
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        source.CancelAfter(Deadline);
        return source;
    }

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
