/// A syslog output failure on the cold path (bad URL, unreadable certificate, spool directory unusable).
/// Failures while running (collector down, write errors) are never thrown: they are counted in `SyslogCounters`.
public struct SyslogError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable code.
    public enum Code: String, Sendable {
        case invalidURL = "invalid_url"
        case unsupportedScheme = "unsupported_scheme"
        case addressResolution = "address_resolution"
        case spoolUnusable = "spool_unusable"
        case tlsSetup = "tls_setup"
    }

    /// The stable code.
    public let code: Code
    /// An actionable message naming the URL, file or system error.
    public let reason: String
    /// Where the error was raised.
    public let location: String

    /// An error with its code, reason and source location.
    public init(_ code: Code, _ reason: String, file: StaticString = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(file):\(line)"
    }

    public var description: String { reason }
}
