import WardCore

/// The MLLP framer for one direction of a connection: finds messages between the start block `0x0B` and the
/// end block `0x1C 0x0D`, copies the first `HL7Limits.maxBufferedBytesPerMessage` bytes of each into a buffer
/// allocated once, and only counts the rest (the NIO delimiter-decoder shape, as a state enum).
///
/// Tolerant of real-world framing faults, each raising an anomaly: a missing start block (a message is found by
/// `MSH` plus a separator instead; unframed messages are then also split at the next `MSH` segment), a missing
/// end block (a new start block ends the previous message), doubled start blocks, and junk between messages
/// (skipped and counted). Processing is byte by byte and independent of how the stream is chunked.
public struct MLLPFramer {
    /// Where the framer is in the stream.
    public enum State: Equatable, Sendable {
        /// Outside any message, skipping bytes until a start block, or `MSH` plus a separator
        /// (`matched` bytes of `MSH` seen so far).
        case searching(matched: Int)
        /// Just read `0x1C`; a `0x0D` here completes the end block.
        case afterEndBlock
        /// Inside a message, copying into the buffer.
        case buffering
        /// Inside a message whose buffered prefix is full: counting bytes until the end block.
        case skipping
    }

    /// One complete (or ended-early) message; its buffered prefix is readable with `withBufferedMessage`
    /// until the next call to `feed`, `gap` or `finish`.
    public struct Frame: Sendable, Equatable {
        /// Bytes of the message, without the MLLP blocks.
        public var messageBytes: Int
        /// Segments in the whole message (CR-terminated, LF tolerated, a final unterminated one included).
        public var segmentCount: Int
        /// The message had no start block.
        public var missingStartBlock: Bool
        /// The message had no end block.
        public var missingEndBlock: Bool
        /// The message was longer than `HL7Limits.maxMessageBytes`.
        public var tooLarge: Bool
    }

    /// What one call to `feed` produced.
    public enum Step: Equatable, Sendable {
        /// Every byte was consumed without completing a message.
        case needMoreBytes
        /// A message ended; more bytes may remain after `offset`.
        case frame(Frame)
    }

    private enum PendingStart: Equatable {
        case none
        case framed
        case unframed(separator: UInt8)
    }

    private static let mshBytes: InlineArray<3, UInt8> = [UInt8(ascii: "M"), UInt8(ascii: "S"), UInt8(ascii: "H")]

    /// The current state.
    public private(set) var state: State = .searching(matched: 0)
    private var buffer: [UInt8]
    private let bufferLimit: Int
    private let messageLimit: Int

    private var framed = false
    private var messageBytes = 0
    private var segmentCount = 0
    private var lastByte: UInt8 = 0
    private var tooLarge = false
    /// For unframed messages: progress matching `MSH` + separator at a segment start (-1: not at a segment start).
    private var segmentMatch = -1
    private var segmentStartBytes = 0
    private var segmentStartBuffered = 0
    private var frameReady = false
    private var pendingStart = PendingStart.none

    /// A framer whose buffer is allocated once with `limits.maxBufferedBytesPerMessage` bytes of capacity.
    public init(limits: HL7Limits) {
        bufferLimit = limits.maxBufferedBytesPerMessage
        messageLimit = limits.maxMessageBytes
        buffer = []
        buffer.reserveCapacity(bufferLimit)
    }

    /// The buffer's capacity in bytes (never grows past what `init` reserved).
    public var bufferCapacity: Int { buffer.capacity }

    /// Calls `body` with the buffered prefix of the message last returned by `feed` or `finish`.
    public func withBufferedMessage<R>(_ body: (RawSpan) -> R) -> R {
        buffer.withUnsafeBytes { body($0.bytes) }
    }

