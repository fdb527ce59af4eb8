import WardCore
import WardFlows
import WardPacket

/// The Community ID v1 of a flow (corelight/community-id-spec): `1:` and the base64 SHA-1 of the seed, the ordered
/// endpoint addresses, the protocol and the ordered ports, so WardWatch events join Zeek's and Suricata's.
public enum CommunityID {
    /// The identifier of `flow` with `seed` (0 unless the site chose another).
    public static func of(_ flow: FlowRecord, seed: UInt16 = 0) -> String {
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
        let sourceBytes = addressBytes(source)
        let destinationBytes = addressBytes(destination)
        let mustSwap =
            !isOneWay
            && (!lexicographicallyLess(sourceBytes, destinationBytes)
                && (sourceBytes != destinationBytes || (sourcePort ?? 0) > (destinationPort ?? 0)))
        if mustSwap {
            swap(&source, &destination)
            swap(&sourcePort, &destinationPort)
        }
        var input: [UInt8] = [UInt8(seed >> 8), UInt8(seed & 0xFF)]
        input += addressBytes(source) + addressBytes(destination) + [flow.key.ipProtocol, 0]
        if let sourcePort, let destinationPort {
            input += [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), UInt8(destinationPort >> 8), UInt8(destinationPort & 0xFF)]
        }
        return "1:" + base64(SHA1.digest(input))
    }

    /// ICMP "ports" per the spec: type and code, or type and the counterpart type for request/response pairs.
    static func icmpPorts(type: UInt8, code: UInt8, isVersion6: Bool) -> (UInt16?, UInt16?, Bool) {
        let pairs: [UInt8: UInt8] =
            isVersion6
            ? [128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 144: 145, 145: 144]
            : [8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17]
        if let counterpart = pairs[type] { return (UInt16(type), UInt16(counterpart), false) }
        return (UInt16(type), UInt16(code), true)
    }

    private static func addressBytes(_ address: IPAddress) -> [UInt8] {
        if address.isIPv4 {
            let value = address.ipv4Value
            return [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        return (0..<8).map { UInt8(truncatingIfNeeded: address.high >> UInt64((7 - $0) * 8)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: address.low >> UInt64((7 - $0) * 8)) }
    }

    private static func lexicographicallyLess(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.lexicographicallyPrecedes(b)
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(16 - 8 * $1.offset) }
            for position in 0..<4 {
                output.append(position <= chunk.count ? alphabet[Int(value >> UInt32(18 - 6 * position) & 0x3F)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// SHA-1 (FIPS 180-4), only for Community ID (an identifier, not a security function).
enum SHA1 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        var padded = message + [0x80]
        while padded.count % 64 != 56 { padded.append(0) }
        let bitLength = UInt64(message.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 80)
        for block in stride(from: 0, to: padded.count, by: 64) {
            for t in 0..<16 {
                let i = block + 4 * t
                w[t] = UInt32(padded[i]) << 24 | UInt32(padded[i + 1]) << 16 | UInt32(padded[i + 2]) << 8 | UInt32(padded[i + 3])
            }
            for t in 16..<80 {
                let x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
                w[t] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = h
            for t in 0..<80 {
                let (f, k): (UInt32, UInt32) =
                    t < 20 ? ((b & c) | (~b & d), 0x5A82_7999)
                    : t < 40 ? (b ^ c ^ d, 0x6ED9_EBA1)
                    : t < 60 ? ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC) : (b ^ c ^ d, 0xCA62_C1D6)
                let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[t]
                (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
            }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
        return [h.0, h.1, h.2, h.3, h.4].flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }
}
