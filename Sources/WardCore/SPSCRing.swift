import Synchronization

/// A bounded single-producer/single-consumer ring of records between two threads.
///
/// The capture thread pushes, the output thread pops; neither takes a lock. The storage is allocated once.
/// `tryPush` fails when the ring is full, leaving the choice (wait in replay, count a drop live) to the caller.
/// Push and pop are `@inlinable`, so that each user specialises them for its element: unspecialised, every record
/// was copied into and out of the ring through the runtime's value witnesses (about 700 instructions a push).
public final class SPSCRing<Element: Sendable>: @unchecked Sendable {
    @usableFromInline let storage: UnsafeMutablePointer<Element>
    @usableFromInline let mask: Int
    /// The number of slots (a power of two).
    public let capacity: Int
    @usableFromInline let head = Atomic<Int>(0)  // next slot to read; written by the consumer only
    @usableFromInline let tail = Atomic<Int>(0)  // next slot to write; written by the producer only
    private let closed = Atomic<Bool>(false)

    /// A ring with at least `minimumCapacity` slots (rounded up to a power of two).
    public init(minimumCapacity: Int) {
        var size = 2
        while size < minimumCapacity { size <<= 1 }
        capacity = size
        mask = size - 1
        storage = .allocate(capacity: size)
    }

    deinit {
        while tryPop() != nil {}
        storage.deallocate()
    }

    /// Appends a record; returns `false` when the ring is full. Producer thread only.
    @inlinable
    public func tryPush(_ element: Element) -> Bool {
        guard hasRoom else { return false }
        push(element)
        return true
    }

    /// Whether a record can be pushed now. Producer thread only.
    @inlinable
    public var hasRoom: Bool {
        tail.load(ordering: .relaxed) - head.load(ordering: .acquiring) < capacity
    }

    /// Appends a record, taking it over without a copy, when ``hasRoom`` said there is room. Producer thread only.
    @inlinable
    public func push(_ element: consuming Element) {
        let writeIndex = tail.load(ordering: .relaxed)
        precondition(writeIndex - head.load(ordering: .acquiring) < capacity, "push to a full ring")
        (storage + (writeIndex & mask)).initialize(to: element)
        tail.store(writeIndex + 1, ordering: .releasing)
    }

    /// Removes the oldest record, or returns `nil` when the ring is empty. Consumer thread only.
    @inlinable
    public func tryPop() -> Element? {
        let readIndex = head.load(ordering: .relaxed)
        if readIndex == tail.load(ordering: .acquiring) { return nil }
        let element = (storage + (readIndex & mask)).move()
        head.store(readIndex + 1, ordering: .releasing)
        return element
    }

    /// Marks the end of the stream: the consumer stops once it has drained the ring.
    public func close() {
        closed.store(true, ordering: .releasing)
    }

    /// Whether the producer has closed the ring.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Records currently waiting.
    public var count: Int { tail.load(ordering: .acquiring) - head.load(ordering: .acquiring) }
}
