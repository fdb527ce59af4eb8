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

    /// No anomaly. (These are computed constants: a `static let` costs an addressor call at every use, and the
    /// decoder uses them for every packet.)
    @inlinable public static var none: DecodeAnomaly { DecodeAnomaly(rawValue: 0) }
    @inlinable public static var unsupportedLinkType: DecodeAnomaly { DecodeAnomaly(rawValue: 1) }
    @inlinable public static var truncatedLinkHeader: DecodeAnomaly { DecodeAnomaly(rawValue: 2) }
    @inlinable public static var truncatedVLANTag: DecodeAnomaly { DecodeAnomaly(rawValue: 3) }
    @inlinable public static var tooManyVLANTags: DecodeAnomaly { DecodeAnomaly(rawValue: 4) }
    @inlinable public static var truncatedMPLS: DecodeAnomaly { DecodeAnomaly(rawValue: 5) }
    @inlinable public static var truncatedLLC: DecodeAnomaly { DecodeAnomaly(rawValue: 6) }
    @inlinable public static var truncatedARP: DecodeAnomaly { DecodeAnomaly(rawValue: 7) }
    @inlinable public static var arpUnsupportedAddressFormat: DecodeAnomaly { DecodeAnomaly(rawValue: 8) }
    @inlinable public static var truncatedIPv4: DecodeAnomaly { DecodeAnomaly(rawValue: 9) }
    @inlinable public static var ipv4BadVersion: DecodeAnomaly { DecodeAnomaly(rawValue: 10) }
    @inlinable public static var ipv4BadHeaderLength: DecodeAnomaly { DecodeAnomaly(rawValue: 11) }
    @inlinable public static var ipv4BadTotalLength: DecodeAnomaly { DecodeAnomaly(rawValue: 12) }
    @inlinable public static var ipv4TotalLengthExceedsFrame: DecodeAnomaly { DecodeAnomaly(rawValue: 13) }
    @inlinable public static var truncatedIPv6: DecodeAnomaly { DecodeAnomaly(rawValue: 14) }
    @inlinable public static var ipv6BadVersion: DecodeAnomaly { DecodeAnomaly(rawValue: 15) }
    @inlinable public static var ipv6PayloadLengthExceedsFrame: DecodeAnomaly { DecodeAnomaly(rawValue: 16) }
    @inlinable public static var truncatedIPv6ExtensionHeader: DecodeAnomaly { DecodeAnomaly(rawValue: 17) }
    @inlinable public static var tooManyIPv6ExtensionHeaders: DecodeAnomaly { DecodeAnomaly(rawValue: 18) }
    @inlinable public static var truncatedTCP: DecodeAnomaly { DecodeAnomaly(rawValue: 19) }
    @inlinable public static var tcpBadDataOffset: DecodeAnomaly { DecodeAnomaly(rawValue: 20) }
    @inlinable public static var tcpBadOptionLength: DecodeAnomaly { DecodeAnomaly(rawValue: 21) }
    @inlinable public static var truncatedUDP: DecodeAnomaly { DecodeAnomaly(rawValue: 22) }
    @inlinable public static var udpBadLength: DecodeAnomaly { DecodeAnomaly(rawValue: 23) }
    @inlinable public static var truncatedICMP: DecodeAnomaly { DecodeAnomaly(rawValue: 24) }
    @inlinable public static var snaplenTruncatedPayload: DecodeAnomaly { DecodeAnomaly(rawValue: 25) }

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
