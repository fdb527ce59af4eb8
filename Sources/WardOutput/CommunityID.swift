import COpenSSL
import WardCore
import WardFlows
import WardPacket

/// The Community ID v1 of a flow (corelight/community-id-spec): `1:` and the base64 SHA-1 of the seed, the ordered
/// endpoint addresses, the protocol and the ordered ports, so WardWatch events join Zeek's and Suricata's.
///
/// Computed for every flow, DICOM, HL7 and SMB event on the output thread, so it builds its input in a fixed buffer
/// (the longest input, IPv6 with ports, is 40 bytes) and its text in place.
public enum CommunityID {
    /// The identifier's text: `1:` and 28 base64 characters.
    public typealias Text = InlineArray<30, UInt8>

    /// The identifier of `flow` with `seed` (0 unless the site chose another).
    public static func of(_ flow: some FlowEndpoints, seed: UInt16 = 0) -> String {
        let text = self.text(of: flow, seed: seed)
        return text.span.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The identifier of `flow` as UTF-8 bytes, without allocating (for the event writer).
    public static func text(of flow: some FlowEndpoints, seed: UInt16 = 0) -> Text {
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
        var input = Input()
        input.append(UInt16(seed))
        input.append(source)
        input.append(destination)
        input.append(flow.key.ipProtocol)
        input.append(UInt8(0))
        if let sourcePort, let destinationPort {
            input.append(sourcePort)
            input.append(destinationPort)
        }
        return base64(input.sha1())
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
    private static func base64(_ digest: Input.Digest) -> Text {
        let letters = StaticString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/").utf8Start
        @inline(__always) func letter(_ group: UInt32, _ shift: UInt32) -> UInt8 { letters[Int(group >> shift & 0x3F)] }
        var output = Text(repeating: UInt8(ascii: "="))
        output[0] = UInt8(ascii: "1")
        output[1] = UInt8(ascii: ":")
        // Six whole groups of three bytes, four letters each; then the last two bytes give three letters and the
        // padding `=` already in place. Unrolled: the general loop cost some 330 instructions an identifier.
        var written = 2
        for index in stride(from: 0, to: 18, by: 3) {
            let group = UInt32(digest[index]) << 16 | UInt32(digest[index + 1]) << 8 | UInt32(digest[index + 2])
            output[written] = letter(group, 18)
            output[written + 1] = letter(group, 12)
            output[written + 2] = letter(group, 6)
            output[written + 3] = letter(group, 0)
            written += 4
        }
        let last = UInt32(digest[18]) << 16 | UInt32(digest[19]) << 8
        output[26] = letter(last, 18)
        output[27] = letter(last, 12)
        output[28] = letter(last, 6)
        return output
    }

    /// A Community ID hash input, at most 40 bytes, built in place.
    private struct Input {
        private var bytes = InlineArray<40, UInt8>(repeating: 0)
        private var count = 0

        /// A SHA-1 digest.
        typealias Digest = InlineArray<20, UInt8>

        mutating func append(_ byte: UInt8) {
            precondition(count < 40, "a Community ID input holds at most 40 bytes")
            bytes[count] = byte
            count += 1
        }

        mutating func append(_ value: UInt16) {
            append(UInt8(value >> 8))
            append(UInt8(value & 0xFF))
        }

        /// The address's network-order bytes: 4 for IPv4, 16 for IPv6, stored as whole words (byte by byte, with a
        /// check each, an IPv4 address cost some 110 instructions).
        mutating func append(_ address: IPAddress) {
            let length = address.isIPv4 ? 4 : 16
            precondition(count + length <= 40, "a Community ID input holds at most 40 bytes")
            let offset = count
            var output = bytes.mutableSpan
            output.withUnsafeMutableBytes { raw in
                if address.isIPv4 {
                    raw.storeBytes(of: address.ipv4Value.bigEndian, toByteOffset: offset, as: UInt32.self)
                } else {
                    raw.storeBytes(of: address.high.bigEndian, toByteOffset: offset, as: UInt64.self)
                    raw.storeBytes(of: address.low.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
                }
            }
            count += length
        }

        /// The SHA-1 (FIPS 180-4) of the bytes appended, by OpenSSL: with the processor's SHA extensions it is a few
        /// times faster than the portable implementation WardWatch had, and it ran for every event.
        func sha1() -> Digest {
            var digest = Digest(repeating: 0)
            var output = digest.mutableSpan
            bytes.span.withUnsafeBytes { input in
                output.withUnsafeMutableBytes { output in
                    ward_sha1(input.baseAddress, count, output.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            return digest
        }
    }
}
