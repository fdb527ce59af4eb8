/// One problem in `wardwatch.yaml` or a `Signatures/` file, with the file, line and key it concerns.
///
/// `description` is the one line `wardwatch check-config` prints: `wardwatch.yaml:7:17: zones[0].networks: bad CIDR
/// "172.16.10.0/33" (prefix length must be 0–32 for IPv4)`.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes, for scripts and tests.
    public enum Code: String, Sendable {
        case unreadableFile = "unreadable_file"
        case syntax
        case unsupportedSchemaVersion = "unsupported_schema_version"
        case unknownKey = "unknown_key"
        case missingKey = "missing_key"
        case wrongType = "wrong_type"
        case badCIDR = "bad_cidr"
        case badMAC = "bad_mac"
        case badAddress = "bad_address"
        case unknownZoneKind = "unknown_zone_kind"
        case badValue = "bad_value"
        case duplicate
    }

    public var code: Code
    /// The file as given (path).
    public var file: String
    /// 1-based line, 0 when the problem concerns the whole file.
    public var line: Int
    /// 1-based column, 0 when unknown.
    public var column: Int
    /// The key path (`zones[0].networks[1]`), empty for the whole file.
    public var key: String
    /// What is wrong and what is allowed.
    public var reason: String

    public init(code: Code, file: String, line: Int, column: Int = 0, key: String, reason: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.reason = reason
    }

    public var description: String {
        var text = file
        if line > 0 { text += ":\(line)" }
        if column > 0 { text += ":\(column)" }
        text += ": "
        if !key.isEmpty { text += "\(key): " }
        return text + reason
    }
}
