#if canImport(Glibc)
import Glibc
#endif

/// A buffered JSON-lines destination: a file (created 0600), or standard output for `-`.
///
/// Writes go through one 256 KiB buffer with `write(2)`; a failed write (disk full, closed pipe) is remembered and
/// reported once, and later lines are counted as lost rather than crashing the sensor.
public final class JSONLinesFile {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private let bufferLimit = 256 * 1024
    /// The destination's name, for messages.
    public let name: String
    /// The first write error, if any.
    public private(set) var failure: String?
    /// Lines that could not be written after a failure.
    public private(set) var linesLost: UInt64 = 0
    /// Lines written.
    public private(set) var linesWritten: UInt64 = 0

    /// Opens `path` for writing, or standard output when `path` is `-`: truncating for a replay's report, appending
    /// for a daemon (a restart must not erase what it wrote before).
    /// - Throws: `OutputError` when the file cannot be created.
    public init(path: String, append: Bool = false) throws(OutputError) {
        buffer.reserveCapacity(bufferLimit + 16 * 1024)
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
        guard failure == nil else {
            linesLost &+= 1
            return
        }
        buffer.append(contentsOf: line)
        linesWritten &+= 1
        if buffer.count >= bufferLimit { flush() }
    }

    /// Writes out everything buffered.
    public func flush() {
        guard failure == nil, !buffer.isEmpty else {
            buffer.removeAll(keepingCapacity: true)
            return
        }
        var offset = 0
        buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "writing events to \(name): \(String(cString: strerror(errno)))"
                    return
                }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
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
