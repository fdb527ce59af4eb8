/// One direction of a TCP byte stream put back in order for an analyzer, with bounded buffering.
///
/// In-order data is handed on straight from the packet (no copy). A segment that arrives early is copied into a
/// per-direction buffer of at most `limit` bytes; when the hole before it fills, the buffered bytes follow in
/// order. Retransmitted and overlapping bytes are trimmed so each byte is delivered once. If the buffer would
/// overflow, or the stream ends with a hole, the hole is declared a gap of known length and delivery resumes
/// after it (the analyzer resynchronises). Nothing is buffered for flows no analyzer claimed.
public struct TCPReassembler: Sendable {
    /// The most bytes held out of order.
    public let limit: Int
    /// The next sequence number expected, once the stream has started.
    public private(set) var nextSequence: UInt32 = 0
    /// Whether the first delivered byte has fixed `nextSequence`.
    public private(set) var isStarted = false
    private var storage: [UInt8] = []
    private var segments: [(sequence: UInt32, start: Int, length: Int)] = []
    /// Bytes currently held out of order.
    public private(set) var bufferedBytes = 0
    /// Bytes declared lost so far.
    public private(set) var gapBytes: UInt64 = 0
    /// How many of the next stream bytes the analyzer said it will consume unread (the rest of a READ response, a
    /// WRITE's data past its sample): in-order segments wholly inside them are not handed on.
    public var waivable = 0
    /// Bytes passed over that way and not yet reported to the analyzer.
    public private(set) var waived = 0

    /// A reassembler holding at most `limit` bytes out of order.
    public init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Starts the stream at `sequence` (the SYN's sequence + 1), so that early segments before the first one seen
    /// are put back in order too.
    public mutating func start(at sequence: UInt32) {
        guard !isStarted else { return }
        isStarted = true
        nextSequence = sequence
    }

    /// What to do with a segment's payload.
    public enum Placement: Equatable, Sendable {
        /// Deliver the payload from this offset (0, or past bytes already delivered).
        case deliver(from: Int)
        /// Everything was delivered before (a retransmission).
        case duplicate
        /// The segment is ahead of the stream: `store` it.
        case early
    }

    /// Where a segment with `sequence` and `length` payload bytes falls; starts the stream on the first segment.
    public mutating func place(sequence: UInt32, length: Int) -> Placement {
        if !isStarted {
            isStarted = true
            nextSequence = sequence
        }
        let ahead = Int32(bitPattern: sequence &- nextSequence)
        if ahead > 0 { return .early }
        let alreadySeen = Int(-Int64(ahead))
        return alreadySeen >= length ? .duplicate : .deliver(from: alreadySeen)
    }

    /// Takes a segment of `length` (> 0) bytes that starts exactly where the stream continues while nothing is held
    /// out of order (nearly every segment): moves past it and returns `true`, and the caller delivers it whole, or
    /// ``waive(_:)``s it. Otherwise returns `false` having changed nothing but the start (as
    /// ``place(sequence:length:)`` does), and the caller places the segment.
    @inline(__always)
    public mutating func takeInOrder(sequence: UInt32, length: Int) -> Bool {
        if !isStarted {
            isStarted = true
            nextSequence = sequence
        }
        guard length > 0, sequence == nextSequence, bufferedBytes == 0 else { return false }
        nextSequence &+= UInt32(truncatingIfNeeded: length)
        return true
    }

    /// Counts `length` bytes just taken in order, and within ``waivable``, as passed over instead of delivered.
    public mutating func waive(_ length: Int) {
        let length = min(length, waivable)
        waivable -= length
        waived += length
    }

    /// Returns the bytes waived since the last call, for the analyzer to skip before it reads anything more, and
    /// forgets them.
    public mutating func takeWaived() -> Int {
        defer { waived = 0 }
        return waived
    }

    /// Records that `count` bytes were delivered in order.
    public mutating func advance(by count: Int) {
        nextSequence &+= UInt32(truncatingIfNeeded: count)
    }

    /// Copies an early segment; returns `false` (storing nothing) when it would exceed `limit`.
    public mutating func store(sequence: UInt32, payload: RawSpan) -> Bool {
        let length = payload.byteCount
        guard length > 0 else { return true }
        guard bufferedBytes + length <= limit else { return false }
        if storage.capacity == 0 { storage.reserveCapacity(min(limit, 64 * 1024)) }
        let start = storage.count
        payload.withUnsafeBytes { storage.append(contentsOf: $0) }
        segments.append((sequence, start, length))
        bufferedBytes += length
        return true
    }

    /// Whether any early segment is held.
    public var hasBuffered: Bool {
        // Every held segment has at least one byte, so the count says it without reading the segment list (a
        // heap load, and a cache miss, for each in-order segment of every analysed flow).
        bufferedBytes > 0
    }

    /// Moves the next buffered bytes that can be delivered now (the hole before them filled) into `ready`,
    /// trimming what was already delivered; returns `false` when nothing is ready. Call `advance(by:)` with
    /// `ready.count` once they are delivered. Runs only after reordering, never for in-order streams.
    public mutating func popReady(into ready: inout [UInt8]) -> Bool {
        ready.removeAll(keepingCapacity: true)
        while let index = segments.firstIndex(where: { Int32(bitPattern: $0.sequence &- nextSequence) <= 0 }) {
            let segment = segments.remove(at: index)
            bufferedBytes -= segment.length
            let alreadySeen = Int(-Int64(Int32(bitPattern: segment.sequence &- nextSequence)))
            if alreadySeen < segment.length {
                ready.append(contentsOf: storage[(segment.start + alreadySeen)..<(segment.start + segment.length)])
            }
            if segments.isEmpty { storage.removeAll(keepingCapacity: true) }
            if !ready.isEmpty { return true }
        }
        return false
    }

    /// Gives up on the hole before the earliest buffered segment: returns its length and moves past it.
    public mutating func skipToBuffered() -> Int {
        guard let earliest = segments.map(\.sequence).min(by: { Int32(bitPattern: $0 &- $1) < 0 }) else { return 0 }
        let hole = Int(Int32(bitPattern: earliest &- nextSequence))
        guard hole > 0 else { return 0 }
        nextSequence = earliest
        gapBytes &+= UInt64(hole)
        return hole
    }

    /// Records a gap of `length` bytes that will never be buffered (for example a segment too large to hold).
    public mutating func skip(_ length: Int) {
        nextSequence &+= UInt32(truncatingIfNeeded: length)
        gapBytes &+= UInt64(length)
    }
}
