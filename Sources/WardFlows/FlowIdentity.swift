import WardCore
import WardPacket

/// What a protocol record needs of its flow: the endpoints, which end opened the flow, the MAC addresses and the
/// flow's uid, as they stood when the record was made.
///
/// A DICOM association, an HL7 message or an SMB file travels to the output thread with this instead of a copy of
/// the whole 248-byte ``FlowRecord`` (counters, TCP state, table bookkeeping), none of which a protocol record shows.
public struct FlowIdentity: FlowEndpoints, Sendable, BitwiseCopyable {
    /// The canonical key.
    public var key: FlowKey
    /// Whether the originator is the key's low endpoint.
    public var originatorIsLow: Bool
    /// The transport layer of the flow's packets.
    public var transport: TransportLayer
    /// ICMP type of the first packet (ICMP flows only).
    public var icmpType: UInt8
    /// ICMP code of the first packet (ICMP flows only).
    public var icmpCode: UInt8
    /// The originator's MAC address as last seen.
    public var originatorMAC: MACAddress
    /// The responder's MAC address as last seen.
    public var responderMAC: MACAddress
    /// The flow's uid (``FlowRecord/uid``), worked out once when the identity is taken.
    public var uid: UInt64
}

extension FlowRecord {
    /// The flow's identity as it stands now.
    public var identity: FlowIdentity {
        FlowIdentity(
            key: key, originatorIsLow: originatorIsLow, transport: transport, icmpType: icmpType, icmpCode: icmpCode,
            originatorMAC: originatorMAC, responderMAC: responderMAC, uid: uid)
    }
}
