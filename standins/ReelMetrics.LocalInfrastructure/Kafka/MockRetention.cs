using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ReelMetrics.LocalInfrastructure.Kafka;

/// <summary>What <see cref="MockRetention.TryRaise"/> did.</summary>
/// <param name="Raised">Whether every partition of the topic got the new limits.</param>
/// <param name="Message">What was found and written, or why nothing was (for the log).</param>
internal readonly record struct MockRetentionResult(bool Raised, string Message);

/// <summary>
/// Raises the retention limits librdkafka's mock cluster gives each partition of a new topic (5 MiB or 100,000 record
/// batches, beyond which it silently deletes the oldest batches). librdkafka has no API for them, so this patches the
/// partition structs in memory, right after <c>rd_kafka_mock_topic_create</c> returned and before anything was produced.
/// </summary>
/// <remarks>
/// <para>
/// What it relies on (librdkafka's <c>rdkafka_mock_int.h</c> and <c>rdkafka_mock.c</c>, stable since the mock cluster
/// appeared): <c>rd_kafka_mock_partition_t</c> holds four consecutive <c>size_t</c> fields <c>size</c>, <c>cnt</c>,
/// <c>max_size</c>, <c>max_cnt</c>, which <c>rd_kafka_mock_partition_init</c> sets to 0, 0, 5 MiB and 100,000, and a
/// pointer <c>topic</c> to its <c>rd_kafka_mock_topic_t</c>, which comes later in the struct; a topic's partitions are
/// one calloc'd array; the topic struct points to that array (<c>partitions</c>, directly followed by the
/// <c>int partition_cnt</c>), to its name (a C string) and to its cluster (the very <c>rd_kafka_mock_cluster_t*</c> that
/// <c>rd_kafka_mock_cluster_new</c> returned); the topic struct starts with its link in the cluster's tail queue of
/// topics, so the cluster struct's <c>topics.tqh_last</c> points to the newest topic struct itself.
/// <c>rd_kafka_mock_topic_create</c> is synchronous (an op to the mock thread, awaited with <c>rd_kafka_op_req</c>),
/// so when it returns, the partitions are initialised.
/// </para>
/// <para>
/// No offset is hard-coded. The 32-byte pattern {0, 0, 5242880, 100000} (native-endian <c>size_t</c>) is searched in this
/// process's private read-write anonymous mappings (and <c>[heap]</c>) through <c>/proc/self/mem</c>, where an unreadable
/// page is an <see cref="IOException"/>, not a crash. Every match belongs to some partition that has not received data
/// yet, in any topic of any mock cluster in the process (or is a stale copy in freed memory). A match is taken as this
/// topic's only if all of this holds: after it in the same struct is a pointer to a topic struct that points to this
/// cluster and to a string equal to the topic's name, and that this (live) cluster struct points to in turn; that topic
/// struct points to an array base, followed by the partition count, from which the matches lie at exactly
/// <c>partitions</c> positions of one constant stride (the struct size), each with the same topic pointer at the same
/// offset, each with its partition id at one common offset, and no other match lies in the array. Only then, and only
/// if exactly one array in the region satisfies it, are <c>max_size</c> and <c>max_cnt</c> (16 bytes per partition,
/// never anything else) written, and read back. Since the live topic struct points to its one array, the search goes
/// region by region and stops at the first that yields it, starting with the regions where arrays were found before
/// (the mock threads' malloc arenas): a full search reads the process's few hundred MiB of anonymous memory (about
/// 0.1 s), a hinted one a few MiB (about 1 ms). Anything unexpected (another librdkafka layout, a kernel that refuses
/// <c>/proc/self/mem</c>, a 32-bit process, another OS) ends in a result with <c>Raised = false</c> and nothing written.
/// </para>
/// <para>
/// Thread safety: the mock thread only touches a partition's limits when appending to it, which cannot happen before
/// the topic's creator returns (only a client that produces to the name first, i.e. auto-creates it, could; then the
/// topic already exists and is not patched). Only the two limit fields are written, never <c>size</c> or <c>cnt</c>.
/// Scans are serialized process-wide.
/// </para>
/// </remarks>
internal static class MockRetention
{
    /// <summary>librdkafka's <c>max_size</c> of a mock partition.</summary>
    public const ulong LibrdkafkaMaxBytes = 5 * 1024 * 1024;

