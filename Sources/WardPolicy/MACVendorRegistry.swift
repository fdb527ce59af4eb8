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
    public static func parse(_ text: String, file: String) -> (MACVendors, [ConfigurationError]) {
        var names: [UInt32: String] = [:]
        var errors: [ConfigurationError] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("Registry,") { continue }
            let fields = csvFields(trimmed)
            func fail(_ reason: String) {
                errors.append(ConfigurationError(code: .badValue, file: file, line: lineNumber, key: "", reason: reason))
            }
            guard fields.count >= 3 else {
                fail("expected Registry,Assignment,Organization Name; found \(fields.count) field(s)")
                continue
            }
            guard fields[0] == "MA-L" else { continue }  // MA-M/MA-S blocks are longer prefixes: not used here
            guard fields[1].utf8.count == 6, let prefix = UInt32(fields[1], radix: 16) else {
                fail("assignment \"\(fields[1])\" is not 6 hexadecimal digits")
                continue
            }
            let name = fields[2].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else {
                fail("assignment \(fields[1]) has no organization name")
                continue
            }
            if names[prefix] == nil { names[prefix] = name }
        }
        return (MACVendors(names), errors)
    }

    /// The fields of one CSV row (RFC 4180 quoting: `"a, b"` and `""` for a quote).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            if next == "," {
                                fields.append(field)
                                field = ""
                            } else {
                                field.append(next)
                            }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
