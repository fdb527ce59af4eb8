import Synchronization

/// A bounded single-producer/single-consumer ring of captured packets (bytes plus a fixed-size header), from the
/// replay reader to one worker.
///
/// Packets are copied once, into one byte buffer allocated at start, and read in place by the consumer: no
/// allocation per packet. Each record is a `Header` followed by the frame bytes, padded to 16 bytes; a record that
/// would run past the end of the buffer starts again at its beginning (a wrap marker tells the consumer). The
/// consumer releases a record only after processing it, so the borrowed bytes stay valid meanwhile.
///
/// Its methods are `@inlinable`, so that the replay specialises them for its header: unspecialised, every packet
/// copied its header through the generic value witnesses and looked up the metadata of `peek`'s result tuple.
///
/// The consumer's and the producer's counters sit on cache lines of their own (as in ``SPSCRing``), each beside that
/// side's last view of the other's counter, read again only when the ring looks empty or full.
public final class PacketRing<Header: BitwiseCopyable>: @unchecked Sendable {
    @usableFromInline let buffer: UnsafeMutableRawPointer
    /// The buffer's size in bytes.
    public let byteCapacity: Int
    @usableFromInline let closed = Atomic<Bool>(false)
    @usableFromInline let consumerSide = CacheLinePadding()
    @usableFromInline let consumed = Atomic<Int>(0)  // bytes released (monotonic); written by the consumer only
    @usableFromInline @exclusivity(unchecked) var readPosition = 0  // consumer only: the record being read (monotonic)
    @usableFromInline @exclusivity(unchecked) var pendingRelease = 0  // consumer only: where `release` moves `consumed`
    @usableFromInline @exclusivity(unchecked) var seenWritten = 0  // consumer only: its last view of `written`
    @usableFromInline let producerSide = CacheLinePadding()
    @usableFromInline let written = Atomic<Int>(0)  // bytes produced (monotonic); written by the producer only
    @usableFromInline @exclusivity(unchecked) var seenConsumed = 0  // producer only: its last view of `consumed`
    @usableFromInline let end = CacheLinePadding()

    @inlinable static var recordHeaderSize: Int { (MemoryLayout<Int>.size + MemoryLayout<Header>.size + 15) & ~15 }
    @inlinable static var wrapMarker: Int { -1 }

    /// A ring of `byteCapacity` bytes (rounded up to 16); the largest packet it takes is half of that.
    public init(byteCapacity: Int) {
        // A header sits a word after its record's 16-byte aligned start, where `peek` hands it out in place.
        precondition(MemoryLayout<Header>.alignment <= MemoryLayout<Int>.size, "PacketRing header alignment")
        self.byteCapacity = (max(byteCapacity, 1 << 16) + 15) & ~15
        buffer = .allocate(byteCount: self.byteCapacity, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// The largest frame `tryPush` takes.
    @inlinable public var maximumFrameLength: Int { byteCapacity / 2 - Self.recordHeaderSize }

    /// Copies a packet in; returns `false` when the ring has no room now (or the frame exceeds
    /// `maximumFrameLength`, which the caller checks first). Producer thread only.
    @inlinable
    public func tryPush(header: Header, frame: UnsafeRawBufferPointer) -> Bool {
        let size = Self.recordHeaderSize + (frame.count + 15) & ~15
        guard frame.count <= maximumFrameLength else { return false }
        let position = written.load(ordering: .relaxed)
        let offset = position % byteCapacity
        let untilEnd = byteCapacity - offset
        // A record never wraps: when it does not fit before the end, mark the rest as skipped and start at 0.
        let needed = size <= untilEnd ? size : untilEnd + size
        if needed > byteCapacity - (position - seenConsumed) {
            seenConsumed = consumed.load(ordering: .acquiring)
            guard needed <= byteCapacity - (position - seenConsumed) else { return false }
        }
        var start = offset
        var produced = position
        if size > untilEnd {
            buffer.storeBytes(of: Self.wrapMarker, toByteOffset: offset, as: Int.self)
            start = 0
            produced += untilEnd
        }
        buffer.storeBytes(of: frame.count, toByteOffset: start, as: Int.self)
        buffer.storeBytes(of: header, toByteOffset: start + MemoryLayout<Int>.size, as: Header.self)
        if let base = frame.baseAddress, frame.count > 0 {
            (buffer + start + Self.recordHeaderSize).copyMemory(from: base, byteCount: frame.count)
        }
        written.store(produced + size, ordering: .releasing)
        return true
    }

    /// The oldest packet not yet released, or `nil` when none is waiting: its header and bytes in place in the ring,
    /// valid until `release()`. Consumer thread only; call `release()` before the next `peek()`.
    @inlinable
    public func peek() -> (header: UnsafeMutablePointer<Header>, frame: UnsafeRawBufferPointer)? {
        var position = readPosition
        if position >= seenWritten {
            seenWritten = written.load(ordering: .acquiring)
            guard position < seenWritten else { return nil }
        }
        var offset = position % byteCapacity
        // Enough room for the length word is always left before the end (records are 16-byte aligned).
        if buffer.load(fromByteOffset: offset, as: Int.self) == Self.wrapMarker {
            position += byteCapacity - offset
            offset = 0
        }
        let length = buffer.load(fromByteOffset: offset, as: Int.self)
        let header = (buffer + offset + MemoryLayout<Int>.size).assumingMemoryBound(to: Header.self)
        let frame = UnsafeRawBufferPointer(start: buffer + offset + Self.recordHeaderSize, count: length)
        pendingRelease = position + Self.recordHeaderSize + (length + 15) & ~15
        return (header, frame)
    }

    /// Releases the packet returned by the last `peek()`, making its room available to the producer.
    @inlinable
    public func release() {
        readPosition = pendingRelease
        consumed.store(pendingRelease, ordering: .releasing)
    }

    /// Marks the end of the stream. Producer thread only.
    @inlinable
    public func close() {
        closed.store(true, ordering: .releasing)
    }

    /// Bytes pushed so far (monotonic). Producer thread only.
    @inlinable public var producedBytes: Int { written.load(ordering: .relaxed) }

    /// Bytes the consumer has released so far (monotonic): every record pushed before `producedBytes` reached this
    /// value has been processed.
    @inlinable public var releasedBytes: Int { consumed.load(ordering: .acquiring) }

    /// Whether the producer has closed the ring (check `peek()` once more afterwards: records may remain).
    @inlinable public var isClosed: Bool { closed.load(ordering: .acquiring) }
}