    /// <summary>librdkafka's <c>max_cnt</c> of a mock partition.</summary>
    public const ulong LibrdkafkaMaxBatches = 100_000;

    private const int ChunkBytes = 1 << 20;
    private const int PatternBytes = 32; // size, cnt, max_size, max_cnt
    private const int MaxStructBytes = 2048; // rd_kafka_mock_partition_t is a few hundred bytes
    private const int TopicStructBytes = 256; // rd_kafka_mock_topic_t is about 100
    private const int ClusterStructBytes = 512; // rd_kafka_mock_cluster_t's topics list is about 100 bytes in
    private const long MaxRegionBytes = 4L << 30; // malloc arenas are 64 MiB; bigger regions are the GC's or a data mapping's

    private const int MaxHints = 16;

    private static readonly Lock ScanLock = new();

    /// <summary>Where partition arrays were found lately (under <see cref="ScanLock"/>): the mock threads' malloc arenas.</summary>
    private static readonly List<long> Hints = [];

    /// <summary>
    /// Sets <c>max_size</c> to <paramref name="maxBytes"/> and <c>max_cnt</c> to <paramref name="maxBatches"/> in every
    /// partition of <paramref name="topic"/> of <paramref name="cluster"/>, which <c>rd_kafka_mock_topic_create</c> has just
    /// created with <paramref name="partitions"/> partitions. Never throws.
    /// </summary>
    public static MockRetentionResult TryRaise(nint cluster, string topic, int partitions, ulong maxBytes, ulong maxBatches)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new(false, "patching the mock's limits needs Linux (/proc/self/mem)");
        }
        if (IntPtr.Size != 8)
        {
            return new(false, "patching the mock's limits needs a 64-bit process");
        }
        try
        {
            lock (ScanLock)
            {
                return Raise(cluster, topic, partitions, maxBytes, maxBatches);
            }
        }
        catch (Exception e)
        {
            // Whatever went wrong (an unreadable /proc, a kernel that refuses writes to /proc/self/mem, ...):
            // nothing ambiguous was written, and the broker keeps running with librdkafka's limits.
            return new(false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static MockRetentionResult Raise(nint cluster, string topic, int partitions, ulong maxBytes, ulong maxBatches)
    {
        var time = Stopwatch.StartNew();
        var regions = ReadRegions();
        using var mem = new FileStream("/proc/self/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var memory = new Memory(mem.SafeFileHandle, regions);
        var name = Encoding.UTF8.GetBytes(topic + "\0");

        // Region by region, those where earlier partition arrays were found first (the mock thread's malloc arena): a
        // topic struct verified by cluster, name and count points to exactly one array, so the first region that
        // yields it ends the search.
        long scanned = 0;
        int matches = 0, topicStructs = 0;
        foreach (var region in OrderByHints(regions))
        {
            var hits = memory.FindPattern(region, ref scanned);
            if (hits.Count == 0)
            {
                continue;
            }
            matches += hits.Count;
            var topics = FindTopicStructs(memory, hits, (long)cluster, name, partitions);
            // Only the live one: a destroyed cluster's freed topic struct may still look like this one (same name, a
            // cluster reallocated at the same address), but the live cluster's list of topics ends at the new topic.
            topics.RemoveAll(t => !ClusterPointsTo(memory, (long)cluster, t));
            topicStructs += topics.Count;
            var layouts = new List<Layout>();
            foreach (var topicStruct in topics)
            {
                foreach (var arrayBase in ArrayPointers(memory, topicStruct, partitions))
                {
                    if (Verify(memory, hits, topicStruct, arrayBase, partitions) is { } layout)
                    {
                        layouts.Add(layout);
                    }
                }
            }
            if (layouts.Count == 0)
            {
                continue;
            }
            var arrays = layouts.Distinct().ToList();
            if (arrays.Count != 1)
            {
                return new(false, $"{arrays.Count} arrays look like the partitions of topic '{topic}'; patching none");
            }

            var found = arrays[0];
            Write(found, maxBytes, maxBatches);
            Hints.Remove(found.ArrayBase);
            Hints.Insert(0, found.ArrayBase);
            if (Hints.Count > MaxHints)
            {
                Hints.RemoveAt(Hints.Count - 1);
            }
            var stride = partitions > 1 ? $"stride (sizeof rd_kafka_mock_partition_t) {found.Stride} B" : "one partition";
            return new(true,
                $"raised the mock's per-partition limits to {maxBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes and " +
                $"{maxBatches.ToString("N0", CultureInfo.InvariantCulture)} record batches for {partitions} partition(s) " +
                $"(array at 0x{found.ArrayBase:x}, {stride}, size/cnt/max_size/max_cnt at +{found.SizeOffset}, topic pointer at +{found.TopicOffset}; " +
                $"searched {Mib(scanned)} in {time.ElapsedMilliseconds} ms)");
        }

        return new(false, matches == 0
            ? $"no partition with librdkafka's limits (5 MiB, 100,000 batches) found in {Mib(scanned)} of memory"
            : topicStructs == 0
                ? $"none of the {matches} partitions with librdkafka's limits belongs to topic '{topic}' of this cluster " +
                  $"(no topic struct that points to the cluster and the name, holds {partitions} and is the cluster's newest topic)"
                : $"the partition array of topic '{topic}' is not laid out as expected ({matches} candidate partitions, " +
                  $"{topicStructs} candidate topic structs, but no array of {partitions} at one stride pointing back to the topic)");
    }

    /// <summary>The regions that hold a hint first (most recent first), then the others in address order.</summary>
    private static IEnumerable<Region> OrderByHints(List<Region> regions)
    {
        var first = new List<Region>();
        foreach (var hint in Hints)
        {
            var region = regions.FindIndex(r => r.Start <= hint && hint < r.End);
            if (region >= 0 && !first.Contains(regions[region]))
            {
                first.Add(regions[region]);
            }
        }
        return first.Concat(regions.Where(r => !first.Contains(r)));
    }

    /// <summary>Topic structs (addresses) that the partitions at <paramref name="hits"/> point to and that are this topic's.</summary>
    private static List<long> FindTopicStructs(Memory memory, List<long> hits, long cluster, byte[] name, int partitions)
    {
        var verdicts = new Dictionary<long, bool>();
        var found = new List<long>();
        var window = new byte[MaxStructBytes];
        foreach (var hit in hits)
        {
            // The topic pointer comes after max_cnt, within the struct.
            var from = hit + PatternBytes;
            var read = memory.ReadWithinRegion(from, window);
            for (var offset = 0; offset + 8 <= read; offset += 8)
            {
                var value = BitConverter.ToInt64(window, offset);
                if (!memory.IsPointer(value) || verdicts.ContainsKey(value))
                {
                    continue;
                }
                var isTopic = IsTopicStruct(memory, value, cluster, name, partitions);
                verdicts[value] = isTopic;
                if (isTopic)
                {
                    found.Add(value);
                }
            }
        }
        return found;
    }

    /// <summary>Whether <paramref name="address"/> holds a pointer to the cluster, a pointer to the name and the partition count.</summary>
    private static bool IsTopicStruct(Memory memory, long address, long cluster, byte[] name, int partitions)
    {
        var bytes = new byte[TopicStructBytes];
        var read = memory.ReadWithinRegion(address, bytes) & ~7;
        var words = MemoryMarshal.Cast<byte, long>(bytes.AsSpan(0, read));
        if (!words.Contains(cluster) || !MemoryMarshal.Cast<byte, int>(bytes.AsSpan(0, read)).Contains(partitions))
        {
            return false;
        }
        var text = new byte[name.Length];
        foreach (var word in words)
        {
            if (memory.IsPointer(word) && memory.ReadWithinRegion(word, text) == text.Length && text.AsSpan().SequenceEqual(name))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether the first bytes of the cluster struct hold <paramref name="topicStruct"/> (as <c>topics.tqh_last</c>).</summary>
    private static bool ClusterPointsTo(Memory memory, long cluster, long topicStruct)
    {
        var bytes = new byte[ClusterStructBytes];
        var read = memory.ReadWithinRegion(cluster, bytes) & ~7;
        return MemoryMarshal.Cast<byte, long>(bytes.AsSpan(0, read)).Contains(topicStruct);
    }

    /// <summary>
    /// The pointers in the topic struct at <paramref name="address"/> that the partition count directly follows, as
    /// <c>partitions</c> and <c>partition_cnt</c> in <c>rd_kafka_mock_topic_t</c>.
    /// </summary>
    private static IEnumerable<long> ArrayPointers(Memory memory, long address, int partitions)
    {
        var bytes = new byte[TopicStructBytes];
        var read = memory.ReadWithinRegion(address, bytes) & ~7;
        var seen = new HashSet<long>();
        for (var offset = 0; offset + 12 <= read; offset += 8)
        {
            var value = BitConverter.ToInt64(bytes, offset);
            if (memory.IsPointer(value) && BitConverter.ToInt32(bytes, offset + 8) == partitions && seen.Add(value))
            {
                yield return value;
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="arrayBase"/> is this topic's partition array: the matches in it are exactly
    /// <paramref name="partitions"/> at one stride, each struct pointing back to the topic at one offset after the limits,
    /// each holding its index at one offset (checked when there are two or more).
    /// </summary>
    private static Layout? Verify(Memory memory, List<long> hits, long topicStruct, long arrayBase, int partitions)
    {
        var first = hits.BinarySearch(arrayBase);
        first = first < 0 ? ~first : first;
        if (first >= hits.Count)
        {
            return null;
        }
        var sizeOffset = hits[first] - arrayBase;
        if (sizeOffset + PatternBytes + 8 > MaxStructBytes)
        {
            return null;
        }

        int stride;
        byte[] array;
        int topicOffset;
        if (partitions == 1)
        {
            // The struct ends somewhere after the topic pointer: find that pointer, then no other match may lie before it.
            array = new byte[MaxStructBytes];
            var read = memory.ReadWithinRegion(arrayBase, array);
            topicOffset = -1;
            for (var offset = (int)sizeOffset + PatternBytes; offset + 8 <= read; offset += 8)
            {
                if (BitConverter.ToInt64(array, offset) == topicStruct)
                {
                    topicOffset = offset;
                    break;
                }
            }
            if (topicOffset < 0 || (first + 1 < hits.Count && hits[first + 1] < arrayBase + topicOffset))
            {
                return null;
            }
            stride = topicOffset + 8; // a lower bound, for the report
        }
        else
        {
            if (first + 1 >= hits.Count)
            {
                return null;
            }
            var distance = hits[first + 1] - hits[first];
            if (distance < sizeOffset + PatternBytes + 8 || distance > MaxStructBytes || distance % 8 != 0)
            {
                return null;
            }
            stride = (int)distance;
            var arrayBytes = (long)stride * partitions;
            if (arrayBytes > int.MaxValue / 2)
            {
                return null;
            }
            // Exactly the expected matches lie in the array, and nothing else.
            for (var i = 0; i < partitions; i++)
            {
                if (first + i >= hits.Count || hits[first + i] != arrayBase + sizeOffset + (long)i * stride)
                {
                    return null;
                }
            }
            if (first + partitions < hits.Count && hits[first + partitions] < arrayBase + arrayBytes)
            {
                return null;
            }
            array = new byte[arrayBytes];
            if (memory.ReadWithinRegion(arrayBase, array) != array.Length)
            {
                return null;
            }
            topicOffset = CommonOffset(array, stride, partitions, (int)sizeOffset + PatternBytes, 8, (i, value) => value == topicStruct);
            if (topicOffset < 0)
            {
                return null;
            }
            // The partition id (int32) at one offset before the limits: partition i holds i.
            if (CommonOffset(array, stride, partitions, 0, 4, (i, value) => (int)value == i, limit: (int)sizeOffset) < 0)
            {
                return null;
            }
        }

        // Each match is still the untouched pattern.
        for (var i = 0; i < partitions; i++)
        {
            var at = (int)sizeOffset + i * stride;
            if (!IsPattern(array.AsSpan(at, PatternBytes)))
            {
                return null;
            }
        }
        return new Layout(arrayBase, (int)sizeOffset, stride, topicOffset, partitions);
    }

    /// <summary>
    /// The only offset in [<paramref name="from"/>, stride) (or <paramref name="limit"/>), aligned to <paramref name="width"/>, at which
    /// every element satisfies <paramref name="match"/>; -1 if none or several (for width 8), or the first (for width 4).
    /// </summary>
    private static int CommonOffset(byte[] array, int stride, int count, int from, int width, Func<int, long, bool> match, int limit = -1)
    {
        var end = limit < 0 ? stride : limit;
        var found = -1;
        for (var offset = from; offset + width <= end; offset += width)
        {
            var all = true;
            for (var i = 0; i < count && all; i++)
            {
                var at = i * stride + offset;
                var value = width == 8 ? BitConverter.ToInt64(array, at) : BitConverter.ToInt32(array, at);
                all = match(i, value);
            }
            if (all)
            {
                if (width == 4)
                {
                    return offset;
                }
                if (found >= 0)
                {
                    return -1; // two offsets hold the topic pointer: not the layout we know
                }
                found = offset;
            }
        }
        return found;
    }

    private static void Write(Layout layout, ulong maxBytes, ulong maxBatches)
    {
        using var mem = new FileStream("/proc/self/mem", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        Span<byte> limits = stackalloc byte[16];
        MemoryMarshal.Write(limits, in maxBytes);
        MemoryMarshal.Write(limits[8..], in maxBatches);
        Span<byte> check = stackalloc byte[16];
        for (var i = 0; i < layout.Partitions; i++)
        {
            var limitsAddress = layout.ArrayBase + layout.SizeOffset + (long)i * layout.Stride + 16;
            RandomAccess.Write(mem.SafeFileHandle, limits, limitsAddress);
            if (RandomAccess.Read(mem.SafeFileHandle, check, limitsAddress) != check.Length || !check.SequenceEqual(limits))
            {
                throw new IOException($"partition {i}'s limits did not read back as written");
            }
        }
    }

    private static bool IsPattern(ReadOnlySpan<byte> bytes)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        return words[0] == 0 && words[1] == 0 && words[2] == LibrdkafkaMaxBytes && words[3] == LibrdkafkaMaxBatches;
    }

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):0} MiB";

    /// <summary>
    /// Private read-write mappings where malloc's memory can be: <c>[heap]</c> and anonymous ones (glibc's thread arenas
    /// and big allocations are anonymous mmaps). Not file-backed data, stacks, <c>[vvar]</c>, <c>[vsyscall]</c> and the like,
    /// nor anything bigger than <see cref="MaxRegionBytes"/>.
    /// </summary>
    private static List<Region> ReadRegions()
    {
        var regions = new List<Region>();
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // 7f3a5c000000-7f3a5c021000 rw-p 00000000 00:00 0    [heap]
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5 || fields[1].Length < 4)
            {
                continue;
            }
            var perms = fields[1];
            if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p' || fields[4] != "0")
            {
                continue;
            }
            var name = fields.Length > 5 ? fields[5].Trim() : "";
            if (name.Length > 0 && name != "[heap]" && !name.StartsWith("[anon:", StringComparison.Ordinal))
            {
                continue;
            }
            var dash = fields[0].IndexOf('-');
            if (dash < 0
                || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
                || end <= start || end > long.MaxValue || end - start > MaxRegionBytes)
            {
                continue;
            }
            regions.Add(new Region((long)start, (long)end));
        }
        regions.Sort((a, b) => a.Start.CompareTo(b.Start));
        return regions;
    }

    private readonly record struct Region(long Start, long End);

    private sealed record Layout(long ArrayBase, int SizeOffset, int Stride, int TopicOffset, int Partitions);

    /// <summary>This process's memory, read through /proc/self/mem.</summary>
    private sealed class Memory(SafeFileHandle handle, List<Region> regions)
    {
        private readonly int pageSize = Environment.SystemPageSize;
        private readonly byte[] buffer = new byte[ChunkBytes];
        private readonly byte[] edge = new byte[PatternBytes];

        /// <summary>Whether <paramref name="value"/> is an 8-aligned address inside one of the regions.</summary>
        public bool IsPointer(long value) => value != 0 && (value & 7) == 0 && RegionOf(value) >= 0;

        /// <summary>Reads from <paramref name="address"/> up to the end of its region or of <paramref name="buffer"/>; returns the byte count (0 if unreadable).</summary>
        public int ReadWithinRegion(long address, byte[] buffer)
        {
            var region = RegionOf(address);
            if (region < 0)
            {
                return 0;
            }
            var length = (int)Math.Min(buffer.Length, regions[region].End - address);
            return Read(address, buffer.AsSpan(0, length));
        }

        /// <summary>Addresses of the 32-byte pattern (8-aligned) in <paramref name="region"/>, ascending; adds the bytes read to <paramref name="scanned"/>.</summary>
        public List<long> FindPattern(Region region, ref long scanned)
        {
            Span<byte> needle = stackalloc byte[8];
            var maxBatches = LibrdkafkaMaxBatches;
            MemoryMarshal.Write(needle, in maxBatches);
            var hits = new List<long>();
            var position = region.Start;
            while (position < region.End)
            {
                var read = Read(position, buffer.AsSpan(0, (int)Math.Min(ChunkBytes, region.End - position)));
                if (read <= 0)
                {
                    position = (position / pageSize + 1) * pageSize; // an unreadable page: skip it
                    continue;
                }
                scanned += read;
                var chunk = buffer.AsSpan(0, read);
                for (var from = 0; ;)
                {
                    var index = chunk[from..].IndexOf(needle);
                    if (index < 0)
                    {
                        break;
                    }
                    index += from;
                    from = index + 1;
                    var address = position + index - 24; // max_cnt is the fourth word
                    if ((address & 7) != 0 || address < region.Start)
                    {
                        continue;
                    }
                    if (index >= 24
                        ? IsPattern(chunk.Slice(index - 24, PatternBytes))
                        : Read(address, edge) == PatternBytes && IsPattern(edge))
                    {
                        hits.Add(address);
                    }
                }
                position += read;
            }
            return hits;
        }

        private int Read(long address, Span<byte> buffer)
        {
            try
            {
                return RandomAccess.Read(handle, buffer, address);
            }
            catch (IOException)
            {
                return 0; // a page that cannot be read (e.g. PROT_NONE guard pages are not in the list, but the kernel may still refuse)
            }
        }

        private int RegionOf(long address)
        {
            int low = 0, high = regions.Count - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                if (address < regions[middle].Start)
                {
                    high = middle - 1;
                }
                else if (address >= regions[middle].End)
                {
                    low = middle + 1;
                }
                else
                {
                    return middle;
                }
            }
            return -1;
        }
    }
}
