import WardCore

/// The type byte of a DICOM Upper Layer PDU (DICOM PS3.8 §9.3.1, Table 9-11): an open set, so that unknown values
/// from a hostile or future peer are representable.
public struct DICOMPDUType: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    /// The wire value.
    public var rawValue: UInt8

    /// A PDU type from its wire value.
    @inlinable
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// A-ASSOCIATE-RQ (PS3.8 §9.3.2).
    public static let associateRequest = DICOMPDUType(rawValue: 0x01)
    /// A-ASSOCIATE-AC (PS3.8 §9.3.3).
    public static let associateAccept = DICOMPDUType(rawValue: 0x02)
    /// A-ASSOCIATE-RJ (PS3.8 §9.3.4).
    public static let associateReject = DICOMPDUType(rawValue: 0x03)
    /// P-DATA-TF (PS3.8 §9.3.5).
    public static let pDataTransfer = DICOMPDUType(rawValue: 0x04)
    /// A-RELEASE-RQ (PS3.8 §9.3.6).
    public static let releaseRequest = DICOMPDUType(rawValue: 0x05)
    /// A-RELEASE-RP (PS3.8 §9.3.7).
    public static let releaseResponse = DICOMPDUType(rawValue: 0x06)
    /// A-ABORT (PS3.8 §9.3.8).
    public static let abort = DICOMPDUType(rawValue: 0x07)

    /// The length of every PDU header: type (1), reserved (1), big-endian length (4).
    public static let headerLength = 6

    /// Whether the type is one PS3.8 defines.
    @inlinable
    public var isKnown: Bool { (0x01...0x07).contains(rawValue) }

    /// Whether the body of this PDU type is always exactly four bytes (RJ, RELEASE-RQ/RP, ABORT).
    @inlinable
    public var hasFixedFourByteBody: Bool {
        self == .associateReject || self == .releaseRequest || self == .releaseResponse || self == .abort
    }
}
