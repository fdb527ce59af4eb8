import CMaxMindDB
import Glibc
import WardCore

/// A GeoIP database that could not be opened, with a message naming the file.
public struct GeoIPError: Error, Sendable, CustomStringConvertible {
    /// The database path.
    public let path: String
    /// One sentence: the file and what is wrong with it.
    public let message: String

    public var description: String { message }
}

/// What a GeoIP database knows about one address. Every field is optional: a GeoLite2-Country database fills the
/// country, a GeoLite2-ASN database the AS number and organization, a City or combined database both.
public struct GeoIPResult: Sendable, Equatable {
    /// ISO 3166-1 alpha-2 country code (`country.iso_code`, else `registered_country.iso_code`).
    public var countryISOCode: String?
    /// English country name (`country.names.en`, else `registered_country.names.en`).
    public var countryName: String?
    /// Autonomous system number (`autonomous_system_number`).
    public var asn: UInt32?
    /// Autonomous system organization (`autonomous_system_organization`).
    public var organization: String?

    public init(
        countryISOCode: String? = nil, countryName: String? = nil, asn: UInt32? = nil, organization: String? = nil
    ) {
        self.countryISOCode = countryISOCode
        self.countryName = countryName
        self.asn = asn
        self.organization = organization
    }

    /// Whether no field is set.
    public var isEmpty: Bool { countryISOCode == nil && countryName == nil && asn == nil && organization == nil }
}

/// A MaxMind DB file (`.mmdb`: GeoLite2/GeoIP2 Country, City, ASN, or a compatible database) opened with
/// libmaxminddb, memory-mapped.
///
/// Open it once at start; look up on the output/alert path, not per packet. Lookups only read the mapped file,
/// which libmaxminddb documents as safe from several threads at once, hence `@unchecked Sendable`.
public final class GeoIPDatabase: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<MMDB_s>
    /// The path the database was opened from.
    public let path: String

    /// Opens (memory-maps) the database at `path`.
    /// - Throws: `GeoIPError` naming the file when it cannot be read or is not a valid MaxMind DB.
    public init(path: String) throws(GeoIPError) {
        // Open before the stored properties are set: throwing after that would run deinit (MMDB_close).
        let opened = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), opened)
        guard status == MMDB_SUCCESS else {
            let savedErrno = errno
            opened.deallocate()
            var reason = String(cString: MMDB_strerror(status))
            var info = stat()
            if status == MMDB_IO_ERROR && stat(path, &info) == 0 && info.st_size == 0 {
                reason = "the file is empty, not a MaxMind DB"  // mmap of 0 bytes fails with a misleading EINVAL
            } else if status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR {
                reason += " (\(String(cString: strerror(savedErrno))))"
            }
            throw GeoIPError(path: path, message: "GeoIP database '\(path)': \(reason)")
        }
        self.path = path
        handle = opened
    }

    deinit {
        MMDB_close(handle)
        handle.deallocate()
    }

    /// The `database_type` from the file's metadata (e.g. `GeoLite2-Country`).
    public var databaseType: String {
        guard let type = handle.pointee.metadata.database_type else { return "" }
        return String(cString: type)
    }

    /// What the database knows about `address`, or nil when it has no record for it (or the record has none of
    /// the fields in `GeoIPResult`). IPv4 addresses (held IPv4-mapped) are looked up as IPv4.
    public func lookup(_ address: IPAddress) -> GeoIPResult? {
        var lookupError: Int32 = MMDB_SUCCESS
        var found = withSocketAddress(of: address) { socketAddress in
            MMDB_lookup_sockaddr(handle, socketAddress, &lookupError)
        }
        guard lookupError == MMDB_SUCCESS, found.found_entry else { return nil }
        var result = GeoIPResult()
        result.countryISOCode =
            string(&found.entry, "country", "iso_code")
            ?? string(&found.entry, "registered_country", "iso_code")
        result.countryName =
            string(&found.entry, "country", "names", "en")
            ?? string(&found.entry, "registered_country", "names", "en")
        result.asn = uint32(&found.entry, "autonomous_system_number")
        result.organization = string(&found.entry, "autonomous_system_organization")
        return result.isEmpty ? nil : result
    }

    /// Fetches the value at `path` in the record; nil when absent.
    private func value(_ entry: inout MMDB_entry_s, _ path: [StaticString]) -> MMDB_entry_data_s? {
        var data = MMDB_entry_data_s()
        // MMDB_get_value is variadic; MMDB_aget_value takes a NULL-terminated array of C strings.
        var pointers: [UnsafePointer<CChar>?] = path.map {
            UnsafeRawPointer($0.utf8Start).assumingMemoryBound(to: CChar.self)
        }
        pointers.append(nil)
        let status = pointers.withUnsafeBufferPointer { MMDB_aget_value(&entry, &data, $0.baseAddress) }
        guard status == MMDB_SUCCESS, data.has_data else { return nil }
        return data
    }

    private func string(_ entry: inout MMDB_entry_s, _ path: StaticString...) -> String? {
        guard let data = value(&entry, path), data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING),
            let start = data.utf8_string
        else { return nil }
        // Not NUL-terminated: the string is data_size bytes in the mapped file.
        let bytes = UnsafeRawBufferPointer(start: start, count: Int(data.data_size))
        return String(decoding: bytes, as: UTF8.self)
    }

    private func uint32(_ entry: inout MMDB_entry_s, _ path: StaticString...) -> UInt32? {
        guard let data = value(&entry, path) else { return nil }
        switch Int32(data.type) {
        case MMDB_DATA_TYPE_UINT32: return data.uint32
        case MMDB_DATA_TYPE_UINT16: return UInt32(data.uint16)
        case MMDB_DATA_TYPE_INT32: return data.int32 >= 0 ? UInt32(data.int32) : nil
        case MMDB_DATA_TYPE_UINT64: return UInt32(exactly: data.uint64)
        default: return nil
        }
    }
}

/// Calls `body` with a `sockaddr_in` (IPv4-mapped addresses) or `sockaddr_in6` for `address`.
private func withSocketAddress<R>(of address: IPAddress, _ body: (UnsafePointer<sockaddr>) -> R) -> R {
    if address.isIPv4 {
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_addr.s_addr = address.ipv4Value.bigEndian
        return withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body)
        }
    }
    var socketAddress = sockaddr_in6()
    socketAddress.sin6_family = sa_family_t(AF_INET6)
    var bytes = (address.high.bigEndian, address.low.bigEndian)
    withUnsafeBytes(of: &bytes) { source in
        withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { $0.copyMemory(from: source) }
    }
    return withUnsafePointer(to: &socketAddress) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body)
    }
}
