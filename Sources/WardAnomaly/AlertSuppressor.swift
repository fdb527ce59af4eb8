import WardCore

/// Suppresses repeats of an alert per (rule, key) for an interval of packet time and counts them, so the next alert
/// that gets through carries `suppressedRepeats` (Zeek's notice suppression).
struct AlertSuppressor {
    struct Key: Hashable {
        /// The table hash, worked out once: the table hashes every key again each time it grows, and these hold two
        /// strings (an `unknown_mac` alert's key is new every time).
        let hash: UInt64
        let rule: String
        let first: IPAddress
        let second: IPAddress
        let detail: String

        init(rule: String, first: IPAddress, second: IPAddress, detail: String) {
            let seed = OpenTableHash.processSeed
            hash = OpenTableHash.fold(
                OpenTableHash.strings(rule, detail, seed: seed), OpenTableHash.pair(first, second, seed: seed),
                seed: seed)
            self.rule = rule
            self.first = first
            self.second = second
            self.detail = detail
        }
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

    func export(into state: inout LearnedState) {
        for (key, entry) in entries.entries {
            state.facts.append(
                LearnedFact(
                    .suppression, subject: key.first.description, peer: key.second.description, value: key.rule,
                    detail: key.detail, number: Double(entry.suppressed), time: entry.lastEmitted))
        }
    }

    mutating func restore(from state: LearnedState) {
        for fact in state.facts(.suppression) {
            guard let first = IPAddress(fact.subject), let second = IPAddress(fact.peer), let time = fact.time else {
                continue
            }
            let suppressed = fact.number.isFinite ? Int(max(0, min(fact.number, 1e9))) : 0
            entries[Key(rule: fact.value, first: first, second: second, detail: fact.detail)] = Entry(
                lastEmitted: time, suppressed: suppressed)
        }
    }

    /// Whether an alert for `key` at `time` goes out; if so, returns how many were suppressed before it. A key
    /// seen before is found and updated in one lookup.
    mutating func admit(_ key: Key, at time: PacketTime) -> Int? {
        var isNew = false
        let made = Entry(lastEmitted: time, suppressed: 0)
        return entries.update(key, default: { isNew = true; return made }()) { entry in
            if isNew { return 0 }
            if time.nanoseconds(since: entry.lastEmitted) < intervalNanoseconds {
                entry.suppressed += 1
                return nil
            }
            let suppressed = entry.suppressed
            entry = made
            return suppressed
        }
    }
}

extension AlertSuppressor.Key: OpenTableKey {
    func openTableHash(seed: UInt64) -> UInt64 {
        assert(seed == OpenTableHash.processSeed, "every table hashes with the process seed")
        return hash
    }
}
