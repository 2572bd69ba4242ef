using System.Globalization;
using System.Text;

namespace ReelMetrics.Benchmarks;

/// <summary>
/// docs/benchmarks/ingest.png: throughput and freshness over time. Written as SVG by hand and turned
/// into PNG with rsvg-convert (Debian's librsvg2-bin, installed when missing).
/// </summary>
internal static class IngestPlot
{
    private const int Width = 1500;
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];

    private sealed record Series(string Name, string Color, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);

    public static async Task WriteAsync(IngestResults ingest, string svgPath, string pngPath)
    {
        var svg = Render(ingest);
        await File.WriteAllTextAsync(svgPath, svg);
        Directory.CreateDirectory(Path.GetDirectoryName(pngPath)!);
        if (!ApiBenchmark.OnPath("rsvg-convert"))
        {
            Console.WriteLine("rsvg-convert is not installed: apt-get install -y librsvg2-bin");
            if (await ApiBenchmark.RunAsync("apt-get", "install", "-y", "librsvg2-bin") != 0)
            {
                await ApiBenchmark.RunAsync("apt-get", "update");
                await ApiBenchmark.RunAsync("apt-get", "install", "-y", "librsvg2-bin");
            }
        }
        if (await ApiBenchmark.RunAsync("rsvg-convert", "-b", "white", "-o", pngPath, svgPath) != 0)
        {
            throw new BenchmarkFailure($"rsvg-convert could not turn {svgPath} into {pngPath}");
        }
    }

    private static string Render(IngestResults ingest)
    {
        var rates = ingest.Rates;
        var rows = rates.Count == 0 ? 1 : 3;
        var height = 70 + 330 * rows;
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" font-family="DejaVu Sans, sans-serif" font-size="13">""");
        s.AppendLine(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""");
        var title = ingest.Ratio is { } ratio
            ? $"ReelMetrics ingest: {ingest.Ours.SustainedEventsPerSecond:N0} events/s sustained vs naive {ingest.Naive!.SustainedEventsPerSecond:N0} events/s ({ratio:N0}×)"
            : $"ReelMetrics ingest: {ingest.Ours.SustainedEventsPerSecond:N0} events/s sustained";
        s.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{Width / 2}" y="32" text-anchor="middle" font-size="20" font-weight="bold">{Escape(title)}</text>""");

        // Row 1: saturation, stored events per second (log scale), ours and naive; lag on the right.
        var drains = new List<Series> { new("ReelMetrics.Consumer", Palette[0], RatePerSecond(ingest.Ours)) };
        if (ingest.Naive is { } naive) drains.Add(new("naive baseline", Palette[1], RatePerSecond(naive)));
        Chart(s, 70, 60, 840, 260, $"Saturation: {ingest.Events:N0} events pre-loaded, drained (stored events/s, log scale)",
            "seconds since the consumer process started", "events/s", drains, logY: true);
        var lags = new List<Series> { new("ReelMetrics.Consumer", Palette[0], Lag(ingest.Ours)) };
        if (ingest.Naive is { } n2) lags.Add(new("naive baseline", Palette[1], Lag(n2)));
        Chart(s, 1000, 60, 440, 260, "Saturation: events not yet stored (lag)", "seconds", "events", lags, logY: false);

        if (rates.Count > 0)
        {
            var w = (Width - 100 - 60 * (rates.Count - 1)) / rates.Count;
            for (var i = 0; i < rates.Count; i++)
            {
                var r = rates[i];
                var x = 70 + i * (w + 60);
                var busy = r.Freshness.Seconds;
                Chart(s, x, 390, w, 260, $"{r.TargetRate:N0}/s: sales made and committed per second",
                    "seconds since the generator started", "events/s",
                    [
                        new("made (sold_at)", Palette[2], [.. busy.Select(b => (b.T, (double)b.Produced))]),
                        new("committed", Palette[0], [.. busy.Select(b => (b.T, (double)b.Committed))], Dashed: true),
                    ], logY: false);
                var fresh = new List<Series>
                {
                    new("commit p50", Palette[2], [.. busy.Where(b => b.CommitP50 is not null).Select(b => (b.T, b.CommitP50!.Value))]),
                    new("commit p99", Palette[3], [.. busy.Where(b => b.CommitP99 is not null).Select(b => (b.T, b.CommitP99!.Value))]),
                };
                if (busy.Any(b => b.VisibleP50 is not null))
                {
                    fresh.Add(new("visible p50", Palette[0], [.. busy.Where(b => b.VisibleP50 is not null).Select(b => (b.T, b.VisibleP50!.Value))], Dashed: true));
                    fresh.Add(new("visible p99", Palette[1], [.. busy.Where(b => b.VisibleP99 is not null).Select(b => (b.T, b.VisibleP99!.Value))], Dashed: true));
                }
                var v = r.Freshness.Visible ?? r.Freshness.Commit;
                Chart(s, x, 720, w, 260, $"{r.TargetRate:N0}/s: freshness by second of sale (p99 {v.P99:N0} ms)",
                    "seconds since the generator started", "ms", fresh, logY: false);
            }
        }
        s.AppendLine("</svg>");
        return s.ToString();
    }

    private static List<(double X, double Y)> RatePerSecond(DrainResult drain)
    {
        var points = new List<(double, double)>();
        var samples = drain.Progress;
        // Rate over a sliding second of samples.
        for (var i = 0; i < samples.Count; i++)
        {
            var j = i;
            while (j > 0 && samples[i].UnixMs - samples[j - 1].UnixMs <= 1000) j--;
            if (j == i) continue;
            var dt = (samples[i].UnixMs - samples[j].UnixMs) / 1000.0;
            var rate = (samples[i].Stored - samples[j].Stored) / dt;
            points.Add(((samples[i].UnixMs - drain.StartUnixMs) / 1000.0, Math.Max(rate, 1)));
            if (samples[i].Stored >= drain.Stored) break;
        }
        return points;
    }

    private static List<(double X, double Y)> Lag(DrainResult drain) =>
        [.. drain.Progress.Select(p => ((p.UnixMs - drain.StartUnixMs) / 1000.0, (double)p.Lag))];

    private static void Chart(StringBuilder s, double x, double y, double w, double h, string title, string xLabel, string yLabel,
        IReadOnlyList<Series> series, bool logY)
    {
        var all = series.SelectMany(p => p.Points).ToList();
        var xMax = all.Count == 0 ? 1 : Math.Max(1, all.Max(p => p.X));
        double yMin, yMax;
        if (logY)
        {
            yMin = 100;
            yMax = Math.Pow(10, Math.Ceiling(Math.Log10(Math.Max(1000, all.Count == 0 ? 1000 : all.Max(p => p.Y)))));
        }
        else
        {
            yMin = 0;
            yMax = Nice(all.Count == 0 ? 1 : all.Max(p => p.Y) * 1.1);
        }
        double Px(double v) => x + v / xMax * w;
        double Py(double v) => logY
            ? y + h - (Math.Log10(Math.Max(v, yMin)) - Math.Log10(yMin)) / (Math.Log10(yMax) - Math.Log10(yMin)) * h
            : y + h - (v - yMin) / (yMax - yMin) * h;

        s.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x}" y="{y - 10}" font-weight="bold">{Escape(title)}</text>""");
        s.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#999"/>""");
        // y grid
        var ticks = logY
            ? Enumerable.Range(0, (int)Math.Round(Math.Log10(yMax / yMin)) + 1).Select(i => yMin * Math.Pow(10, i)).ToList()
            : Enumerable.Range(0, 6).Select(i => yMin + (yMax - yMin) * i / 5).ToList();
        foreach (var t in ticks)
        {
            var py = Py(t);
            s.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x}" x2="{x + w}" y1="{py:0.#}" y2="{py:0.#}" stroke="#e5e5e5"/>""");
            s.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x - 6}" y="{py + 4:0.#}" text-anchor="end" font-size="11">{Format(t)}</text>""");
        }
        var xStep = Nice(xMax / 6);
        for (var t = 0.0; t <= xMax + 1e-9; t += xStep)
        {
            var px = Px(t);
            s.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{px:0.#}" x2="{px:0.#}" y1="{y}" y2="{y + h}" stroke="#f0f0f0"/>""");
            s.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{px:0.#}" y="{y + h + 15}" text-anchor="middle" font-size="11">{Format(t)}</text>""");
        }
        s.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x + w / 2}" y="{y + h + 32}" text-anchor="middle" font-size="11" fill="#444">{Escape(xLabel)}</text>""");
        s.AppendLine(CultureInfo.InvariantCulture, $"""<text transform="translate({x - 52},{y + h / 2}) rotate(-90)" text-anchor="middle" font-size="11" fill="#444">{Escape(yLabel)}</text>""");

        var legendY = y + 16;
        foreach (var line in series)
        {
            if (line.Points.Count > 0)
            {
                var path = string.Join(" ", line.Points.OrderBy(p => p.X).Select((p, i) => $"{(i == 0 ? 'M' : 'L')}{Px(p.X):0.#},{Py(p.Y):0.#}"));
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"""<path d="{path}" fill="none" stroke="{line.Color}" stroke-width="1.8"{(line.Dashed ? " stroke-dasharray=\"6,3\"" : "")}/>""");
            }
            s.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x + w - 150}" x2="{x + w - 126}" y1="{legendY - 4}" y2="{legendY - 4}" stroke="{line.Color}" stroke-width="2.5"{(line.Dashed ? " stroke-dasharray=\"6,3\"" : "")}/>""");
            s.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x + w - 120}" y="{legendY}" font-size="11">{Escape(line.Name)}</text>""");
            legendY += 16;
        }
    }

    private static double Nice(double value)
    {
        if (value <= 0) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        var fraction = value / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }

    private static string Format(double value) => value switch
    {
        >= 1_000_000 => (value / 1_000_000).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (value / 1_000).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("0.##", CultureInfo.InvariantCulture),
    };

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
