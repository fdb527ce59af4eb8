import WardCore
import WardPacket

/// A flow's key and which end of it opened the flow: what its endpoints, its uid and its Community ID are made of.
///
/// Both the table's ``FlowRecord`` and the ``FlowIdentity`` that protocol records carry have these, so the endpoint
/// accessors are written once, here.
public protocol FlowEndpoints {
    /// The canonical key.
    var key: FlowKey { get }
    /// Whether the originator is the key's low endpoint.
    var originatorIsLow: Bool { get }
    /// The transport layer of the flow's packets.
    var transport: TransportLayer { get }
    /// ICMP type of the first packet (ICMP flows only).
    var icmpType: UInt8 { get }
    /// ICMP code of the first packet (ICMP flows only).
    var icmpCode: UInt8 { get }
}

extension FlowEndpoints {
    /// The originator's address.
    @inlinable
    public var originatorAddress: IPAddress { originatorIsLow ? key.lowAddress : key.highAddress }
    /// The responder's address.
    @inlinable
    public var responderAddress: IPAddress { originatorIsLow ? key.highAddress : key.lowAddress }
    /// The originator's port (0 for protocols without ports).
    @inlinable
    public var originatorPort: UInt16 { originatorIsLow ? key.lowPort : key.highPort }
    /// The responder's port.
    @inlinable
    public var responderPort: UInt16 { originatorIsLow ? key.highPort : key.lowPort }
}
