import Foundation

/// Writes classic pcap files (microsecond and little-endian unless asked otherwise) for synthetic test captures.
public struct PcapFileWriter {
    /// The file bytes so far.
    public private(set) var bytes: [UInt8] = []
    private let bigEndian: Bool

    /// A writer whose global header declares `linkType` and `snapshotLength`; `nanosecond` writes the nanosecond
    /// magic number (the record's `microseconds` are then taken as nanoseconds), `bigEndian` the other byte order.
    public init(
        linkType: UInt32 = 1, snapshotLength: UInt32 = 65_535, nanosecond: Bool = false, bigEndian: Bool = false
    ) {
        self.bigEndian = bigEndian
        append32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4)
        append16(2)
        append16(4)
        append32(0)
        append32(0)
        append32(snapshotLength)
        append32(linkType)
    }

    /// Appends a record; `wireLength` defaults to the captured length, and may be set to lie (hostile files).
    public mutating func append(frame: [UInt8], seconds: UInt32, microseconds: UInt32, wireLength: UInt32? = nil,
                                capturedLength: UInt32? = nil) {
        append32(seconds)
        append32(microseconds)
        append32(capturedLength ?? UInt32(frame.count))
        append32(wireLength ?? UInt32(frame.count))
        bytes.append(contentsOf: frame)
    }

    /// Writes the file to `url`.
    public func write(to url: URL) throws {
        try Data(bytes).write(to: url)
    }

    private mutating func append16(_ value: UInt16) {
        let value = bigEndian ? value.byteSwapped : value
        bytes.append(UInt8(value & 0xFF))
        bytes.append(UInt8(value >> 8))
    }

    private mutating func append32(_ value: UInt32) {
        let value = bigEndian ? value.byteSwapped : value
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}

/// Builds Ethernet/IPv4/TCP and UDP frames for synthetic tests (checksums zero: the sensor does not verify them).
public enum FrameBuilder {
    /// An Ethernet + IPv4 + TCP frame.
    public static func tcp(
        source: (UInt32, UInt16), destination: (UInt32, UInt16), flags: UInt8, sequence: UInt32 = 1,
        acknowledgement: UInt32 = 0, payload: [UInt8] = [], sourceMAC: UInt64 = 0x0200_0000_0001,
        destinationMAC: UInt64 = 0x0200_0000_0002
    ) -> [UInt8] {
        var tcp: [UInt8] = []
        tcp += be16(source.1) + be16(destination.1) + be32(sequence) + be32(acknowledgement)
        tcp += [0x50, flags] + be16(65_535) + [0, 0, 0, 0]
        return ethernetIPv4(
            protocolNumber: 6, source: source.0, destination: destination.0, body: tcp + payload,
            sourceMAC: sourceMAC, destinationMAC: destinationMAC)
    }

    /// An Ethernet + IPv4 + UDP frame.
    public static func udp(source: (UInt32, UInt16), destination: (UInt32, UInt16), payload: [UInt8] = []) -> [UInt8] {
        let udp = be16(source.1) + be16(destination.1) + be16(UInt16(8 + payload.count)) + [0, 0]
        return ethernetIPv4(
            protocolNumber: 17, source: source.0, destination: destination.0, body: udp + payload,
            sourceMAC: 0x0200_0000_0001, destinationMAC: 0x0200_0000_0002)
    }

    /// An Ethernet + IPv4 frame around `body`.
    public static func ethernetIPv4(
        protocolNumber: UInt8, source: UInt32, destination: UInt32, body: [UInt8], sourceMAC: UInt64,
        destinationMAC: UInt64
    ) -> [UInt8] {
        var frame = mac(destinationMAC) + mac(sourceMAC) + [0x08, 0x00]
        frame += [0x45, 0] + be16(UInt16(20 + body.count)) + [0, 1, 0x40, 0, 64, protocolNumber, 0, 0]
        frame += be32(source) + be32(destination)
        return frame + body
    }

    static func mac(_ value: UInt64) -> [UInt8] {
        (0..<6).map { UInt8(truncatingIfNeeded: value >> UInt64((5 - $0) * 8)) }
    }

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
