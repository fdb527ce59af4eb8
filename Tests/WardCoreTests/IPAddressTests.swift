import Testing
import WardCore
import WardTestSupport

@Suite struct IPAddressTests {
    @Test(arguments: [
        "0.0.0.0", "10.1.2.3", "255.255.255.255", "172.16.10.5",
        "::", "::1", "2001:db8::1", "fe80::217:f2ff:fed7:cf65", "2001:db8:0:1:1:1:1:1", "ff02::1:ff76:6c14",
        "2001:db8::1:0:0:1", "1::",
    ])
    func roundTripsTextForm(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == text)
    }

    /// Every octet value in every position of a dotted quad reads back as written.
    @Test func writesEveryIPv4Octet() throws {
        for octet in 0...255 {
            for text in ["\(octet).0.0.0", "1.\(octet).2.3", "10.9.\(octet).99", "100.200.250.\(octet)"] {
                #expect(try #require(IPAddress(text)).description == text)
            }
        }
    }

    /// Decimal numbers at every length, around each power of ten, and the largest value.
    @Test func writesDecimalsOfEveryLength() {
        var values: [UInt64] = [0, 9, 10, 11, 99, 100, 101, 255, 65_535, 1_000_000_007, UInt64.max, UInt64.max - 1]
        var power: UInt64 = 1
        for _ in 0..<19 {
            power *= 10
            values += [power - 1, power, power + 1, power + 42]
        }
        for value in values {
            var writer = JSONWriter()
            writer.value(value)
            #expect(writer.text == String(value), "\(value)")
        }
    }

    @Test func compressesLongestZeroRunFirstOnTie() throws {
        // RFC 5952 §4.2.3: the first of two equal runs is compressed.
        #expect(try #require(IPAddress("2001:0:0:1:0:0:0:1")).description == "2001:0:0:1::1")
        #expect(try #require(IPAddress("2001:db8:0:0:1:0:0:1")).description == "2001:db8::1:0:0:1")
    }

    @Test(arguments: ["1.2.3", "1.2.3.256", "a.b.c.d", "1::2::3", "12345::", "", "1.2.3.4.5"])
    func rejectsMalformedText(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func distinguishesIPv4FromIPv6() throws {
        #expect(try #require(IPAddress("192.0.2.1")).isIPv4)
        #expect(try !#require(IPAddress("2001:db8::1")).isIPv4)
    }
}

@Suite struct MACAddressTests {
    @Test func formatsColonAndECSStyles() throws {
        let mac = try #require(MACAddress("00:1b:21:0a:0b:0c"))
        #expect(mac.description == "00:1b:21:0a:0b:0c")
        var ecs: [UInt8] = []
        mac.write(into: &ecs, ecsStyle: true)
        #expect(String(decoding: ecs, as: UTF8.self) == "00-1B-21-0A-0B-0C")
        #expect(mac.oui == 0x001B21)
    }

    /// Both text forms of addresses spread over the whole 48 bits, every digit value in every position, against
    /// a digit-by-digit formatting.
    @Test func textMatchesDigitByDigitFormatting() {
        var generator = SeededGenerator(state: 0x4D41_4321)
        var values: [UInt64] = [0, 0xFFFF_FFFF_FFFF, 0x0123_4567_89AB, 0xCDEF_0123_4567, 0x9A9A_A9A9_0F0F]
        for _ in 0..<2_000 { values.append(generator.next() & 0xFFFF_FFFF_FFFF) }
        for value in values {
            let mac = MACAddress(rawValue: value)
            let octets = (0..<6).map { UInt8(truncatingIfNeeded: value >> UInt64(40 - 8 * $0)) }
            func digits(_ octet: UInt8, upperCase: Bool) -> String {
                let text = String(octet, radix: 16, uppercase: upperCase)
                return octet < 16 ? "0" + text : text
            }
            #expect(mac.description == octets.map { digits($0, upperCase: false) }.joined(separator: ":"))
            var ecs: [UInt8] = []
            mac.write(into: &ecs, ecsStyle: true)
            let upper = octets.map { digits($0, upperCase: true) }.joined(separator: "-")
            #expect(String(decoding: ecs, as: UTF8.self) == upper)
        }
    }

    @Test func recognisesGroupAndLocallyAdministered() throws {
        #expect(try #require(MACAddress("ff:ff:ff:ff:ff:ff")).isGroup)
        #expect(try #require(MACAddress("02:00:00:00:00:01")).isLocallyAdministered)
        #expect(try !#require(MACAddress("00:1b:21:0a:0b:0c")).isLocallyAdministered)
        #expect(MACAddress("00:1b:21") == nil)
    }
}
