import WardDICOM
import WardGeoIP

/// Who produced an event: the ECS `observer` fields every event carries.
public struct ObserverInfo: Sendable {
    /// The sensor's name (the host name by default).
    public var name: String
    /// The WardWatch version.
    public var version: String
    /// The capture interface, for live capture.
    public var interface: String?
    /// GeoIP and ASN enrichment for public addresses in flows and alerts, when databases are configured.
    public var geoIP: GeoIPEnricher?
    /// DICOM SOP class UID → name (`Signatures/dicom-sop-classes.yaml`), for `dicom.sop_class_names`.
    public var sopClassNames = DICOMSOPClassNames()

    /// Observer fields from their values.
    public init(name: String, version: String, interface: String? = nil) {
        self.name = name
        self.version = version
        self.interface = interface
    }
}

/// The version of the event schema (`wardwatch.schema_version`); bumped on any incompatible field change.
public let eventSchemaVersion = 1
