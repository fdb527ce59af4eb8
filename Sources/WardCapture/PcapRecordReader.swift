#if canImport(Glibc)
import Glibc
#endif

/// Reads the packet records of a classic pcap file into one large buffer and hands each packet out where it lies.
///
/// libpcap's reader makes two `fread` calls per packet, and every packet is copied twice: by the kernel into the
/// stdio buffer, then by stdio into libpcap's packet buffer. This reader has the kernel fill its buffer a megabyte at
/// a time and copies nothing itself: on the hospital mix that is about 600 instructions a packet less.
///
/// It takes over only from a libpcap handle that has already opened and checked the file header, and only where
/// libpcap would hand the bytes on unchanged (see `PcapHandle.openOffline`). Each record is checked as libpcap checks
/// it, with libpcap's own messages, so that a damaged file reads the same either way.
///
/// Given `ReadChunks`, it reads into chunks instead of a buffer of its own and never moves what it has handed out:
/// when a chunk is full it takes the next and seals the old one, so packets stay valid until their user releases
/// them. Otherwise, if asked to, past its first read it has a `FileReadAhead` read the file on another thread and
/// takes the blocks it fills.
struct PcapRecordReader: ~Copyable {
    /// A record's header fields, in host order, with the time in nanoseconds.
    struct Header {
        var capturedLength: UInt32
        var wireLength: UInt32
        var seconds: Int64
        var nanoseconds: Int64
    }

    /// The outcome of one read.
    enum Outcome {
        case record(Header, UnsafeRawPointer)
        case end
        case failed(String)
    }

    /// libpcap's largest sane captured length for the link types read here (`MAXIMUM_SNAPLEN`).
    static let maximumCapturedLength: UInt32 = 262_144
    /// Bytes asked of the kernel per `read(2)`: large enough for the longest record, and measured best on the mix
    /// (Benchmarks/README.md).
    static let bufferSize = 1 << 20
    /// The least a buffer or chunk holds: the longest record, its header, and room to read more behind it.
    static let smallestBuffer = 16 + Int(maximumCapturedLength) + (64 << 10)

    private let descriptor: Int32
    private var buffer: UnsafeMutableRawPointer
    /// Where chunks come from, if the reader reads into chunks.
    private let chunks: ReadChunks?
    /// What reads the file ahead, once it does.
    private var ahead: FileReadAhead?
    /// Whether `buffer` lies in a block of `ahead` (the reader's own buffer goes once the first block is taken).
    private var holdsBlock = false
    /// Whether the block last taken was the file's last.
    private var aheadEnded = false
    /// Whether a `FileReadAhead` is still to be tried (once per file, at the second refill).
    private var mayReadAhead: Bool
    /// The unread bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    /// Where in the file `buffer[0]` was read from.
    private var bufferFileOffset: Int64
    private var readError: Int32 = 0
    /// The most asked of one `read(2)`: small at first, since a replay opens every file to learn its first packet's
    /// time before reading it through (days of rotated files), then the whole buffer.
    private var readSize = 64 << 10
    private let swapped: Bool
    private let nanosecondFile: Bool
    private let snapshot: Int32

    /// A reader that owns `descriptor`, positioned at `fileOffset`, the first record.
    /// - Parameters:
    ///   - swapped: the file was written in the other byte order.
    ///   - nanosecondFile: the file's magic number says nanosecond times (otherwise microseconds).
    ///   - snapshot: libpcap's snapshot length for the file (`pcap_snapshot`), which longer records are cut to.
    ///   - chunks: where to read into, when packets must outlive the next read; `nil` for a buffer of its own.
    ///   - readAhead: have another thread read the file ahead, past the first read (not with `chunks`).
    init(
        descriptor: Int32, fileOffset: Int64, swapped: Bool, nanosecondFile: Bool, snapshot: Int32,
        chunks: ReadChunks? = nil, readAhead: Bool = false
    ) {
        self.descriptor = descriptor
        self.chunks = chunks
        mayReadAhead = readAhead && chunks == nil
        buffer = Self.newBuffer(from: chunks)
        self.bufferFileOffset = fileOffset
        self.swapped = swapped
        self.nanosecondFile = nanosecondFile
        self.snapshot = snapshot
    }

    deinit {
        ahead?.stop()  // its blocks, `buffer` among them, go with it
        if !holdsBlock {
            if bufferIsChunk { chunks?.seal(buffer) } else { buffer.deallocate() }
        }
        Glibc.close(descriptor)
    }

    /// A chunk to read into, or, when none is to be had, a buffer of the reader's own.
    private static func newBuffer(from chunks: ReadChunks?) -> UnsafeMutableRawPointer {
        chunks?.acquire() ?? .allocate(byteCount: bufferSize, alignment: 64)
    }

    /// Whether `buffer` is one of the chunks (otherwise it is the reader's own).
    private var bufferIsChunk: Bool { chunks?.contains(buffer) ?? false }

    /// The bytes `buffer` holds.
    private var capacity: Int { bufferIsChunk ? chunks!.chunkBytes : Self.bufferSize }

    /// Whether another thread reads the file ahead.
    var readsAhead: Bool { ahead != nil }

    /// Bytes of the file consumed so far, for progress.
    var fileOffset: Int64 { bufferFileOffset + Int64(start) }

