/// A first-in-first-out queue with a hard capacity that reuses its storage: producers in a capture thread push facts
/// (records, alerts) and the same thread pops them soon after.
///
/// A push into a full queue is refused (the caller counts the drop); pops advance a head index, and the storage is
/// emptied when drained or compacted when it would otherwise grow, so steady use allocates nothing.
///
/// Inlinable, so each user (the SMB analyzer, the detectors) gets code specialised for its element type: the
/// generic version copied every element through value witnesses.
public struct BoundedQueue<Element> {
    @usableFromInline var storage: [Element] = []
    @usableFromInline var head = 0
    /// The most elements held.
    public let capacity: Int

    /// An empty queue holding at most `capacity` (at least 1) elements.
    @inlinable
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The elements held.
    @inlinable
    public var count: Int { storage.count - head }

    /// Appends `element` (moved in); returns `false` (and keeps nothing) when the queue is full.
    @inlinable @discardableResult
    public mutating func push(_ element: consuming Element) -> Bool {
        guard count < capacity else { return false }
        if head > 0, storage.count == storage.capacity {
            storage.removeFirst(head)
            head = 0
        }
        storage.append(element)
        return true
    }

    /// Removes and returns the oldest element, or `nil`.
    @inlinable
    public mutating func pop() -> Element? {
        guard head < storage.count else { return nil }
        if head == storage.count - 1 {
            // The last one (usually the only one: a record is popped soon after it is pushed) is moved out; the
            // ones before it were copied out and go with the storage's contents.
            let element = storage.removeLast()
            storage.removeAll(keepingCapacity: true)
            head = 0
            return element
        }
        let element = storage[head]
        head += 1
        return element
    }
}

extension BoundedQueue: Sendable where Element: Sendable {}
