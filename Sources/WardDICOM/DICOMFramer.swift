import WardCore

/// Splits one direction of a DICOM connection into PDUs (DICOM PS3.8 §9.3.1) and P-DATA-TF into PDVs (§9.3.5.1),
/// fed chunks of any size.
///
/// Control PDUs (A-ASSOCIATE-RQ/AC/RJ, A-RELEASE-RQ/RP, A-ABORT) are buffered up to
/// ``DICOMLimits/maximumAssociatePDUBytes``. P-DATA-TF is never buffered: PDV headers are read as they pass, data-set
/// bodies are skipped, and only command PDVs are collected (up to ``DICOMLimits/maximumCommandBytes``), so a PDU that
/// declares 4 GiB costs nothing but a counter.
public struct DICOMFramer: Sendable {
    /// Where the framer is in the byte stream.
    public enum State: Sendable, Equatable {
        /// Reading a 6-byte PDU header.
        case pduHeader
        /// Buffering the body of a control PDU; `remaining` bytes to go.
        case controlBody(type: DICOMPDUType, remaining: Int)
        /// Inside a P-DATA-TF, reading a 6-byte PDV header; `pduRemaining` bytes left in the PDU.
        case pdvHeader(pduRemaining: Int)
        /// Inside a PDV's value; `pduRemaining` counts the PDU bytes after this PDV.
        case pdvBody(pduRemaining: Int, pdvRemaining: Int, isCommand: Bool, isLast: Bool)
        /// Discarding a PDU body that is too large, unknown or broken.
        case skipping(remaining: Int, isPData: Bool)
        /// Lost: scanning byte by byte for a plausible PDU header (after a gap or garbage).
        case desynchronized
    }

    /// What the framer found; at most one per call to ``next(_:cursor:)``.
    public enum Event: Sendable, Equatable {
        /// A complete control PDU; its body is in ``body`` until the next call.
        case controlPDU(DICOMPDUType)
        /// A complete command set: its bytes are the chunk's `inChunk` range when it lay whole in the chunk (nearly
        /// always), else in ``commandBytes`` until the next call.
        case commandSet(contextID: UInt8, inChunk: Range<Int>?)
        /// An irregularity to count.
        case anomaly(DICOMAnomaly)
    }

    /// The current state.
    public private(set) var state: State = .pduHeader
    /// The body of the last control PDU returned.
    public private(set) var body: [UInt8] = []
    /// The bytes of the last command set returned (or the one being collected).
    public private(set) var commandBytes: [UInt8] = []
    /// P-DATA-TF bytes seen (headers included) since the last ``takePDataByteCount()``.
    private var pDataByteCount: UInt64 = 0

    private let limits: DICOMLimits
    /// Header bytes collected so far, most recent in the low byte (also the sliding window when desynchronised).
    private var scratch: UInt64 = 0
    private var scratchCount = 0
    private var commandInProgress = false
    private var commandOverflowed = false
    private var commandContextID: UInt8 = 0
    private var clearBodyOnNext = false
    private var clearCommandOnNext = false

    /// A framer at the start of a stream.
    public init(limits: DICOMLimits = DICOMLimits()) {
        self.limits = limits
    }

    /// Whether the stream stopped inside a PDU (used at connection end).
    public var isInsidePDU: Bool {
        switch state {
        case .pduHeader: scratchCount > 0
        case .desynchronized: false
        case .skipping(let remaining, _): remaining > 0
        default: true
        }
    }

    /// Capacity of the control-PDU buffer (for tests of the memory bound).
    public var bodyCapacity: Int { body.capacity }
    /// Capacity of the command buffer (for tests of the memory bound).
    public var commandCapacity: Int { commandBytes.capacity }

    /// Returns and resets the count of P-DATA-TF bytes seen.
    public mutating func takePDataByteCount() -> UInt64 {
        defer { pDataByteCount = 0 }
        return pDataByteCount
    }

