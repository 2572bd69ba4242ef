using System.Diagnostics;
using System.Diagnostics.Metrics;
using ReelMetrics.Contracts;

namespace ReelMetrics.Generator;

/// <summary>
/// The generator's ActivitySource and Meter, both <c>ReelMetrics.Generator</c>. The instruments are
/// observable: they read <see cref="GeneratorTotals"/> when a metrics reader asks, so a sale costs
/// nothing extra however fast they come.
/// </summary>
public sealed class GeneratorTelemetry : IDisposable
{
    public const string Name = "ReelMetrics.Generator";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter meter;

    public GeneratorTelemetry(IMeterFactory meterFactory, GeneratorTotals totals)
    {
        meter = meterFactory.Create(Name);
        meter.CreateObservableCounter("reelmetrics.generator.events", () => totals.SalesCount,
            "{sale}", "Sales events the broker acknowledged.");
        meter.CreateObservableCounter("reelmetrics.generator.tickets", () => totals.TicketsSold,
            "{ticket}", "Tickets sold in acknowledged sales.");
        meter.CreateObservableCounter("reelmetrics.generator.revenue", () => (double)totals.Revenue,
            "USD", "Revenue of acknowledged sales.");
        meter.CreateObservableCounter("reelmetrics.generator.delivery_failures", () => totals.DeliveryFailures,
            "{sale}", "Sales the broker did not acknowledge (their seats go back on sale).");
        meter.CreateObservableGauge("reelmetrics.generator.rate", () => totals.SalesPerSecond,
            "{sale}/s", "Acknowledged sales per second over the last report interval.");
        meter.CreateObservableGauge("reelmetrics.generator.sold_out_showtimes", () => totals.SoldOutShowtimes,
            "{showtime}", "Showtimes of the window with no seat left.");
        meter.CreateObservableUpDownCounter("reelmetrics.generator.in_flight", () => totals.InFlight,
            "{sale}", "Sales handed to the producer and not yet acknowledged.");
    }

    /// <summary>
    /// A "sell tickets" span for <paramref name="sale"/>, to be current while it is published so the
    /// Kafka integration's publish span (and through the message headers, the consumer) joins its trace.
    /// </summary>
    public Activity? StartSellTickets(TicketSold sale)
    {
        var activity = ActivitySource.StartActivity("sell tickets");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("reelmetrics.sale.event_id", sale.EventId);
            activity.SetTag("reelmetrics.theater_id", sale.TheaterId);
            activity.SetTag("reelmetrics.movie_id", sale.MovieId);
            activity.SetTag("reelmetrics.showtime_id", sale.ShowtimeId);
            activity.SetTag("reelmetrics.sale.sale_date", sale.SaleDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            activity.SetTag("reelmetrics.sale.tickets_sold", sale.TicketsSold);
            activity.SetTag("reelmetrics.sale.channel", sale.Channel.ToString());
        }
        return activity;
    }

    public void Dispose() => meter.Dispose();
}
