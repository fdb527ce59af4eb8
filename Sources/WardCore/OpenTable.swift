/// A map for state looked up on the packet path (an SMB connection's pending requests and open files, the detectors'
/// per-key tables): open addressing with linear probing and backward-shift deletion, keys and values in two arrays.
///
/// Keys are hashed by a multiplication or two with a seed drawn once per process, where a `Dictionary` runs SipHash
/// for every lookup: for SMB, matching a response to its request and finding its file cost more in hashing than in
/// decoding (keys that hold strings fold their UTF-8 bytes, ``OpenTableHash/string(_:seed:)``). The table starts
/// small and doubles at half full; the caller bounds how many keys it adds. Removal shifts the rest of the probe run
/// back, so there are no tombstones and runs stay short however keys come and go.
/// Everything is `@inlinable`, so that each user specialises the table for its key and value (unspecialised, it
/// looked up generic and tuple metadata on every call).
public struct OpenTable<Key: OpenTableKey, Value> {
    /// The keys by slot, `nil` where empty. Probing reads only these: with keys and values in one array, every probe
    /// copied (and retained) the value just to compare the key.
    @usableFromInline var keys: [Key?] = []
    /// The values by slot, beside their keys.
    @usableFromInline var slots: [Value?] = []
    @usableFromInline let seed = OpenTableSeed.value
    /// Keys held.
    @inlinable public var count: Int { held }
    @usableFromInline var held = 0

    /// An empty table (it allocates on the first insertion).
    @inlinable
    public init() {}

    /// An empty table with room for `minimumCapacity` keys before it grows (allocated now).
    @inlinable
    public init(minimumCapacity: Int) {
        guard minimumCapacity > 0 else { return }
        var size = 16
        while size < 2 * minimumCapacity { size *= 2 }
        keys = Self.empty(size)
        slots = Self.empty(size)
    }

    /// Whether `key` is held.
    @inlinable
    public func contains(_ key: Key) -> Bool {
        index(of: key) != nil
    }

    /// The value of `key`, if held.
    @inlinable
    public subscript(key: Key) -> Value? {
        guard let index = index(of: key) else { return nil }
        return slots[index]
    }

    /// Stores `value` for `key`, replacing the value there.
    @inlinable
    public mutating func set(_ value: consuming Value, for key: Key) {
        let (index, found) = place(for: key)
        if !found {
            keys[index] = key
            held += 1
        }
        slots[index] = value
    }

    /// Stores `value` for `key` unless `key` is held already; returns whether it was stored (one probe, where
    /// `contains` and then `set` took two).
    @inlinable @discardableResult
    public mutating func insert(_ value: consuming Value, for key: Key) -> Bool {
        let (index, found) = place(for: key)
        guard !found else { return false }
        keys[index] = key
        slots[index] = value
        held += 1
        return true
    }

    /// The entry that holds `key`, or else the empty entry where it goes, growing the table first when one more key
    /// would fill it past half. One probe: it ends on the key or on the empty entry (linear probing).
    @inlinable
    mutating func place(for key: Key) -> (index: Int, found: Bool) {
        if !keys.isEmpty {
            let mask = keys.count - 1
            var index = home(key)
            while let present = keys[index] {
                if present == key { return (index, true) }
                index = (index + 1) & mask
            }
            if 2 * (count + 1) <= keys.count { return (index, false) }
        }
        grow()
        var index = home(key)
        while keys[index] != nil { index = (index + 1) & (keys.count - 1) }
        return (index, false)
    }

    /// Calls `body` on the value of `key` where it is stored, storing `make()` for `key` first when it is not held;
    /// `body` is told whether the value is new. One probe, where `withValue` and then `set` took two.
    @inlinable
    public mutating func withValue<R>(
        for key: Key, insertingIfAbsent make: () -> Value, _ body: (inout Value, _ isNew: Bool) -> R
    ) -> R {
        let (index, found) = place(for: key)
        if !found {
            keys[index] = key
            slots[index] = make()
            held += 1
        }
        return body(&slots[index]!, !found)
    }

    /// Calls `body` on the value of `key` where it is stored, if held.
    @inlinable
    public mutating func withValue<R>(for key: Key, _ body: (inout Value) -> R) -> R? {
        guard let index = index(of: key) else { return nil }
        return body(&slots[index]!)
    }

    /// Removes and returns the value of `key`, if held.
    @inlinable @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        guard var hole = index(of: key) else { return nil }
        let removed = slots[hole].take()
        keys[hole] = nil
        held -= 1
        // Backward shift: move later entries of the run into the hole when their home is not between the hole and
        // them, so that every lookup still finds its key before an empty entry.
        let mask = keys.count - 1
        var index = hole
        while true {
            index = (index + 1) & mask
            guard let moving = keys[index] else { break }
            if (index - home(moving)) & mask >= (index - hole) & mask {
                keys[hole] = moving
                keys[index] = nil
                slots[hole] = slots[index].take()
                hole = index
            }
        }
        return removed
    }

    /// The first entry, in table order, that `predicate` accepts.
    @inlinable
    public func first(where predicate: (Key, Value) -> Bool) -> (key: Key, value: Value)? {
        for index in keys.indices {
            guard let key = keys[index], let value = slots[index], predicate(key, value) else { continue }
            return (key, value)
        }
        return nil
    }

    /// Every value, in table order (allocates).
    @inlinable
    public var values: [Value] {
        slots.compactMap { $0 }
    }

    /// Removes every key, keeping the room.
    @inlinable
    public mutating func removeAll() {
        guard count > 0 else { return }
        for index in keys.indices {
            keys[index] = nil
            slots[index] = nil
        }
        held = 0
    }

    @inlinable
    func index(of key: Key) -> Int? {
        guard count > 0 else { return nil }
        let mask = keys.count - 1
        var index = home(key)
        while let held = keys[index] {
            if held == key { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    @inlinable
    func home(_ key: Key) -> Int {
        Int(truncatingIfNeeded: key.openTableHash(seed: seed) >> UInt64(64 - keys.count.trailingZeroBitCount))
    }

    /// `count` empty entries. `Array(repeating: nil, count:)` copied the repeated `nil` through the value's outlined
    /// copy, about 240 instructions per entry for an SMB open file.
    @inlinable
    static func empty<Element>(_ count: Int) -> [Element?] {
        [Element?](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { (buffer.baseAddress! + index).initialize(to: nil) }
            initialized = count
        }
    }

    /// Doubles the room and puts every entry back. The keys are known to differ, so each goes to the first empty
    /// entry from its home without being compared, and keys and values are moved, not copied.
    @inlinable
    mutating func grow() {
        let size = max(16, keys.count * 2)
        var oldKeys: [Key?] = Self.empty(size)
        var oldSlots: [Value?] = Self.empty(size)
        swap(&oldKeys, &keys)
        swap(&oldSlots, &slots)
        let mask = size - 1
        for index in oldKeys.indices {
            guard let key = oldKeys[index].take() else { continue }
            var target = home(key)
            while keys[target] != nil { target = (target + 1) & mask }
            slots[target] = oldSlots[index].take()
            keys[target] = key
        }
    }
}

extension OpenTable: Sendable where Key: Sendable, Value: Sendable {}

/// The seed of every ``OpenTable``, drawn once per process: keys chosen on the wire to collide cannot be computed
/// in advance.
@usableFromInline
enum OpenTableSeed {
    @usableFromInline static let value: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
}
