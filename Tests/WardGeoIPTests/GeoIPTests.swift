import Foundation
import Testing
import WardCore
import WardGeoIP

/// The made-up database written by Scripts/make-geoip-fixture.pl (MaxMind::DB::Writer, never a downloaded one).
private let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/wardwatch-test.mmdb").path

private func address(_ text: String) throws -> IPAddress { try #require(IPAddress(text)) }

@Suite struct GeoIPDatabaseTests {
    let database: GeoIPDatabase

    init() throws { database = try GeoIPDatabase(path: fixturePath) }

    @Test func opensTheTestDatabase() {
        #expect(database.databaseType == "WardWatch-Test-GeoIP")
    }

    @Test func findsCountryAndASNForIPv4() throws {
        let result = try #require(database.lookup(address("81.2.69.160")))
        #expect(
            result
                == GeoIPResult(
                    countryISOCode: "GB", countryName: "United Kingdom", asn: 20712,
                    organization: "Andrews & Arnold Ltd"))
    }

    @Test func findsPartialRecords() throws {
        #expect(
            database.lookup(try address("89.160.20.115"))
                == GeoIPResult(countryISOCode: "SE", countryName: "Sweden"))
        // Only registered_country in the record: used as the country.
        #expect(
            database.lookup(try address("175.16.199.1"))
                == GeoIPResult(countryISOCode: "CN", countryName: "China"))
        // A direct lookup answers for documentation ranges too; only the enricher skips them.
        #expect(
            database.lookup(try address("203.0.113.7")) == GeoIPResult(asn: 64496, organization: "WardWatch Test AS"))
    }

    @Test func findsIPv6WithUTF8Organization() throws {
        let result = try #require(database.lookup(address("2a02:cf47:1234::1")))
        #expect(result.countryISOCode == "DE")
        #expect(result.asn == 4_200_000_001)
        #expect(result.organization == "Müller Netz GmbH")
    }

    @Test(arguments: ["81.2.70.1", "89.160.20.128", "8.8.8.8", "2a02:cf48::1", "2001:4860::8888"])
    func missesAddressesNotInTheDatabase(_ text: String) throws {
        #expect(database.lookup(try address(text)) == nil)
    }

    @Test func ipv4MappedAndIPv4AreTheSameAddress() throws {
        // WardCore holds IPv4 as ::ffff:a.b.c.d; both spellings parse to the same value and find the same record.
        #expect(database.lookup(try address("::ffff:81.2.69.1"))?.countryISOCode == "GB")
    }

    @Test func boundaryAddressesOfANetwork() throws {
        #expect(database.lookup(try address("81.2.69.0"))?.countryISOCode == "GB")
        #expect(database.lookup(try address("81.2.69.255"))?.countryISOCode == "GB")
        #expect(database.lookup(try address("81.2.68.255")) == nil)
    }
}

@Suite struct GeoIPOpenErrorTests {
    @Test func missingFileNamesTheFile() {
        let path = "/nonexistent/wardwatch/GeoLite2-Country.mmdb"
        #expect {
            try GeoIPDatabase(path: path)
        } throws: { error in
            guard let error = error as? GeoIPError else { return false }
            return error.message.contains(path) && error.message.contains("No such file or directory")
        }
    }

    @Test func corruptFileGivesAClearError() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("wardwatch-geoip-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // Not a MaxMind DB at all.
        let garbage = directory.appendingPathComponent("garbage.mmdb").path
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: garbage))
        // A real database cut in half: the metadata marker at the end is gone.
        let truncated = directory.appendingPathComponent("truncated.mmdb").path
        let original = try Data(contentsOf: URL(fileURLWithPath: fixturePath))
        try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: truncated))
        // Empty file.
        let empty = directory.appendingPathComponent("empty.mmdb").path
        try Data().write(to: URL(fileURLWithPath: empty))

        for (path, reason) in [
            (garbage, "invalid metadata"), (truncated, "invalid metadata"), (empty, "the file is empty"),
        ] {
            do {
                _ = try GeoIPDatabase(path: path)
                Issue.record("opened corrupt \(path)")
            } catch {
                #expect(error.message.hasPrefix("GeoIP database '\(path)': "), "\(error.message)")
                #expect(error.message.contains(reason), "\(error.message)")
            }
        }
    }
}

