import Foundation

/// Checks a JSON configuration file before swift-configuration reads it. The reader only looks
/// up the keys it is asked for, so a misspelt key (`"prot"`) would silently leave the default.
enum ConfigurationFile {
    /// Throws a `ConfigurationError` for text that is not JSON (naming line and column), for a key
    /// not in `knownKeys`, or for a value of the wrong shape. Nested objects spell dotted keys
    /// (`{"http": {"port": 1}}` is `http.port`); keys named `_comment`, at any level, are comments.
    static func check(_ path: String, knownKeys: Set<String>) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not a readable file" : "no such file"
            throw ConfigurationError(key: "--config", reason: "cannot read \(path): \(reason)")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            let location = JSONSyntaxError.first(in: Array(data))?.description ?? error.localizedDescription
            throw ConfigurationError(key: "--config", reason: "\(path) is not valid JSON: \(location)")
        }
        guard let object = root as? [String: Any] else {
            throw ConfigurationError(key: "--config", reason: "\(path) must hold a JSON object, like {\"http\": {\"port\": 8081}}")
        }
        try checkKeys(of: object, under: nil, knownKeys: knownKeys, file: path)
    }

    private static func checkKeys(of object: [String: Any], under group: String?, knownKeys: Set<String>, file: String) throws {
        // Sorted so that, of several mistakes, the same one is reported every time.
        for (name, value) in object.sorted(by: { $0.key < $1.key }) where name != "_comment" {
            let key = group.map { "\($0).\(name)" } ?? name
            let members = names(in: key, knownKeys: knownKeys)
            if knownKeys.contains(key) {
                if value is [String: Any] {
                    throw ConfigurationError(key: key, reason: "must be a value, not an object")
                }
            } else if !members.isEmpty {
                // null stands for "not set", as it does for a value.
                if value is NSNull { continue }
                guard let inner = value as? [String: Any] else {
                    throw ConfigurationError(key: key, reason: "must be an object with keys \(members.joined(separator: ", "))")
                }
                try checkKeys(of: inner, under: key, knownKeys: knownKeys, file: file)
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
