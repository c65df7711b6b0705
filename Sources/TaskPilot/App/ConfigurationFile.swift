import Foundation

/// Checks a JSON configuration file before swift-configuration reads it. The reader only looks
/// up the keys it is asked for, so a misspelt key (`"prot"`) would silently leave the default.
enum ConfigurationFile {
    /// Throws a `ConfigurationError` for text that is not strict JSON (naming line and column; a
    /// key named twice counts), for a key
    /// not in `knownKeys`, or for a value of the wrong shape. Nested objects spell dotted keys
    /// (`{"http": {"port": 1}}` is `http.port`); keys named `_comment`, at any level, are comments.
    static func check(_ path: String, knownKeys: Set<String>) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not a readable file" : "no such file"
            throw ConfigurationError(key: "--config", reason: "cannot read \(path): \(reason)")
        }
        let root: JSONValue
        do throws(JSONParser.Failure) {
            root = try JSONParser.parse(data)
        } catch {
            let (line, column) = error.location(in: data)
            throw ConfigurationError(key: "--config", reason: "\(path) is not valid JSON: line \(line), column \(column): \(error.reason)")
        }
        guard case .object(let object) = root else {
            throw ConfigurationError(key: "--config", reason: "\(path) must hold a JSON object, like {\"http\": {\"port\": 8081}}")
        }
        try checkKeys(of: object, under: nil, knownKeys: knownKeys, file: path)
    }

    private static func checkKeys(of object: [String: JSONValue], under group: String?, knownKeys: Set<String>, file: String) throws {
        // Sorted so that, of several mistakes, the same one is reported every time.
        for (name, value) in object.sorted(by: { $0.key < $1.key }) where name != "_comment" {
            let key = group.map { "\($0).\(name)" } ?? name
            let members = names(in: key, knownKeys: knownKeys)
            if knownKeys.contains(key) {
                if case .object = value {
                    throw ConfigurationError(key: key, reason: "must be a value, not an object")
                }
            } else if !members.isEmpty {
                switch value {
                case .null:
                    // null stands for "not set", as it does for a value.
                    continue
                case .object(let inner):
                    try checkKeys(of: inner, under: key, knownKeys: knownKeys, file: file)
                default:
                    throw ConfigurationError(key: key, reason: "must be an object with keys \(members.joined(separator: ", "))")
                }
            } else {
                let known = names(in: group, knownKeys: knownKeys).joined(separator: ", ")
                throw ConfigurationError(
                    key: key,
                    reason: "unknown key in \(file); known keys \(group.map { "in \($0) " } ?? "")are \(known)"
                )
            }
        }
    }

    /// The names directly inside `group` (the top level for nil): `http` gives `corsOrigins`, `host`, ...
    private static func names(in group: String?, knownKeys: Set<String>) -> [String] {
        let prefix = group.map { "\($0)." } ?? ""
        let inside = knownKeys.filter { $0.hasPrefix(prefix) }.map { $0.dropFirst(prefix.count).prefix { $0 != "." } }
        return Set(inside.map(String.init)).sorted()
    }
}
