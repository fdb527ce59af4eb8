#if canImport(Glibc)
import Glibc
#endif

/// An errno value as an error.
struct SocketErrno: Error {
    let code: Int32
}

/// POLLRDHUP (Linux; not imported by Glibc): the peer shut down its writing side.
private let pollReadHangUp: Int16 = 0x2000

/// How one write went.
enum SyslogWriteOutcome: Equatable {
    case written
    /// The message cannot be sent at all on this transport (datagram too large): drop and count, do not retry.
    case oversize
    /// The connection is broken (EPIPE, ECONNRESET, ECONNREFUSED, ...): reconnect and resend.
    case failed(Int32)
}

/// One open socket to a collector, owned by the destination's I/O thread. Closed on deinit.
final class SyslogConnection {
    enum Framing { case datagram, octetCounting, newline }

    let descriptor: Int32
    let framing: Framing
    private let tls: SyslogTLSSession?
    /// Plain bytes successfully handed to the kernel on this connection (stream kinds).
    private(set) var bytesWritten: UInt64 = 0

    private init(descriptor: Int32, framing: Framing, tls: SyslogTLSSession? = nil) {
        self.descriptor = descriptor
        self.framing = framing
        self.tls = tls
    }

    deinit {
        tls?.shutdown()
        _ = Glibc.close(descriptor)
    }

    /// Opens a connection, or returns the errno / message of the failure.
    static func open(
        _ endpoint: SyslogEndpoint, timeout: Double, tlsContext: SyslogTLSContext?
    ) -> Result<SyslogConnection, SyslogError> {
        switch endpoint {
        case .unix(let path):
            // Datagram first (/dev/log, rsyslog imuxsock, journald); a stream socket answers EPROTOTYPE.
            switch connectUnix(path: path, type: Int32(SOCK_DGRAM.rawValue)) {
            case .success(let fd): return .success(SyslogConnection(descriptor: fd, framing: .datagram))
            case .failure(let failure) where failure.code == EPROTOTYPE:
                switch connectUnix(path: path, type: Int32(SOCK_STREAM.rawValue)) {
                case .success(let fd): return .success(SyslogConnection(descriptor: fd, framing: .newline))
                case .failure(let failure): return .failure(connectError(endpoint, failure.code))
                }
            case .failure(let failure): return .failure(connectError(endpoint, failure.code))
            }
        case .udp(let host, let port), .tcp(let host, let port), .tls(let host, let port):
            let datagram = endpoint.isUDP
            let addresses: [SyslogSocketAddress]
            switch resolve(host: host, port: port, datagram: datagram) {
            case .success(let list): addresses = list
            case .failure(let error): return .failure(error)
            }
            var lastError: Int32 = 0
            for address in addresses {
                switch connectInet(address, datagram: datagram, timeout: timeout) {
                case .success(let fd):
                    if datagram { return .success(SyslogConnection(descriptor: fd, framing: .datagram)) }
                    if case .tls = endpoint, let tlsContext {
                        switch tlsContext.handshake(descriptor: fd, host: host, timeout: timeout) {
                        case .success(let session):
                            return .success(SyslogConnection(descriptor: fd, framing: .octetCounting, tls: session))
                        case .failure(let error):
                            _ = Glibc.close(fd)
                            return .failure(error)
                        }
                    }
                    return .success(SyslogConnection(descriptor: fd, framing: .octetCounting))
                case .failure(let failure): lastError = failure.code
                }
            }
            return .failure(connectError(endpoint, lastError))
        }
    }

    private static func connectError(_ endpoint: SyslogEndpoint, _ code: Int32) -> SyslogError {
        SyslogError(.addressResolution, "cannot connect to syslog \(endpoint): \(String(cString: strerror(code)))")
    }

