import Testing
import WardNames
import WardTestSupport

@Suite struct DNSQuestionTests {
    /// A query for `Net.AnyDesk.com` type A (RFC 1035 wire format).
    let query = hex("1234 0100 0001 0000 0000 0000 03 4e6574 07 416e794465736b 03 636f6d 00 0001 0001")

    @Test func decodesTheQuestionNameLowerCased() throws {
        let question = try #require(query.withUnsafeBytes { DNSQuestion.decode($0.bytes) })
        #expect(question.text == "net.anydesk.com")
        #expect(question.type == 1)
        #expect(!question.isResponse)
    }

    @Test(arguments: 0..<33)
    func truncatedMessagesGiveNil(length: Int) {
        let prefix = Array(query.prefix(length))
        #expect(prefix.withUnsafeBytes { DNSQuestion.decode($0.bytes) } == nil)
    }

    @Test func rejectsCompressionPointersAndOverlongLabels() {
        let pointer = hex("1234 0100 0001 0000 0000 0000 c00c 0001 0001")
        #expect(pointer.withUnsafeBytes { DNSQuestion.decode($0.bytes) } == nil)
        var long = hex("1234 0100 0001 0000 0000 0000")
        for _ in 0..<5 { long += [63] + [UInt8](repeating: 0x61, count: 63) }
        long += [0, 0, 1, 0, 1]
        #expect(long.withUnsafeBytes { DNSQuestion.decode($0.bytes) } == nil)
    }
}

@Suite struct TLSClientHelloTests {
    /// A minimal TLS 1.2 ClientHello with SNI `Example.ORG`.
    static func clientHello(name: String) -> [UInt8] {
        let host = Array(name.utf8)
        var serverName: [UInt8] = [0x00] + be16(host.count) + host
        serverName = be16(serverName.count) + serverName
        let extensions: [UInt8] = [0x00, 0x00] + be16(serverName.count) + serverName
        var body: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 7, count: 32) + [0x00]
        body += be16(2) + [0x13, 0x01] + [0x01, 0x00] + be16(extensions.count) + extensions
        let handshake: [UInt8] = [0x01, 0x00] + be16(body.count) + body
        return [0x16, 0x03, 0x01] + be16(handshake.count) + handshake
    }

    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    @Test func readsTheServerName() {
        let hello = Self.clientHello(name: "Example.ORG")
        #expect(hello.withUnsafeBytes { TLSClientHello.serverName($0.bytes) } == "example.org")
    }

    @Test func everyPrefixIsSafe() {
        let hello = Self.clientHello(name: "rustdesk.com")
        for length in 0..<hello.count {
            let prefix = Array(hello.prefix(length))
            #expect(prefix.withUnsafeBytes { TLSClientHello.serverName($0.bytes) } == nil)
        }
    }

    @Test func ignoresOtherTraffic() {
        let http = Array("GET / HTTP/1.1\r\n".utf8)
        #expect(http.withUnsafeBytes { TLSClientHello.serverName($0.bytes) } == nil)
    }
}
