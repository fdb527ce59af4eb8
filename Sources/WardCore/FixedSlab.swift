/// A fixed-capacity array of plain values, allocated once, accessed in place without copy-on-write checks.
///
/// For the flow and host tables, whose entries are touched on every packet: `slab[i].field = x` writes straight
/// into the storage. The whole capacity is reserved up front (as virtual memory: pages the table never reaches
/// are never touched, so the resident size follows the entries used).
public struct FixedSlab<Element: BitwiseCopyable>: ~Copyable {
    @usableFromInline let storage: UnsafeMutablePointer<Element>
    /// The most elements the slab can hold.
    public let capacity: Int
    /// The elements in use (indices `0..<count`).
    public private(set) var count = 0

    /// A slab for at most `capacity` elements.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// Appends an element; the slab must not be full (callers evict first).
    public mutating func append(_ element: Element) {
        precondition(count < capacity, "FixedSlab is full")
        (storage + count).initialize(to: element)
        count += 1
    }

    /// The element at `index` (`0..<count`), read and written in place.
    @inlinable
    public subscript(index: Int) -> Element {
        unsafeAddress {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "FixedSlab index out of range")
            return UnsafePointer(storage + index)
        }
        unsafeMutableAddress {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "FixedSlab index out of range")
            return storage + index
        }
    }
}
