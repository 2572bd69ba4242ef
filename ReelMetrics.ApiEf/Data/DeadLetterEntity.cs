using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReelMetrics.ApiEf.Data;

/// <summary>A row of <c>dead_letters</c> (migrations 0002, 0005, 0008). The API changes only the operator's columns.</summary>
public sealed class DeadLetterEntity
{
    public long Id { get; init; }
    public DateTime ReceivedAt { get; init; }
    public required string Reason { get; init; }
    public required string Detail { get; init; }
    public required string State { get; init; }
    public int? TheaterId { get; init; }
    public required string Topic { get; init; }
    public int Partition { get; init; }
    public long Offset { get; init; }
    public string? MessageKey { get; init; }
    public Guid MessageId { get; init; }
    public required byte[] Payload { get; init; }
    public Guid? EventId { get; init; }
    public int ReplayAttempts { get; init; }
    public string? RequestedBy { get; init; }
    public DateTime? RequestedAt { get; init; }
    public string? ResolvedBy { get; init; }
    public DateTime? ResolvedAt { get; init; }
    public string? Note { get; init; }
}

internal sealed class DeadLetterEntityConfiguration : IEntityTypeConfiguration<DeadLetterEntity>
{
    public void Configure(EntityTypeBuilder<DeadLetterEntity> letter)
    {
        letter.ToTable("dead_letters");
        letter.HasKey(d => d.Id);
        letter.Property(d => d.Id).HasColumnName("dead_letter_id");
        letter.Property(d => d.Partition).HasColumnName("kafka_partition");
        letter.Property(d => d.Offset).HasColumnName("kafka_offset");
    }
}
