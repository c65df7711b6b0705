/// Writes compact JSON objects with keys in the order they are added.
///
/// Foundation's `JSONEncoder` orders keys differently from one run to the next; TaskPilot's
/// answers and the reference scheduler's must have a fixed field order (the DTP contract's),
/// so both build their JSON with this.
public struct JSONObject: Sendable {
    /// UTF-8, appended in place: a page of fifty tasks adds about a thousand members, and
    /// appending to a `String` checks its storage and recounts its flags on every append.
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    public init() {
        bytes.reserveCapacity(256)
    }

    public mutating func add(_ key: String, _ value: String?) {
        appendKey(key)
        if let value {
            JSONObject.appendQuoted(value, to: &bytes)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    public mutating func add(_ key: String, _ value: Int64?) {
        addRaw(key, value.map { String($0) } ?? "null")
    }

    public mutating func add(_ key: String, _ value: Int?) {
        addRaw(key, value.map { String($0) } ?? "null")
    }

    /// Adds `json`, which must already be valid JSON (a nested object or array).
    public mutating func addRaw(_ key: String, _ json: String) {
        appendKey(key)
        bytes.append(contentsOf: json.utf8)
    }

    public var json: String {
        var closed = bytes
        closed.append(UInt8(ascii: "}"))
        return String(decoding: closed, as: UTF8.self)
    }

    private mutating func appendKey(_ key: String) {
        if bytes.count > 1 {
            bytes.append(UInt8(ascii: ","))
        }
        JSONObject.appendQuoted(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// `elements` (each valid JSON) as a JSON array.
    public static func array(_ elements: [String]) -> String {
        "[" + elements.joined(separator: ",") + "]"
    }

    /// `string` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func quoted(_ string: String) -> String {
        var result: [UInt8] = []
        appendQuoted(string, to: &result)
        return String(decoding: result, as: UTF8.self)
    }

    private static func appendQuoted(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            // Most strings need no escaping: copied whole.
            guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                out.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
                case 0x08: out.append(contentsOf: #"\b"#.utf8)
                case 0x0C: out.append(contentsOf: #"\f"#.utf8)
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: #"\u00"#.utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0x0F)])
                default:
                    out.append(byte)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
