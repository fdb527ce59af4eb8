import Foundation
import Testing
import WardCore
import WardSyslog
import WardTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Unit tests without a collector: oversize policy against a plain UDP socket, queue and spool accounting.
@Suite struct SyslogDestinationTests {
    static let time = PacketTime(seconds: 1_795_662_752, nanoseconds: 0)

    @Test func dropsOversizedUDPMessagesWithoutTruncating() throws {
        let receiver = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(receiver) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(receiver, $0, length) == 0 && getsockname(receiver, $0, &length) == 0 }
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var options = SyslogOptions()
        options.hostname = "h"
        options.procid = "1"
        options.udpMaximumMessageSize = 2048
        let destination = try SyslogDestination(url: "udp://127.0.0.1:\(UInt16(bigEndian: address.sin_port))", options: options)
        let info = SyslogMessageInfo(severity: 6, timestamp: Self.time, msgid: "t")
        let big = Array((#"{"pad":""# + String(repeating: "x", count: 3000) + #""}"#).utf8)
        destination.send(json: Array(#"{"n":1}"#.utf8), info: info)
        destination.send(json: big, info: info)
        destination.send(json: Array(#"{"n":2}"#.utf8), info: info)
        #expect(destination.flush(timeout: 5))
        var datagrams: [String] = []
        var buffer = [UInt8](repeating: 0, count: 70_000)
        for _ in 0..<2 {
            let count = buffer.withUnsafeMutableBytes { recv(receiver, $0.baseAddress, $0.count, 0) }
            if count > 0 { datagrams.append(String(decoding: buffer[..<count], as: UTF8.self)) }
        }
        #expect(datagrams == [
            #"<134>1 2026-11-26T03:12:32.000000Z h wardwatch 1 t - {"n":1}"#,
            #"<134>1 2026-11-26T03:12:32.000000Z h wardwatch 1 t - {"n":2}"#,
        ])
        let counters = destination.counters
        #expect(counters.sent == 2)
        #expect(counters.droppedOversize == 1)
        #expect(counters.dropped == 1)
        destination.close()
    }

    @Test func countsDropsWhenTheQueueIsFullWithoutSpool() throws {
        let port = try freePort(datagram: false)  // nothing listens: connection refused
        var options = SyslogOptions()
        options.queueCapacity = 10
        options.reconnectMinimumDelay = 0.05
        options.reconnectMaximumDelay = 0.05
        let destination = try SyslogDestination(url: "tcp://127.0.0.1:\(port)", options: options)
        let info = SyslogMessageInfo(severity: 6, timestamp: Self.time, msgid: "t")
        for index in 0..<100 { destination.send(json: Array(#"{"n":\#(index)}"#.utf8), info: info) }
        #expect(!destination.flush(timeout: 0.2))
        let counters = destination.counters
        #expect(counters.sent == 0)
        #expect(counters.queued + counters.droppedQueueFull == 100)
        #expect(counters.droppedQueueFull >= 89)  // the I/O thread may hold a batch in flight
        destination.close()
        #expect(destination.counters.droppedAtShutdown == counters.queued)
    }

    @Test func spillsToASpoolFileAndKeepsItAcrossRestarts() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try freePort(datagram: false)
        var options = SyslogOptions()
        options.queueCapacity = 10
        options.spoolDirectory = directory.appendingPathComponent("spool").path
        options.spoolMaxBytes = 8_000
        options.reconnectMinimumDelay = 0.05
        options.reconnectMaximumDelay = 0.05
        let info = SyslogMessageInfo(severity: 6, timestamp: Self.time, msgid: "t")
        let destination = try SyslogDestination(url: "tcp://127.0.0.1:\(port)", options: options)
        for index in 0..<200 { destination.send(json: Array(#"{"n":\#(index)}"#.utf8), info: info) }
        let counters = destination.counters
        #expect(counters.spooled > 0)
        #expect(counters.droppedQueueFull > 0)  // 8,000 bytes hold fewer than 200 messages
        #expect(counters.spooled + counters.queued + counters.droppedQueueFull == 200)
        destination.close()
        // The queue's last messages do not fit the full spool at shutdown: counted, not lost silently.
        let after = destination.counters
        #expect(after.spoolPending + after.droppedQueueFull + after.droppedAtShutdown == 200)
        #expect(after.queued == 0)
        let spoolFile = try #require(
            FileManager.default.contentsOfDirectory(atPath: options.spoolDirectory!).first { $0.hasSuffix(".spool") })
        let attributes = try FileManager.default.attributesOfItem(atPath: options.spoolDirectory! + "/" + spoolFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // A new destination on the same spool finds the pending messages.
        let again = try SyslogDestination(url: "tcp://127.0.0.1:\(port)", options: options)
        #expect(again.counters.spoolPending == after.spoolPending)
        #expect(after.spoolPending > 0)
        again.close()
    }
}
