import WardCore

/// The DIMSE command field (0000,0100) of a command set (DICOM PS3.7 §9.3 and §10.3, Table E.1-1): an open set.
public struct DICOMCommandField: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    /// The wire value.
    public var rawValue: UInt16

    /// A command field from its wire value.
    @inlinable
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// C-STORE-RQ.
    public static let cStoreRequest = DICOMCommandField(rawValue: 0x0001)
    /// C-STORE-RSP.
    public static let cStoreResponse = DICOMCommandField(rawValue: 0x8001)
    /// C-GET-RQ.
    public static let cGetRequest = DICOMCommandField(rawValue: 0x0010)
    /// C-GET-RSP.
    public static let cGetResponse = DICOMCommandField(rawValue: 0x8010)
    /// C-FIND-RQ.
    public static let cFindRequest = DICOMCommandField(rawValue: 0x0020)
    /// C-FIND-RSP.
    public static let cFindResponse = DICOMCommandField(rawValue: 0x8020)
    /// C-MOVE-RQ.
    public static let cMoveRequest = DICOMCommandField(rawValue: 0x0021)
    /// C-MOVE-RSP.
    public static let cMoveResponse = DICOMCommandField(rawValue: 0x8021)
    /// C-ECHO-RQ.
    public static let cEchoRequest = DICOMCommandField(rawValue: 0x0030)
    /// C-ECHO-RSP.
    public static let cEchoResponse = DICOMCommandField(rawValue: 0x8030)
    /// C-CANCEL-RQ.
    public static let cCancelRequest = DICOMCommandField(rawValue: 0x0FFF)

    /// Whether this is a response (bit 15 set).
    @inlinable
    public var isResponse: Bool { rawValue & 0x8000 != 0 }

    /// The PS3.7 name (`C-STORE-RQ`, `N-EVENT-REPORT-RSP`, ...), or `UNKNOWN-0xXXXX`.
    public var name: String {
        // Whole literals (small strings, no allocation): joining a base and a suffix cost 300 instructions per
        // command.
        switch rawValue {
        case 0x0001: "C-STORE-RQ"
        case 0x8001: "C-STORE-RSP"
        case 0x0010: "C-GET-RQ"
        case 0x8010: "C-GET-RSP"
        case 0x0020: "C-FIND-RQ"
        case 0x8020: "C-FIND-RSP"
        case 0x0021: "C-MOVE-RQ"
        case 0x8021: "C-MOVE-RSP"
        case 0x0030: "C-ECHO-RQ"
        case 0x8030: "C-ECHO-RSP"
        case 0x0FFF: "C-CANCEL-RQ"
        case 0x0100: "N-EVENT-REPORT-RQ"
        case 0x8100: "N-EVENT-REPORT-RSP"
        case 0x0110: "N-GET-RQ"
        case 0x8110: "N-GET-RSP"
        case 0x0120: "N-SET-RQ"
        case 0x8120: "N-SET-RSP"
        case 0x0130: "N-ACTION-RQ"
        case 0x8130: "N-ACTION-RSP"
        case 0x0140: "N-CREATE-RQ"
        case 0x8140: "N-CREATE-RSP"
        case 0x0150: "N-DELETE-RQ"
        case 0x8150: "N-DELETE-RSP"
        default: unknownName
        }
    }

    private var unknownName: String {
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        var text = "UNKNOWN-0x"
        for shift in stride(from: 12, through: 0, by: -4) {
            text.unicodeScalars.append(Unicode.Scalar(digits[Int(rawValue >> UInt16(shift) & 0xF)]))
        }
        return text
    }
}

/// The class of a DIMSE status (0000,0900) (DICOM PS3.7 Annex C).
public enum DICOMStatusClass: Sendable, Equatable, CaseIterable {
    /// 0x0000.
    case success
    /// 0xFF00, 0xFF01.
    case pending
    /// 0xFE00.
    case cancel
    /// 0x0001, 0x0107, 0x0116, 0xB000–0xBFFF.
    case warning
    /// Everything else (0xA000–0xAFFF, 0xC000–0xCFFF, 0x01xx, 0x02xx, ...).
    case failure

    /// The class of `status`.
    public init(_ status: UInt16) {
        switch status {
        case 0x0000: self = .success
        case 0xFF00, 0xFF01: self = .pending
        case 0xFE00: self = .cancel
        case 0x0001, 0x0107, 0x0116, 0xB000...0xBFFF: self = .warning
        default: self = .failure
        }
    }

    /// The stable JSON name.
    public var name: StaticString {
        switch self {
        case .success: "success"
        case .pending: "pending"
        case .cancel: "cancel"
        case .warning: "warning"
        case .failure: "failure"
        }
    }
}
