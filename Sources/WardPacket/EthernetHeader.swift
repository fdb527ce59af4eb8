import WardCore

/// An Ethernet II / 802.3 header with its 802.1Q/802.1ad tags, MPLS labels and LLC/SNAP walked (IEEE 802.3 §3.2,
/// IEEE 802.1Q §9, RFC 3032, IEEE 802.2).
public struct EthernetHeader: Sendable, BitwiseCopyable {
    /// Destination MAC.
    public var destination: MACAddress
    /// Source MAC.
    public var source: MACAddress
    /// VLAN tags found, outer first (at most two kept).
    public var vlan: VLANTags
    /// The EtherType of the payload after tags, LLC/SNAP and MPLS (0x0800 / 0x86DD for IP behind MPLS).
    public var etherType: UInt16
    /// Offset of the payload from the start of the frame.
    public var payloadOffset: Int

    /// At most this many stacked tags or labels are walked before `tooManyVLANTags`.
    public static let maximumStackedTags = 8

    /// Decodes the header at the start of `frame`.
    /// - Throws: `truncatedLinkHeader`, `truncatedVLANTag`, `tooManyVLANTags`, `truncatedMPLS`, `truncatedLLC`.
    @inline(__always)
    public static func decode(_ frame: RawSpan) throws(DecodeAnomaly) -> EthernetHeader {
        guard frame.byteCount >= 14 else { throw .truncatedLinkHeader }
        var header = EthernetHeader(
            destination: MACAddress(frame, at: 0), source: MACAddress(frame, at: 6), vlan: .none,
            etherType: frame.loadUInt16(at: 12), payloadOffset: 14)
        var stacked = 0
        while true {
            switch header.etherType {
            case 0x8100, 0x88A8, 0x9100:  // 802.1Q, 802.1ad, legacy QinQ
                stacked += 1
                guard stacked <= maximumStackedTags else { throw .tooManyVLANTags }
                guard frame.contains(offset: header.payloadOffset, length: 4) else { throw .truncatedVLANTag }
                header.vlan.push(frame.loadUInt16(at: header.payloadOffset) & 0x0FFF)
                header.etherType = frame.loadUInt16(at: header.payloadOffset + 2)
                header.payloadOffset += 4
            case 0x8847, 0x8848:  // MPLS unicast/multicast: skip the label stack, guess IP from the version nibble
                var bottom = false
                while !bottom {
                    stacked += 1
                    guard stacked <= maximumStackedTags else { throw .tooManyVLANTags }
                    guard frame.contains(offset: header.payloadOffset, length: 4) else { throw .truncatedMPLS }
                    bottom = frame.loadUInt32(at: header.payloadOffset) & 0x100 != 0
                    header.payloadOffset += 4
                }
                guard let first = frame.uint8IfPresent(at: header.payloadOffset) else { throw .truncatedMPLS }
                switch first >> 4 {
                case 4: header.etherType = 0x0800
                case 6: header.etherType = 0x86DD
                default: header.etherType = 0
                }
                return header
            case ..<0x0600:  // an 802.3 length: LLC, perhaps with SNAP carrying an EtherType
                guard frame.contains(offset: header.payloadOffset, length: 3) else { throw .truncatedLLC }
                let isSNAP =
                    frame.loadUInt16(at: header.payloadOffset) == 0xAAAA
                    && frame.loadUInt8(at: header.payloadOffset + 2) == 0x03
                guard isSNAP else {
                    header.etherType = 0
                    return header
                }
                guard frame.contains(offset: header.payloadOffset, length: 8) else { throw .truncatedLLC }
                header.etherType = frame.loadUInt16(at: header.payloadOffset + 6)
                header.payloadOffset += 8
                if header.etherType < 0x0600 { return header }
            default:
                return header
            }
        }
    }
}
