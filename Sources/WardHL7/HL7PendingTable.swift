import WardCore

/// Messages awaiting an acknowledgement on one connection, keyed by direction and MSH-10, with a hard cap
/// (`HL7Limits.maxPendingMessages`): when full, the oldest entry is evicted and counted.
struct HL7PendingTable {
    private struct Entry {
        var direction: StreamDirection
        var controlID: String
        var time: PacketTime
        var sequence: UInt64
    }

    private var entries: [Entry]
    private let capacity: Int
    private var nextSequence: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        entries = []
        entries.reserveCapacity(self.capacity)
    }

    var count: Int { entries.count }

    /// Remembers that `controlID` was sent in `direction` at `time`; returns whether an older entry was evicted.
    mutating func insert(controlID: String, direction: StreamDirection, time: PacketTime) -> Bool {
        let entry = Entry(direction: direction, controlID: controlID, time: time, sequence: nextSequence)
        nextSequence &+= 1
        if let same = entries.firstIndex(where: { $0.direction == direction && $0.controlID == controlID }) {
            entries[same] = entry  // a retransmission: latency counts from the latest copy
            return false
        }
        if entries.count < capacity {
            entries.append(entry)
            return false
        }
        var oldest = 0
        for index in entries.indices where entries[index].sequence < entries[oldest].sequence { oldest = index }
        entries[oldest] = entry
        return true
    }

    /// Removes and returns the time of the message `controlID` sent in `direction`, if pending.
    mutating func remove(controlID: String, direction: StreamDirection) -> PacketTime? {
        guard let index = entries.firstIndex(where: { $0.direction == direction && $0.controlID == controlID }) else {
            return nil
        }
        let time = entries[index].time
        entries.swapAt(index, entries.count - 1)
        entries.removeLast()
        return time
    }
}
