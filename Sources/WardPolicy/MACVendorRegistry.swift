import Foundation
import WardAnomaly
import WardCore

/// Loads the MAC vendor registry: Debian's `ieee-data` (the IEEE MA-L registry) when installed, else the fallback
/// `Signatures/mac-vendors.csv`. Both use IEEE's CSV layout: `Registry,Assignment,Organization Name,...`.
public enum MACVendorRegistry {
    /// Where Debian's ieee-data package puts the IEEE MA-L registry.
    public static let systemRegistry = "/usr/share/ieee-data/oui.csv"
    /// The fallback's file name in a signatures directory.
    public static let fallbackFileName = "mac-vendors.csv"

    /// The system registry if present (read at the first lookup), else the fallback in `signaturesDirectory` (read
    /// and validated now), else none.
    /// - Throws: `ConfigurationErrors` for a malformed fallback file (the system registry is not ours: bad rows there
    ///   are skipped).
    public static func load(
        signaturesDirectory: String?, systemPath: String = systemRegistry
    ) throws(ConfigurationErrors) -> MACVendors {
        if !systemPath.isEmpty && FileManager.default.isReadableFile(atPath: systemPath) {
            return MACVendors(loadingLazily: {
                let bytes = FileManager.default.contents(atPath: systemPath).map { [UInt8]($0) } ?? []
                return parse(bytes: bytes, file: systemPath).table
            })
        }
        guard let directory = signaturesDirectory else { return .empty }
        let path = (directory as NSString).appendingPathComponent(fallbackFileName)
        guard FileManager.default.fileExists(atPath: path) else { return .empty }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationErrors(errors: [
                ConfigurationError(code: .unreadableFile, file: path, line: 0, key: "", reason: "cannot read the file")
            ])
        }
        let (table, errors) = parse(bytes: [UInt8](data), file: path)
        guard errors.isEmpty else { throw ConfigurationErrors(errors: errors) }
        return MACVendors(table)
    }

    /// Parses IEEE CSV text: a header row, `#` comment lines and blank lines are skipped; other rows need a 6-hex-digit
    /// `MA-L` assignment and an organisation name. Returns the registry and one error per bad row.
    ///
    /// Works on the UTF-8 bytes (the system registry has some 35,000 rows and is read at every start).
    public static func parse(_ text: String, file: String) -> (MACVendors, [ConfigurationError]) {
        let (table, errors) = parse(bytes: Array(text.utf8), file: file)
        return (MACVendors(table), errors)
    }

    /// `parse(_:file:)` on the file's bytes; the names stay in `bytes` (`MACVendors` decodes one when looked up).
    public static func parse(bytes: [UInt8], file: String) -> (table: MACVendors.Table, errors: [ConfigurationError]) {
        // Room for a prefix per line, so that the table never grows, and no more (memchr counts the lines).
        var lines = 1
        bytes.withUnsafeBytes { raw in
            guard var cursor = raw.baseAddress else { return }
            let end = cursor + raw.count
            while let newline = memchr(cursor, 0x0A, end - cursor) {
                lines += 1
                cursor = UnsafeRawPointer(newline) + 1
            }
        }
        var names = OpenTable<UInt32, Range<Int32>>(minimumCapacity: lines)
        var errors: [ConfigurationError] = []
        bytes.withUnsafeBufferPointer { buffer in
            var lineStart = 0
            var lineNumber = 0
            while lineStart < buffer.count {
                // memchr: a byte loop here cost half the parse (1.7 of the file's 3 MB are addresses, never read).
                let lineEnd = memchr(buffer.baseAddress! + lineStart, 0x0A, buffer.count - lineStart).map {
                    buffer.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self))
                } ?? buffer.count
                lineNumber += 1
                defer { lineStart = lineEnd + 1 }
                let line = trimmed(buffer, lineStart..<lineEnd)
                if line.isEmpty || buffer[line.lowerBound] == UInt8(ascii: "#")
                    || buffer[line.lowerBound] == UInt8(ascii: "R") && buffer[line].starts(with: "Registry,".utf8)
                {
                    continue
                }
                func text(_ range: Range<Int>) -> String { String(decoding: buffer[range], as: UTF8.self) }
                func fail(_ reason: String) {
                    errors.append(ConfigurationError(code: .badValue, file: file, line: lineNumber, key: "", reason: reason))
                }
                var fields = InlineArray<3, Range<Int>>(repeating: 0..<0)
                let count = csvFields(buffer, line, into: &fields)
                guard count == 3 else {
                    fail("expected Registry,Assignment,Organization Name; found \(count) field(s)")
                    continue
                }
                guard buffer[fields[0]].elementsEqual("MA-L".utf8) else { continue }  // MA-M/MA-S: longer prefixes
                guard fields[1].count == 6, let prefix = hexValue(buffer[fields[1]]) else {
                    fail("assignment \"\(text(fields[1]))\" is not 6 hexadecimal digits")
                    continue
                }
                let name = trimmed(buffer, fields[2])
                guard !name.isEmpty else {
                    fail("assignment \(text(fields[1])) has no organization name")
                    continue
                }
                names.insert(Int32(name.lowerBound)..<Int32(name.upperBound), for: prefix)  // the first wins
            }
        }
        return (MACVendors.Table(text: bytes, names: names), errors)
    }

    private static func hexValue(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> UInt32? {
        var value: UInt32 = 0
        for digit in digits {
            let nibble: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = digit - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    /// The byte ranges of the first fields of the row `line` of `bytes`, as many as `fields` holds; returns how many
    /// were found. A quoted field (`"Siemens, Inc"`) is the range inside its quotes; a doubled quote inside it (`""`)
    /// stays doubled, which only a vendor name could show.
    static func csvFields<let n: Int>(
        _ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, into fields: inout InlineArray<n, Range<Int>>
    ) -> Int {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        var count = 0
        var index = line.lowerBound
        while count < n {
            if index < line.upperBound && bytes[index] == quote {
                let start = index + 1
                index = start
                while index < line.upperBound {
                    if bytes[index] != quote {
                        index += 1
                    } else if index + 1 < line.upperBound && bytes[index + 1] == quote {
                        index += 2
                    } else {
                        break
                    }
                }
                fields[count] = start..<index
                while index < line.upperBound && bytes[index] != comma { index += 1 }  // the closing quote and beyond
            } else {
                let start = index
                while index < line.upperBound && bytes[index] != comma { index += 1 }
                fields[count] = start..<index
            }
            count += 1
            guard index < line.upperBound else { break }
            index += 1  // the comma
        }
        return count
    }

    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && isSpace(bytes[lower]) { lower += 1 }
        while upper > lower && isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
}
