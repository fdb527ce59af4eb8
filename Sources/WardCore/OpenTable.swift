/// A map for state looked up on the packet path (an SMB connection's pending requests and open files, the detectors'
/// per-key tables): open addressing with linear probing and backward-shift deletion over one array of entries.
///
/// Keys are hashed by a multiplication or two with a seed drawn once per process, where a `Dictionary` runs SipHash
/// for every lookup: for SMB, matching a response to its request and finding its file cost more in hashing than in
/// decoding (keys that hold strings still use SipHash, through ``OpenTableHash/hashing(_:seed:)``). The table starts
/// small and doubles at half full; the caller bounds how many keys it adds. Removal shifts the rest of the probe run
/// back, so there are no tombstones and runs stay short however keys come and go.
/// Everything is `@inlinable`, so that each user specialises the table for its key and value (unspecialised, it
/// looked up generic and tuple metadata on every call).
public struct OpenTable<Key: OpenTableKey, Value> {
    /// One key and its value.
    @usableFromInline
    struct Entry {
        @usableFromInline var key: Key
        @usableFromInline var value: Value

        @inlinable
        init(key: Key, value: Value) {
            self.key = key
            self.value = value
        }
    }

    /// A struct, not a tuple: optional tuples' tags were read through the runtime's generic tuple metadata.
    @usableFromInline var entries: [Entry?] = []
    @usableFromInline let seed = OpenTableSeed.value
    /// Keys held.
    @inlinable public var count: Int { held }
    @usableFromInline var held = 0

    /// An empty table (it allocates on the first insertion).
    @inlinable
    public init() {}

    /// Whether `key` is held.
    @inlinable
    public func contains(_ key: Key) -> Bool {
        index(of: key) != nil
    }

    /// The value of `key`, if held.
    @inlinable
    public subscript(key: Key) -> Value? {
        guard let index = index(of: key) else { return nil }
        return entries[index]?.value
    }

    /// Stores `value` for `key`, replacing the value there.
    @inlinable
    public mutating func set(_ value: Value, for key: Key) {
        if let existing = index(of: key) {
            entries[existing]!.value = value
            return
        }
        if 2 * (count + 1) > entries.count { grow() }
        var index = home(key)
        while entries[index] != nil { index = (index + 1) & (entries.count - 1) }
        entries[index] = Entry(key: key, value: value)
        held += 1
    }

    /// Calls `body` on the value of `key` where it is stored, if held.
    @inlinable
    public mutating func withValue<R>(for key: Key, _ body: (inout Value) -> R) -> R? {
        guard let index = index(of: key) else { return nil }
        return body(&entries[index]!.value)
    }

    /// Removes and returns the value of `key`, if held.
    @inlinable @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        guard var hole = index(of: key) else { return nil }
        let removed = entries[hole].take()?.value
        held -= 1
        // Backward shift: move later entries of the run into the hole when their home is not between the hole and
        // them, so that every lookup still finds its key before an empty entry.
        let mask = entries.count - 1
        var index = hole
        while true {
            index = (index + 1) & mask
            guard let entry = entries[index] else { break }
            if (index - home(entry.key)) & mask >= (index - hole) & mask {
                entries[hole] = entries[index].take()
                hole = index
            }
        }
        return removed
    }

    /// The first entry, in table order, that `predicate` accepts.
    @inlinable
    public func first(where predicate: (Key, Value) -> Bool) -> (key: Key, value: Value)? {
        for case let entry? in entries where predicate(entry.key, entry.value) { return (entry.key, entry.value) }
        return nil
    }

    /// Every value, in table order (allocates).
    @inlinable
    public var values: [Value] {
        entries.compactMap { $0?.value }
    }

    /// Removes every key, keeping the room.
    @inlinable
    public mutating func removeAll() {
        guard count > 0 else { return }
        for index in entries.indices { entries[index] = nil }
        held = 0
    }

    @inlinable
    func index(of key: Key) -> Int? {
        guard count > 0 else { return nil }
        let mask = entries.count - 1
        var index = home(key)
        while let entry = entries[index] {
            if entry.key == key { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    @inlinable
    func home(_ key: Key) -> Int {
        Int(truncatingIfNeeded: key.openTableHash(seed: seed) >> UInt64(64 - entries.count.trailingZeroBitCount))
    }

    @inlinable
    mutating func grow() {
        let old = entries
        entries = Array(repeating: nil, count: max(16, entries.count * 2))
        held = 0
        for case let entry? in old { set(entry.value, for: entry.key) }
    }
}

extension OpenTable: Sendable where Key: Sendable, Value: Sendable {}
extension OpenTable.Entry: Sendable where Key: Sendable, Value: Sendable {}

/// The seed of every ``OpenTable``, drawn once per process: keys chosen on the wire to collide cannot be computed
/// in advance.
@usableFromInline
enum OpenTableSeed {
    @usableFromInline static let value: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
}
