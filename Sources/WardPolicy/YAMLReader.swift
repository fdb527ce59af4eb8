import Foundation
import Yams

/// Walks a composed YAML node tree and collects line-numbered errors instead of stopping at the first one.
struct YAMLReader {
    let file: String
    private(set) var errors: [ConfigurationError] = []

    init(file: String) {
        self.file = file
    }

    /// Composes `text`; a syntax error becomes a `ConfigurationError` with libyaml's line.
    ///
    /// With Yams's basic resolver: every value is read from its scalar text (`string`, `integer`, `bool`), never
    /// from a resolved tag, and the default resolver compiles a dozen regular expressions first (a sixth of a
    /// replay's start-up instructions).
    mutating func compose(_ text: String) -> Node? {
        do {
            return try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            var line = 0
            var column = 0
            var problem = "\(error)"
            switch error {
            case .scanner(_, let text, let mark, _), .parser(_, let text, let mark, _),
                .composer(_, let text, let mark, _):
                line = mark.line
                column = mark.column
                problem = text
            default:
                break
            }
            errors.append(
                ConfigurationError(
                    code: .syntax, file: file, line: line, column: column, key: "", reason: "YAML syntax: \(problem)"))
            return nil
        } catch {
            errors.append(ConfigurationError(code: .syntax, file: file, line: 0, key: "", reason: "YAML: \(error)"))
            return nil
        }
    }

    mutating func fail(_ code: ConfigurationError.Code, _ node: Node?, _ key: String, _ reason: String) {
        errors.append(
            ConfigurationError(
                code: code, file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, key: key,
                reason: reason))
    }

    /// The members of a mapping, each with its key node; unknown keys and duplicates are reported.
    mutating func mapping(_ node: Node, _ path: String, allowed: [String]) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else {
            fail(.wrongType, node, path, "expected a mapping (key: value lines)")
            return []
        }
        var members: [(key: String, keyNode: Node, value: Node)] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                fail(.wrongType, keyNode, path, "keys must be plain names")
                continue
            }
            let memberPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                fail(.unknownKey, keyNode, memberPath, "unknown key (allowed: \(allowed.joined(separator: ", ")))")
                continue
            }
            guard seen.insert(key).inserted else {
                fail(.duplicate, keyNode, memberPath, "key given twice")
                continue
            }
            members.append((key, keyNode, value))
        }
        return members
    }

    /// The items of a sequence (a single scalar is not accepted).
    mutating func sequence(_ node: Node, _ path: String) -> [Node] {
        guard case .sequence(let sequence) = node else {
            fail(.wrongType, node, path, "expected a list ([a, b] or - items)")
            return []
        }
        return Array(sequence)
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            fail(.wrongType, node, path, "expected a single value")
            return nil
        }
        return scalar.string
    }

    mutating func integer(_ node: Node, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, path) else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(value) else {
            fail(.badValue, node, path, "expected a whole number in \(range.lowerBound)…\(range.upperBound), got \"\(text)\"")
            return nil
        }
        return value
    }

    mutating func number(_ node: Node, _ path: String, range: ClosedRange<Double>) -> Double? {
        guard let text = string(node, path) else { return nil }
        guard let value = Double(text.replacingOccurrences(of: "_", with: "")), value.isFinite, range.contains(value)
        else {
            fail(.badValue, node, path, "expected a number in \(range.lowerBound)…\(range.upperBound), got \"\(text)\"")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        guard let text = string(node, path) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            fail(.badValue, node, path, "expected true or false, got \"\(text)\"")
            return nil
        }
    }

    mutating func strings(_ node: Node, _ path: String) -> [String] {
        sequence(node, path).enumerated().compactMap { string($1, "\(path)[\($0)]") }
    }

    /// Checks `schema_version` (required, must be 1).
    mutating func schemaVersion(_ members: [(key: String, keyNode: Node, value: Node)], root: Node) {
        guard let member = members.first(where: { $0.key == "schema_version" }) else {
            fail(.missingKey, root, "schema_version", "required (schema_version: 1)")
            return
        }
        if let version = integer(member.value, "schema_version", range: 0...Int.max), version != 1 {
            fail(.unsupportedSchemaVersion, member.value, "schema_version", "version \(version) is not supported (1 is)")
        }
    }
}

/// Reads a file as UTF-8, reporting failure as a `ConfigurationError`.
func readText(_ path: String) -> Result<String, ConfigurationError> {
    guard let data = FileManager.default.contents(atPath: path) else {
        return .failure(ConfigurationError(code: .unreadableFile, file: path, line: 0, key: "", reason: "cannot read the file"))
    }
    guard let text = String(data: data, encoding: .utf8) else {
        return .failure(ConfigurationError(code: .unreadableFile, file: path, line: 0, key: "", reason: "not UTF-8 text"))
    }
    return .success(text)
}
