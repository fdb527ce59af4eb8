import Foundation
import WardAnomaly

/// Loads the MAC vendor registry: Debian's `ieee-data` (the IEEE MA-L registry) when installed, else the fallback
/// `Signatures/mac-vendors.csv`. Both use IEEE's CSV layout: `Registry,Assignment,Organization Name,...`.
public enum MACVendorRegistry {
    /// Where Debian's ieee-data package puts the IEEE MA-L registry.
    public static let systemRegistry = "/usr/share/ieee-data/oui.csv"
    /// The fallback's file name in a signatures directory.
    public static let fallbackFileName = "mac-vendors.csv"

    /// The system registry if readable, else the fallback in `signaturesDirectory`, else none.
    /// - Throws: `ConfigurationErrors` for a malformed fallback file (the system registry is not ours: bad rows there
    ///   are skipped).
    public static func load(
        signaturesDirectory: String?, systemPath: String = systemRegistry
    ) throws(ConfigurationErrors) -> MACVendors {
        if let text = try? String(contentsOfFile: systemPath, encoding: .utf8) {
            let (vendors, _) = parse(text, file: systemPath)
            if vendors.count > 0 { return vendors }
        }
        guard let directory = signaturesDirectory else { return .empty }
        let path = (directory as NSString).appendingPathComponent(fallbackFileName)
        guard FileManager.default.fileExists(atPath: path) else { return .empty }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationErrors(errors: [
                ConfigurationError(code: .unreadableFile, file: path, line: 0, key: "", reason: "cannot read: \(error.localizedDescription)")
            ])
        }
        let (vendors, errors) = parse(text, file: path)
        guard errors.isEmpty else { throw ConfigurationErrors(errors: errors) }
        return vendors
    }

    /// Parses IEEE CSV text: a header row, `#` comment lines and blank lines are skipped; other rows need a 6-hex-digit
    /// `MA-L` assignment and an organisation name. Returns the registry and one error per bad row.
    ///
    /// Works on the UTF-8 bytes (the system registry has some 35,000 rows and is read at every start).
    public static func parse(_ text: String, file: String) -> (MACVendors, [ConfigurationError]) {
        var names: [UInt32: String] = [:]
        var errors: [ConfigurationError] = []
        let bytes = Array(text.utf8)
        var lineStart = 0
        var lineNumber = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            lineNumber += 1
            defer { lineStart = lineEnd + 1 }
            let line = trimmed(bytes[lineStart..<lineEnd])
            if line.isEmpty || line.first == UInt8(ascii: "#") || line.starts(with: "Registry,".utf8) { continue }
            func fail(_ reason: String) {
                errors.append(ConfigurationError(code: .badValue, file: file, line: lineNumber, key: "", reason: reason))
            }
            let fields = csvFields(line, limit: 3)
            guard fields.count >= 3 else {
                fail("expected Registry,Assignment,Organization Name; found \(fields.count) field(s)")
                continue
            }
            guard fields[0].elementsEqual("MA-L".utf8) else { continue }  // MA-M/MA-S blocks are longer prefixes
            let assignment = String(decoding: fields[1], as: UTF8.self)
            guard fields[1].count == 6, let prefix = UInt32(assignment, radix: 16) else {
                fail("assignment \"\(assignment)\" is not 6 hexadecimal digits")
                continue
            }
            let name = trimmed(fields[2][...])
            guard !name.isEmpty else {
                fail("assignment \(assignment) has no organization name")
                continue
            }
            if names[prefix] == nil { names[prefix] = String(decoding: name, as: UTF8.self) }
        }
        return (MACVendors(names), errors)
    }

    /// The first `limit` fields of one CSV row (RFC 4180 quoting: `"a, b"` and `""` for a quote).
    static func csvFields(_ line: ArraySlice<UInt8>, limit: Int) -> [[UInt8]] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex && fields.count < limit {
            let byte = line[index]
            index += 1
            if quoted {
                if byte != quote {
                    field.append(byte)
                } else if index < line.endIndex && line[index] == quote {
                    field.append(quote)
                    index += 1
                } else {
                    quoted = false
                }
            } else if byte == quote && field.isEmpty {
                quoted = true
            } else if byte == comma {
                fields.append(field)
                field = []
            } else {
                field.append(byte)
            }
        }
        if fields.count < limit { fields.append(field) }
        return fields
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        var slice = bytes
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return slice
    }
}
