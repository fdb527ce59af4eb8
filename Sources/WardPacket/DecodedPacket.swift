import WardCore

/// Everything the engine needs from one packet, as scalars and offsets into the borrowed frame bytes.
///
/// Made by `PacketDecoder.decode` and never holding the bytes themselves, so it can be kept and copied freely.
public struct DecodedPacket: Sendable, BitwiseCopyable {
    /// The network layer found.
    public var network: NetworkLayer = .none
    /// The frame's source MAC (zero when the link type has none).
    public var sourceMAC: MACAddress = .zero
    /// The frame's destination MAC (zero when the link type has none).
    public var destinationMAC: MACAddress = .zero
    /// VLAN tags, outer first.
    public var vlan: VLANTags = .none
    /// The EtherType (or SLL protocol) of the network layer.
    public var etherType: UInt16 = 0
    /// ARP fields, when `network == .arp`.
    public var arp = ARPPacket()
    /// Source IP address (IPv4-mapped for IPv4).
    public var sourceAddress: IPAddress = .zero
    /// Destination IP address.
    public var destinationAddress: IPAddress = .zero
    /// The transport protocol number after any IPv6 extension headers.
    public var ipProtocol: UInt8 = 0
    /// IPv4 TTL or IPv6 hop limit.
    public var hopLimit: UInt8 = 0
    /// Fragment facts (IPv4 flags/offset or the IPv6 fragment header).
    public var fragment = FragmentInfo()
    /// The transport layer found.
    public var transport: TransportLayer = .none
    /// Source port (TCP/UDP) or, for ICMP, the echo identifier or type.
    public var sourcePort: UInt16 = 0
    /// Destination port (TCP/UDP) or, for ICMP, the echo identifier or code.
    public var destinationPort: UInt16 = 0
    /// TCP facts, when `transport == .tcp`.
    public var tcp = TCPHeader()
    /// ICMP or ICMPv6 type and code, when `transport` is one of them.
    public var icmp = ICMPHeader()
    /// Offset of the transport payload in the captured bytes.
    public var payloadOffset: Int32 = 0
    /// Captured bytes of transport payload (may be less than `payloadWireLength` under a snaplen).
    public var payloadCapturedLength: Int32 = 0
    /// Transport payload length as the IP header declares it.
    public var payloadWireLength: Int32 = 0
    /// Bytes of IP packet (header + payload) as declared, for Zeek-style `ip_bytes`.
    public var ipLength: Int32 = 0
    /// The first decode anomaly met, or `.none`.
    public var anomaly: DecodeAnomaly = .none

    /// An empty packet (no layers found yet).
    @inlinable
    public init() {}

    /// The captured transport payload range, clamped to the frame.
    @inlinable
    public var payloadRange: Range<Int> {
        let start = Int(payloadOffset)
        return start..<(start + Int(payloadCapturedLength))
    }
}

/// Which network layer a packet carried.
public enum NetworkLayer: UInt8, Sendable, BitwiseCopyable {
    case none, arp, ipv4, ipv6, other
}

/// Which transport layer a packet carried.
public enum TransportLayer: UInt8, Sendable, BitwiseCopyable {
    /// No transport header was decoded (a non-first fragment, an unknown protocol, or a truncated header).
    case none
    case tcp, udp, icmp, icmpv6
    /// A protocol we do not decode (GRE, ESP, SCTP, ...): flows keyed without ports.
    case other
}

/// IP fragmentation facts for one packet.
public struct FragmentInfo: Sendable, BitwiseCopyable {
    /// Whether the packet is a fragment (offset non-zero or more-fragments set).
    public var isFragment = false
    /// Fragment offset in bytes.
    public var offset: UInt32 = 0
    /// The more-fragments flag.
    public var moreFragments = false
    /// The IPv4 identification or IPv6 fragment identification.
    public var identification: UInt32 = 0

    /// No fragmentation.
    @inlinable
    public init() {}
}
