import WardCore

/// Every cap the DICOM analyzer applies, in one place (Suricata's `SMB_CFG_MAX_*` idea); going over any of them
/// raises a named ``DICOMAnomaly`` and skips or resynchronises, never grows memory.
public struct DICOMLimits: Sendable, Equatable {
    /// Largest A-ASSOCIATE-RQ/AC (or other control PDU) body buffered per direction; larger ones are skipped.
    public var maximumAssociatePDUBytes: Int = 64 * 1024
    /// Presentation contexts read from one A-ASSOCIATE-RQ/AC; further items are ignored.
    public var maximumPresentationContexts: Int = 128
    /// Longest UID kept (PS3.5 §9.1 allows 64 characters); longer values are dropped.
    public var maximumUIDLength: Int = 64
    /// Association records waiting for ``DICOMAnalyzer/popRecord()``; more are dropped and counted.
    public var maximumQueuedRecords: Int = 16
    /// Bytes of one command set (all its command PDV fragments) buffered per direction.
    public var maximumCommandBytes: Int = 8 * 1024
    /// Distinct values kept per record list (SOP classes, move destinations, command kinds, status codes).
    public var maximumDistinctValues: Int = 64
    /// After a gap, the largest P-DATA-TF length accepted as a plausible PDU header while resynchronising.
    public var maximumPlausiblePDataLength: Int = 16 * 1024 * 1024

    /// The default limits.
    public init() {}
}
