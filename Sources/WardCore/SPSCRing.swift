import Synchronization

/// A bounded single-producer/single-consumer ring of records between two threads.
///
/// The capture thread pushes, the output thread pops; neither takes a lock. The storage is allocated once.
/// `tryPush` fails when the ring is full, leaving the choice (wait in replay, count a drop live) to the caller.
/// Push and pop are `@inlinable`, so that each user specialises them for its element: unspecialised, every record
/// was copied into and out of the ring through the runtime's value witnesses (about 700 instructions a push).
///
/// The consumer's and the producer's counters sit on cache lines of their own, each beside that side's last view of
/// the other's counter: a push reads the consumer's counter only when the ring looks full, a pop the producer's only
/// when it looks empty, so the two cores do not pass a cache line back and forth at every record.
public final class SPSCRing<Element: Sendable>: @unchecked Sendable {
    @usableFromInline let storage: UnsafeMutablePointer<Element>
    @usableFromInline let mask: Int
    /// The number of slots (a power of two).
    public let capacity: Int
    private let closed = Atomic<Bool>(false)
    @usableFromInline let consumerSide = CacheLinePadding()
    @usableFromInline let head = Atomic<Int>(0)  // next slot to read; written by the consumer only
    /// The consumer's last view of `tail` (consumer only).
    @usableFromInline @exclusivity(unchecked) var seenTail = 0
    @usableFromInline let producerSide = CacheLinePadding()
    @usableFromInline let tail = Atomic<Int>(0)  // next slot to write; written by the producer only
    /// The producer's last view of `head` (producer only).
    @usableFromInline @exclusivity(unchecked) var seenHead = 0
    @usableFromInline let end = CacheLinePadding()

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
        let writeIndex = tail.load(ordering: .relaxed)
        if writeIndex - seenHead < capacity { return true }
        seenHead = head.load(ordering: .acquiring)
        return writeIndex - seenHead < capacity
    }

    /// Appends a record, taking it over without a copy, when ``hasRoom`` said there is room. Producer thread only.
    @inlinable
    public func push(_ element: consuming Element) {
        let writeIndex = tail.load(ordering: .relaxed)
        if writeIndex - seenHead >= capacity { seenHead = head.load(ordering: .acquiring) }
        precondition(writeIndex - seenHead < capacity, "push to a full ring")
        (storage + (writeIndex & mask)).initialize(to: element)
        tail.store(writeIndex + 1, ordering: .releasing)
    }

    /// Removes the oldest record, or returns `nil` when the ring is empty. Consumer thread only.
    @inlinable
    public func tryPop() -> Element? {
        let readIndex = head.load(ordering: .relaxed)
        if readIndex == seenTail {
            seenTail = tail.load(ordering: .acquiring)
            if readIndex == seenTail { return nil }
        }
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
