import WardCore

/// What the framer produced from the bytes offered so far; see ``SMB2Framer/nextStep(_:offset:)``.
public enum SMB2FramerStep: Sendable, Equatable {
    /// Every offered byte was consumed; offer more.
    case needMoreBytes
    /// ``SMB2Framer/buffer`` holds a whole NBSS session message, or its head when `complete` is false (a transform,
    /// compression or SMB1 message, a READ response, or a message over the limit whose rest is being skipped).
    case message(length: Int, complete: Bool, oversized: Bool)
    /// ``SMB2Framer/buffer`` holds the SMB2 header and WRITE fixed part of a standalone WRITE request; its data
    /// follows as ``payload(_:messagePosition:)`` steps.
    case writeHead(length: Int)
    /// The offered bytes in this range are WRITE data at `messagePosition` (from the SMB2 header's start).
    case payload(Range<Int>, messagePosition: Int)
    /// The offered bytes in this range are a whole NBSS session message of `length` bytes, or its head when
    /// `complete` is false (as for ``message(length:complete:oversized:)``), read where they lie: the segment held
    /// all of it. Its NBSS header and any rest were consumed.
    case inPlace(Range<Int>, length: Int, complete: Bool)
    /// The stream was found broken (bad NBSS type or magic); the framer now scans for the next NBSS header
    /// followed by an SMB protocol id.
    case anomaly(SMB2Anomaly)
}

/// NBSS length-prefix framing (RFC 1002 §4.3.1; [MS-SMB2] §2.1 Direct TCP uses a 24-bit length) for one direction.
///
/// The framer buffers at most ``SMB2Limits/maxMessageBytes`` per message (headers and fixed command parts),
/// streams WRITE data past without buffering it, skips READ/transform payloads, and after a gap or garbage
/// resynchronises on the next `0x00 len len len 0xFE|0xFD|0xFC|0xFF 'S' 'M' 'B'` (Zeek's `NeedResync`).
public struct SMB2Framer: Sendable {
    /// The head read before deciding how to frame a message: SMB2 header plus a WRITE request's fixed part.
    public static let headBytes = SMB2Header.length + SMB2ReadWrite.writeRequestFixedLength

    private enum State: Sendable, Equatable {
        case nbssHeader
        case collecting
        case streaming
        case skipping
        case desynchronized
    }

    /// The current message (or its head); valid after a ``SMB2FramerStep/message(length:complete:oversized:)`` or
    /// ``SMB2FramerStep/writeHead(length:)`` step until the next call.
    public private(set) var buffer: [UInt8] = []
    private var state: State = .nbssHeader
    private var nbssHeader: UInt32 = 0
    private var nbssCollected = 0
    private var messageLength = 0
    private var target = 0
    private var headDecided = false
    private var remaining = 0
    private var position = 0
    private var window: UInt64 = 0
    private var windowCount = 0
    private let maxMessageBytes: Int

    /// A framer buffering at most `limits.maxMessageBytes` per message.
    public init(limits: SMB2Limits = SMB2Limits()) {
        maxMessageBytes = limits.maxMessageBytes
    }

    /// Whether the framer is scanning for a message start after a gap or garbage.
    public var isDesynchronized: Bool { state == .desynchronized }

    /// The buffer's allocated capacity in bytes (for the bounded-memory tests).
    public var bufferCapacity: Int { buffer.capacity }

