/// A pool of values addressed by stable `Int32` slots, reusing freed slots (for per-flow analyzer state).
///
/// Values are mutated in place through `items[slot].…`, so analyzers with buffers are never copied. They are stored
/// unwrapped, a freed slot holding `vacant`, with occupancy kept beside them: with optional elements, every access
/// through `items[slot]?.…` copied the whole analyzer out just to read the optional's tag.
struct SlotPool<Element>: ~Copyable {
    /// The values by slot; a slot not in use holds the pool's vacant value.
    var items = InPlaceArray<Element>()
    private var occupied = InPlaceArray<Bool>()
    private var free: [Int32] = []
    private let vacant: Element

    /// The number of live values.
    private(set) var count = 0

    /// An empty pool; `vacant` fills freed slots (it should own no buffers).
    init(vacant: Element) {
        self.vacant = vacant
    }

    /// Whether `slot` holds a live value.
    func contains(_ slot: Int32) -> Bool {
        slot >= 0 && Int(slot) < occupied.count && occupied[Int(slot)]
    }

    mutating func insert(_ element: consuming Element) -> Int32 {
        count += 1
        if let slot = free.popLast() {
            items[Int(slot)] = element
            occupied[Int(slot)] = true
            return slot
        }
        items.append(element)
        occupied.append(true)
        return Int32(items.count - 1)
    }

    mutating func remove(_ slot: Int32) {
        guard contains(slot) else { return }
        items[Int(slot)] = vacant
        occupied[Int(slot)] = false
        free.append(slot)
        count -= 1
    }
}
