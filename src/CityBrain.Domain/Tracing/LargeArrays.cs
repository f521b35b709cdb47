using System.Runtime.InteropServices;

namespace CityBrain.Domain.Tracing;

/// <summary>
/// Allocation of the index's big arrays (hundreds of MiB to GiB). On Linux they are pinned and marked
/// <c>MADV_HUGEPAGE</c> before first touch, so the kernel backs them with 2 MiB pages where transparent huge pages are
/// set to <c>madvise</c> (the Debian default): 512 times fewer page faults while they are filled and far fewer TLB misses
/// in the random accesses of the traces. Elsewhere, or if the hint fails, they are ordinary arrays.
/// <para>The hint has a price on a virtual machine whose host takes freed memory back (free page reporting): a first touch
/// of 2 GiB cost 5.1–6.5 s of CPU with huge pages against 0.9–2.5 s without, on the reference machine. The build's
/// scratch and the index's tiers therefore ask for ordinary pages (<c>hugePages: false</c>). The scratch is written
/// once and read once. For the tiers, four alternating runs each at 100 million check-ins showed no difference in the
/// traces. The builder's events array, which becomes the index's resident side, keeps the hint. So do the offsets.</para>
/// </summary>
internal static class LargeArrays
{
    private const long Threshold = 32L << 20;
    private const int MadvHugePage = 14;
    private const long HugePage = 2L << 20;
    private static bool s_unavailable = !OperatingSystem.IsLinux();

    [DllImport("libc", EntryPoint = "madvise", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Madvise(nint address, nuint length, int advice);

    /// <summary>An array whose contents are not cleared. <paramref name="hugePages"/>: false for scratch that is written
    /// once and read once (see the class remarks).</summary>
    public static T[] Uninitialized<T>(int length, bool hugePages = true) where T : unmanaged
    {
        var bytes = (long)length * Marshal.SizeOf<T>();
        if (!hugePages)
        {
            return GC.AllocateUninitializedArray<T>(length, pinned: bytes >= Threshold);
        }
        if (s_unavailable || bytes < Threshold)
        {
            return GC.AllocateUninitializedArray<T>(length);
        }
        var array = GC.AllocateUninitializedArray<T>(length, pinned: true);
        Advise(array, bytes);
        return array;
    }

    public static T[] Zeroed<T>(int length) where T : unmanaged
    {
        var bytes = (long)length * Marshal.SizeOf<T>();
        if (s_unavailable || bytes < Threshold)
        {
            return new T[length];
        }
        var array = GC.AllocateArray<T>(length, pinned: true);
        Advise(array, bytes);
        return array;
    }

    private static void Advise<T>(T[] array, long bytes)
    {
        try
        {
            var start = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
            var first = (start + (nint)(HugePage - 1)) & ~(nint)(HugePage - 1);
            var end = (start + (nint)bytes) & ~(nint)(HugePage - 1);
            if (end > first)
            {
                Madvise(first, (nuint)(end - first), MadvHugePage);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
        }
    }
}