@Suite struct GeoIPEnricherTests {
    let enricher: GeoIPEnricher

    init() throws {
        // One combined database serves as both; separate Country and ASN files work the same way.
        let database = try GeoIPDatabase(path: fixturePath)
        enricher = GeoIPEnricher(country: database, asn: database)
    }

    @Test func enrichesPublicAddresses() throws {
        #expect(enricher.enrich(try address("81.2.69.5"))?.countryISOCode == "GB")
        #expect(enricher.enrich(try address("2a02:cf40::5"))?.asn == 4_200_000_001)
        #expect(enricher.enrich(try address("8.8.8.8")) == nil)
    }

    @Test(arguments: [
        "10.1.2.3", "172.16.10.5", "172.31.255.255", "192.168.1.1",  // RFC 1918
        "100.64.0.1", "100.127.255.254",  // RFC 6598
        "127.0.0.1", "169.254.1.1", "224.0.0.251", "239.255.255.250", "255.255.255.255", "0.0.0.0",
        "192.0.2.1", "198.51.100.1", "203.0.113.7",  // documentation (203.0.113.0/24 IS in the database)
        "::1", "::", "fe80::1", "fd00:1::5", "fc00::1", "ff02::1", "2001:db8::1",
    ])
    func skipsPrivateAndSpecialAddresses(_ text: String) throws {
        #expect(enricher.enrich(try address(text)) == nil)
    }

    @Test func takesCountryAndASNFromTheirOwnDatabases() throws {
        let database = try GeoIPDatabase(path: fixturePath)
        let countryOnly = GeoIPEnricher(country: database, asn: nil)
        #expect(
            countryOnly.enrich(try address("81.2.69.5"))
                == GeoIPResult(countryISOCode: "GB", countryName: "United Kingdom"))
        let asnOnly = GeoIPEnricher(country: nil, asn: database)
        #expect(
            asnOnly.enrich(try address("81.2.69.5")) == GeoIPResult(asn: 20712, organization: "Andrews & Arnold Ltd"))
        #expect(GeoIPEnricher(country: nil, asn: nil).enrich(try address("81.2.69.5")) == nil)
    }

    @Test func encodesECSFieldsInsideTheOpenEndpointObject() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.beginObject("destination")
        writer.key("ip")
        writer.value(try address("81.2.69.5"))
        enricher.encode(try #require(enricher.enrich(address("81.2.69.5"))), into: &writer)
        writer.endObject()
        writer.endObject()
        #expect(
            writer.text == #"""
                {"destination":{"ip":"81.2.69.5","geo":{"country_iso_code":"GB","country_name":"United Kingdom"},\#
                "as":{"number":20712,"organization":{"name":"Andrews & Arnold Ltd"}}}}
                """#)
    }

    @Test func encodesOnlyTheKnownFields() throws {
        var writer = JSONWriter()
        writer.beginObject()
        enricher.encode(GeoIPResult(asn: 64496), into: &writer)
        writer.endObject()
        writer.beginObject()
        enricher.encode(GeoIPResult(countryISOCode: "SE"), into: &writer)
        enricher.encode(GeoIPResult(), into: &writer)
        writer.endObject()
        #expect(
            writer.text
                == #"{"as":{"number":64496}},{"geo":{"country_iso_code":"SE"}}"#)
    }

    @Test func escapesOrganizationNames() throws {
        var writer = JSONWriter()
        writer.beginObject()
        enricher.encode(GeoIPResult(organization: "Quote \" Backslash \\"), into: &writer)
        writer.endObject()
        #expect(
            writer.text
                == #"{"as":{"organization":{"name":"Quote \" Backslash \\"}}}"#)
    }
}
