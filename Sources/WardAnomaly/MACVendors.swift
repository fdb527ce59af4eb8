import Synchronization
import WardCore

/// MAC address vendors by IEEE OUI (MA-L, 24-bit prefix): "who made this device" for alerts and the inventory.
///
/// WardPolicy loads it from Debian's `ieee-data` registry when installed, else from `Signatures/mac-vendors.csv`.
/// The system registry (some 35,000 rows) is read at the first lookup, not at start: most runs never need a vendor
/// (one is looked up per new device or inventory row). Names stay bytes of the file until looked up.
public struct MACVendors: Sendable {
    /// The parsed registry: names as byte ranges of the file's text.
    public struct Table: Sendable {
        let text: [UInt8]
        /// Name ranges by OUI (an `OpenTable`: the system registry's 32,000 prefixes are added at every start, and a
        /// `Dictionary` hashed each one twice with SipHash).
        let names: OpenTable<UInt32, Range<Int32>>

        /// A table whose names are the byte ranges `names` of `text` (UTF-8), by OUI (upper 24 bits).
        public init(text: [UInt8], names: [UInt32: Range<Int32>]) {
            var table = OpenTable<UInt32, Range<Int32>>()
            for (prefix, range) in names where range.lowerBound >= 0 && Int(range.upperBound) <= text.count {
                table.set(range, for: prefix)
            }
            self.init(text: text, names: table)
        }

        /// A table from name ranges the caller checked lie within `text`.
        package init(text: [UInt8], names: OpenTable<UInt32, Range<Int32>>) {
            self.text = text
            self.names = names
        }
    }

    private final class Source: Sendable {
        /// The table once loaded. Not an optional: unwrapping one copied the table (and retained its storage) at
        /// every lookup.
        private struct Loaded {
            var isLoaded = false
            var table = Table(text: [], names: OpenTable())
        }

        let load: @Sendable () -> Table
        private let loaded = Mutex(Loaded())

        init(load: @escaping @Sendable () -> Table) {
            self.load = load
        }

        func withTable<R>(_ body: (Table) -> R) -> R {
            loaded.withLock { loaded in
                if !loaded.isLoaded {
                    loaded.table = load()
                    loaded.isLoaded = true
                }
                return body(loaded.table)
            }
        }
    }

    private let source: Source

    /// No vendors known.
    public static let empty = MACVendors(Table(text: [], names: [:]))

    /// A registry from a parsed table.
    public init(_ table: Table) {
        source = Source { table }
    }

    /// A registry read by `load` at the first lookup.
    public init(loadingLazily load: @escaping @Sendable () -> Table) {
        source = Source(load: load)
    }

    /// A registry from OUI → organisation name.
    public init(_ names: [UInt32: String]) {
        var text: [UInt8] = []
        var ranges: [UInt32: Range<Int32>] = [:]
        for (prefix, name) in names {
            let start = Int32(text.count)
            text.append(contentsOf: name.utf8)
            ranges[prefix] = start..<Int32(text.count)
        }
        self.init(Table(text: text, names: ranges))
    }

    /// The number of prefixes known (loads the registry).
    public var count: Int { source.withTable { $0.names.count } }

    /// The vendor of `mac`, or `nil` when unknown or when the address is locally administered (randomised).
    public func vendor(of mac: MACAddress) -> String? {
        withVendor(of: mac) { name in name.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// `body` given the UTF-8 of `mac`'s vendor where the registry holds it, or `nil` as for `vendor(of:)`.
    func withVendor<Result>(of mac: MACAddress, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard !mac.isLocallyAdministered else { return body(nil) }
        return source.withTable { table in
            guard let range = table.names[mac.oui] else { return body(nil) }
            return table.text.withUnsafeBytes { text in
                body(UnsafeRawBufferPointer(rebasing: text[Int(range.lowerBound)..<Int(range.upperBound)]))
            }
        }
    }
}
