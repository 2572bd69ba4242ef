using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// The identity of a message that carries none of its own (an original-format sale, a dead letter): a name-based
/// UUID of its Kafka coordinates, its broker timestamp, its key and its payload. A redelivery of the same message
/// has all of them equal, so it is recognised; a different message at the same coordinates (offsets that started
/// over with a new local broker or a recreated topic) differs in its timestamp or content, so it cannot be taken
/// for the first. Two messages equal in all of these are indistinguishable by anyone.
/// </summary>
internal static class MessageIdentity
{
    public static Guid Of(MessageCoordinates source, long timestampMs, string? key, ReadOnlySpan<byte> payload)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        hash.AppendData("reelmetrics:message:v2\n"u8);
        hash.AppendData(Encoding.UTF8.GetBytes(source.Topic));
        BinaryPrimitives.WriteInt64BigEndian(number, source.Partition);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64BigEndian(number, source.Offset);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64BigEndian(number, timestampMs);
        hash.AppendData(number);
        var keyBytes = key is null ? [] : Encoding.UTF8.GetBytes(key);
        BinaryPrimitives.WriteInt64BigEndian(number, key is null ? -1 : keyBytes.Length);
        hash.AppendData(number);
        hash.AppendData(keyBytes);
        hash.AppendData(payload);

        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        digest[6] = (byte)((digest[6] & 0x0F) | 0x80);   // version 8: a custom, name-based UUID
        digest[8] = (byte)((digest[8] & 0x3F) | 0x80);   // RFC 9562 variant
        return new Guid(digest[..16], bigEndian: true);
    }
}
