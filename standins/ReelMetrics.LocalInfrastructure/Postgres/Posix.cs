using System.Globalization;
using System.Runtime.InteropServices;

namespace ReelMetrics.LocalInfrastructure.Postgres;

/// <summary>The few libc calls .NET does not expose: effective uid, account lookup, chown, signals.</summary>
internal static partial class Posix
{
    public const int SigInt = 2;
    public const int SigQuit = 3;
    public const int SigKill = 9;

    private const int Esrch = 3;
    private const int Enoent = 2;
    private const int Enotdir = 20;

    public static bool IsRoot => !OperatingSystem.IsWindows() && geteuid() == 0;

    /// <summary>This process's effective user id.</summary>
    public static uint EffectiveUid => geteuid();

    /// <summary>
    /// What <c>lstat</c> says about <paramref name="path"/> itself (a symbolic link is not followed), or null when nothing
    /// is there. The owner is null on platforms whose <c>struct stat</c> layout is not known here.
    /// </summary>
    public static PathStatus? LStat(string path)
    {
        var buffer = new byte[512];
        if (CallLStat(path, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is Enoent or Enotdir ? null : throw new IOException($"lstat '{path}' failed (errno {errno})");
        }

        // st_mode and st_uid offsets in struct stat: glibc x86-64, glibc/musl aarch64, macOS arm64 (64-bit inodes).
        (int Mode, int ModeSize, int Uid)? layout = (OperatingSystem.IsLinux(), RuntimeInformation.ProcessArchitecture) switch
        {
            (true, Architecture.X64) => (24, 4, 28),
            (true, Architecture.Arm64) => (16, 4, 24),
            (false, Architecture.Arm64) when OperatingSystem.IsMacOS() => (4, 2, 16),
            _ => null,
        };
        if (layout is not { } at)
        {
            // Unknown layout: ask .NET (which lstat-s too) for the type and permissions.
            var info = new DirectoryInfo(path);
            return new PathStatus(info.LinkTarget is not null, info.Exists && info.LinkTarget is null, info.UnixFileMode, null);
        }

        var mode = at.ModeSize == 4 ? BitConverter.ToUInt32(buffer, at.Mode) : BitConverter.ToUInt16(buffer, at.Mode);
        const uint typeMask = 0xF000, directory = 0x4000, symbolicLink = 0xA000;
        return new PathStatus(
            (mode & typeMask) == symbolicLink,
            (mode & typeMask) == directory,
            (UnixFileMode)(mode & 0xFFF),
            BitConverter.ToUInt32(buffer, at.Uid));
    }

    private static int CallLStat(string path, byte[] buffer)
    {
        try
        {
            return lstat(path, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            // glibc before 2.33 exports lstat only as __lxstat(version, ...).
            return __lxstat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, path, buffer);
        }
    }

    /// <summary>Looks up an OS account's uid and gid, or null when the account does not exist.</summary>
    public static (uint Uid, uint Gid)? FindAccount(string name)
    {
        var entry = getpwnam(name);
        if (entry == IntPtr.Zero)
        {
            return null;
        }

        // struct passwd starts with two pointers, then uid_t and gid_t, on both Linux and macOS.
        var offset = 2 * IntPtr.Size;
        return ((uint)Marshal.ReadInt32(entry, offset), (uint)Marshal.ReadInt32(entry, offset + 4));
    }

    public static void ChangeOwner(string path, uint uid, uint gid)
    {
        if (chown(path, uid, gid) != 0)
        {
            throw new IOException($"chown {uid}:{gid} '{path}' failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    public static UnixFileMode GetMode(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException() : File.GetUnixFileMode(path);

    public static void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        File.SetUnixFileMode(path, mode);
    }

    public static void CreateDirectory(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        Directory.CreateDirectory(path, mode);
    }

    /// <summary>Sends a signal; false when the process no longer exists.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0 || Marshal.GetLastPInvokeError() != Esrch;

    /// <summary>True while a process with this id exists (zombies included), even one we may not signal.</summary>
    public static bool Exists(int pid) => pid > 0 && Signal(pid, 0);

    /// <summary>The canonical path with symlinks resolved, or the full path when it cannot be resolved.</summary>
    public static string RealPath(string path)
    {
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return Path.GetFullPath(path);
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved)!;
        }
        finally
        {
            free(resolved);
        }
    }

    /// <summary>The working directory of a live process (Linux /proc), or null when unknown or gone.</summary>
    public static string? WorkingDirectoryOf(int pid)
    {
        try
        {
            return Directory.ResolveLinkTarget($"/proc/{pid}/cwd", returnFinalTarget: false)?.FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// A process's start time in clock ticks since boot (Linux /proc), which together with the pid identifies
    /// a process even after its pid is reused; null when unknown.
    /// </summary>
    public static long? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Pids of live processes whose working directory is <paramref name="directory"/> (Linux only; empty elsewhere).</summary>
    public static IReadOnlyList<int> ProcessesWorkingIn(string directory)
    {
        if (!Directory.Exists("/proc"))
        {
            return [];
        }

        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && WorkingDirectoryOf(pid) == directory)
            {
                found.Add(pid);
            }
        }

        return found;
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getpwnam(string name);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, uint owner, uint group);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr realpath(string path, IntPtr resolved);

    [LibraryImport("libc")]
    private static partial void free(IntPtr pointer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lstat(string path, [Out] byte[] buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int __lxstat(int version, string path, [Out] byte[] buffer);
}

/// <summary>A path's own type, permission bits (including setuid, setgid and sticky) and owner, from <c>lstat</c>.</summary>
internal sealed record PathStatus(bool IsSymbolicLink, bool IsDirectory, UnixFileMode Mode, uint? Uid);