    /// Consumes bytes of `bytes` from `cursor` until an event occurs or the chunk is used up.
    /// - Parameters:
    ///   - bytes: the chunk.
    ///   - cursor: where to start; advanced past the bytes consumed.
    /// - Returns: the event, or `nil` when the chunk is exhausted (call again with the next chunk).
    public mutating func next(_ bytes: RawSpan, cursor: inout Int) -> Event? {
        if clearBodyOnNext {
            body.removeAll(keepingCapacity: true)
            clearBodyOnNext = false
        }
        if clearCommandOnNext {
            commandBytes.removeAll(keepingCapacity: true)
            clearCommandOnNext = false
        }
        let end = bytes.byteCount
        while true {
            switch state {
            case .pduHeader:
                if scratchCount == 0, end - cursor >= DICOMPDUType.headerLength {
                    // The whole header in the chunk (nearly always): read at once.
                    scratch = Self.header(bytes, at: cursor)
                    cursor += DICOMPDUType.headerLength
                    if let event = beginPDU(scratch) { return event }
                    continue
                }
                guard cursor < end else { return nil }
                scratch = scratch << 8 | UInt64(bytes.loadUInt8(at: cursor))
                cursor += 1
                scratchCount += 1
                if scratchCount == DICOMPDUType.headerLength {
                    scratchCount = 0
                    if let event = beginPDU(scratch) { return event }
                }

            case .controlBody(let type, let remaining):
                if remaining == 0 {
                    state = .pduHeader
                    clearBodyOnNext = true
                    return .controlPDU(type)
                }
                guard cursor < end else { return nil }
                let take = min(remaining, end - cursor)
                append(bytes, cursor..<(cursor + take), to: &body)
                cursor += take
                state = .controlBody(type: type, remaining: remaining - take)

            case .pdvHeader(let pduRemaining):
                if pduRemaining == 0 {
                    state = .pduHeader
                    continue
                }
                if pduRemaining < 6 && scratchCount == 0 {
                    state = .skipping(remaining: pduRemaining, isPData: true)
                    return .anomaly(.invalidPDVLength)
                }
                if scratchCount == 0, end - cursor >= 6 {
                    // Likewise a whole PDV header.
                    scratch = Self.header(bytes, at: cursor)
                    cursor += 6
                    pDataByteCount &+= 6
                    state = .pdvHeader(pduRemaining: pduRemaining - 6)
                    if let event = beginPDV(scratch, pduRemaining: pduRemaining - 6) { return event }
                    if let event = wholeCommandSet(in: bytes, cursor: &cursor) { return event }
                    continue
                }
                guard cursor < end else { return nil }
                scratch = scratch << 8 | UInt64(bytes.loadUInt8(at: cursor))
                cursor += 1
                scratchCount += 1
                pDataByteCount &+= 1
                let left = pduRemaining - 1
                state = .pdvHeader(pduRemaining: left)
                if scratchCount == 6 {
                    scratchCount = 0
                    if let event = beginPDV(scratch, pduRemaining: left) { return event }
                }

            case .pdvBody(let pduRemaining, let pdvRemaining, let isCommand, let isLast):
                if pdvRemaining == 0 {
                    state = .pdvHeader(pduRemaining: pduRemaining)
                    if isCommand && isLast {
                        commandInProgress = false
                        clearCommandOnNext = true
                        if commandOverflowed { continue }
                        return .commandSet(contextID: commandContextID, inChunk: nil)
                    }
                    continue
                }
                guard cursor < end else { return nil }
                // Peers often send the PDV header in one segment and the command set in the next.
                if let event = wholeCommandSet(in: bytes, cursor: &cursor) { return event }
                let take = min(pdvRemaining, end - cursor)
                var overflowedNow = false
                if isCommand && !commandOverflowed {
                    if take > limits.maximumCommandBytes - commandBytes.count {
                        commandOverflowed = true
                        overflowedNow = true
                        commandBytes.removeAll(keepingCapacity: true)
                    } else {
                        if commandBytes.capacity == 0 {
                            commandBytes.reserveCapacity(min(512, limits.maximumCommandBytes))
                        }
                        append(bytes, cursor..<(cursor + take), to: &commandBytes)
                    }
                }
                cursor += take
                pDataByteCount &+= UInt64(take)
                state = .pdvBody(
                    pduRemaining: pduRemaining, pdvRemaining: pdvRemaining - take, isCommand: isCommand,
                    isLast: isLast)
                if overflowedNow { return .anomaly(.commandExceedsLimit) }

            case .skipping(let remaining, let isPData):
                if remaining == 0 {
                    state = .pduHeader
                    continue
                }
                guard cursor < end else { return nil }
                let take = min(remaining, end - cursor)
                cursor += take
                if isPData { pDataByteCount &+= UInt64(take) }
                state = .skipping(remaining: remaining - take, isPData: isPData)

            case .desynchronized:
                guard cursor < end else { return nil }
                scratch = (scratch << 8 | UInt64(bytes.loadUInt8(at: cursor))) & 0xFFFF_FFFF_FFFF
                cursor += 1
                scratchCount = min(scratchCount + 1, 6)
                if scratchCount == 6 && isPlausibleHeader(scratch) {
                    scratchCount = 0
                    _ = beginPDU(scratch)
                    return .anomaly(.resynchronized)
                }
            }
        }
    }

