/// Settings of one syslog destination. Every value has a default.
public struct SyslogOptions: Sendable {
    /// HOSTNAME header field; empty means the machine's host name (`gethostname`).
    public var hostname: String = ""
    /// APP-NAME header field.
    public var appName: String = "wardwatch"
    /// PROCID header field; empty means the process id.
    public var procid: String = ""
    /// Prefix the JSON with `@cee: ` (the cookie rsyslog's mmjsonparse expects by default).
    public var ceeCookie: Bool = false
    /// Messages held in memory before spilling to the spool (or dropping without one).
    public var queueCapacity: Int = 10_000
    /// Directory for the on-disk spool (created 0700, file 0600); nil means no spool: a full queue drops and counts.
    public var spoolDirectory: String? = nil
    /// Size limit of the spool file; beyond it messages are dropped and counted.
    public var spoolMaxBytes: Int = 256 << 20
    /// Largest UDP datagram (whole syslog message) sent. Larger messages are dropped and counted
    /// (`droppedOversize`), never truncated. 65000 fits one loopback/IPv4 datagram; use 2048 for strict RFC 5426 peers.
    public var udpMaximumMessageSize: Int = 65_000
    /// First reconnect delay, doubled after each failure up to `reconnectMaximumDelay` (seconds).
    public var reconnectMinimumDelay: Double = 0.1
    /// Largest reconnect delay (seconds).
    public var reconnectMaximumDelay: Double = 30
    /// Connect timeout (seconds).
    public var connectTimeout: Double = 5
    /// TLS settings for `tls://` destinations.
    public var tls: SyslogTLSOptions = SyslogTLSOptions()

    /// Default options.
    public init() {}
}

/// TLS settings (RFC 5425). The server certificate is always verified against `caFile` (or the system store) and the
/// host name in the URL.
public struct SyslogTLSOptions: Sendable {
    /// PEM file of trusted CA certificates; nil uses the system store.
    public var caFile: String? = nil
    /// PEM client certificate for mutual TLS.
    public var certificateFile: String? = nil
    /// PEM private key of the client certificate.
    public var privateKeyFile: String? = nil
    /// Server name to verify and send in SNI; nil uses the URL's host.
    public var serverName: String? = nil

    /// Default TLS settings.
    public init() {}
}
