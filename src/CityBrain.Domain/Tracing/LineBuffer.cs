using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CityBrain.Domain.Tracing;

/// <summary>
/// Software write-combining for one output stream of a radix partition (the build's transposes, a trace's hits): each
/// bucket's next values gather in a block of a small buffer (one 64-byte line; for a 24-byte value, 8 values in three
/// lines), and a full block goes to the destination with non-temporal stores. Written directly, every value goes to one of thousands of cache lines spread over gigabytes: each line is
/// first read from memory, and most writes miss the TLB. Through the buffer, the writes stay in cache and the
/// destination is written a whole line at a time, without being read. Lines at the edges of a range (shared with the
/// neighbouring range, which another thread may be writing) are written value by value.
/// <para>A writer owns, per bucket, the destination range [<c>first</c>, end) and passes the next position in it to
/// <see cref="Put"/>; <see cref="Drain"/> writes what is left once all its values are in. One instance per thread;
/// dispose it after draining.</para>
/// </summary>
internal unsafe struct LineBuffer<T> : IDisposable where T : unmanaged
{
    // Values per block: the fewest that fill whole cache lines (a power of two).
    private static readonly int Line = 64 / Math.Min(64, sizeof(T) & -sizeof(T));
    private static readonly int BlockBytes = Line * sizeof(T);
    private readonly T* _dest;
    private readonly int _align;
    private T* _buffer;

    /// <param name="destination">The start of the (pinned) destination array, aligned to its elements' size or to 8
    /// bytes.</param>
    /// <param name="buckets">The number of buckets.</param>
    public LineBuffer(T* destination, int buckets)
    {
        _dest = destination;
        // The position whose address starts a cache line; a block is the Line values from there.
        var start = -1;
        for (var r = 0; r < Line && start < 0; r++)
        {
            if (((nuint)(destination + r) & 63) == 0)
            {
                start = r;
            }
        }
        if (start < 0)
        {
            throw new ArgumentException("The destination is not aligned to its elements.", nameof(destination));
        }
        _align = (Line - start) & (Line - 1);
        _buffer = (T*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, buckets) * (nuint)BlockBytes, 64);
    }

    /// <summary>Writes <paramref name="value"/> to position <paramref name="p"/> of the bucket's range, which starts at <paramref name="first"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Put(int bucket, int p, T value, int first)
    {
        unchecked
        {
            var line = Line;
            var slot = (p + _align) & (line - 1);
            var buf = _buffer + ((nint)bucket * line);
            buf[slot] = value;
            if (slot == line - 1)
            {
                Flush(buf, p, first);
            }
        }
    }

    private readonly void Flush(T* buf, int p, int first)
    {
        unchecked
        {
            var lineStart = p - (Line - 1);
            if (lineStart >= first)
            {
                for (var b = 0; b < BlockBytes; b += 64)
                {
                    Store64((byte*)(_dest + lineStart) + b, (byte*)buf + b);
                }
                return;
            }
            for (var q = first; q <= p; q++)
            {
                _dest[q] = buf[(q + _align) & (Line - 1)];
            }
        }
    }

    /// <summary>Writes the values of the bucket's last, partial line: those from <paramref name="first"/> on, before <paramref name="end"/>.</summary>
    public readonly void Drain(int bucket, int first, int end)
    {
        unchecked
        {
            var buf = _buffer + ((nint)bucket * Line);
            var from = Math.Max(first, end - ((end + _align) & (Line - 1)));
            for (var q = from; q < end; q++)
            {
                _dest[q] = buf[(q + _align) & (Line - 1)];
            }
        }
    }

    public void Dispose()
    {
        if (_buffer != null)
        {
            if (Sse.IsSupported)
            {
                Sse.StoreFence(); // non-temporal stores are weakly ordered: make them visible before the range is read
            }
            NativeMemory.AlignedFree(_buffer);
            _buffer = null;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store64(byte* dest, byte* src)
    {
        if (Avx512F.IsSupported)
        {
            Avx512F.StoreAlignedNonTemporal(dest, Avx512F.LoadAlignedVector512(src));
        }
        else if (Avx.IsSupported)
        {
            Avx.StoreAlignedNonTemporal(dest, Avx.LoadAlignedVector256(src));
            Avx.StoreAlignedNonTemporal(dest + 32, Avx.LoadAlignedVector256(src + 32));
        }
        else if (Sse2.IsSupported)
        {
            for (var i = 0; i < 64; i += 16)
            {
                Sse2.StoreAlignedNonTemporal(dest + i, Sse2.LoadAlignedVector128(src + i));
            }
        }
        else
        {
            Unsafe.CopyBlock(dest, src, 64);
        }
    }
}
