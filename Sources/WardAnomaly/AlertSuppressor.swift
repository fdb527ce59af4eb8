import WardCore

/// Suppresses repeats of an alert per (rule, key) for an interval of packet time and counts them, so the next alert
/// that gets through carries `suppressedRepeats` (Zeek's notice suppression).
struct AlertSuppressor {
    struct Key: Hashable {
        var rule: String
        var first: IPAddress
        var second: IPAddress
        var detail: String
    }

    private struct Entry {
        var lastEmitted: PacketTime
        var suppressed: Int
    }

    private var entries: BoundedTable<Key, Entry>
    private let intervalNanoseconds: Int64

    init(intervalSeconds: Double, capacity: Int) {
        entries = BoundedTable(capacity: capacity)
        intervalNanoseconds = Int64(max(0, intervalSeconds) * 1e9)
    }

    var evictions: Int { entries.evictions }

    /// Whether an alert for `key` at `time` goes out; if so, returns how many were suppressed before it.
    mutating func admit(_ key: Key, at time: PacketTime) -> Int? {
        if var entry = entries[key] {
            if time.nanoseconds(since: entry.lastEmitted) < intervalNanoseconds {
                entry.suppressed += 1
                entries[key] = entry
                return nil
            }
            let suppressed = entry.suppressed
            entries[key] = Entry(lastEmitted: time, suppressed: 0)
            return suppressed
        }
        entries[key] = Entry(lastEmitted: time, suppressed: 0)
        return 0
    }
}
