import WardCore

/// The body of an A-ASSOCIATE-RJ PDU (DICOM PS3.8 §9.3.4, Table 9-21): reserved (1), result (1), source (1),
/// reason/diagnostic (1).
public struct DICOMAssociateReject: Sendable, Equatable, BitwiseCopyable {
    /// 1 rejected-permanent, 2 rejected-transient.
    public var result: UInt8
    /// 1 service-user, 2 service-provider (ACSE), 3 service-provider (presentation).
    public var source: UInt8
    /// The reason, whose meaning depends on `source` (e.g. source 1, reason 7: called AE title not recognised).
    public var reason: UInt8

    /// Decodes the 4-byte body; `nil` when shorter.
    public static func decode(_ body: RawSpan) -> DICOMAssociateReject? {
        guard body.byteCount >= 4 else { return nil }
        return DICOMAssociateReject(
            result: body.loadUInt8(at: 1), source: body.loadUInt8(at: 2), reason: body.loadUInt8(at: 3))
    }
}

/// The body of an A-ABORT PDU (DICOM PS3.8 §9.3.8, Table 9-26): reserved (2), source (1), reason (1).
public struct DICOMAbort: Sendable, Equatable, BitwiseCopyable {
    /// 0 service-user, 2 service-provider.
    public var source: UInt8
    /// The reason when the provider aborted (0 not specified, 1 unrecognised PDU, 2 unexpected PDU, ...).
    public var reason: UInt8

    /// Decodes the 4-byte body; `nil` when shorter.
    public static func decode(_ body: RawSpan) -> DICOMAbort? {
        guard body.byteCount >= 4 else { return nil }
        return DICOMAbort(source: body.loadUInt8(at: 2), reason: body.loadUInt8(at: 3))
    }
}
