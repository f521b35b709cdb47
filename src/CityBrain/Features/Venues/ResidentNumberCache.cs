using CityBrain.Domain.HealthCodes;

namespace CityBrain.Features.Venues;

/// <summary>
/// The residents an import has met, by ID number as a number: read on every row by every reader, written once per
/// resident. An open-addressing table of 16-byte slots (the number, and the resident key with the colour in its top
/// byte), so a look-up costs one cache line. With a <c>ConcurrentDictionary</c> it cost a bucket and then a node, two
/// dependent cache misses: a fifth of the import's CPU went to waiting for them.
/// Reads take no lock: a slot's value is written before its number is published. Writes take a lock; growing builds a
/// new table and publishes it whole, so a reader sees either table, and a miss goes on to the locked path.
/// </summary>
internal sealed class ResidentNumberCache
{
    private struct Slot
    {
        public long Number;   // the ID number + 1 (0: empty)
        public long Value;    // resident key | colour << 56
    }

    private Slot[] _slots = new Slot[1 << 16];
    private int _count;
    private readonly Lock _write = new();

    public bool TryGet(long number, out (long Id, Colour Colour) resident)
    {
        var slots = Volatile.Read(ref _slots);
        var mask = slots.Length - 1;
        var key = number + 1;
        for (var i = Hash(key) & mask; ; i = (i + 1) & mask)
        {
            var found = Volatile.Read(ref slots[i].Number);
            if (found == key)
            {
                var value = slots[i].Value;
                resident = (value & ((1L << 56) - 1), (Colour)(byte)(value >>> 56));
                return true;
            }
            if (found == 0)
            {
                resident = default;
                return false;
            }
        }
    }

    /// <summary>Adds a resident (keys below 2^56); adding one already there changes nothing.</summary>
    public void Add(long number, (long Id, Colour Colour) resident)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        if (resident.Id is < 0 or >= 1L << 56)
        {
            throw new ArgumentOutOfRangeException(nameof(resident), "resident keys must be below 2^56");
        }
        lock (_write)
        {
            if ((_count + 1) * 2 > _slots.Length)
            {
                var bigger = new Slot[_slots.Length * 2];
                foreach (var s in _slots)
                {
                    if (s.Number != 0)
                    {
                        Put(bigger, s.Number, s.Value);
                    }
                }
                Volatile.Write(ref _slots, bigger);
            }
            if (Put(_slots, number + 1, resident.Id | (long)resident.Colour << 56))
            {
                _count++;
            }
        }
    }

    private static bool Put(Slot[] slots, long key, long value)
    {
        var mask = slots.Length - 1;
        for (var i = Hash(key) & mask; ; i = (i + 1) & mask)
        {
            if (slots[i].Number == key)
            {
                return false;
            }
            if (slots[i].Number == 0)
            {
                slots[i].Value = value;
                Volatile.Write(ref slots[i].Number, key);
                return true;
            }
        }
    }

    /// <summary>ID numbers share long runs of digits (division, birth date): mix all 64 bits.</summary>
    private static int Hash(long key) => (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15)) >> 32);
}
