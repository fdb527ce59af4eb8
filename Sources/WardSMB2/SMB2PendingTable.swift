/// The requests of one connection awaiting their response, by message id.
///
/// Open addressing with linear probing and backward-shift deletion, keys hashed by one multiplication (Fibonacci
/// hashing: message ids are sequential per connection, and the top bits of the product spread them). A
/// `Dictionary` hashed every id with SipHash, for the request and again for its response: most of what matching a
/// response cost. The table starts small and doubles at half full; the caller bounds how many entries it holds.
struct SMB2PendingTable<Value: Sendable>: Sendable {
    private var keys: [UInt64] = []
    private var values: [Value?] = []
    /// How many requests wait.
    private(set) var count = 0

    /// Whether a request with `messageID` waits.
    func contains(_ messageID: UInt64) -> Bool {
        slot(of: messageID) != nil
    }

    /// Stores `value` for `messageID`, replacing the value there.
    mutating func set(_ value: Value, for messageID: UInt64) {
        if let existing = slot(of: messageID) {
            values[existing] = value
            return
        }
        if 2 * (count + 1) > values.count { grow() }
        var index = home(messageID)
        while values[index] != nil { index = (index + 1) & (values.count - 1) }
        keys[index] = messageID
        values[index] = value
        count += 1
    }

    /// Removes and returns the value of `messageID`, if one waits.
    mutating func remove(_ messageID: UInt64) -> Value? {
        guard var hole = slot(of: messageID) else { return nil }
        let removed = values[hole].take()
        count -= 1
        // Backward shift: move later entries of the run into the hole when their home is not between the hole and
        // them, so that every lookup still finds its key before an empty slot.
        let mask = values.count - 1
        var index = hole
        while true {
            index = (index + 1) & mask
            guard values[index] != nil else { break }
            let distanceFromHome = (index - home(keys[index])) & mask
            if distanceFromHome >= (index - hole) & mask {
                keys[hole] = keys[index]
                values[hole] = values[index].take()
                hole = index
            }
        }
        return removed
    }

    /// Forgets every waiting request (keeping the room).
    mutating func removeAll() {
        guard count > 0 else { return }
        for index in values.indices { values[index] = nil }
        count = 0
    }

    private func slot(of messageID: UInt64) -> Int? {
        guard count > 0 else { return nil }
        let mask = values.count - 1
        var index = home(messageID)
        while values[index] != nil {
            if keys[index] == messageID { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    private func home(_ messageID: UInt64) -> Int {
        Int(truncatingIfNeeded: (messageID &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - values.count.trailingZeroBitCount))
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        let capacity = max(16, values.count * 2)
        keys = [UInt64](repeating: 0, count: capacity)
        values = [Value?](repeating: nil, count: capacity)
        count = 0
        for (key, value) in zip(oldKeys, oldValues) {
            if let value { set(value, for: key) }
        }
    }
}
