import WardDICOM

/// The `sop_class_names` arrays of recent DICOM associations as rendered, by the UIDs they were named from.
///
/// A modality proposes the same presentation contexts in every association it opens, and naming them looked each
/// UID (dozens per association) up in the SOP class table again: a sixth of the output thread's work on a DICOM
/// record. An entry is used only when both lists are equal, UID for UID; eight entries, replaced in turn.
struct SOPClassNamesCache {
    private struct Entry {
        var abstractSyntaxes: DICOMUIDList
        var affectedSOPClasses: [String]
        var rendered: [UInt8]
    }

    private var entries: [Entry] = []
    private var nextReplaced = 0
    private static let capacity = 8

    /// The rendered array for these lists, if cached.
    func rendered(abstractSyntaxes: DICOMUIDList, affectedSOPClasses: [String]) -> [UInt8]? {
        for entry in entries
        where entry.abstractSyntaxes == abstractSyntaxes && entry.affectedSOPClasses == affectedSOPClasses {
            return entry.rendered
        }
        return nil
    }

    /// Keeps `rendered`, the array named from these lists.
    mutating func store(_ rendered: [UInt8], abstractSyntaxes: DICOMUIDList, affectedSOPClasses: [String]) {
        let entry = Entry(
            abstractSyntaxes: abstractSyntaxes, affectedSOPClasses: affectedSOPClasses, rendered: rendered)
        if entries.count < Self.capacity {
            entries.append(entry)
        } else {
            entries[nextReplaced] = entry
            nextReplaced = (nextReplaced + 1) % Self.capacity
        }
    }
}