    /// Consumes bytes of `input` from `offset` (advancing it) until one step is ready.
    /// - Parameters:
    ///   - input: the bytes offered, in stream order.
    ///   - offset: where to continue in `input`; advanced past what was consumed.
    /// - Returns: the step; call again until it is ``SMB2FramerStep/needMoreBytes``.
    public mutating func nextStep(_ input: RawSpan, offset: inout Int) -> SMB2FramerStep {
        while true {
            switch state {
            case .nbssHeader:
                if nbssCollected == 0, let step = wholeMessage(input, offset: &offset) { return step }
                while nbssCollected < 4, offset < input.byteCount {
                    nbssHeader = nbssHeader << 8 | UInt32(input.loadUInt8(at: offset))
                    nbssCollected += 1
                    offset += 1
                }
                guard nbssCollected == 4 else { return .needMoreBytes }
                nbssCollected = 0
                let type = UInt8(truncatingIfNeeded: nbssHeader >> 24)
                let length = Int(nbssHeader & 0x00FF_FFFF)
                switch type {
                case 0x00:
                    if length > 0 { startMessage(length: length) }
                case 0x81...0x85:
                    // Session request / responses / keep-alive (port 139): not SMB, skip the body.
                    if length > 0 {
                        remaining = length
                        state = .skipping
                    }
                default:
                    desynchronize()
                    return .anomaly(.nbssBadType)
                }
            case .collecting:
                let wanted = target - buffer.count
                let available = input.byteCount - offset
                let take = min(wanted, available)
                if take > 0 {
                    input.extracting(offset..<(offset + take)).withUnsafeBytes { buffer.append(contentsOf: $0) }
                    offset += take
                }
                guard buffer.count >= target else { return .needMoreBytes }
                if !headDecided {
                    headDecided = true
                    if let step = decideHead() { return step }
                    if state != .collecting || buffer.count < target { continue }
                }
                let complete = buffer.count >= messageLength
                let oversized = !complete
                if complete {
                    state = .nbssHeader
                } else {
                    remaining = messageLength - buffer.count
                    state = .skipping
                }
                return .message(length: messageLength, complete: complete, oversized: oversized)
            case .streaming:
                let take = min(remaining, input.byteCount - offset)
                guard take > 0 else { return .needMoreBytes }
                let range = offset..<offset + take
                let at = position
                offset += take
                position += take
                remaining -= take
                if remaining == 0 { state = .nbssHeader }
                return .payload(range, messagePosition: at)
            case .skipping:
                let take = min(remaining, input.byteCount - offset)
                offset += take
                remaining -= take
                if remaining > 0 { return .needMoreBytes }
                state = .nbssHeader
            case .desynchronized:
                var found = false
                while offset < input.byteCount {
                    window = window << 8 | UInt64(input.loadUInt8(at: offset))
                    windowCount += 1
                    offset += 1
                    if windowCount >= 8, let magic = Self.resyncMagic(window) {
                        let length = Int(window >> 32 & 0x00FF_FFFF)
                        startMessage(length: length, resynchronizedOn: magic)
                        found = true
                        break
                    }
                }
                if !found { return .needMoreBytes }
            }
        }
    }

    /// The next message when the framer is between messages and `input` holds it whole from `offset` (nearly every
    /// message): its range and whether that is all of it, as an ``SMB2FramerStep/inPlace(_:length:complete:)`` step
    /// gives them, with `offset` moved past it. `nil`, with nothing consumed, for anything else, which
    /// ``nextStep(_:offset:)`` frames.
    @inline(__always)
    public func nextInPlaceMessage(_ input: RawSpan, offset: inout Int) -> (range: Range<Int>, complete: Bool)? {
        guard state == .nbssHeader, nbssCollected == 0,
            case .inPlace(let range, _, let complete)? = wholeMessage(input, offset: &offset)
        else { return nil }
        return (range, complete)
    }

    /// Reports `length` lost bytes; returns `true` when the framer had to desynchronise (the loss was not inside
    /// a payload it was skipping or streaming anyway).
    public mutating func gap(length: Int) -> Bool {
        let length = max(0, length)
        switch state {
        case .skipping where remaining >= length, .streaming where remaining >= length:
            pass(over: length)
            return false
        default:
            desynchronize()
            return true
        }
    }

    /// How many of the next bytes the framer would consume without a step that needs them: the rest of a skipped
    /// payload, and the rest of a streamed WRITE's data unless the caller `wantsStreamedData`.
    public func passableBytes(wantsStreamedData: Bool) -> Int {
        switch state {
        case .skipping: remaining
        case .streaming: wantsStreamedData ? 0 : remaining
        default: 0
        }
    }

    /// Moves past `count` bytes that ``passableBytes(wantsStreamedData:)`` allowed, as offering them would.
    public mutating func pass(over count: Int) {
        switch state {
        case .skipping:
            remaining -= count
        case .streaming:
            remaining -= count
            position += count
        default:
            return
        }
        if remaining == 0 { state = .nbssHeader }
    }

    /// How a message is framed once its head (its first `min(length, headBytes)` bytes) is known.
    private enum HeadFraming {
        /// Not an SMB protocol id: the stream is broken.
        case badMagic
        /// Only the head goes to the analyzer (transform, compression, SMB1, an undecodable SMB2 header, a READ
        /// response); the rest is skipped.
        case headOnly
        /// A standalone WRITE longer than its head: its data streams past.
        case streamedWrite
        /// The whole message, up to the limit.
        case whole
    }

    /// The framing of a message of `length` bytes whose head is `head`: one decision for the buffered path and the
    /// in-place one, so that both deliver the same.
    @inline(__always)
    private static func framing(head: RawSpan, length: Int) -> HeadFraming {
        guard let magic = SMB2ProtocolMagic.at(0, in: head) else { return .badMagic }
        // Only the three fields framing needs, read where they lie; the analyzer decodes the whole header after.
        // The same checks as `SMB2Header.decode`: 64 bytes and a StructureSize of 64 (the magic is known).
        guard magic == .smb2, head.byteCount >= SMB2Header.length,
            Int(head.loadUInt16LE(at: 4)) == SMB2Header.length
        else { return .headOnly }
        let command = SMB2Command(rawValue: head.loadUInt16LE(at: 12))
        let isResponse = head.loadUInt32LE(at: 16) & SMB2Header.flagResponse != 0
        let isCompound = head.loadUInt32LE(at: 20) != 0
        if !isResponse, command == .write, !isCompound, head.byteCount >= headBytes, length > head.byteCount {
            return .streamedWrite
        }
        if isResponse, command == .read, !isCompound { return .headOnly }
        return .whole
    }