    private static func connectUnix(path: String, type: Int32) -> Result<Int32, SocketErrno> {
        let fd = socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(SocketErrno(code: errno)) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { destination in
            destination.copyBytes(from: bytes.prefix(destination.count - 1))
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if status != 0 {
            let code = errno
            _ = Glibc.close(fd)
            return .failure(SocketErrno(code: code))
        }
        setSendTimeout(fd)
        return .success(fd)
    }

    private static func connectInet(_ address: SyslogSocketAddress, datagram: Bool, timeout: Double) -> Result<Int32, SocketErrno> {
        let type = datagram ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)
        let fd = socket(address.family, type | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .failure(SocketErrno(code: errno)) }
        var storage = address.storage
        var status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        if status != 0 && errno == EINPROGRESS {
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, Int32(max(1, timeout * 1000)))
            if ready <= 0 {
                _ = Glibc.close(fd)
                return .failure(SocketErrno(code: ready == 0 ? ETIMEDOUT : errno))
            }
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
            status = socketError == 0 ? 0 : -1
            errno = socketError
        }
        if status != 0 {
            let code = errno
            _ = Glibc.close(fd)
            return .failure(SocketErrno(code: code))
        }
        // Back to blocking, with a send timeout so a stalled collector cannot hold the thread forever.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        setSendTimeout(fd)
        return .success(fd)
    }

    private static func setSendTimeout(_ fd: Int32) {
        var interval = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes one message with this connection's framing. Blocks (in 200 ms steps) while the collector is slow,
    /// until `abandon()` says to give up; a half-written frame is then treated as a broken connection.
    func write(_ message: [UInt8], abandon: () -> Bool) -> SyslogWriteOutcome {
        switch framing {
        case .datagram:
            while true {
                let sent = message.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent >= 0 { return .written }
                let code = errno
                switch code {
                case EINTR: continue
                case EAGAIN, ENOBUFS:
                    if abandon() { return .failed(code) }
                    waitWritable()
                case EMSGSIZE: return .oversize
                default: return .failed(code)
                }
            }
        case .octetCounting, .newline:
            var frame: [UInt8]
            if framing == .octetCounting {
                frame = SyslogFormatter.octetCounted(message)
            } else {
                frame = message
                frame.append(UInt8(ascii: "\n"))
            }
            var offset = 0
            while offset < frame.count {
                let result: Int
                let code: Int32
                if let tls {
                    (result, code) = frame.withUnsafeBytes { tls.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                } else {
                    result = frame.withUnsafeBytes { buffer in
                        send(descriptor, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                    }
                    code = result < 0 ? errno : 0
                }
                if result > 0 {
                    offset += result
                    bytesWritten += UInt64(result)
                    continue
                }
                switch code {
                case EINTR: continue
                case EAGAIN:
                    if abandon() { return .failed(code) }
                    waitWritable()
                default: return .failed(code == 0 ? EPIPE : code)
                }
            }
            return .written
        }
    }

    private func waitWritable() {
        var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLOUT), revents: 0)
        _ = poll(&descriptor, 1, 200)
    }

    /// The state of a stream connection as seen from our side without writing.
    enum PeerState { case open, finished, reset }

    /// Stream kinds: whether the collector has closed (FIN: it read everything it acknowledged before closing) or
    /// reset the connection (RST: it may have discarded acknowledged bytes). Collectors never send syslog data back.
    func peerState() -> PeerState {
        guard framing != .datagram else { return .open }
        var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLIN) | pollReadHangUp, revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return .open }
        var scratch = [UInt8](repeating: 0, count: 512)
        let count = scratch.withUnsafeMutableBytes {
            recv(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_PEEK))
        }
        if count < 0 {
            let code = errno
            return code == EAGAIN || code == EINTR ? .open : .reset
        }
        if count == 0 { return .finished }
        // Bytes from the collector: a TLS alert (close_notify) before its FIN, or stray data on plain TCP.
        if descriptor.revents & (pollReadHangUp | Int16(POLLHUP)) != 0 { return .finished }
        if tls == nil { _ = scratch.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) } }
        return .open
    }

    /// Stream kinds: the position in the TCP byte stream (for TLS, record bytes, not plaintext).
    var streamPosition: UInt64 { tls?.recordBytesWritten ?? bytesWritten }

    /// Stream kinds: bytes handed to the kernel that the peer's TCP has not acknowledged yet (SIOCOUTQ), counted in
    /// the same unit as `streamPosition`.
    func unacknowledgedBytes() -> UInt64 {
        var pending: Int32 = 0
        let siocoutq: UInt = 0x5411  // SIOCOUTQ == TIOCOUTQ on Linux
        guard ioctl(descriptor, siocoutq, &pending) == 0, pending > 0 else { return 0 }
        return UInt64(pending)
    }

}
