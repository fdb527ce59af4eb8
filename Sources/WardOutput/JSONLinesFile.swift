#if canImport(Glibc)
import Glibc
#endif

/// A buffered JSON-lines destination: a file (created 0600), or standard output for `-`.
///
/// Single lines go through one 256 KiB buffer with `write(2)`; a block of lines its caller rendered into memory of its
/// own (the output thread's) is written from there, after what is buffered. A failed write (disk full, closed pipe)
/// is remembered and reported once, and later lines are counted as lost rather than crashing the sensor.
public final class JSONLinesFile {
    /// What each line changes, in one stored property: every access to a class's stored property is checked for
    /// exclusivity at run time, so a line makes one access instead of four.
    private struct Lines {
        var buffer: [UInt8] = []
        /// The first write error, if any.
        var failure: String?
        var lost: UInt64 = 0
        var written: UInt64 = 0

        /// Buffers `line` (or counts it lost after a failure); returns whether the buffer should be written out.
        mutating func append(_ line: UnsafeRawBufferPointer, limit: Int) -> Bool {
            guard failure == nil else {
                lost &+= 1
                return false
            }
            buffer.append(contentsOf: line)
            written &+= 1
            return buffer.count >= limit
        }
    }

    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Used by the output thread alone: not checked for exclusive access at run time (93,000 checks on the mix).
    @exclusivity(unchecked) private var lines = Lines()
    private let bufferLimit = 256 * 1024
    /// The destination's name, for messages.
    public let name: String
    /// The first write error, if any.
    public var failure: String? { lines.failure }
    /// Lines that could not be written after a failure.
    public var linesLost: UInt64 { lines.lost }
    /// Lines written.
    public var linesWritten: UInt64 { lines.written }

    /// Opens `path` for writing, or standard output when `path` is `-`: truncating for a replay's report, appending
    /// for a daemon (a restart must not erase what it wrote before).
    /// - Throws: `OutputError` when the file cannot be created.
    public init(path: String, append: Bool = false) throws(OutputError) {
        lines.buffer.reserveCapacity(bufferLimit + 16 * 1024)
        name = path
        if path == "-" {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
            return
        }
        let opened = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o600)
        guard opened >= 0 else {
            throw OutputError("cannot open events file \(path): \(String(cString: strerror(errno)))")
        }
        descriptor = opened
        ownsDescriptor = true
    }

    deinit {
        flush()
        if ownsDescriptor { close(descriptor) }
    }

    /// Appends one rendered line (already ending in a newline).
    public func write(line: UnsafeRawBufferPointer) {
        if lines.append(line, limit: bufferLimit) { flush() }
    }

    /// Writes `count` rendered lines (each ending in a newline) straight from `bytes`, after anything buffered: for
    /// a caller that renders many lines into one buffer of its own, so they are not copied again.
    public func write(lines bytes: UnsafeRawBufferPointer, count: UInt64) {
        flush()
        guard lines.failure == nil else {
            lines.lost &+= count
            return
        }
        lines.written &+= count
        writeOut(bytes)
    }

    /// Writes out everything buffered.
    public func flush() {
        guard lines.failure == nil, !lines.buffer.isEmpty else {
            lines.buffer.removeAll(keepingCapacity: true)
            return
        }
        lines.buffer.withUnsafeBytes { writeOut($0) }
        lines.buffer.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes`, or remembers the first failure.
    private func writeOut(_ bytes: UnsafeRawBufferPointer) {
        guard lines.failure == nil, let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                let error = errno
                if error == EINTR { continue }
                lines.failure = "writing events to \(name): \(String(cString: strerror(error)))"
                return
            }
            offset += written
        }
    }
}

/// An output failure on the cold path (opening a destination), with an actionable message.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public let message: String

    /// An error with its message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