    /// The next record; its bytes stay valid until the following call.
    @inline(__always)
    mutating func next() -> Outcome {
        guard available(16) else {
            if readError != 0 { return .failed(readErrorMessage) }
            let got = end - start
            if got == 0 { return .end }
            return .failed("truncated dump file; tried to read 16 header bytes, only got \(got)")
        }
        let header = buffer + start
        var seconds = header.loadUnaligned(as: UInt32.self)
        var fraction = header.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        var capturedLength = header.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        var wireLength = header.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
        if swapped {
            seconds = seconds.byteSwapped
            fraction = fraction.byteSwapped
            capturedLength = capturedLength.byteSwapped
            wireLength = wireLength.byteSwapped
        }
        // The time fields are signed 32-bit in the file. libpcap widens them into `timeval`'s longs with their sign,
        // but its byte swap yields unsigned values: a file of the other byte order never has negative times.
        let second = swapped ? Int64(seconds) : Int64(Int32(bitPattern: seconds))
        let subsecond = swapped ? Int64(fraction) : Int64(Int32(bitPattern: fraction))
        var record = Header(
            capturedLength: capturedLength, wireLength: wireLength, seconds: second,
            nanoseconds: nanosecondFile ? subsecond : subsecond * 1000)
        if capturedLength > Self.maximumCapturedLength {
            let limit = capturedLength > UInt32(snapshot)
                ? "snaplen of \(snapshot)" : "maximum of \(Self.maximumCapturedLength)"
            return .failed("invalid packet capture length \(capturedLength), bigger than \(limit)")
        }
        let recordLength = 16 + Int(capturedLength)
        guard available(recordLength) else {
            if readError != 0 { return .failed(readErrorMessage) }
            let got = end - start - 16
            // libpcap reads a record longer than the snapshot in two steps, the snapshot first.
            let tried = capturedLength > UInt32(snapshot) && got < Int(snapshot) ? Int(snapshot) : Int(capturedLength)
            return .failed("truncated dump file; tried to read \(tried) captured bytes, only got \(got)")
        }
        if capturedLength > UInt32(snapshot) { record.capturedLength = UInt32(snapshot) }
        let data = UnsafeRawPointer(buffer + start + 16)  // `available` may have moved the record
        start += recordLength
        return .record(record, data)
    }

    /// Whether `count` unread bytes are in the buffer, reading more from the file when they are not.
    @inline(__always)
    private mutating func available(_ count: Int) -> Bool {
        end - start >= count || refill(count)
    }

    /// Reads until `count` unread bytes are there or the file ends: from the blocks read ahead, once another thread
    /// reads them, or on this thread.
    @inline(never)
    private mutating func refill(_ count: Int) -> Bool {
        if let ahead { return takeBlocks(from: ahead, until: count) }
        // Past the first read (which is all a replay reads of a file it only opens for its first packet's time), and
        // not at the end of a file that fitted in it.
        if mayReadAhead && readSize == Self.bufferSize && readError == 0 {
            mayReadAhead = false
            if fileHasUnreadBytes, let started = FileReadAhead.start(descriptor: descriptor) {
                ahead = started
                return takeBlocks(from: started, until: count)
            }
        }
        return refillHere(count)
    }

    /// Whether the file holds bytes past those read so far.
    private var fileHasUnreadBytes: Bool {
        var status = stat()
        return fstat(descriptor, &status) == 0 && Int64(status.st_size) > bufferFileOffset + Int64(end)
    }

    /// Makes room for `count` unread bytes and reads on this thread until they are there or the file ends. The unread
    /// bytes move to the front of the buffer; in a chunk, whose earlier bytes may still be in use, they move to the
    /// next chunk when this one has no room left behind them.
    private mutating func refillHere(_ count: Int) -> Bool {
        let unread = end - start
        let inChunk = bufferIsChunk
        if inChunk ? capacity - start < count : start > 0 {
            let target = inChunk ? Self.newBuffer(from: chunks) : buffer
            if unread > 0 { target.copyMemory(from: buffer + start, byteCount: unread) }
            if inChunk {
                chunks!.seal(buffer)
                buffer = target
            }
            bufferFileOffset += Int64(start)
            start = 0
            end = unread
        }
        while end - start < count && readError == 0 {
            let got = read(descriptor, buffer + end, min(capacity - end, max(readSize, count - (end - start))))
            if got > 0 {
                end += got
            } else if got == 0 {
                return false
            } else if errno != EINTR {
                readError = errno
            }
        }
        readSize = capacity
        return end - start >= count
    }

    /// Takes the blocks read ahead until `count` unread bytes are there or the file ends. The unread bytes of the
    /// current buffer move into the room in front of the next block (they are fewer than the longest record), and
    /// the buffer they leave is handed back.
    private mutating func takeBlocks(from ahead: FileReadAhead, until count: Int) -> Bool {
        while end - start < count && !aheadEnded {
            let block = ahead.next()
            let unread = end - start
            let target = block.bytes - unread
            if unread > 0 { target.copyMemory(from: buffer + start, byteCount: unread) }
            if holdsBlock {
                ahead.releaseOldest()
            } else {
                buffer.deallocate()
                holdsBlock = true
            }
            buffer = target
            bufferFileOffset += Int64(start)
            start = 0
            end = unread + block.count
            readError = block.error
            aheadEnded = block.count < FileReadAhead.blockBytes
        }
        return end - start >= count
    }

    private var readErrorMessage: String { "error reading dump file: \(String(cString: strerror(readError)))" }
}
