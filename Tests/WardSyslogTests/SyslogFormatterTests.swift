import Foundation
import Testing
import WardCore
import WardSyslog

@Suite struct SyslogFormatterTests {
    let time = PacketTime(seconds: 1_795_662_752, nanoseconds: 123_456_789)  // 2026-11-26T03:12:32.123456789Z

    @Test func formatsRFC5424LineExactly() {
        let formatter = SyslogFormatter(hostname: "sensor-1", appName: "wardwatch", procid: "4242", ceeCookie: false)
        let info = SyslogMessageInfo(severity: 4, timestamp: time, msgid: "wardwatch.flow")
        let line = formatter.message(json: Array(#"{"a":1}"#.utf8), info: info)
        // PRI = 16 (local0) * 8 + 4.
        #expect(String(decoding: line, as: UTF8.self) == #"<132>1 2026-11-26T03:12:32.123456Z sensor-1 wardwatch 4242 wardwatch.flow - {"a":1}"#)
        #expect(line.first == UInt8(ascii: "<"))  // no BOM anywhere
        #expect(!line.starts(with: [0xEF, 0xBB, 0xBF]))
    }

    @Test func addsCEECookieAndNilValues() {
        let formatter = SyslogFormatter(hostname: "", appName: "wardwatch", procid: "", ceeCookie: true)
        let info = SyslogMessageInfo(severity: 9, facility: 30, timestamp: .zero, msgid: "bad id with spaces é")
        let line = String(decoding: formatter.message(json: Array("{}".utf8), info: info), as: UTF8.self)
        // Severity and facility clamp to 7 and 23; spaces and non-ASCII leave MSGID; empty fields are "-".
        #expect(line == "<191>1 1970-01-01T00:00:00.000000Z - wardwatch - badidwithspaces - @cee: {}")
    }

    @Test func cutsMSGIDTo32Characters() {
        let formatter = SyslogFormatter(hostname: "h", appName: "a", procid: "1", ceeCookie: false)
        let info = SyslogMessageInfo(severity: 6, timestamp: time, msgid: String(repeating: "x", count: 40))
        let line = String(decoding: formatter.message(json: [], info: info), as: UTF8.self)
        #expect(line.contains(" " + String(repeating: "x", count: 32) + " - "))
        #expect(!line.contains(String(repeating: "x", count: 33)))
    }

    @Test func formatsTimesBeforeTheEpoch() {
        var bytes: [UInt8] = []
        SyslogFormatter.appendTimestamp(PacketTime(nanoseconds: -1_000), to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "1969-12-31T23:59:59.999999Z")
    }

    @Test func framesWithOctetCounting() {
        let message = Array("<134>1 - - - - - - é".utf8)  // 21 octets, 20 characters: the count is in octets
        let frame = SyslogFormatter.octetCounted(message)
        #expect(frame == Array("21 ".utf8) + message)
        #expect(SyslogFormatter.octetCounted([]) == Array("0 ".utf8))
    }

    @Test(arguments: [
        ("udp://127.0.0.1:5514", SyslogEndpoint.udp(host: "127.0.0.1", port: 5514)),
        ("tcp://localhost", .tcp(host: "localhost", port: 514)),
        ("tls://[::1]:6515", .tls(host: "::1", port: 6515)),
        ("TLS://127.0.0.1", .tls(host: "127.0.0.1", port: 6514)),
        ("unix:///dev/log", .unix(path: "/dev/log")),
    ])
    func parsesURLs(url: String, expected: SyslogEndpoint) throws {
        #expect(try SyslogEndpoint(url: url) == expected)
    }

    @Test(arguments: ["127.0.0.1:514", "http://x:1", "tcp://:514", "tcp://h:0", "tcp://h:70000", "unix://relative", "tcp://[::1"])
    func rejectsBadURLs(url: String) {
        #expect(throws: SyslogError.self) { try SyslogEndpoint(url: url) }
    }
}
