import WardCore
import WardFlows
import WardPacket

/// The Community ID v1 of a flow (corelight/community-id-spec): `1:` and the base64 SHA-1 of the seed, the ordered
/// endpoint addresses, the protocol and the ordered ports, so WardWatch events join Zeek's and Suricata's.
///
/// Computed for every flow, DICOM, HL7 and SMB event on the output thread, so it builds its input in one fixed
/// 64-byte block (the longest input, IPv6 with ports, is 40 bytes: one SHA-1 block) and its text in place.
public enum CommunityID {
    /// The identifier's text: `1:` and 28 base64 characters.
    public typealias Text = InlineArray<30, UInt8>

    /// The identifier of `flow` with `seed` (0 unless the site chose another).
    public static func of(_ flow: FlowRecord, seed: UInt16 = 0) -> String {
        let text = self.text(of: flow, seed: seed)
        return text.span.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The identifier of `flow` as UTF-8 bytes, without allocating (for the event writer).
    public static func text(of flow: FlowRecord, seed: UInt16 = 0) -> Text {
        var sourcePort: UInt16? = flow.originatorPort
        var destinationPort: UInt16? = flow.responderPort
        var isOneWay = false
        switch flow.transport {
        case .tcp, .udp:
            break
        case .icmp, .icmpv6:
            (sourcePort, destinationPort, isOneWay) = icmpPorts(
                type: flow.icmpType, code: flow.icmpCode, isVersion6: flow.transport == .icmpv6)
        default:
            (sourcePort, destinationPort) = (nil, nil)
        }
        var source = flow.originatorAddress
        var destination = flow.responderAddress
        // Big-endian byte order of equal-length addresses is numeric order of (high, low).
        let mustSwap =
            !isOneWay
            && ((source.high, source.low) > (destination.high, destination.low)
                || (source == destination && (sourcePort ?? 0) > (destinationPort ?? 0)))
        if mustSwap {
            swap(&source, &destination)
            swap(&sourcePort, &destinationPort)
        }
        var block = SHA1.Block()
        block.append(UInt16(seed))
        block.append(source)
        block.append(destination)
        block.append(flow.key.ipProtocol)
        block.append(UInt8(0))
        if let sourcePort, let destinationPort {
            block.append(sourcePort)
            block.append(destinationPort)
        }
        return base64(SHA1.digest(block))
    }

    /// ICMP "ports" per the spec: type and code, or type and the counterpart type for request/response pairs.
    static func icmpPorts(type: UInt8, code: UInt8, isVersion6: Bool) -> (UInt16?, UInt16?, Bool) {
        if let counterpart = isVersion6 ? icmpv6Counterpart(type) : icmpv4Counterpart(type) {
            return (UInt16(type), UInt16(counterpart), false)
        }
        return (UInt16(type), UInt16(code), true)
    }

    private static func icmpv4Counterpart(_ type: UInt8) -> UInt8? {
        switch type {
        case 8: 0
        case 0: 8
        case 13: 14
        case 14: 13
        case 15: 16
        case 16: 15
        case 10: 9
        case 9: 10
        case 17: 18
        case 18: 17
        default: nil
        }
    }

    private static func icmpv6Counterpart(_ type: UInt8) -> UInt8? {
        switch type {
        case 128: 129
        case 129: 128
        case 133: 134
        case 134: 133
        case 135: 136
        case 136: 135
        case 130: 131
        case 131: 130
        case 144: 145
        case 145: 144
        default: nil
        }
    }

    /// `1:` and the padded base64 of the 20-byte digest (28 characters).
    private static func base64(_ digest: SHA1.Digest) -> Text {
        let letters = StaticString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/").utf8Start
        var output = Text(repeating: UInt8(ascii: "="))
        output[0] = UInt8(ascii: "1")
        output[1] = UInt8(ascii: ":")
        var written = 2
        var index = 0
        while index < 20 {
            let remaining = 20 - index
            let value =
                UInt32(digest[index]) << 16 | (remaining > 1 ? UInt32(digest[index + 1]) << 8 : 0)
                | (remaining > 2 ? UInt32(digest[index + 2]) : 0)
            for position in 0...min(remaining, 3) {
                output[written + position] = letters[Int(value >> UInt32(18 - 6 * position) & 0x3F)]
            }
            written += 4
            index += 3
        }
        return output
    }
}

/// SHA-1 (FIPS 180-4) of a message of at most 55 bytes (one block), without allocating: all Community ID needs.
enum SHA1 {
    /// A message being built in place, at most 55 bytes.
    struct Block {
        fileprivate var bytes = InlineArray<64, UInt8>(repeating: 0)
        fileprivate(set) var count = 0

        mutating func append(_ byte: UInt8) {
            precondition(count < 56, "SHA1.Block holds at most 55 bytes")
            bytes[count] = byte
            count += 1
        }

        mutating func append(_ value: UInt16) {
            append(UInt8(value >> 8))
            append(UInt8(value & 0xFF))
        }

        /// The address's network-order bytes: 4 for IPv4, 16 for IPv6.
        mutating func append(_ address: IPAddress) {
            if address.isIPv4 {
                let value = address.ipv4Value
                for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
                return
            }
            for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: address.high >> UInt64(shift))) }
            for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: address.low >> UInt64(shift))) }
        }
    }

    /// The 20-byte digest.
    typealias Digest = InlineArray<20, UInt8>

    static func digest(_ message: Block) -> Digest {
        var block = message.bytes
        block[message.count] = 0x80
        for index in (message.count + 1)..<56 { block[index] = 0 }
        let bitLength = UInt64(message.count) * 8
        for index in 0..<8 { block[56 + index] = UInt8(truncatingIfNeeded: bitLength >> UInt64(56 - 8 * index)) }
        var w = InlineArray<80, UInt32>(repeating: 0)
        for t in 0..<16 {
            let i = 4 * t
            w[t] = UInt32(block[i]) << 24 | UInt32(block[i + 1]) << 16 | UInt32(block[i + 2]) << 8 | UInt32(block[i + 3])
        }
        for t in 16..<80 {
            let x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
            w[t] = x << 1 | x >> 31
        }
        let h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        var (a, b, c, d, e) = h
        // The four rounds as four loops, so no step picks its function and constant at run time.
        @inline(__always) func step(_ f: UInt32, _ k: UInt32, _ word: UInt32) {
            let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ word
            (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
        }
        for t in 0..<20 { step((b & c) | (~b & d), 0x5A82_7999, w[t]) }
        for t in 20..<40 { step(b ^ c ^ d, 0x6ED9_EBA1, w[t]) }
        for t in 40..<60 { step((b & c) | (b & d) | (c & d), 0x8F1B_BCDC, w[t]) }
        for t in 60..<80 { step(b ^ c ^ d, 0xCA62_C1D6, w[t]) }
        var digest = Digest(repeating: 0)
        let words: InlineArray<5, UInt32> = [h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e]
        for index in 0..<5 {
            for byte in 0..<4 { digest[4 * index + byte] = UInt8(truncatingIfNeeded: words[index] >> UInt32(24 - 8 * byte)) }
        }
        return digest
    }
}
