/// Writes compact JSON objects with keys in the order they are added.
///
/// Foundation's `JSONEncoder` orders keys differently from one run to the next; TaskPilot's
/// answers and the reference scheduler's must have a fixed field order (the DTP contract's),
/// so both build their JSON with this.
public struct JSONObject: Sendable {
    private var text = "{"

    public init() {}

    public mutating func add(_ key: String, _ value: String?) {
        addRaw(key, value.map(JSONObject.quoted) ?? "null")
    }

    public mutating func add(_ key: String, _ value: Int64?) {
        addRaw(key, value.map { String($0) } ?? "null")
    }

    public mutating func add(_ key: String, _ value: Int?) {
        addRaw(key, value.map { String($0) } ?? "null")
    }

    /// Adds `json`, which must already be valid JSON (a nested object or array).
    public mutating func addRaw(_ key: String, _ json: String) {
        if text.count > 1 { text += "," }
        text += JSONObject.quoted(key)
        text += ":"
        text += json
    }

    public var json: String { text + "}" }

    /// `elements` (each valid JSON) as a JSON array.
    public static func array(_ elements: [String]) -> String {
        "[" + elements.joined(separator: ",") + "]"
    }

    /// `string` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func quoted(_ string: String) -> String {
        // Most strings need no escaping; checking the bytes first spares the scalar-by-scalar copy.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + string + "\""
        }
        var result = "\""
        result.reserveCapacity(string.utf8.count + 2)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
