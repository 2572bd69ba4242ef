using ReelMetrics.Contracts.BusinessDay;
using ReelMetrics.Contracts.Catalog;
using ReelMetrics.Database.Catalog;

namespace ReelMetrics.MigrationService;

/// <summary>
/// The chain's business-day settings, bound from section <c>BusinessDay</c> (<c>BusinessDay:HomeTimeZone</c>,
/// <c>BusinessDay:Cutoff</c>). When either is set, the migration service writes them to the catalog's <c>chain</c>
/// row (the other from the seed); when neither is, the catalog keeps what it holds.
/// </summary>
public sealed class BusinessDayOptions
{
    public const string Section = "BusinessDay";

    /// <summary>IANA id of the chain's home time zone, e.g. <c>America/New_York</c>.</summary>
    public string? HomeTimeZone { get; set; }

    /// <summary>Local time a business day begins, e.g. <c>06:00</c> (at most 12:00).</summary>
    public TimeOnly? Cutoff { get; set; }

    /// <summary>The settings to write, or null to keep the catalog's.</summary>
    public ChainSettings? Configured() =>
        HomeTimeZone is null && Cutoff is null
            ? null
            : new ChainSettings(HomeTimeZone ?? SeedCatalog.Chain.HomeTimeZone, Cutoff ?? SeedCatalog.Chain.BusinessDayCutoff);

    /// <summary>The rule of the configured settings (or the seed's), to know the chain's business date.</summary>
    public BusinessDayRule Rule() => (Configured() ?? SeedCatalog.Chain).Rule();
}
