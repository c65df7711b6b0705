/// Any JSON value, as `JSONParser` reads it: lets request parsing say exactly which field is
/// missing or of the wrong type instead of a decoder's generic message.
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    /// A number written as an integer that fits 64 bits.
    case integer(Int64)
    /// Any other number (`5.0`, `1e2`, or too large for 64 bits).
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON type's name, for messages like "type must be a string, not a number".
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A request body that must be a JSON object; reads its fields with field-named errors.
struct JSONObjectBody {
    let fields: [String: JSONValue]

    /// Parses `bytes`; an empty body is an empty object when `emptyAllowed`.
    init(_ bytes: some Collection<UInt8>, emptyAllowed: Bool = false) throws(TaskPilotError) {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard emptyAllowed else { throw .invalid("Request body must be a JSON object") }
            self.fields = [:]
            return
        }
        let value: JSONValue
        do throws(JSONParser.Failure) {
            value = try JSONParser.parse(bytes)
        } catch {
            switch error.kind {
            case .duplicateKey(let key): throw .invalid("Request body names \"\(key)\" more than once")
            case .tooDeep: throw .invalid("Request body nests deeper than \(JSONParser.maxDepth) levels")
            case .syntax: throw .invalid("Request body is not valid JSON")
            }
        }
        guard case .object(let fields) = value else {
            throw .invalid("Request body must be a JSON object, not \(value.kind)")
        }
        self.fields = fields
    }

    /// A string field; nil when absent or null.
    func string(_ name: String) throws(TaskPilotError) -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw .invalid("\(name) must be a string, not \(other.kind)")
        }
    }

    /// A positive 64-bit integer field, written as a JSON integer (`5`, not `5.0` or `5e0`);
    /// nil when absent or null.
    func positiveInt64(_ name: String) throws(TaskPilotError) -> Int64? {
        switch fields[name] {
        case nil, .null?: return nil
        case .integer(let value)? where value > 0: return value
        default: throw .invalid("\(name) must be a positive 64-bit integer")
        }
    }
}
