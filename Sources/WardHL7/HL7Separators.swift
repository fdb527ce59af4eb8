import WardCore

/// The delimiters of one HL7 v2 message, read from its MSH segment: MSH-1 (the field separator, the byte right
/// after `MSH`) and MSH-2 (the encoding characters: component, repetition, escape, subcomponent). Never assumed.
///
/// An encoding character the sender left out is stored as the field separator, which cannot occur inside a field,
/// so splitting on it is a no-op.
public struct HL7Separators: Sendable, Equatable, BitwiseCopyable {
    /// MSH-1, between fields.
    public var field: UInt8
    /// MSH-2 first character, between components.
    public var component: UInt8
    /// MSH-2 second character, between repetitions.
    public var repetition: UInt8
    /// MSH-2 third character, starts and ends escape sequences.
    public var escape: UInt8
    /// MSH-2 fourth character, between subcomponents.
    public var subcomponent: UInt8

    /// Separators with explicit values (tests and builders).
    public init(field: UInt8, component: UInt8, repetition: UInt8, escape: UInt8, subcomponent: UInt8) {
        self.field = field
        self.component = component
        self.repetition = repetition
        self.escape = escape
        self.subcomponent = subcomponent
    }

    /// The separators of the MSH segment at the start of `segment` (`MSH`, MSH-1, MSH-2...), or `nil` when the
    /// bytes are not `MSH`, a separator is not a printable non-alphanumeric ASCII byte, or two of them coincide.
    public init?(mshSegment segment: RawSpan) {
        guard segment.contains(offset: 0, length: 4),
            segment.loadUInt8(at: 0) == UInt8(ascii: "M"), segment.loadUInt8(at: 1) == UInt8(ascii: "S"),
            segment.loadUInt8(at: 2) == UInt8(ascii: "H")
        else { return nil }
        let field = segment.loadUInt8(at: 3)
        guard Self.isSeparatorCandidate(field) else { return nil }
        var encoding = InlineArray<4, UInt8>(repeating: field)
        var count = 0
        var offset = 4
        while offset < segment.byteCount {
            let byte = segment.loadUInt8(at: offset)
            if byte == field || byte == 0x0D || byte == 0x0A { break }
            // Up to five characters (v2.7 adds the truncation character, which we do not use).
            guard count < 5, Self.isSeparatorCandidate(byte) else { return nil }
            if count < 4 {
                for earlier in 0..<count where encoding[earlier] == byte { return nil }
                encoding[count] = byte
            }
            count += 1
            offset += 1
        }
        guard count >= 1 else { return nil }
        self.init(
            field: field, component: encoding[0], repetition: encoding[1], escape: encoding[2],
            subcomponent: encoding[3])
    }

    /// Whether `byte` may serve as a delimiter: printable ASCII, not a letter or digit.
    @inlinable
    public static func isSeparatorCandidate(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }
}
