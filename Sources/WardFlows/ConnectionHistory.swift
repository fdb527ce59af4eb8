/// Zeek's connection `history` string: one letter per event kind and direction, in order of first occurrence.
///
/// Upper case for the originator, lower case for the responder: `S` SYN, `H` SYN-ACK, `A` pure ACK, `D` data,
/// `F` FIN, `R` RST, `Q` SYN with FIN or RST, `T` retransmitted data, `W` zero window; a leading `^` means the
/// direction was flipped (the first packet seen was the responder's). Kept inline, at most 24 letters.
public struct ConnectionHistory: Sendable, BitwiseCopyable {
    /// The event kinds a history letter stands for.
    public enum Letter: UInt8, Sendable, BitwiseCopyable {
        case syn, synAck, ack, data, fin, rst, multiFlag, retransmission, zeroWindow

        /// The originator's (upper-case) letter.
        @inlinable
        public var character: UInt8 {
            switch self {
            case .syn: UInt8(ascii: "S")
            case .synAck: UInt8(ascii: "H")
            case .ack: UInt8(ascii: "A")
            case .data: UInt8(ascii: "D")
            case .fin: UInt8(ascii: "F")
            case .rst: UInt8(ascii: "R")
            case .multiFlag: UInt8(ascii: "Q")
            case .retransmission: UInt8(ascii: "T")
            case .zeroWindow: UInt8(ascii: "W")
            }
        }
    }

    /// Letters in order; `length` of them are valid.
    public private(set) var letters: InlineArray<24, UInt8> = .init(repeating: 0)
    /// The number of valid letters.
    public private(set) var length: UInt8 = 0
    private var seenOriginator: UInt16 = 0
    private var seenResponder: UInt16 = 0

    /// An empty history.
    @inlinable
    public init() {}

    /// Records `letter` for one direction, once per direction (inlined: on nearly every segment the letter is there
    /// already, and the test is a few instructions).
    @inline(__always)
    public mutating func record(_ letter: Letter, fromOriginator: Bool) {
        let bit = UInt16(1) << UInt16(letter.rawValue)
        if fromOriginator {
            if seenOriginator & bit != 0 { return }
            seenOriginator |= bit
            append(letter.character)
        } else {
            if seenResponder & bit != 0 { return }
            seenResponder |= bit
            append(letter.character | 0x20)  // lower case
        }
    }

    /// Marks the flow as flipped (`^` first), when the originator was decided after the first packet.
    public mutating func markFlipped() {
        guard length < 24 else { return }
        var index = Int(length)
        while index > 0 {
            letters[index] = letters[index - 1]
            index -= 1
        }
        letters[0] = UInt8(ascii: "^")
        length += 1
    }

    /// Swaps the case of every letter, after the originator and responder roles were exchanged.
    public mutating func swapDirections() {
        for index in 0..<Int(length) where letters[index] != UInt8(ascii: "^") {
            letters[index] ^= 0x20
        }
        swap(&seenOriginator, &seenResponder)
    }

    /// Whether `letter` was seen from the given side.
    public func contains(_ letter: Letter, fromOriginator: Bool) -> Bool {
        let bit = UInt16(1) << UInt16(letter.rawValue)
        return (fromOriginator ? seenOriginator : seenResponder) & bit != 0
    }

    private mutating func append(_ character: UInt8) {
        guard length < 24 else { return }
        letters[Int(length)] = character
        length += 1
    }

    /// The history as text (allocates; for tests and the terminal summary).
    public var text: String {
        var bytes: [UInt8] = []
        for index in 0..<Int(length) { bytes.append(letters[index]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