    /// Consumes `bytes` from `offset` until a message ends (returned, with `offset` just past its last byte) or
    /// the bytes run out.
    public mutating func feed(_ bytes: RawSpan, offset: inout Int, anomalies: inout HL7AnomalyCounts) -> Step {
        startPendingMessage(anomalies: &anomalies)
        if offset < 0 { offset = 0 }
        while offset < bytes.byteCount {
            if framed && (state == .buffering || state == .skipping) {
                // Inside a framed message, runs without a start or end block are taken whole, their segment
                // delimiters counted on the way (only unframed messages need to know where each segment starts).
                var segments = 0
                let run = framedRun(bytes, from: offset, segments: &segments)
                if run > 0 {
                    segmentCount += segments
                    bytes.withUnsafeBytes { raw in
                        appendRun(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + run]), anomalies: &anomalies)
                    }
                    offset += run
                    continue
                }
            }
            let byte = bytes.loadUInt8(at: offset)
            offset += 1
            if let frame = consume(byte, anomalies: &anomalies) { return .frame(frame) }
        }
        return .needMoreBytes
    }

    /// How many bytes from `start` hold no start or end block; the segment delimiters among them (CR, or LF not
    /// after CR, as ``appendContent(_:anomalies:)`` counts them) are added to `segments`.
    private func framedRun(_ bytes: RawSpan, from start: Int, segments: inout Int) -> Int {
        bytes.withUnsafeBytes { raw in
            var index = start
            var previous = lastByte
            while index < raw.count {
                // Eight bytes at a time while none is a control character (the delimiters all are): a byte below
                // 0x20 borrows in the subtraction and sets its top bit where the byte's own is clear.
                if index &+ 8 <= raw.count {
                    let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080 == 0 {
                        previous = UInt8(truncatingIfNeeded: UInt64(littleEndian: word) >> 56)
                        index &+= 8
                        continue
                    }
                }
                let byte = raw[index]
                if byte == 0x0B || byte == 0x1C { break }
                if byte == 0x0D || (byte == 0x0A && previous != 0x0D) { segments += 1 }
                previous = byte
                index += 1
            }
            return index - start
        }
    }

    /// Message content holding no segment delimiter (one byte, or a run taken whole): counted, buffered up to the
    /// limit. `run` is not empty.
    private mutating func appendRun(_ run: UnsafeRawBufferPointer, anomalies: inout HL7AnomalyCounts) {
        messageBytes = messageBytes > Int.max - run.count ? Int.max : messageBytes + run.count
        if !tooLarge, messageBytes > messageLimit {
            tooLarge = true
            anomalies.record(.messageTooLarge)
        }
        lastByte = run[run.count - 1]
        if state == .buffering {
            let room = min(run.count, bufferLimit - buffer.count)
            if room > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: run[..<room])) }
            if buffer.count >= bufferLimit { state = .skipping }
        }
    }

    /// Bytes were lost: drops the message in progress and resynchronises on the next start block or `MSH`.
    public mutating func gap(anomalies: inout HL7AnomalyCounts) {
        startPendingMessage(anomalies: &anomalies)
        buffer.removeAll(keepingCapacity: true)
        messageBytes = 0
        state = .searching(matched: 0)
    }

    /// The connection ended: returns the message in progress, if any, as ended without its end block.
    public mutating func finish(anomalies: inout HL7AnomalyCounts) -> Frame? {
        startPendingMessage(anomalies: &anomalies)
        switch state {
        case .buffering, .skipping:
            state = .searching(matched: 0)
            guard messageBytes > 0 else { return nil }
            anomalies.record(.missingEndBlock)
            return completeFrame(messageBytes: messageBytes, missingEndBlock: true)
        case .searching(let matched):
            anomalies.bytesOutsideFraming &+= UInt64(matched)
            state = .searching(matched: 0)
            return nil
        case .afterEndBlock:
            state = .searching(matched: 0)
            return nil
        }
    }

    // MARK: - Byte machine

    private mutating func consume(_ byte: UInt8, anomalies: inout HL7AnomalyCounts) -> Frame? {
        switch state {
        case .afterEndBlock:
            state = .searching(matched: 0)
            if byte == 0x0D { return nil }
            // An end block without its CR: tolerated, and this byte is looked at as outside framing.
            return search(byte, matched: 0, anomalies: &anomalies)
        case .searching(let matched):
            return search(byte, matched: matched, anomalies: &anomalies)
        case .buffering, .skipping:
            return inMessage(byte, anomalies: &anomalies)
        }
    }

    private mutating func search(_ byte: UInt8, matched: Int, anomalies: inout HL7AnomalyCounts) -> Frame? {
        if byte == 0x0B {
            anomalies.bytesOutsideFraming &+= UInt64(matched)
            beginMessage(framed: true)
            return nil
        }
        if matched == 3 {
            if HL7Separators.isSeparatorCandidate(byte) {
                beginUnframedMessage(separator: byte, anomalies: &anomalies)
                return nil
            }
        } else if matched > 0, byte == Self.mshBytes[matched] {
            state = .searching(matched: matched + 1)
            return nil
        }
        anomalies.bytesOutsideFraming &+= UInt64(matched)
        if byte == Self.mshBytes[0] {
            state = .searching(matched: 1)
        } else {
            anomalies.bytesOutsideFraming &+= 1
            state = .searching(matched: 0)
        }
        return nil
    }

    private mutating func inMessage(_ byte: UInt8, anomalies: inout HL7AnomalyCounts) -> Frame? {
        switch byte {
        case 0x0B:
            if messageBytes == 0 { return nil }  // doubled start block
            anomalies.record(.missingEndBlock)
            pendingStart = .framed
            state = .searching(matched: 0)
            return completeFrame(messageBytes: messageBytes, missingEndBlock: true)
        case 0x1C:
            state = .afterEndBlock
            if messageBytes == 0 { return nil }  // empty frame
            return completeFrame(messageBytes: messageBytes, missingEndBlock: false)
        default:
            break
        }
        if !framed {
            // Unframed messages end where the next MSH segment starts.
            if segmentMatch == 3 {
                if HL7Separators.isSeparatorCandidate(byte) {
                    anomalies.record(.missingEndBlock)
                    pendingStart = .unframed(separator: byte)
                    if buffer.count > segmentStartBuffered { buffer.removeLast(buffer.count - segmentStartBuffered) }
                    state = .searching(matched: 0)
                    return completeFrame(messageBytes: segmentStartBytes, missingEndBlock: true)
                }
                segmentMatch = -1
            } else if segmentMatch >= 0 {
                segmentMatch = byte == Self.mshBytes[segmentMatch] ? segmentMatch + 1 : -1
            }
        }
        appendContent(byte, anomalies: &anomalies)
        if byte == 0x0D || byte == 0x0A {
            segmentMatch = framed ? -1 : 0
            segmentStartBytes = messageBytes
            segmentStartBuffered = buffer.count
        }
        return nil
    }

    private mutating func appendContent(_ byte: UInt8, anomalies: inout HL7AnomalyCounts) {
        if byte == 0x0D || (byte == 0x0A && lastByte != 0x0D) { segmentCount += 1 }
        withUnsafeBytes(of: byte) { appendRun($0, anomalies: &anomalies) }
    }

    private mutating func completeFrame(messageBytes: Int, missingEndBlock: Bool) -> Frame {
        frameReady = true
        var segments = segmentCount
        if messageBytes > 0, lastByte != 0x0D, lastByte != 0x0A, messageBytes == self.messageBytes { segments += 1 }
        return Frame(
            messageBytes: messageBytes, segmentCount: segments, missingStartBlock: !framed,
            missingEndBlock: missingEndBlock, tooLarge: tooLarge)
    }

    private mutating func beginMessage(framed: Bool) {
        buffer.removeAll(keepingCapacity: true)
        self.framed = framed
        messageBytes = 0
        segmentCount = 0
        lastByte = 0
        tooLarge = false
        segmentMatch = -1
        segmentStartBytes = 0
        segmentStartBuffered = 0
        state = .buffering
    }

    private mutating func beginUnframedMessage(separator: UInt8, anomalies: inout HL7AnomalyCounts) {
        anomalies.record(.missingStartBlock)
        beginMessage(framed: false)
        for index in 0..<3 { appendContent(Self.mshBytes[index], anomalies: &anomalies) }
        appendContent(separator, anomalies: &anomalies)
    }

    /// After a frame was handed out: clears its buffer and starts the message whose first bytes ended it.
    private mutating func startPendingMessage(anomalies: inout HL7AnomalyCounts) {
        guard frameReady else { return }
        frameReady = false
        let start = pendingStart
        pendingStart = .none
        switch start {
        case .none:
            buffer.removeAll(keepingCapacity: true)
            messageBytes = 0
        case .framed:
            beginMessage(framed: true)
        case .unframed(let separator):
            beginUnframedMessage(separator: separator, anomalies: &anomalies)
        }
    }
}
