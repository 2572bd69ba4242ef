using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ReelMetrics.LocalInfrastructure.Kafka;

/// <summary>
/// The few librdkafka entry points the local broker needs (the mock cluster API), bound through
/// function pointers to the very library file Confluent.Kafka loaded. On Debian 12 the default
/// <c>librdkafka.so</c> of librdkafka.redist cannot load (it links libsasl2.so.3), Confluent.Kafka
/// falls back to <c>centos8-librdkafka.so</c>, and a plain <c>[DllImport("librdkafka")]</c> would not.
/// Binding by symbol avoids an assembly-wide DllImport resolver, which other code in this
/// assembly could not then install.
/// </summary>
internal static unsafe class LibRdKafka
{
    public const int RD_KAFKA_PRODUCER = 0;
    public const int RD_KAFKA_CONF_OK = 0;

    private static readonly Lazy<Api> Functions = new(Bind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The full path of the librdkafka file in use (for diagnostics).</summary>
    public static string LibraryPath => Functions.Value.Path;

    public static nint ConfNew() => Functions.Value.ConfNew();

    public static void ConfDestroy(nint conf) => Functions.Value.ConfDestroy(conf);

    public static void ConfSet(nint conf, string name, string value)
    {
        var error = new byte[512];
        int result;
        fixed (byte* n = Utf8Z(name), v = Utf8Z(value), e = error)
        {
            result = Functions.Value.ConfSet(conf, n, v, e, (nuint)error.Length);
        }
        if (result != RD_KAFKA_CONF_OK)
        {
            throw new InvalidOperationException($"librdkafka rejected {name}={value}: {FromUtf8Z(error)}");
        }
    }

    /// <summary>Creates a producer handle; takes ownership of <paramref name="conf"/> on success only.</summary>
    public static nint New(int type, nint conf)
    {
        var error = new byte[512];
        nint rk;
        fixed (byte* e = error)
        {
            rk = Functions.Value.New(type, conf, e, (nuint)error.Length);
        }
        if (rk == 0)
        {
            throw new InvalidOperationException($"rd_kafka_new failed: {FromUtf8Z(error)}");
        }
        return rk;
    }

    public static void Destroy(nint rk) => Functions.Value.Destroy(rk);

    public static nint MockClusterNew(nint rk, int brokerCount) => Functions.Value.MockClusterNew(rk, brokerCount);

    public static void MockClusterDestroy(nint mcluster) => Functions.Value.MockClusterDestroy(mcluster);

    public static string MockClusterBootstraps(nint mcluster) =>
        Marshal.PtrToStringUTF8(Functions.Value.MockClusterBootstraps(mcluster)) ?? "";

    public static int MockTopicCreate(nint mcluster, string topic, int partitions, int replicationFactor)
    {
        fixed (byte* t = Utf8Z(topic))
        {
            return Functions.Value.MockTopicCreate(mcluster, t, partitions, replicationFactor);
        }
    }

    public static void MockBrokerSetHostPort(nint mcluster, int brokerId, string host, int port)
    {
        fixed (byte* h = Utf8Z(host))
        {
            Functions.Value.MockBrokerSetHostPort(mcluster, brokerId, h, port);
        }
    }

    public static int MockBrokerSetDown(nint mcluster, int brokerId) => Functions.Value.MockBrokerSetDown(mcluster, brokerId);

    public static int MockBrokerSetUp(nint mcluster, int brokerId) => Functions.Value.MockBrokerSetUp(mcluster, brokerId);

    public static void MockGroupInitialRebalanceDelayMs(nint mcluster, int delayMs) =>
        Functions.Value.MockGroupInitialRebalanceDelayMs(mcluster, delayMs);

    public static string ErrorName(int error) => Marshal.PtrToStringUTF8(Functions.Value.Err2Name(error)) ?? error.ToString(CultureInfo.InvariantCulture);

    private static byte[] Utf8Z(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    private static string FromUtf8Z(byte[] buffer)
    {
        var length = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, length < 0 ? buffer.Length : length);
    }

    private static Api Bind()
    {
        var (handle, path) = LoadLibrary();
        return new Api
        {
            Path = path,
            ConfNew = (delegate* unmanaged<nint>)NativeLibrary.GetExport(handle, "rd_kafka_conf_new"),
            ConfDestroy = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(handle, "rd_kafka_conf_destroy"),
            ConfSet = (delegate* unmanaged<nint, byte*, byte*, byte*, nuint, int>)NativeLibrary.GetExport(handle, "rd_kafka_conf_set"),
            New = (delegate* unmanaged<int, nint, byte*, nuint, nint>)NativeLibrary.GetExport(handle, "rd_kafka_new"),
            Destroy = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(handle, "rd_kafka_destroy"),
            Err2Name = (delegate* unmanaged<int, nint>)NativeLibrary.GetExport(handle, "rd_kafka_err2name"),
            MockClusterNew = (delegate* unmanaged<nint, int, nint>)NativeLibrary.GetExport(handle, "rd_kafka_mock_cluster_new"),
            MockClusterDestroy = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(handle, "rd_kafka_mock_cluster_destroy"),
            MockClusterBootstraps = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(handle, "rd_kafka_mock_cluster_bootstraps"),
            MockTopicCreate = (delegate* unmanaged<nint, byte*, int, int, int>)NativeLibrary.GetExport(handle, "rd_kafka_mock_topic_create"),
            MockBrokerSetHostPort = (delegate* unmanaged<nint, int, byte*, int, void>)NativeLibrary.GetExport(handle, "rd_kafka_mock_broker_set_host_port"),
            MockBrokerSetDown = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(handle, "rd_kafka_mock_broker_set_down"),
            MockBrokerSetUp = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(handle, "rd_kafka_mock_broker_set_up"),
            MockGroupInitialRebalanceDelayMs = (delegate* unmanaged<nint, int, void>)NativeLibrary.GetExport(handle, "rd_kafka_mock_group_initial_rebalance_delay_ms"),
        };
    }

    /// <summary>
    /// Lets Confluent.Kafka pick and load its library first (it knows the fallbacks), then opens
    /// the same file: on Linux the loaded path is read from /proc/self/maps; elsewhere, or if that
    /// fails, the candidates are tried in Confluent.Kafka's order.
    /// </summary>
    private static (nint Handle, string Path) LoadLibrary()
    {
        _ = Confluent.Kafka.Library.Version; // forces Confluent.Kafka to load librdkafka

        if (OperatingSystem.IsLinux() && FindLoadedOnLinux() is { } loaded && NativeLibrary.TryLoad(loaded, out var h))
        {
            return (h, loaded);
        }

        var nativeDirectory = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeFolder(), "native");
        string[] candidates = OperatingSystem.IsLinux()
            ? ["librdkafka.so", "centos8-librdkafka.so", "centos7-librdkafka.so", "alpine-librdkafka.so"]
            : OperatingSystem.IsMacOS() ? ["librdkafka.dylib"] : ["librdkafka.dll"];
        foreach (var candidate in candidates)
        {
            var path = Path.Combine(nativeDirectory, candidate);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle))
            {
                return (handle, path);
            }
        }
        if (NativeLibrary.TryLoad("librdkafka", typeof(LibRdKafka).Assembly, DllImportSearchPath.SafeDirectories, out var fallback))
        {
            return (fallback, "librdkafka");
        }
        throw new DllNotFoundException($"librdkafka could not be loaded (looked in {nativeDirectory}).");
    }

    private static string? FindLoadedOnLinux()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/');
                if (slash >= 0 && line.Contains("librdkafka", StringComparison.Ordinal))
                {
                    var path = line[slash..].Trim();
                    if (path.EndsWith(" (deleted)", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    return path;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    private static string RuntimeFolder()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            _ => "x64",
        };
        return $"{os}-{arch}";
    }

    private sealed class Api
    {
        public required string Path;
        public required delegate* unmanaged<nint> ConfNew;
        public required delegate* unmanaged<nint, void> ConfDestroy;
        public required delegate* unmanaged<nint, byte*, byte*, byte*, nuint, int> ConfSet;
        public required delegate* unmanaged<int, nint, byte*, nuint, nint> New;
        public required delegate* unmanaged<nint, void> Destroy;
        public required delegate* unmanaged<int, nint> Err2Name;
        public required delegate* unmanaged<nint, int, nint> MockClusterNew;
        public required delegate* unmanaged<nint, void> MockClusterDestroy;
        public required delegate* unmanaged<nint, nint> MockClusterBootstraps;
        public required delegate* unmanaged<nint, byte*, int, int, int> MockTopicCreate;
        public required delegate* unmanaged<nint, int, byte*, int, void> MockBrokerSetHostPort;
        public required delegate* unmanaged<nint, int, int> MockBrokerSetDown;
        public required delegate* unmanaged<nint, int, int> MockBrokerSetUp;
        public required delegate* unmanaged<nint, int, void> MockGroupInitialRebalanceDelayMs;
    }
}
