using ScottPlot;

namespace ReelMetrics.Benchmarks;

/// <summary>
/// docs/benchmarks/ingest.png: throughput and freshness over time, drawn with ScottPlot (SkiaSharp with its own
/// natives: nothing to install). Top row: the saturation drain (stored sales/s on a log scale, and lag); below it,
/// one column per fixed rate: sales made and committed per second, and freshness by second of sale.
/// </summary>
internal static class IngestPlot
{
    private const int CellWidth = 620;
    private const int CellHeight = 360;

    private static readonly Color Ours = Colors.C0;
    private static readonly Color Naive = Colors.C3;
    private static readonly Color Made = Colors.C2;
    private static readonly Color P99 = Colors.C1;

    private sealed record Series(string Name, Color Color, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);

    public static void Write(IngestResults ingest, string pngPath)
    {
        var rates = ingest.Rates;
        var columns = Math.Max(2, rates.Count);
        var rows = rates.Count == 0 ? 1 : 3;

        var multiplot = new Multiplot();
        multiplot.AddPlots(rows * columns);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);

        var drains = new List<Series> { new("ReelMetrics.Consumer", Ours, RatePerSecond(ingest.Ours)) };
        if (ingest.Naive is { } naive) drains.Add(new("naive baseline", Naive, RatePerSecond(naive)));
        var title = ingest.Ratio is { } ratio
            ? $"Saturation: {ingest.Ours.SustainedEventsPerSecond:N0} sales/s sustained vs naive {ingest.Naive!.SustainedEventsPerSecond:N0} ({ratio:N0}×)"
            : $"Saturation: {ingest.Ours.SustainedEventsPerSecond:N0} sales/s sustained";
        Chart(multiplot.GetPlot(0), title, "seconds since the consumer started", "stored sales/s (log scale)", drains, logY: true);

        var lags = new List<Series> { new("ReelMetrics.Consumer", Ours, Lag(ingest.Ours)) };
        if (ingest.Naive is { } n2) lags.Add(new("naive baseline", Naive, Lag(n2)));
        Chart(multiplot.GetPlot(1), $"Saturation: {ingest.Events:N0} sales pre-loaded, not yet stored (lag)", "seconds", "sales", lags, logY: false);
        for (var unused = 2; unused < columns; unused++) Hide(multiplot.GetPlot(unused));

        for (var i = 0; i < rates.Count; i++)
        {
            var r = rates[i];
            var busy = r.Freshness.Seconds;
            Chart(multiplot.GetPlot(columns + i), $"{r.TargetRate:N0}/s: sales made and committed per second",
                "seconds since the generator started", "sales/s",
                [
                    new("made (sold_at)", Made, [.. busy.Select(b => (b.T, (double)b.Produced))]),
                    new("committed", Ours, [.. busy.Select(b => (b.T, (double)b.Committed))], Dashed: true),
                ], logY: false);

            var fresh = new List<Series>
            {
                new("commit p50", Made, [.. busy.Where(b => b.CommitP50 is not null).Select(b => (b.T, b.CommitP50!.Value))]),
                new("commit p99", P99, [.. busy.Where(b => b.CommitP99 is not null).Select(b => (b.T, b.CommitP99!.Value))]),
            };
            if (busy.Any(b => b.VisibleP50 is not null))
            {
                fresh.Add(new("visible p50", Ours, [.. busy.Where(b => b.VisibleP50 is not null).Select(b => (b.T, b.VisibleP50!.Value))], Dashed: true));
                fresh.Add(new("visible p99", Naive, [.. busy.Where(b => b.VisibleP99 is not null).Select(b => (b.T, b.VisibleP99!.Value))], Dashed: true));
            }
            var visible = r.Freshness.Visible ?? r.Freshness.Commit;
            Chart(multiplot.GetPlot(2 * columns + i), $"{r.TargetRate:N0}/s: freshness by second of sale (p99 {visible.P99:N0} ms{(r.Freshness.VisibleWarm is { } warm ? $", from {Freshness.WarmAfter.TotalSeconds:0} s on {warm.P99:N0} ms" : "")})",
                "seconds since the generator started", "ms", fresh, logY: false);
        }
        for (var unused = rates.Count; rates.Count > 0 && unused < columns; unused++)
        {
            Hide(multiplot.GetPlot(columns + unused));
            Hide(multiplot.GetPlot(2 * columns + unused));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pngPath))!);
        multiplot.SavePng(pngPath, columns * CellWidth, rows * CellHeight);
    }

    private static void Chart(Plot plot, string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logY)
    {
        plot.Title(title, size: 13);
        plot.XLabel(xLabel, size: 11);
        plot.YLabel(yLabel, size: 11);
        foreach (var line in series.Where(s => s.Points.Count > 0))
        {
            var ordered = line.Points.OrderBy(p => p.X).ToArray();
            var ys = ordered.Select(p => logY ? Math.Log10(Math.Max(p.Y, 1)) : p.Y).ToArray();
            var scatter = plot.Add.ScatterLine(ordered.Select(p => p.X).ToArray(), ys, line.Color);
            scatter.LegendText = line.Name;
            scatter.LineWidth = 1.8f;
            if (line.Dashed) scatter.LinePattern = LinePattern.Dashed;
        }
        if (logY)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => Format(Math.Pow(10, y)),
            };
        }
        else
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = Format };
            plot.Axes.Margins(bottom: 0);
        }
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static void Hide(Plot plot)
    {
        plot.Axes.Frameless();
        plot.HideGrid();
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

    private static string Format(double value) => value switch
    {
        >= 1_000_000 => (value / 1_000_000).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (value / 1_000).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture),
    };
}
