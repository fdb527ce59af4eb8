/// A named, counted HL7/MLLP problem: malformed input is data, not an error (Zeek's "weird" names).
///
/// An open set: the names are stable snake_case public API and `rawValue` is dense, so counts fit a flat array.
public struct HL7Anomaly: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The dense identifier, an index into `HL7Anomaly.names`.
    public var rawValue: UInt8

    /// An anomaly from its dense identifier.
    @inlinable
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// A message began without the MLLP start block (`0x0B`): found by its `MSH` segment instead.
    public static let missingStartBlock = HL7Anomaly(rawValue: 0)
    /// A message ended without the MLLP end block (`0x1C 0x0D`): by a new start block, a new MSH, or the connection's end.
    public static let missingEndBlock = HL7Anomaly(rawValue: 1)
    /// A message was longer than `HL7Limits.maxMessageBytes`.
    public static let messageTooLarge = HL7Anomaly(rawValue: 2)
    /// A message had no readable MSH segment (missing, bad separators, or no type/control id).
    public static let badMSH = HL7Anomaly(rawValue: 3)
    /// An acknowledgement whose MSA-2 matches no message seen in the other direction.
    public static let unmatchedAck = HL7Anomaly(rawValue: 4)
    /// Bytes were lost in the stream; the message in progress was dropped and framing resynchronised.
    public static let gap = HL7Anomaly(rawValue: 5)

    /// Every name, indexed by `rawValue`.
    public static let names: [String] = [
        "hl7_missing_start_block",
        "hl7_missing_end_block",
        "hl7_message_too_large",
        "hl7_bad_msh",
        "hl7_unmatched_ack",
        "hl7_gap",
    ]

    /// Every anomaly, in `rawValue` order.
    public static var all: [HL7Anomaly] { (0..<names.count).map { HL7Anomaly(rawValue: UInt8($0)) } }

    /// The stable snake_case name.
    public var name: String {
        Int(rawValue) < Self.names.count ? Self.names[Int(rawValue)] : "hl7_unknown_anomaly"
    }

    public var description: String { name }
}
