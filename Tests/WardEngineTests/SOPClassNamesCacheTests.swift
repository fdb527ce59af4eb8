import Testing
import WardDICOM

@testable import WardOutput

/// A DICOM record's `sop_class_names` are taken from the cache only for lists equal UID for UID to the ones they
/// were named from.
@Suite struct SOPClassNamesCacheTests {
    private static let rendered = Array(#"["Verification SOP Class"]"#.utf8)

    @Test func usesAnEntryOnlyForEqualLists() {
        var cache = SOPClassNamesCache()
        let abstract: DICOMUIDList = ["1.2.840.10008.1.1", "1.2.840.10008.5.1.4.1.1.2"]
        cache.store(Self.rendered, abstractSyntaxes: abstract, affectedSOPClasses: ["1.2.840.10008.1.1"])
        // An equal list made apart from the first one.
        let again: DICOMUIDList = ["1.2.840.10008.1.1", "1.2.840.10008.5.1.4.1.1.2"]
        #expect(cache.rendered(abstractSyntaxes: again, affectedSOPClasses: ["1.2.840.10008.1.1"]) == Self.rendered)
        // The same count with one UID different, the same bytes split differently, other affected classes.
        let other: DICOMUIDList = ["1.2.840.10008.1.1", "1.2.840.10008.5.1.4.1.1.4"]
        let resplit: DICOMUIDList = ["1.2.840.10008.1.11", ".2.840.10008.5.1.4.1.1.2"]
        #expect(cache.rendered(abstractSyntaxes: other, affectedSOPClasses: ["1.2.840.10008.1.1"]) == nil)
        #expect(cache.rendered(abstractSyntaxes: resplit, affectedSOPClasses: ["1.2.840.10008.1.1"]) == nil)
        #expect(cache.rendered(abstractSyntaxes: abstract, affectedSOPClasses: []) == nil)
    }

    @Test func keepsTheEightMostRecentLists() {
        var cache = SOPClassNamesCache()
        let lists = (0..<9).map { index -> DICOMUIDList in ["1.2.840.10008.5.1.4.1.1.\(index)"] }
        for (index, list) in lists.enumerated() {
            cache.store(Array("[\"\(index)\"]".utf8), abstractSyntaxes: list, affectedSOPClasses: [])
        }
        #expect(cache.rendered(abstractSyntaxes: lists[0], affectedSOPClasses: []) == nil)
        for index in 1..<9 {
            let expected = Array("[\"\(index)\"]".utf8)
            #expect(cache.rendered(abstractSyntaxes: lists[index], affectedSOPClasses: []) == expected)
        }
    }
}
