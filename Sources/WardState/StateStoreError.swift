/// Why the state DB could not be used: each case says what to do.
public enum StateStoreError: Error, CustomStringConvertible, Equatable {
    /// SQLite could not open or create the file.
    case cannotOpen(path: String, reason: String)
    /// The integrity check at start failed; the database is not used.
    case corrupt(path: String, reason: String)
    /// A newer WardWatch wrote it (schema version above what this build knows).
    case newerSchema(path: String, version: Int)
    /// A read or write failed.
    case failed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "\(path): cannot open the state DB: \(reason)"
        case .corrupt(let path, let reason):
            "\(path): the state DB failed its integrity check (\(reason)); move it away and run `wardwatch learn` again"
        case .newerSchema(let path, let version):
            "\(path): the state DB has schema version \(version), newer than this wardwatch understands; upgrade wardwatch"
        case .failed(let path, let reason):
            "\(path): state DB error: \(reason)"
        }
    }
}
