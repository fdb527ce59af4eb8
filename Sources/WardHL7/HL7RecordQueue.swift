import WardCore

/// A bounded first-in first-out ring of completed records (`HL7Limits.maxQueuedRecords`), allocated once.
struct HL7RecordQueue {
    private var slots: [HL7MessageRecord?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        slots = Array(repeating: nil, count: max(1, capacity))
    }

    /// Appends `record`; returns `false` (and keeps nothing) when the queue is full.
    mutating func push(_ record: HL7MessageRecord) -> Bool {
        guard count < slots.count else { return false }
        slots[(head + count) % slots.count] = record
        count += 1
        return true
    }

    /// The oldest record, removed.
    mutating func pop() -> HL7MessageRecord? {
        guard count > 0 else { return nil }
        let record = slots[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        return record
    }
}
