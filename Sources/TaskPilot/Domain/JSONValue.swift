import Foundation

/// Any JSON value, decoded without guessing: lets request parsing say exactly which field
/// is missing or of the wrong type instead of a decoder's generic message.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

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
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw .invalid("Request body is not valid JSON")
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

    /// A positive 64-bit integer field; nil when absent or null.
    func positiveInt64(_ name: String) throws(TaskPilotError) -> Int64? {
        switch fields[name] {
        case nil, .null?: return nil
        case .integer(let value)? where value > 0: return value
        default: throw .invalid("\(name) must be a positive 64-bit integer")
        }
    }
}
