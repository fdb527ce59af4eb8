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
    public static func decode(_ frame: RawSpan) throws(DecodeAnomaly) -> EthernetHeader {
        var vlan = VLANTags.none
        var etherType: UInt16 = 0
        let payloadOffset = try decodeTags(frame, vlan: &vlan, etherType: &etherType)
        return EthernetHeader(
            destination: MACAddress(frame, at: 0), source: MACAddress(frame, at: 6), vlan: vlan, etherType: etherType,
            payloadOffset: payloadOffset)
    }

    /// Walks the header's tags, labels and LLC/SNAP (the MACs are at 0 and 6 once this returns), writing the VLAN
    /// tags and the payload's EtherType where the caller keeps them; returns the payload's offset. The decoder's
    /// per-packet form: nothing is returned in a struct to be copied.
    /// - Throws: `truncatedLinkHeader`, `truncatedVLANTag`, `tooManyVLANTags`, `truncatedMPLS`, `truncatedLLC`.
    @inline(__always)
    public static func decodeTags(
        _ frame: RawSpan, vlan: inout VLANTags, etherType: inout UInt16
    ) throws(DecodeAnomaly) -> Int {
        guard frame.byteCount >= 14 else { throw .truncatedLinkHeader }
        etherType = frame.loadUInt16(at: 12)
        var payloadOffset = 14
        var stacked = 0
        while true {
            switch etherType {
            case 0x8100, 0x88A8, 0x9100:  // 802.1Q, 802.1ad, legacy QinQ
                stacked += 1
                guard stacked <= maximumStackedTags else { throw .tooManyVLANTags }
                guard frame.contains(offset: payloadOffset, length: 4) else { throw .truncatedVLANTag }
                vlan.push(frame.loadUInt16(at: payloadOffset) & 0x0FFF)
                etherType = frame.loadUInt16(at: payloadOffset + 2)
                payloadOffset += 4
            case 0x8847, 0x8848:  // MPLS unicast/multicast: skip the label stack, guess IP from the version nibble
                var bottom = false
                while !bottom {
                    stacked += 1
                    guard stacked <= maximumStackedTags else { throw .tooManyVLANTags }
                    guard frame.contains(offset: payloadOffset, length: 4) else { throw .truncatedMPLS }
                    bottom = frame.loadUInt32(at: payloadOffset) & 0x100 != 0
                    payloadOffset += 4
                }
                guard let first = frame.uint8IfPresent(at: payloadOffset) else { throw .truncatedMPLS }
                switch first >> 4 {
                case 4: etherType = 0x0800
                case 6: etherType = 0x86DD
                default: etherType = 0
                }
                return payloadOffset
            case ..<0x0600:  // an 802.3 length: LLC, perhaps with SNAP carrying an EtherType
                guard frame.contains(offset: payloadOffset, length: 3) else { throw .truncatedLLC }
                let isSNAP =
                    frame.loadUInt16(at: payloadOffset) == 0xAAAA && frame.loadUInt8(at: payloadOffset + 2) == 0x03
                guard isSNAP else {
                    etherType = 0
                    return payloadOffset
                }
                guard frame.contains(offset: payloadOffset, length: 8) else { throw .truncatedLLC }
                etherType = frame.loadUInt16(at: payloadOffset + 6)
                payloadOffset += 8
                if etherType < 0x0600 { return payloadOffset }
            default:
                return payloadOffset
            }
        }
    }
}
