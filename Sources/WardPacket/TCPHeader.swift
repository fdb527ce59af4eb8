import WardCore

/// A TCP header (RFC 9293 §3.1) with the options the flow tracker uses (RFC 9293 §3.2, RFC 7323, RFC 2018).
public struct TCPHeader: Sendable, BitwiseCopyable {
    /// Source port.
    public var sourcePort: UInt16 = 0
    /// Destination port.
    public var destinationPort: UInt16 = 0
    /// Sequence number.
    public var sequenceNumber: UInt32 = 0
    /// Acknowledgement number.
    public var acknowledgementNumber: UInt32 = 0
    /// Header length in bytes (data offset × 4).
    public var headerLength: Int = 0
    /// Control bits.
    public var flags = TCPFlags(rawValue: 0)
    /// Receive window (unscaled).
    public var window: UInt16 = 0
    /// Maximum segment size option, or 0.
    public var maximumSegmentSize: UInt16 = 0
    /// Window scale option shift, or nil.
    public var windowScale: UInt8? = nil
    /// Whether SACK-permitted was offered.
    public var sackPermitted = false
    /// Whether the timestamps option was present.
    public var hasTimestamps = false
    /// Whether an option's length was malformed (the walk stopped there).
    public var hasBadOption = false

    /// An empty header.
    @inlinable
    public init() {}

    /// Decodes the header at `offset`.
    /// - Throws: `truncatedTCP`, `tcpBadDataOffset`.
    public static func decode(_ bytes: RawSpan, at offset: Int) throws(DecodeAnomaly) -> TCPHeader {
        var header = TCPHeader()
        try decode(bytes, at: offset, into: &header)
        return header
    }

    /// Decodes the header at `offset` into `header`, which must be fresh (`TCPHeader()`); on a throw it may hold
    /// part of the header.
    /// - Throws: `truncatedTCP`, `tcpBadDataOffset`.
    @inline(__always)
    public static func decode(_ bytes: RawSpan, at offset: Int, into header: inout TCPHeader) throws(DecodeAnomaly) {
        guard bytes.contains(offset: offset, length: 20) else { throw .truncatedTCP }
        // The fixed part as two 64-bit words (each read of the span checks its bounds: two reads cost less than seven).
        let ports = bytes.loadUInt64(at: offset)  // source port, destination port, sequence number
        let control = bytes.loadUInt64(at: offset + 8)  // acknowledgement, data offset, flags, window
        header.sourcePort = UInt16(truncatingIfNeeded: ports >> 48)
        header.destinationPort = UInt16(truncatingIfNeeded: ports >> 32)
        header.sequenceNumber = UInt32(truncatingIfNeeded: ports)
        header.acknowledgementNumber = UInt32(truncatingIfNeeded: control >> 32)
        header.headerLength = Int(control >> 28 & 0x0F) * 4
        header.flags = TCPFlags(rawValue: UInt8(truncatingIfNeeded: control >> 16))
        header.window = UInt16(truncatingIfNeeded: control)
        guard header.headerLength >= 20 else { throw .tcpBadDataOffset }
        guard bytes.contains(offset: offset, length: header.headerLength) else { throw .truncatedTCP }
        // Nearly every segment after the handshake carries exactly NOP, NOP, timestamps (RFC 7323 Appendix A's
        // layout): recognised by one word, what the walk over its three options would find.
        if header.headerLength == 32 && bytes.loadUInt32(at: offset + 20) == 0x0101_080A {
            header.hasTimestamps = true
            return
        }
        header.readOptions(bytes, from: offset + 20, to: offset + header.headerLength)
    }

    private mutating func readOptions(_ bytes: RawSpan, from start: Int, to end: Int) {
        var cursor = start
        while cursor < end {
            let kind = bytes.loadUInt8(at: cursor)
            if kind == 0 { return }  // end of option list
            if kind == 1 {  // no-operation
                cursor += 1
                continue
            }
            guard cursor + 1 < end else {
                hasBadOption = true
                return
            }
            let length = Int(bytes.loadUInt8(at: cursor + 1))
            guard length >= 2, length <= end - cursor else {
                hasBadOption = true
                return
            }
            switch (kind, length) {
            case (2, 4): maximumSegmentSize = bytes.loadUInt16(at: cursor + 2)
            case (3, 3): windowScale = bytes.loadUInt8(at: cursor + 2)
            case (4, 2): sackPermitted = true
            case (8, 10): hasTimestamps = true
            default: break
            }
            cursor += length
        }
    }
}
