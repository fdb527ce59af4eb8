import WardCore

/// The pseudo-header of Linux cooked captures (`tcpdump -i any`): SLL v1 (16 bytes) and SLL2 (20 bytes).
///
/// Described at tcpdump.org "LINKTYPE_LINUX_SLL" and "LINKTYPE_LINUX_SLL2". The link-layer address is
/// the *sender's* for incoming packets; we treat it as the source MAC when it is 6 bytes long.
public struct LinuxCookedHeader: Sendable, BitwiseCopyable {
    /// The protocol type (an EtherType for the cases we decode).
    public var protocolType: UInt16
    /// The link-layer source address when it is an Ethernet MAC, else zero.
    public var source: MACAddress
    /// Offset of the payload.
    public var payloadOffset: Int

    /// Decodes an SLL v1 header.
    /// - Throws: `truncatedLinkHeader`.
    public static func decodeV1(_ frame: RawSpan) throws(DecodeAnomaly) -> LinuxCookedHeader {
        guard frame.byteCount >= 16 else { throw .truncatedLinkHeader }
        let addressLength = frame.loadUInt16(at: 4)
        return LinuxCookedHeader(
            protocolType: frame.loadUInt16(at: 14), source: addressLength == 6 ? MACAddress(frame, at: 6) : .zero,
            payloadOffset: 16)
    }

    /// Decodes an SLL v2 header.
    /// - Throws: `truncatedLinkHeader`.
    public static func decodeV2(_ frame: RawSpan) throws(DecodeAnomaly) -> LinuxCookedHeader {
        guard frame.byteCount >= 20 else { throw .truncatedLinkHeader }
        let addressLength = frame.loadUInt8(at: 11)
        return LinuxCookedHeader(
            protocolType: frame.loadUInt16(at: 0), source: addressLength == 6 ? MACAddress(frame, at: 12) : .zero,
            payloadOffset: 20)
    }
}
