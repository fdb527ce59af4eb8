import WardCore

/// A key a `SlotIndex` can hold: its words are hashed with the index's seeds.
package protocol SlotIndexKey: Equatable {
    /// The key's hash under `seeds` (built from `SlotIndexHash.fold` of its words XORed with the seeds).
    func slotIndexHash(_ seeds: SlotIndexHash.Seeds) -> UInt32
}

/// The keyed hash of `SlotIndex`: a folded multiply (as in aHash's fallback) with seeds drawn at start.
package enum SlotIndexHash {
    /// Six seeds, enough for a flow key's three pairs of words.
    package typealias Seeds = InlineArray<6, UInt64>

    /// The two halves of the 128-bit product, XORed: every input bit reaches many output bits.
    @inline(__always)
    package static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// The 64-bit mix cut to the 32 bits an entry keeps.
    @inline(__always)
    package static func finish(_ mixed: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: mixed ^ mixed >> 32)
    }
}

/// A key → slot index for a table whose records live in a slab (the flow table's flows, the host table's hosts):
/// open addressing with linear probing over one array of 64-bit entries.
///
/// Each entry holds a slot number and 32 bits of the key's hash, so a probe compares the key only when those bits
/// match. The hash is a keyed folded multiply with seeds drawn at start, so traffic crafted to collide cannot be
/// precomputed (Suricata seeds its flow hash the same way); it costs a few multiplications where `Dictionary`'s
/// SipHash-1-3 cost about a tenth of a flows-only run. The load factor stays at or below one half; the array
/// doubles when it would pass that (an allocation only when keys are added, never per packet), up to what
/// `maximumKeys` needs. Removal shifts the following run back, so there are no tombstones and probe runs stay short
/// however many keys come and go.
///
/// `package`, not internal: Swift 6.3.1 crashes ("inlining a resilient function into a fragile function") when an
/// internal generic type's `deinit` sits inside a public table's accessors.
package struct SlotIndex<Key: SlotIndexKey>: ~Copyable {
    /// Entry layout: bits 0…31 the slot + 1 (0 = empty), bits 32…63 the hash's low 32 bits.
    private var entries: UnsafeMutablePointer<UInt64>
    private var mask: Int
    private let largestCapacity: Int
    private let seeds: SlotIndexHash.Seeds
    /// Keys held.
    private(set) var count = 0

    /// An empty index for at most `maximumKeys` keys.
    init(maximumKeys: Int) {
        largestCapacity = Self.power(ofTwoAtLeast: 2 * min(max(1, maximumKeys), 1 << 30))
        let capacity = min(largestCapacity, 1 << 16)
        entries = .allocate(capacity: capacity)
        entries.initialize(repeating: 0, count: capacity)
        mask = capacity - 1
        var generator = SystemRandomNumberGenerator()
        seeds = InlineArray { _ in generator.next() | 1 }
    }

    deinit {
        entries.deallocate()
    }

    /// The slot of `key`, or -1; `slotKey` reads the key stored at a slot.
    @inline(__always)
    func find(_ key: Key, slotKey: (Int32) -> Key) -> Int32 {
        let hash = key.slotIndexHash(seeds)
        var position = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = entries[position]
            if entry == 0 { return -1 }
            if UInt32(truncatingIfNeeded: entry >> 32) == hash {
                let slot = Int32(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if slotKey(slot) == key { return slot }
            }
            position = (position + 1) & mask
        }
    }

    /// Adds `key` at `slot`; the key must not be held yet.
    mutating func insert(_ key: Key, slot: Int32) {
        if 2 * (count + 1) > mask + 1 && mask + 1 < largestCapacity { grow() }
        place(UInt64(key.slotIndexHash(seeds)) << 32 | UInt64(UInt32(slot) + 1))
        count += 1
    }

    /// Removes `key`, held at `slot`.
    mutating func remove(_ key: Key, slot: Int32) {
        let wanted = UInt64(key.slotIndexHash(seeds)) << 32 | UInt64(UInt32(slot) + 1)
        var hole = Int(truncatingIfNeeded: wanted >> 32) & mask
        while entries[hole] != wanted {
            if entries[hole] == 0 { return }
            hole = (hole + 1) & mask
        }
        // Shift back every following entry of the run that may live at or before the hole.
        var next = hole
        while true {
            next = (next + 1) & mask
            let entry = entries[next]
            if entry == 0 { break }
            let home = Int(truncatingIfNeeded: entry >> 32) & mask
            let staysPut = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if staysPut { continue }
            entries[hole] = entry
            hole = next
        }
        entries[hole] = 0
        count -= 1
    }

    /// The slots held, in no particular order.
    func slots() -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(count)
        for position in 0...mask where entries[position] != 0 {
            result.append(Int32(truncatingIfNeeded: entries[position] & 0xFFFF_FFFF) - 1)
        }
        return result
    }

    private mutating func place(_ entry: UInt64) {
        var position = Int(truncatingIfNeeded: entry >> 32) & mask
        while entries[position] != 0 { position = (position + 1) & mask }
        entries[position] = entry
    }

    private mutating func grow() {
        let old = entries
        let oldCapacity = mask + 1
        let capacity = oldCapacity * 2
        entries = .allocate(capacity: capacity)
        entries.initialize(repeating: 0, count: capacity)
        mask = capacity - 1
        for position in 0..<oldCapacity where old[position] != 0 { place(old[position]) }
        old.deallocate()
    }

    private static func power(ofTwoAtLeast value: Int) -> Int {
        var power = 1
        while power < value { power <<= 1 }
        return power
    }
}

extension FlowKey: SlotIndexKey {
    @inline(__always)
    package func slotIndexHash(_ seeds: SlotIndexHash.Seeds) -> UInt32 {
        let ports = UInt64(lowPort) | UInt64(highPort) << 16 | UInt64(ipProtocol) << 32
        return SlotIndexHash.finish(
            SlotIndexHash.fold(lowAddress.high ^ seeds[0], lowAddress.low ^ seeds[1])
                &+ SlotIndexHash.fold(highAddress.high ^ seeds[2], highAddress.low ^ seeds[3])
                &+ SlotIndexHash.fold(ports ^ seeds[4], vlan.rawValue ^ seeds[5]))
    }
}

extension IPAddress: SlotIndexKey {
    @inline(__always)
    package func slotIndexHash(_ seeds: SlotIndexHash.Seeds) -> UInt32 {
        SlotIndexHash.finish(SlotIndexHash.fold(high ^ seeds[0], low ^ seeds[1]))
    }
}
