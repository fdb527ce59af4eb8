/// A pool of values addressed by stable `Int32` slots, reusing freed slots (for per-flow analyzer state).
///
/// Values are mutated in place through `items[slot]?.…`, so analyzers with buffers are never copied.
struct SlotPool<Element> {
    var items: ContiguousArray<Element?> = []
    private var free: [Int32] = []

    /// The number of live values.
    private(set) var count = 0

    mutating func insert(_ element: Element) -> Int32 {
        count += 1
        if let slot = free.popLast() {
            items[Int(slot)] = element
            return slot
        }
        items.append(element)
        return Int32(items.count - 1)
    }

    mutating func remove(_ slot: Int32) {
        guard slot >= 0, Int(slot) < items.count, items[Int(slot)] != nil else { return }
        items[Int(slot)] = nil
        free.append(slot)
        count -= 1
    }
}
