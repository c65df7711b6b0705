/// Writes compact JSON objects with keys in the order they are added.
///
/// Foundation's `JSONEncoder` orders keys differently from one run to the next; TaskPilot's
/// answers and the reference scheduler's must have a fixed field order (the DTP contract's),
/// so both build their JSON with this.
public struct JSONObject: Sendable {
    /// UTF-8, appended in place: a page of fifty tasks adds about a thousand members, and
    /// appending to a `String` checks its storage and recounts its flags on every append.
    /// Nested objects are written into the same bytes (`addObject`).
    private var bytes: [UInt8]
    private var isEmpty = true

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// Holds no bytes of its own until `appendNested` lends it some.
    private init(lending: Void) {
        bytes = []
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
        appendKey(key)
        if let value {
            JSONObject.appendDecimal(value, to: &bytes)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    public mutating func add(_ key: String, _ value: Int?) {
        add(key, value.map(Int64.init))
    }

    /// Adds `json`, which must already be valid JSON (a nested object or array).
    public mutating func addRaw(_ key: String, _ json: String) {
        appendKey(key)
        bytes.append(contentsOf: json.utf8)
    }

    /// Adds the object `write` builds, written in place; `null` when `write` is nil.
    public mutating func addObject(_ key: String, _ write: ((inout JSONObject) -> Void)?) {
        appendKey(key)
        guard let write else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        appendNested(write)
    }

    /// Adds an array of elements already written as JSON (each valid JSON).
    public mutating func addRawElements<Elements: Sequence>(_ key: String, _ elements: Elements, _ utf8: (Elements.Element) -> [UInt8]) {
        appendKey(key)
        bytes.append(UInt8(ascii: "["))
        var first = true
        for element in elements {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes.append(contentsOf: utf8(element))
        }
        bytes.append(UInt8(ascii: "]"))
    }

    public var json: String {
        String(decoding: utf8, as: UTF8.self)
    }

    /// The object's UTF-8, closed: what an answer's body sends, without the copy into a `String`.
    public var utf8: [UInt8] {
        var closed = bytes
        closed.append(UInt8(ascii: "}"))
        return closed
    }

    private mutating func appendKey(_ key: String) {
        if !isEmpty {
            bytes.append(UInt8(ascii: ","))
        }
        isEmpty = false
        JSONObject.appendQuoted(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Lends this object's bytes to a nested one for `write`, so nothing is copied.
    private mutating func appendNested(_ write: (inout JSONObject) -> Void) {
        var nested = JSONObject(lending: ())
        swap(&nested.bytes, &bytes)
        nested.bytes.append(UInt8(ascii: "{"))
        write(&nested)
        nested.bytes.append(UInt8(ascii: "}"))
        swap(&nested.bytes, &bytes)
    }

    private static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
        }
        let start = out.count
        var magnitude = value.magnitude
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        out[start...].reverse()
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
