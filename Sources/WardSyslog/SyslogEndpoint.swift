import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a destination sends: parsed from `udp://host:port`, `tcp://host:port`, `tls://host:port` or
/// `unix:///path` (default ports: 514 for UDP and TCP, 6514 for TLS).
public enum SyslogEndpoint: Sendable, Equatable {
    case udp(host: String, port: UInt16)
    case tcp(host: String, port: UInt16)
    case tls(host: String, port: UInt16)
    case unix(path: String)

    /// Parses a destination URL. IPv6 literals go in brackets (`tcp://[::1]:514`).
    public init(url: String) throws(SyslogError) {
        guard let schemeEnd = url.range(of: "://") else {
            throw SyslogError(.invalidURL, "syslog URL '\(url)' has no scheme (udp://, tcp://, tls://, unix://)")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = String(url[schemeEnd.upperBound...])
        if scheme == "unix" {
            guard rest.hasPrefix("/"), rest.utf8.count < 108 else {
                throw SyslogError(.invalidURL, "syslog URL '\(url)' needs an absolute socket path shorter than 108 bytes")
            }
            self = .unix(path: rest)
            return
        }
        let defaultPort: UInt16
        switch scheme {
        case "udp", "tcp": defaultPort = 514
        case "tls": defaultPort = 6514
        default: throw SyslogError(.unsupportedScheme, "syslog URL '\(url)': scheme '\(scheme)' is not udp, tcp, tls or unix")
        }
        var authority = Substring(rest)
        if let slash = authority.firstIndex(of: "/") { authority = authority[..<slash] }
        var host: Substring
        var portText: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw SyslogError(.invalidURL, "syslog URL '\(url)': unterminated IPv6 literal")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw SyslogError(.invalidURL, "syslog URL '\(url)': unexpected '\(after)' after the address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw SyslogError(.invalidURL, "syslog URL '\(url)' has no host") }
        var port = defaultPort
        if let portText {
            guard let parsed = UInt16(portText), parsed > 0 else {
                throw SyslogError(.invalidURL, "syslog URL '\(url)': port '\(portText)' is not 1–65535")
            }
            port = parsed
        }
        switch scheme {
        case "udp": self = .udp(host: String(host), port: port)
        case "tcp": self = .tcp(host: String(host), port: port)
        default: self = .tls(host: String(host), port: port)
        }
    }

    /// Whether each message travels as one datagram (UDP); unix sockets decide when connecting.
    var isUDP: Bool {
        if case .udp = self { return true }
        return false
    }

    /// Host and port of the network kinds.
    var hostAndPort: (host: String, port: UInt16)? {
        switch self {
        case .udp(let host, let port), .tcp(let host, let port), .tls(let host, let port): return (host, port)
        case .unix: return nil
        }
    }

    /// A file-name-safe form for the spool file.
    var spoolName: String {
        let text: String
        switch self {
        case .udp(let host, let port): text = "udp_\(host)_\(port)"
        case .tcp(let host, let port): text = "tcp_\(host)_\(port)"
        case .tls(let host, let port): text = "tls_\(host)_\(port)"
        case .unix(let path): text = "unix\(path)"
        }
        return String(text.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
    }
}

/// One resolved socket address.
struct SyslogSocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0
    var family: Int32 = AF_UNSPEC
}

/// Resolves `host:port` with `getaddrinfo` (numeric or DNS name). Returns nil and the resolver's message on failure.
func resolve(host: String, port: UInt16, datagram: Bool) -> Result<[SyslogSocketAddress], SyslogError> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>? = nil
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0 else {
        return .failure(SyslogError(.addressResolution, "cannot resolve syslog host '\(host)': \(String(cString: gai_strerror(status)))"))
    }
    defer { freeaddrinfo(list) }
    var result: [SyslogSocketAddress] = []
    var cursor = list
    while let entry = cursor {
        if let address = entry.pointee.ai_addr {
            var resolved = SyslogSocketAddress()
            resolved.family = entry.pointee.ai_family
            resolved.length = entry.pointee.ai_addrlen
            withUnsafeMutableBytes(of: &resolved.storage) { destination in
                destination.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(entry.pointee.ai_addrlen)))
            }
            result.append(resolved)
        }
        cursor = entry.pointee.ai_next
    }
    return result.isEmpty ? .failure(SyslogError(.addressResolution, "syslog host '\(host)' has no address")) : .success(result)
}