    /// After the head is buffered, chooses how to frame the rest; returns a step to deliver now, or `nil` to keep
    /// collecting up to the limit.
    private mutating func decideHead() -> SMB2FramerStep? {
        let length = messageLength
        switch buffer.withUnsafeBytes({ Self.framing(head: $0.bytes, length: length) }) {
        case .badMagic:
            desynchronize()
            return .anomaly(.smb2BadMagic)
        case .headOnly:
            return deliverHead()
        case .streamedWrite:
            remaining = messageLength - buffer.count
            position = buffer.count
            state = .streaming
            return .writeHead(length: messageLength)
        case .whole:
            target = min(messageLength, maxMessageBytes)
            if buffer.capacity < target {
                // Grow in powers of two up to the limit: a few reallocations per connection, never per message.
                var capacity = max(buffer.capacity, Self.headBytes)
                while capacity < target { capacity = min(capacity * 2, maxMessageBytes) }
                buffer.reserveCapacity(capacity)
            }
            return nil
        }
    }

    /// The step for a message that `input` holds whole from `offset` (NBSS header included) and that needs no
    /// buffering, with `offset` moved past it; `nil`, with nothing consumed, for anything else (a message cut by the
    /// segment's end, over the limit, a WRITE whose data is streamed, bad magic), which the buffered path frames.
    /// Delivers exactly what the buffered path would: the whole message, or the head of a transform, compression,
    /// SMB1 or undecodable message or of a READ response.
    @inline(__always)
    private func wholeMessage(_ input: RawSpan, offset: inout Int) -> SMB2FramerStep? {
        let available = input.byteCount - offset
        guard available >= 4 else { return nil }
        let nbss = input.loadUInt32(at: offset)
        let length = Int(nbss & 0x00FF_FFFF)
        guard nbss >> 24 == 0, length > 0, length <= available - 4, length <= maxMessageBytes else { return nil }
        let start = offset + 4
        let head = min(length, Self.headBytes)
        // The head alone, as the buffered path decides on it: nothing past a short message is read.
        let delivered: Int
        switch Self.framing(head: input.extracting(start..<(start + head)), length: length) {
        case .badMagic, .streamedWrite: return nil
        case .headOnly: delivered = head
        case .whole: delivered = length
        }
        offset = start + length
        return .inPlace(start..<(start + delivered), length: length, complete: delivered == length)
    }

    /// Delivers the buffered head as an incomplete message and skips the rest.
    private mutating func deliverHead() -> SMB2FramerStep {
        let complete = buffer.count >= messageLength
        if complete {
            state = .nbssHeader
        } else {
            remaining = messageLength - buffer.count
            state = .skipping
        }
        return .message(length: messageLength, complete: complete, oversized: false)
    }

    /// Starts collecting a message of `length` bytes; after a resynchronisation its protocol id (`magic` 'S' 'M'
    /// 'B'), already consumed, goes into the buffer first.
    private mutating func startMessage(length: Int, resynchronizedOn magic: UInt8? = nil) {
        buffer.removeAll(keepingCapacity: true)
        if buffer.capacity < Self.headBytes { buffer.reserveCapacity(Self.headBytes) }
        if let magic { buffer.append(contentsOf: [magic, 0x53, 0x4D, 0x42]) }
        messageLength = length
        target = min(length, Self.headBytes)
        headDecided = false
        state = .collecting
    }

    private mutating func desynchronize() {
        state = .desynchronized
        window = 0
        windowCount = 0
        remaining = 0
        nbssCollected = 0
        buffer.removeAll(keepingCapacity: true)
    }

    /// The magic byte when the last eight bytes are an NBSS session message header (length ≥ 4) and an SMB id.
    private static func resyncMagic(_ window: UInt64) -> UInt8? {
        guard window >> 56 == 0, window & 0x00FF_FFFF == 0x53_4D42 else { return nil }
        let magic = UInt8(truncatingIfNeeded: window >> 24)
        guard SMB2ProtocolMagic(rawValue: magic) != nil else { return nil }
        let length = window >> 32 & 0x00FF_FFFF
        let minimum: UInt64 = magic == SMB2ProtocolMagic.smb2.rawValue ? UInt64(SMB2Header.length) : 4
        return length >= minimum ? magic : nil
    }
}
