/// SOP class names by UID (`Signatures/dicom-sop-classes.yaml`), looked up by a UID's bytes without making a
/// `String`: a DICOM record names every SOP class it lists, up to 64 per association.
public struct DICOMSOPClassNames: Sendable {
    /// The known UIDs.
    private var uids = DICOMUIDList(limit: Int.max)
    /// For each UID, the index of its name in `names`.
    private var nameIndices: [Int] = []
    /// The distinct names.
    private var names: [String] = []

    /// A table from UID → name pairs (UIDs that are not digits and dots are left out).
    public init(_ table: [String: String] = [:]) {
        var nameIndexByName: [String: Int] = [:]
        for (uid, name) in table.sorted(by: { $0.key < $1.key }) {
            var uid = uid
            guard uid.withUTF8({ DICOMText.isValidUID(UnsafeRawBufferPointer($0)) }),
                let position = uid.withUTF8({ uids.insert(UnsafeRawBufferPointer($0)) }),
                position == nameIndices.count
            else { continue }
            let nameIndex = nameIndexByName[name] ?? names.count
            if nameIndex == names.count {
                names.append(name)
                nameIndexByName[name] = nameIndex
            }
            nameIndices.append(nameIndex)
        }
    }

    /// Whether the table knows no UID.
    public var isEmpty: Bool { uids.isEmpty }

    /// The index of the name of `uid` (equal names share one index), or `nil` when the UID is unknown.
    public func nameIndex(of uid: UnsafeRawBufferPointer) -> Int? {
        uids.firstIndex(of: uid).map { nameIndices[$0] }
    }

    /// The index of the name of the UID at `position` of `list` (from inside this module, where reading the UID
    /// costs no generic call).
    public func nameIndex(ofUIDAt position: Int, in list: DICOMUIDList) -> Int? {
        list.withUID(at: position) { uid in uid.withUnsafeBytes { nameIndex(of: $0) } }
    }

    /// The name at `nameIndex`.
    public func name(at nameIndex: Int) -> String {
        names[nameIndex]
    }
}
