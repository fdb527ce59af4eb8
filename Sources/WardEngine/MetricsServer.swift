import Foundation
import WardCore

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.0 endpoint serving `GET /metrics` from a `MetricsBoard`, on its own thread.
///
/// It binds to loopback by default (the sensor's counters are for the appliance's own Prometheus agent), answers one
/// request per connection, and never touches the capture path.
public final class MetricsServer: @unchecked Sendable {
    private let socket: Int32
    private let board: MetricsBoard
    /// The port actually bound (useful when 0 was asked for).
    public let port: UInt16

    /// Binds `address:port` (IPv4) and starts serving.
    /// - Throws: `MetricsServer.Failure` naming the address when it cannot bind.
    public init(address: String = "127.0.0.1", port: UInt16, board: MetricsBoard) throws {
        self.board = board
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(message: "metrics socket: \(String(cString: strerror(errno)))") }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &socketAddress.sin_addr) == 1 else {
            close(descriptor)
            throw Failure(message: "metrics address \(address) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw Failure(message: "metrics endpoint \(address):\(port): \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.port = UInt16(bigEndian: actual.sin_port)
        socket = descriptor
        let thread = Thread { [self] in
            ThreadName.set("ww-metrics")
            serve()
        }
        thread.start()
    }

    /// A failure to open the endpoint.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public let message: String
        public var description: String { message }
    }

    private func serve() {
        while true {
            let client = accept(socket, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            // A client that sends nothing for two seconds is dropped (the endpoint serves one request at a time).
            var readable = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&readable, 1, 2000) > 0 else {
                close(client)
                continue
            }
            var request = [UInt8](repeating: 0, count: 1024)
            let count = recv(client, &request, request.count, 0)
            let line = count > 0 ? String(decoding: request[0..<count], as: UTF8.self) : ""
            let response: String
            if line.hasPrefix("GET /metrics ") || line.hasPrefix("GET /metrics\r") {
                let body = board.exposition()
                response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
            } else {
                response = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
            }
            let bytes = Array(response.utf8)
            var sent = 0
            while sent < bytes.count {
                let written = bytes.withUnsafeBytes {
                    send(client, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
                }
                if written <= 0 { break }
                sent += written
            }
            close(client)
        }
    }
}
