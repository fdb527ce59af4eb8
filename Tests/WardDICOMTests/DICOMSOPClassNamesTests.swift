import Testing

@testable import WardDICOM

/// SOP class names looked up by a UID's bytes.
@Suite struct DICOMSOPClassNamesTests {
    private static func nameIndex(_ uid: String, in table: DICOMSOPClassNames) -> Int? {
        var uid = uid
        return uid.withUTF8 { table.nameIndex(of: UnsafeRawBufferPointer($0)) }
    }

    @Test func findsNamesByUIDBytes() throws {
        let table = DICOMSOPClassNames([
            "1.2.840.10008.1.1": "Verification SOP Class",
            "1.2.840.10008.5.1.4.1.1.2": "CT Image Storage",
            "1.2.840.10008.5.1.4.1.1.2.1": "Enhanced CT Image Storage",
            "1.2.840.10008.5.1.4.1.1.7": "Secondary Capture Image Storage",
            "1.2.840.10008.5.1.4.1.1.77.1.4": "Secondary Capture Image Storage",  // a shared name, for the test
            "DOE^JANE": "not a UID",
        ])
        let ct = try #require(Self.nameIndex("1.2.840.10008.5.1.4.1.1.2", in: table))
        #expect(table.name(at: ct) == "CT Image Storage")
        let enhanced = try #require(Self.nameIndex("1.2.840.10008.5.1.4.1.1.2.1", in: table))
        #expect(table.name(at: enhanced) == "Enhanced CT Image Storage")
        #expect(Self.nameIndex("1.2.840.10008.5.1.4.1.1", in: table) == nil)
        #expect(Self.nameIndex("DOE^JANE", in: table) == nil)
        // Equal names share an index, so a record lists the name once.
        #expect(
            Self.nameIndex("1.2.840.10008.5.1.4.1.1.7", in: table)
                == Self.nameIndex("1.2.840.10008.5.1.4.1.1.77.1.4", in: table))
        #expect(DICOMSOPClassNames().isEmpty && !table.isEmpty)
    }
}
