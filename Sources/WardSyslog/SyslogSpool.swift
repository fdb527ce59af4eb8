#if canImport(Glibc)
import Glibc
#endif

/// The on-disk FIFO behind a destination's memory queue: `<directory>/<endpoint>.spool` (mode 0600) holds records
/// `[4-byte big-endian length][RFC 5424 message]`; `<endpoint>.spool.offset` holds the offset of the first record
/// not yet delivered, so a restart resumes where the last run stopped (a crash may resend the records delivered
/// since the offset was last written: at most one batch). The file is truncated whenever it has been fully
/// delivered; `maximumBytes` limits the file's size. Not thread-safe: the destination calls it under its lock.
final class SyslogSpool {
    private let descriptor: Int32
    private let offsetDescriptor: Int32
    let path: String
    let maximumBytes: Int
    /// End of the file (next append position).
    private(set) var endOffset: Int = 0
    /// Next record to hand out.
    private(set) var readOffset: Int = 0
    /// Records from here on are not delivered yet (persisted in the offset file).
    private(set) var committedOffset: Int = 0
    /// Records between `readOffset` and `endOffset`.
    private(set) var unreadCount: Int = 0

    init(directory: String, name: String, maximumBytes: Int) throws(SyslogError) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw SyslogError(.spoolUnusable, "cannot create spool directory '\(directory)': \(String(cString: strerror(errno)))")
        }
        path = directory + "/" + name + ".spool"
        self.maximumBytes = maximumBytes
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SyslogError(.spoolUnusable, "cannot open spool file '\(path)': \(String(cString: strerror(errno)))")
        }
        offsetDescriptor = open(path + ".offset", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard offsetDescriptor >= 0 else {
            let code = errno
            _ = close(descriptor)
            throw SyslogError(.spoolUnusable, "cannot open spool offset file '\(path).offset': \(String(cString: strerror(code)))")
        }
        _ = fchmod(descriptor, 0o600)
        _ = fchmod(offsetDescriptor, 0o600)
        recover()
    }

    deinit {
        _ = close(descriptor)
        _ = close(offsetDescriptor)
    }

    /// Reads the saved offset, counts the complete records after it and cuts off a torn last record.
    private func recover() {
        var saved: UInt64 = 0
        if pread(offsetDescriptor, &saved, 8, 0) == 8 { committedOffset = Int(UInt64(bigEndian: saved)) }
        var status = stat()
        let size = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        if committedOffset > size { committedOffset = 0 }
        var offset = committedOffset
        var count = 0
        while offset + 4 <= size {
            guard let length = readLength(at: offset), offset + 4 + length <= size else { break }
            offset += 4 + length
            count += 1
        }
        if offset < size { _ = ftruncate(descriptor, off_t(offset)) }
        endOffset = offset
        readOffset = committedOffset
        unreadCount = count
        if count == 0 { reset() }
    }

    private func readLength(at offset: Int) -> Int? {
        var header: UInt32 = 0
        guard pread(descriptor, &header, 4, off_t(offset)) == 4 else { return nil }
        return Int(UInt32(bigEndian: header))
    }

    /// Appends messages; returns how many fit under `maximumBytes` and were written (a prefix of `messages`).
    func append(_ messages: ArraySlice<[UInt8]>) -> (appended: Int, failed: Bool) {
        var buffer: [UInt8] = []
        var count = 0
        for message in messages {
            guard endOffset + buffer.count + 4 + message.count <= maximumBytes else { break }
            let length = UInt32(message.count)
            buffer.append(contentsOf: [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
            buffer.append(contentsOf: message)
            count += 1
        }
        guard count > 0 else { return (0, false) }
        var written = 0
        while written < buffer.count {
            let result = buffer.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + written, $0.count - written, off_t(endOffset + written)) }
            if result < 0 {
                if errno == EINTR { continue }
                _ = ftruncate(descriptor, off_t(endOffset))
                return (0, true)
            }
            written += result
        }
        endOffset += buffer.count
        unreadCount += count
        return (count, false)
    }

    /// Reads up to `limit` records from the read position; each comes with the offset just past it (for `commit`).
    func read(limit: Int) -> [(message: [UInt8], end: Int)] {
        var result: [(message: [UInt8], end: Int)] = []
        while result.count < limit, unreadCount > 0, let length = readLength(at: readOffset) {
            var message = [UInt8](repeating: 0, count: length)
            let got = message.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, off_t(readOffset + 4)) }
            guard got == length else { break }
            readOffset += 4 + length
            unreadCount -= 1
            result.append((message, readOffset))
        }
        return result
    }

    /// Everything before `offset` is delivered. Truncates the file once all of it is.
    func commit(through offset: Int) {
        guard offset > committedOffset else { return }
        committedOffset = offset
        if committedOffset >= endOffset && unreadCount == 0 {
            reset()
        } else {
            var value = UInt64(committedOffset).bigEndian
            _ = pwrite(offsetDescriptor, &value, 8, 0)
        }
    }

    /// Replaces the whole spool with `messages` (used at shutdown to keep in-memory messages in order).
    func rewrite(_ messages: [[UInt8]]) -> Bool {
        reset()
        return append(messages[...]).failed == false
    }

    /// Every record from the committed offset on (shutdown: to be merged in order with in-memory messages).
    func undelivered() -> [[UInt8]] {
        readOffset = committedOffset
        var all: [[UInt8]] = []
        unreadCount = 0
        var offset = committedOffset
        while offset + 4 <= endOffset, let length = readLength(at: offset) {
            offset += 4 + length
            unreadCount += 1
        }
        for record in read(limit: Int.max) { all.append(record.message) }
        return all
    }

    private func reset() {
        _ = ftruncate(descriptor, 0)
        endOffset = 0
        readOffset = 0
        committedOffset = 0
        unreadCount = 0
        var zero: UInt64 = 0
        _ = pwrite(offsetDescriptor, &zero, 8, 0)
    }
}
