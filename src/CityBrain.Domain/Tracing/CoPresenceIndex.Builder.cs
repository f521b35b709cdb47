namespace CityBrain.Domain.Tracing;

public sealed partial class CoPresenceIndex
{
    /// <summary>
    /// Collects check-ins (any order) and builds an index in one bulk pass: 12 bytes a row while collecting, then a
    /// parallel radix sort by resident, and the stays paired, partitioned by venue and sorted by time
    /// (<see cref="IndexBase"/>). Rows in time order (the database's natural order) need no per-resident sorting; the
    /// venue side is sorted by time whatever the order. <see cref="Build"/> hands the rows over to the index (its events
    /// array becomes the index's resident side when the count was given exactly) and leaves the builder empty.
    /// </summary>
    public sealed class Builder
    {
        private int[] _residents;
        private ulong[] _events;
        private int _count;
        private int _maxResident = -1;
        private int _maxVenue = -1;

        /// <param name="expectedCount">Rows expected (sizes the buffers once; more still fit).</param>
        public Builder(long expectedCount = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(expectedCount);
            var n = (int)Math.Min(Array.MaxLength, Math.Max(expectedCount, 1024));
            _residents = LargeArrays.Uninitialized<int>(n, hugePages: false); // read once by Build, then its scratch
            _events = LargeArrays.Uninitialized<ulong>(n);
        }

        /// <summary>Rows added so far.</summary>
        public long Count => _count;

        /// <summary>Adds one row (validated: keys non-negative, time representable).</summary>
        public void Add(in Checkin c)
        {
            if (c.Resident is < 0 or int.MaxValue || c.Venue is < 0 or int.MaxValue || c.At < MinTime || c.At > MaxTime)
            {
                Packing.Validate(c);
            }
            if (_count == _residents.Length)
            {
                GrowBuffers();
            }
            _residents[_count] = c.Resident;
            _events[_count] = Packing.Event(unchecked((uint)(c.At - MinTime)), c.Out, c.Venue);
            _count++;
            if (c.Resident > _maxResident)
            {
                _maxResident = c.Resident;
            }
            if (c.Venue > _maxVenue)
            {
                _maxVenue = c.Venue;
            }
        }

        private void GrowBuffers()
        {
            if (_count >= Array.MaxLength)
            {
                throw new InvalidOperationException($"The index holds at most {Array.MaxLength} check-ins.");
            }
            var n = (int)Math.Min(Array.MaxLength, (long)_count * 2);
            var r = LargeArrays.Uninitialized<int>(n, hugePages: false);
            var e = LargeArrays.Uninitialized<ulong>(n);
            Array.Copy(_residents, r, _count);
            Array.Copy(_events, e, _count);
            _residents = r;
            _events = e;
        }

        /// <summary>Builds the index from the rows added (in parallel) and empties the builder.</summary>
        /// <param name="phaseDone">Called with a name as each phase of the build ends (for benchmarks).</param>
        public CoPresenceIndex Build(Action<string>? phaseDone = null)
        {
            var residents = _residents;
            var events = _events;
            var count = _count;
            var resCap = _maxResident + 1;
            var venCap = _maxVenue + 1;
            _residents = [];
            _events = [];
            _count = 0;
            _maxResident = -1;
            _maxVenue = -1;
            var b = IndexBase.Build(residents, events, count, resCap, venCap, phaseDone);
            return new CoPresenceIndex(b);
        }
    }
}
