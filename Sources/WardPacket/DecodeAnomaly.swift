/// A named, counted decode problem: malformed input is data, not an error (Zeek's "weird" names).
///
/// The names are stable snake_case public API; `id` is dense so the engine can count anomalies in a flat array.
public struct DecodeAnomaly: RawRepresentable, Hashable, Sendable, BitwiseCopyable, Error {
    /// The dense identifier, an index into `DecodeAnomaly.names`.
    public var rawValue: UInt8

    /// An anomaly from its dense identifier.
    @inlinable
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The stable snake_case name.
    public var name: String {
        Int(rawValue) < Self.names.count ? Self.names[Int(rawValue)] : "unknown_anomaly"
    }

    /// No anomaly.
    public static let none = DecodeAnomaly(rawValue: 0)
    public static let unsupportedLinkType = DecodeAnomaly(rawValue: 1)
    public static let truncatedLinkHeader = DecodeAnomaly(rawValue: 2)
    public static let truncatedVLANTag = DecodeAnomaly(rawValue: 3)
    public static let tooManyVLANTags = DecodeAnomaly(rawValue: 4)
    public static let truncatedMPLS = DecodeAnomaly(rawValue: 5)
    public static let truncatedLLC = DecodeAnomaly(rawValue: 6)
    public static let truncatedARP = DecodeAnomaly(rawValue: 7)
    public static let arpUnsupportedAddressFormat = DecodeAnomaly(rawValue: 8)
    public static let truncatedIPv4 = DecodeAnomaly(rawValue: 9)
    public static let ipv4BadVersion = DecodeAnomaly(rawValue: 10)
    public static let ipv4BadHeaderLength = DecodeAnomaly(rawValue: 11)
    public static let ipv4BadTotalLength = DecodeAnomaly(rawValue: 12)
    public static let ipv4TotalLengthExceedsFrame = DecodeAnomaly(rawValue: 13)
    public static let truncatedIPv6 = DecodeAnomaly(rawValue: 14)
    public static let ipv6BadVersion = DecodeAnomaly(rawValue: 15)
    public static let ipv6PayloadLengthExceedsFrame = DecodeAnomaly(rawValue: 16)
    public static let truncatedIPv6ExtensionHeader = DecodeAnomaly(rawValue: 17)
    public static let tooManyIPv6ExtensionHeaders = DecodeAnomaly(rawValue: 18)
    public static let truncatedTCP = DecodeAnomaly(rawValue: 19)
    public static let tcpBadDataOffset = DecodeAnomaly(rawValue: 20)
    public static let tcpBadOptionLength = DecodeAnomaly(rawValue: 21)
    public static let truncatedUDP = DecodeAnomaly(rawValue: 22)
    public static let udpBadLength = DecodeAnomaly(rawValue: 23)
    public static let truncatedICMP = DecodeAnomaly(rawValue: 24)
    public static let snaplenTruncatedPayload = DecodeAnomaly(rawValue: 25)

    /// Every name, indexed by `rawValue`.
    public static let names: [String] = [
        "none",
        "unsupported_link_type",
        "truncated_link_header",
        "truncated_vlan_tag",
        "too_many_vlan_tags",
        "truncated_mpls",
        "truncated_llc",
        "truncated_arp",
        "arp_unsupported_address_format",
        "truncated_ipv4",
        "ipv4_bad_version",
        "ipv4_bad_header_length",
        "ipv4_bad_total_length",
        "ipv4_total_length_exceeds_frame",
        "truncated_ipv6",
        "ipv6_bad_version",
        "ipv6_payload_length_exceeds_frame",
        "truncated_ipv6_extension_header",
        "too_many_ipv6_extension_headers",
        "truncated_tcp",
        "tcp_bad_data_offset",
        "tcp_bad_option_length",
        "truncated_udp",
        "udp_bad_length",
        "truncated_icmp",
        "snaplen_truncated_payload",
    ]

    /// The number of distinct anomalies, for sizing counter arrays.
    public static var count: Int { names.count }
}
