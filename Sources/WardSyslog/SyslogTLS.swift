import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// RFC 5425 client side over the system OpenSSL: TLS 1.2 or newer, server certificate verified against the CA file
/// (or the system store) and the URL's host name or IP address, optional client certificate. No crypto of our own.
final class SyslogTLSContext: @unchecked Sendable {
    // Immutable after init; OpenSSL contexts are safe to share once configured.
    private let context: OpaquePointer
    private let serverName: String?

    init(options: SyslogTLSOptions) throws(SyslogError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw SyslogError(.tlsSetup, "cannot create a TLS context: \(Self.lastError())")
        }
        self.context = context
        self.serverName = options.serverName
        _ = ward_ssl_ctx_set_min_tls12(context)
        _ = ward_ssl_ctx_accept_moving_buffer(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let caFile = options.caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw SyslogError(.tlsSetup, "cannot load TLS CA file '\(caFile)': \(Self.lastError())")
            }
        } else {
            SSL_CTX_set_default_verify_paths(context)
        }
        if let certificate = options.certificateFile {
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw SyslogError(.tlsSetup, "cannot load TLS client certificate '\(certificate)': \(Self.lastError())")
            }
            let key = options.privateKeyFile ?? certificate
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1
            else {
                throw SyslogError(.tlsSetup, "cannot load TLS private key '\(key)': \(Self.lastError())")
            }
        }
    }

    deinit { SSL_CTX_free(context) }

    /// Runs the client handshake on a connected blocking socket, verifying the peer.
    func handshake(descriptor: Int32, host: String, timeout: Double) -> Result<SyslogTLSSession, SyslogError> {
        guard let ssl = SSL_new(context) else {
            return .failure(SyslogError(.tlsSetup, "cannot create a TLS session: \(Self.lastError())"))
        }
        let session = SyslogTLSSession(ssl: ssl)
        let name = serverName ?? host
        var probe = in6_addr()
        let isAddress = inet_pton(AF_INET, name, &probe) == 1 || inet_pton(AF_INET6, name, &probe) == 1
        if isAddress {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
        } else {
            _ = ward_ssl_set_server_name(ssl, name)
            SSL_set1_host(ssl, name)
        }
        SSL_set_fd(ssl, descriptor)
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        ERR_clear_error()
        let status = SSL_connect(ssl)
        guard status == 1 else {
            let verify = SSL_get_verify_result(ssl)
            let detail =
                verify != X509_V_OK
                ? String(cString: X509_verify_cert_error_string(verify)) : Self.lastError()
            return .failure(SyslogError(.tlsSetup, "TLS handshake with \(name) failed: \(detail)"))
        }
        return .success(session)
    }

    /// OpenSSL's oldest queued error as text, and the queue cleared.
    static func lastError() -> String {
        let code = ERR_get_error()
        defer { ERR_clear_error() }
        guard code != 0 else { return "unknown error (errno \(errno))" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// One TLS session on a connection; freed on deinit.
final class SyslogTLSSession {
    private let ssl: OpaquePointer

    init(ssl: OpaquePointer) { self.ssl = ssl }

    deinit { SSL_free(ssl) }

    /// `SSL_write`; returns the count written, or -1 and an errno-style code (EAGAIN to retry the same bytes).
    func write(_ buffer: UnsafeRawBufferPointer) -> (Int, Int32) {
        guard !buffer.isEmpty else { return (0, 0) }
        ERR_clear_error()
        let written = SSL_write(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if written > 0 { return (Int(written), 0) }
        let code = errno
        switch SSL_get_error(ssl, written) {
        case SSL_ERROR_WANT_WRITE, SSL_ERROR_WANT_READ: return (-1, EAGAIN)
        case SSL_ERROR_SYSCALL: return (-1, code == 0 || code == EAGAIN ? EPIPE : code)
        default: return (-1, EPIPE)
        }
    }

    /// Bytes (TLS records) written to the socket so far, to match against the kernel's unacknowledged count.
    var recordBytesWritten: UInt64 { UInt64(BIO_number_written(SSL_get_wbio(ssl))) }

    /// Sends close_notify (best effort, never waits for the peer's).
    func shutdown() { _ = SSL_shutdown(ssl) }
}
