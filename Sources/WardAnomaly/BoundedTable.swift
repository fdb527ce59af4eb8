import WardCore

/// A dictionary with a hard cap: inserting into a full table evicts a key that was not used since the eviction
/// sweep last passed it, and counts it.
///
/// Eviction is second chance (CLOCK) over insertion order: a key updated again since it was inserted or last
/// spared goes to the back once instead of out, so keys seen once (a flood from random sources) go before keys in
/// use (an attacker's per-source state), which plain first-in-first-out would evict as soon as enough new keys
/// arrived. It is deterministic for a given observation stream (a dictionary's own order is seeded per process).
/// Every per-key table in the detectors is one of these.
///
/// Whether a key was used again is kept beside its value, so an update finds the key once. The keys live in an
/// ``OpenTable`` (seeded multiply hashing, also over the bytes of keys holding strings), where a `Dictionary` ran
/// SipHash on every observation.
struct BoundedTable<Key: OpenTableKey & Hashable, Value> {
    private struct Entry {
        var value: Value
        /// Updated again since it was inserted or last spared by the sweep.
        var referenced: Bool
    }

    private var storage = OpenTable<Key, Entry>()
    private var order: [Key] = []
    private var head = 0
    /// The most keys held.
    let capacity: Int
    /// Keys evicted because the table was full.
    private(set) var evictions = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { storage.count }

    subscript(key: Key) -> Value? {
        get { storage[key]?.value }
        set {
            if let newValue {
                update(key, default: newValue) { $0 = newValue }
            } else if storage.remove(key) != nil {
                compactIfNeeded()
            }
        }
    }

    /// Calls `body` on the value for `key`, inserting `make()` first when absent (one probe either way; a new key
    /// may then evict another, never itself).
    mutating func update<R>(_ key: Key, default make: @autoclosure () -> Value, _ body: (inout Value) -> R) -> R {
        var isNew = false
        let result = storage.withValue(for: key, insertingIfAbsent: { Entry(value: make(), referenced: false) }) {
            entry, inserted in
            isNew = inserted
            if !inserted { entry.referenced = true }
            return body(&entry.value)
        }
        if isNew { queue(key) }
        return result
    }

    func contains(_ key: Key) -> Bool { storage.contains(key) }

    /// The entries in the order the eviction sweep will visit them, for saving learned state.
    var entries: [(key: Key, value: Value)] {
        var seen = Set<Key>()
        var result: [(key: Key, value: Value)] = []
        result.reserveCapacity(storage.count)
        for key in order[head...] where seen.insert(key).inserted {
            if let entry = storage[key] { result.append((key, entry.value)) }
        }
        return result
    }

    /// Puts a key just inserted at the back of the eviction order, and evicts another if the table is now too full.
    private mutating func queue(_ key: Key) {
        order.append(key)
        evictIfNeeded(protecting: key)
    }

    private mutating func evictIfNeeded(protecting newest: Key) {
        // Every held key has a place at or after `head`, and a spared key loses its mark, so within two sweeps a
        // key other than the newest is evicted (the capacity is at least 1, so there is one). A place left by a
        // removed key is skipped.
        while storage.count > capacity && head < order.count {
            let oldest = order[head]
            head += 1
            if oldest == newest {
                order.append(oldest)
                continue
            }
            let spared = storage.withValue(for: oldest) { entry -> Bool in
                defer { entry.referenced = false }
                return entry.referenced
            }
            if spared == true {
                order.append(oldest)
            } else if spared == false {
                storage.remove(oldest)
                evictions += 1
            }
        }
        compactIfNeeded()
    }

    private mutating func compactIfNeeded() {
        // Drop consumed and stale keys once they are most of the queue, keeping the queue O(capacity).
        guard order.count > 64, head > order.count / 2 || order.count > 2 * storage.count + 64 else { return }
        order = order[head...].filter { storage.contains($0) }
        head = 0
    }
}

/// An exponentially weighted mean and variance (West 1979 / Finch 2009 incremental form): the per-key baseline.
public struct EWMABaseline: Sendable, Equatable {
    /// The weighted mean.
    public private(set) var mean: Double = 0
    /// The weighted variance.
    public private(set) var variance: Double = 0
    /// Samples folded in.
    public private(set) var samples: Int = 0

    public init() {}

    /// A baseline as saved (state DB).
    public init(mean: Double, variance: Double, samples: Int) {
        self.mean = mean
        self.variance = max(0, variance)
        self.samples = max(0, samples)
    }

    /// The weighted standard deviation.
    public var standardDeviation: Double { variance > 0 ? variance.squareRoot() : 0 }

    /// Folds in one sample with weight `alpha` (the first sample sets the mean).
    public mutating func add(_ value: Double, alpha: Double) {
        samples += 1
        if samples == 1 {
            mean = value
            variance = 0
            return
        }
        let difference = value - mean
        let increment = alpha * difference
        mean += increment
        variance = (1 - alpha) * (variance + difference * increment)
    }

    /// Folds in `count` zero samples (idle windows), at most 256 steps' worth.
    public mutating func addZeros(_ count: Int, alpha: Double) {
        for _ in 0..<min(count, 256) { add(0, alpha: alpha) }
    }

    /// The value above which a sample is `z` standard deviations out, with `floor` as the least deviation assumed.
    public func upperBound(z: Double, floor: Double) -> Double {
        mean + z * max(standardDeviation, floor)
    }
}
