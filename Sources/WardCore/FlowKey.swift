/// A canonical bidirectional flow key: endpoints sorted so both directions hash alike (Suricata's `FlowGetHash`).
///
/// `lowAddress`/`lowPort` is the smaller endpoint by (address, port). Which endpoint is the originator is kept in
/// the flow record, not the key. For ICMP the "ports" are the echo identifier (or type/code) so pings pair up.
public struct FlowKey: Hashable, Sendable, BitwiseCopyable {
    /// The smaller endpoint's address.
    public var lowAddress: IPAddress
    /// The larger endpoint's address.
    public var highAddress: IPAddress
    /// The smaller endpoint's port.
    public var lowPort: UInt16
    /// The larger endpoint's port.
    public var highPort: UInt16
    /// The IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...).
    public var ipProtocol: UInt8
    /// The VLAN tags the packets carried.
    public var vlan: VLANTags

    /// The key for a packet from `source` to `destination`, and whether the source is the low endpoint.
    @inlinable
    public static func canonical(
        source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16,
        ipProtocol: UInt8, vlan: VLANTags
    ) -> (key: FlowKey, sourceIsLow: Bool) {
        let sourceIsLow = source < destination || (source == destination && sourcePort <= destinationPort)
        let key =
            sourceIsLow
            ? FlowKey(
                lowAddress: source, highAddress: destination, lowPort: sourcePort, highPort: destinationPort,
                ipProtocol: ipProtocol, vlan: vlan)
            : FlowKey(
                lowAddress: destination, highAddress: source, lowPort: destinationPort, highPort: sourcePort,
                ipProtocol: ipProtocol, vlan: vlan)
        return (key, sourceIsLow)
    }

    /// Field by field, inlined into the flow table's lookup (the synthesized `==` is a call into this module).
    @inlinable
    public static func == (left: FlowKey, right: FlowKey) -> Bool {
        left.lowAddress.low == right.lowAddress.low && left.highAddress.low == right.highAddress.low
            && left.lowPort == right.lowPort && left.highPort == right.highPort
            && left.lowAddress.high == right.lowAddress.high && left.highAddress.high == right.highAddress.high
            && left.ipProtocol == right.ipProtocol && left.vlan.rawValue == right.vlan.rawValue
    }

    /// A key from its parts, already in canonical order.
    @inlinable
    public init(
        lowAddress: IPAddress, highAddress: IPAddress, lowPort: UInt16, highPort: UInt16, ipProtocol: UInt8,
        vlan: VLANTags
    ) {
        self.lowAddress = lowAddress
        self.highAddress = highAddress
        self.lowPort = lowPort
        self.highPort = highPort
        self.ipProtocol = ipProtocol
        self.vlan = vlan
    }
}
