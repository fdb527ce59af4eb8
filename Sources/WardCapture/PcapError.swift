/// A libpcap failure on the cold path (opening, filtering, activating), with libpcap's own message.
public struct PcapError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable code.
    public enum Code: String, Sendable {
        case openFailed = "open_failed"
        case filterInvalid = "filter_invalid"
        case activateFailed = "activate_failed"
        case readFailed = "read_failed"
        case unsupportedFile = "unsupported_file"
    }

    /// The stable code.
    public let code: Code
    /// libpcap's message (from `errbuf` or `pcap_geterr`), copied at the call.
    public let message: String
    /// Where the error was raised.
    public let location: String

    /// An error with its code, message and source location.
    public init(_ code: Code, _ message: String, file: StaticString = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.location = "\(file):\(line)"
    }

    public var description: String { message }
}
