/// A growable array whose elements are read and mutated in place through one pointer, with no copy-on-write check:
/// the engine's per-connection state (reassemblers, analyzers, sessions), reached on every analysed TCP segment.
///
/// As a `ContiguousArray`, each `array[i].mutate()` called the runtime to check the buffer was not shared (a call
/// per segment per array). The engine owns these arrays alone and never copies them, which `~Copyable` enforces.
struct InPlaceArray<Element>: ~Copyable {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    /// The elements in use (indices `0..<count`).
    private(set) var count = 0

    /// An empty array (its room is made on the first append).
    init() {
        capacity = 0
        storage = .allocate(capacity: 0)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    /// Appends `element`, doubling the room when full (the elements move; no reference to one outlives a call).
    mutating func append(_ element: consuming Element) {
        if count == capacity {
            let grown = max(16, 2 * capacity)
            let larger = UnsafeMutablePointer<Element>.allocate(capacity: grown)
            larger.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = larger
            capacity = grown
        }
        (storage + count).initialize(to: element)
        count += 1
    }

    /// The element at `index` (`0..<count`), read and written in place.
    subscript(index: Int) -> Element {
        unsafeAddress {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "InPlaceArray index out of range")
            return UnsafePointer(storage + index)
        }
        unsafeMutableAddress {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "InPlaceArray index out of range")
            return storage + index
        }
    }
}
