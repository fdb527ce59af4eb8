import WardCore

/// The first question of a DNS message (RFC 1035 §4.1.1–4.1.2): the name a client asked for, and its type.
///
/// Decoded from a UDP payload without allocating: labels are copied, lower-cased, into a fixed 255-byte buffer.
/// Compression pointers are not followed (questions never need them); anything malformed gives `nil`.
public struct DNSQuestion: Sendable {
    /// The query name as dotted text bytes (`www.example.org`), `length` of them valid.
    public private(set) var name = InlineArray<255, UInt8>(repeating: 0)
    /// The number of valid bytes in `name`.
    public private(set) var length = 0
    /// QTYPE (1 A, 28 AAAA, ...).
    public private(set) var type: UInt16 = 0
    /// Whether the message is a response (QR bit).
    public private(set) var isResponse = false

    private init() {}

    /// Decodes the first question of the DNS message in `payload`, or `nil` if it is not a well-formed DNS message
    /// with at least one question.
    public static func decode(_ payload: RawSpan) -> DNSQuestion? {
        guard payload.byteCount >= 12 else { return nil }
        let flags = payload.loadUInt16(at: 2)
        guard flags & 0x7800 == 0 else { return nil }  // standard query opcode only
        guard payload.loadUInt16(at: 4) >= 1 else { return nil }
        var question = DNSQuestion()
        question.isResponse = flags & 0x8000 != 0
        var offset = 12
        while true {
            guard let labelLength = payload.uint8IfPresent(at: offset) else { return nil }
            offset += 1
            if labelLength == 0 { break }
            guard labelLength < 64, payload.contains(offset: offset, length: Int(labelLength)) else { return nil }
            let needed = (question.length == 0 ? 0 : 1) + Int(labelLength)
            guard question.length + needed <= 253 else { return nil }
            if question.length > 0 {
                question.name[question.length] = UInt8(ascii: ".")
                question.length += 1
            }
            for index in 0..<Int(labelLength) {
                let byte = payload.loadUInt8(at: offset + index)
                question.name[question.length] = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
                question.length += 1
            }
            offset += Int(labelLength)
        }
        guard question.length > 0, payload.contains(offset: offset, length: 4) else { return nil }  // QTYPE, QCLASS
        let type = payload.loadUInt16(at: offset)
        question.type = type
        return question
    }

    /// The name as a `String` (allocates; once per flow).
    public var text: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for index in 0..<length { bytes.append(name[index]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
