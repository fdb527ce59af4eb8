import WardAnomaly
import WardCore

/// Adds GeoIP country and AS data to the endpoints of an event, from up to two databases (e.g. GeoLite2-Country
/// and GeoLite2-ASN; one City or combined database may be passed as both or as either).
///
/// Private and special-purpose addresses are never looked up (the same `AddressScope.isInternal` ranges the
/// internet-separation rule uses): a hospital's own addresses have no meaningful country.
public struct GeoIPEnricher: Sendable {
    /// The database for `geo.*`.
    public let country: GeoIPDatabase?
    /// The database for `as.*`.
    public let asn: GeoIPDatabase?

    public init(country: GeoIPDatabase?, asn: GeoIPDatabase?) {
        self.country = country
        self.asn = asn
    }

    /// Country and AS data for `address`; nil for private/special addresses and when neither database knows it.
    public func enrich(_ address: IPAddress) -> GeoIPResult? {
        guard !AddressScope.isInternal(address), country != nil || asn != nil else { return nil }
        var result = GeoIPResult()
        if let found = country?.lookup(address) {
            result.countryISOCode = found.countryISOCode
            result.countryName = found.countryName
        }
        if let found = asn?.lookup(address) {
            result.asn = found.asn
            result.organization = found.organization
        }
        return result.isEmpty ? nil : result
    }

    /// Writes the ECS members `geo.country_iso_code`, `geo.country_name`, `as.number`, `as.organization.name`
    /// (those that are known) into the endpoint object (`source`/`destination`/…) the caller has open.
    public func encode(_ result: GeoIPResult, into writer: inout JSONWriter) {
        if result.countryISOCode != nil || result.countryName != nil {
            writer.beginObject("geo")
            if let code = result.countryISOCode {
                writer.key("country_iso_code")
                writer.value(code)
            }
            if let name = result.countryName {
                writer.key("country_name")
                writer.value(name)
            }
            writer.endObject()
        }
        if result.asn != nil || result.organization != nil {
            writer.beginObject("as")
            if let number = result.asn {
                writer.key("number")
                writer.value(UInt64(number))
            }
            if let organization = result.organization {
                writer.beginObject("organization")
                writer.key("name")
                writer.value(organization)
                writer.endObject()
            }
            writer.endObject()
        }
    }
}