    /// How many of the next bytes the framer would pass over unread: the rest of a data set's PDV, or of a PDU body
    /// being skipped. The engine need not hand those over (``pass(over:)`` accounts for them).
    public var passableBytes: Int {
        switch state {
        case .pdvBody(_, let pdvRemaining, false, _): pdvRemaining
        case .skipping(let remaining, _): remaining
        default: 0
        }
    }

    /// Moves past `length` bytes that ``passableBytes`` allowed, exactly as offering them would: they count as
    /// P-DATA-TF bytes when they are, and where they end a PDV the framer moves on as `next` does at a chunk's end
    /// (which can find too few bytes left in the PDU for another PDV: that anomaly is returned).
    public mutating func pass(over length: Int) -> DICOMAnomaly? {
        guard length <= passableBytes else {
            gap(length: length)  // more than was passable: the caller broke the contract; resynchronise
            return nil
        }
        advanceWithinBody(length)
        var cursor = 0
        if case .anomaly(let anomaly)? = next(RawSpan(), cursor: &cursor) { return anomaly }
        return nil
    }

    /// Accounts for `length` lost bytes: stays in step when they fall inside a body being skipped anyway,
    /// otherwise drops partial state and scans for the next plausible PDU header.
    /// - Parameter length: the number of bytes lost.
    public mutating func gap(length: Int) {
        guard length > 0 else { return }
        if length <= passableBytes {
            advanceWithinBody(length)
            return
        }
        state = .desynchronized
        scratch = 0
        scratchCount = 0
        commandInProgress = false
        commandOverflowed = false
        body.removeAll(keepingCapacity: true)
        commandBytes.removeAll(keepingCapacity: true)
    }

    /// Moves `length` bytes (at most ``passableBytes``) through a data set's PDV or a skipped PDU body.
    private mutating func advanceWithinBody(_ length: Int) {
        switch state {
        case .pdvBody(let pduRemaining, let pdvRemaining, false, let isLast):
            state = .pdvBody(
                pduRemaining: pduRemaining, pdvRemaining: pdvRemaining - length, isCommand: false, isLast: isLast)
            pDataByteCount &+= UInt64(length)
        case .skipping(let remaining, let isPData):
            state = .skipping(remaining: remaining - length, isPData: isPData)
            if isPData { pDataByteCount &+= UInt64(length) }
        default:
            break
        }
    }

    /// The six bytes at `offset` as the low 48 bits, big-endian: a PDU header, or a PDV's length, context and
    /// control header, as the byte-by-byte path gathers them.
    private static func header(_ bytes: RawSpan, at offset: Int) -> UInt64 {
        UInt64(bytes.loadUInt16(at: offset)) << 32 | UInt64(bytes.loadUInt32(at: offset + 2))
    }

