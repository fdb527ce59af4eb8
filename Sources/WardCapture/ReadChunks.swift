#if canImport(Glibc)
import Glibc
#endif

/// Buffers that record readers fill when their packets must outlive the next read: the `--workers` replay hands
/// each worker its packets where the file was read into, instead of copying every packet into the worker's ring.
///
/// One allocation of `count` chunks. A record reader takes a chunk, fills it from the file, and seals it when it
/// moves on to the next; a sealed chunk is filled again only once its user says that everything handed out from it
/// has been processed: `mark` is taken when the chunk is sealed, and the chunk is reused once `isReleased(mark)`.
/// When every chunk is held by a reader, a reader falls back to a buffer of its own (its packets are then copied).
/// Reader thread only.
public final class ReadChunks {
    /// Bytes per chunk.
    public let chunkBytes: Int
    private let base: UnsafeMutableRawPointer
    private let end: UnsafeMutableRawPointer
    private var free: [UnsafeMutableRawPointer]
    private var sealed: [(chunk: UnsafeMutableRawPointer, mark: [Int])] = []
    private let mark: () -> [Int]
    private let isReleased: ([Int]) -> Bool

    /// `count` chunks of `chunkBytes` each (at least room for the longest record a reader accepts).
    public init(count: Int, chunkBytes: Int, mark: @escaping () -> [Int], isReleased: @escaping ([Int]) -> Bool) {
        let size = max(chunkBytes, PcapRecordReader.smallestBuffer)
        let chunkCount = max(count, 1)
        let start = UnsafeMutableRawPointer.allocate(byteCount: chunkCount * size, alignment: 64)
        self.chunkBytes = size
        base = start
        end = start + chunkCount * size
        free = (0..<chunkCount).reversed().map { start + $0 * size }
        self.mark = mark
        self.isReleased = isReleased
    }

    deinit {
        base.deallocate()
    }

    /// Whether `pointer` lies in one of the chunks, so that what it points at stays valid until released.
    @inline(__always)
    public func contains(_ pointer: UnsafeRawPointer?) -> Bool {
        guard let pointer else { return false }
        return pointer >= UnsafeRawPointer(base) && pointer < UnsafeRawPointer(end)
    }

    /// A chunk to fill: a free one, or else the oldest sealed one once it is released (waiting for it); `nil` when
    /// every chunk is held by a reader.
    func acquire() -> UnsafeMutableRawPointer? {
        if let chunk = free.popLast() { return chunk }
        guard let oldest = sealed.first else { return nil }
        var tries = 0
        while !isReleased(oldest.mark) {
            tries += 1
            if tries <= 64 { sched_yield() } else { usleep(50) }
        }
        sealed.removeFirst()
        return oldest.chunk
    }

    /// Hands `chunk` back: filled, and reused once everything handed out from it so far is released.
    func seal(_ chunk: UnsafeMutableRawPointer) {
        sealed.append((chunk, mark()))
    }
}
