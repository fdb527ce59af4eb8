/// An NTSTATUS value from the SMB2 header's Status field ([MS-ERREF] §2.3); an open set with the values we act on.
public struct SMB2Status: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    /// The wire value.
    public var rawValue: UInt32

    /// A status from its wire value.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// STATUS_SUCCESS.
    public static let success = SMB2Status(rawValue: 0x0000_0000)
    /// STATUS_PENDING: an interim response; the final one follows with the same message id.
    public static let pending = SMB2Status(rawValue: 0x0000_0103)
    /// STATUS_MORE_PROCESSING_REQUIRED: SESSION_SETUP continues.
    public static let moreProcessingRequired = SMB2Status(rawValue: 0xC000_0016)
    /// STATUS_ACCESS_DENIED.
    public static let accessDenied = SMB2Status(rawValue: 0xC000_0022)
    /// STATUS_OBJECT_NAME_NOT_FOUND.
    public static let objectNameNotFound = SMB2Status(rawValue: 0xC000_0034)
    /// STATUS_OBJECT_NAME_COLLISION.
    public static let objectNameCollision = SMB2Status(rawValue: 0xC000_0035)
    /// STATUS_LOGON_FAILURE.
    public static let logonFailure = SMB2Status(rawValue: 0xC000_006D)
    /// STATUS_BAD_NETWORK_NAME (tree connect to a missing share).
    public static let badNetworkName = SMB2Status(rawValue: 0xC000_00CC)
    /// STATUS_NO_MORE_FILES.
    public static let noMoreFiles = SMB2Status(rawValue: 0x8000_0006)
    /// STATUS_BUFFER_OVERFLOW (a warning: the data is truncated, the call succeeded).
    public static let bufferOverflow = SMB2Status(rawValue: 0x8000_0005)

    /// Whether the severity bits say error (0b11).
    public var isError: Bool { rawValue >> 30 == 0b11 }

    /// The stable snake_case name for events (unknown values as `0xc0000001`).
    public var name: String {
        switch self {
        case .success: "success"
        case .pending: "pending"
        case .moreProcessingRequired: "more_processing_required"
        case .accessDenied: "access_denied"
        case .objectNameNotFound: "object_name_not_found"
        case .objectNameCollision: "object_name_collision"
        case .logonFailure: "logon_failure"
        case .badNetworkName: "bad_network_name"
        case .noMoreFiles: "no_more_files"
        case .bufferOverflow: "buffer_overflow"
        default: hexString(rawValue)
        }
    }
}

/// `0x` and eight lower-case hex digits.
func hexString(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