    /// Acts on a complete 6-byte PDU header held in the low 48 bits of `header`.
    @inline(__always)
    private mutating func beginPDU(_ header: UInt64) -> Event? {
        let type = DICOMPDUType(rawValue: UInt8(truncatingIfNeeded: header >> 40))
        let reserved = UInt8(truncatingIfNeeded: header >> 32)
        let length = Int(UInt32(truncatingIfNeeded: header))
        if type == .pDataTransfer {
            pDataByteCount &+= 6
            if length < 6 {
                state = .skipping(remaining: length, isPData: true)
                return .anomaly(.invalidPDULength)
            }
            state = .pdvHeader(pduRemaining: length)
            return nil
        }
        guard type.isKnown else {
            if reserved == 0 && length <= limits.maximumAssociatePDUBytes {
                state = .skipping(remaining: length, isPData: false)
            } else {
                state = .desynchronized
                scratchCount = 0
            }
            return .anomaly(.unknownPDUType)
        }
        if length > limits.maximumAssociatePDUBytes {
            state = .skipping(remaining: length, isPData: false)
            return .anomaly(.pduLengthExceedsLimit)
        }
        body.removeAll(keepingCapacity: true)
        if body.capacity < length { body.reserveCapacity(length) }
        state = .controlBody(type: type, remaining: length)
        if type.hasFixedFourByteBody && length != 4 { return .anomaly(.invalidPDULength) }
        return nil
    }

    /// Acts on a complete PDV header (length (4), context ID (1), message control header (1)).
    @inline(__always)
    private mutating func beginPDV(_ header: UInt64, pduRemaining: Int) -> Event? {
        let declared = Int(UInt32(truncatingIfNeeded: header >> 16))
        let contextID = UInt8(truncatingIfNeeded: header >> 8)
        let control = UInt8(truncatingIfNeeded: header)
        // The PDV length counts the context ID and control header (PS3.8 §9.3.5.1).
        guard declared >= 2, declared - 2 <= pduRemaining else {
            state = .skipping(remaining: pduRemaining, isPData: true)
            if commandInProgress {
                commandInProgress = false
                commandBytes.removeAll(keepingCapacity: true)
            }
            return .anomaly(.invalidPDVLength)
        }
        let valueLength = declared - 2
        let isCommand = control & 0x01 != 0
        let isLast = control & 0x02 != 0
        state = .pdvBody(
            pduRemaining: pduRemaining - valueLength, pdvRemaining: valueLength, isCommand: isCommand, isLast: isLast)
        if isCommand {
            if !commandInProgress {
                commandInProgress = true
                commandOverflowed = false
                commandContextID = contextID
                if !commandBytes.isEmpty { commandBytes.removeAll(keepingCapacity: true) }
            }
        } else if commandInProgress {
            // A data-set fragment inside an unfinished command set (PS3.8 Annex E forbids interleaving).
            commandInProgress = false
            commandBytes.removeAll(keepingCapacity: true)
            return .anomaly(.malformedCommand)
        }
        return nil
    }

    /// At a command PDV's value: when the PDV ends the command set, nothing of it is collected yet (nor dropped for
    /// size), and the rest of the value lies whole in `bytes` from `cursor`, consumes it and returns the command set
    /// where it lies, as collecting it would have.
    private mutating func wholeCommandSet(in bytes: RawSpan, cursor: inout Int) -> Event? {
        guard case .pdvBody(let pduRemaining, let value, true, true) = state, commandBytes.isEmpty,
            !commandOverflowed, value <= limits.maximumCommandBytes, bytes.byteCount - cursor >= value
        else { return nil }
        let range = cursor..<(cursor + value)
        cursor += value
        pDataByteCount &+= UInt64(value)
        state = .pdvHeader(pduRemaining: pduRemaining)
        commandInProgress = false
        return .commandSet(contextID: commandContextID, inChunk: range)
    }

    /// Whether the 48-bit window looks like the header of a PDU a peer could really send.
    private func isPlausibleHeader(_ header: UInt64) -> Bool {
        let type = DICOMPDUType(rawValue: UInt8(truncatingIfNeeded: header >> 40))
        guard UInt8(truncatingIfNeeded: header >> 32) == 0 else { return false }
        let length = Int(UInt32(truncatingIfNeeded: header))
        switch type {
        case .associateRequest, .associateAccept:
            return length >= DICOMAssociatePDU.fixedLength && length <= limits.maximumAssociatePDUBytes
        case .pDataTransfer:
            return length >= 6 && length <= limits.maximumPlausiblePDataLength
        case .associateReject, .releaseRequest, .releaseResponse, .abort:
            return length == 4
        default:
            return false
        }
    }

    private func append(_ bytes: RawSpan, _ range: Range<Int>, to buffer: inout [UInt8]) {
        bytes.withUnsafeBytes { raw in
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[range]))
        }
    }
}
