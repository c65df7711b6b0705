/// A strict RFC 8259 parser that keeps what Foundation's loses: whether a number was written as
/// an integer (`5`, not `5.0` or `5e0`), whether an object names a key twice, and where a text
/// stops being JSON. Request bodies and the configuration file must each have one meaning.
struct JSONParser {
    struct Failure: Error, Equatable {
        enum Kind: Equatable {
            case syntax
            case duplicateKey(String)
            case tooDeep
        }

        let kind: Kind
        /// What was wrong, for example `unexpected '"', expected ',' or '}'`.
        let reason: String
        /// The byte offset where the text went wrong.
        let offset: Int

        /// Line and column of `offset` in `text`, both from 1; UTF-8 continuation bytes do not
        /// count as columns.
        func location(in text: some Collection<UInt8>) -> (line: Int, column: Int) {
            var line = 1
            var column = 1
            for byte in text.prefix(offset) {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            return (line, column)
        }
    }

    /// Nesting past this is refused rather than risking the stack on hostile input.
    static let maxDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    static func parse(_ input: some Collection<UInt8>) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: Array(input))
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        if let byte = parser.current {
            throw parser.failure("unexpected \(describe(byte)) after the end of the JSON value")
        }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func failure(_ reason: String, _ kind: Failure.Kind = .syntax) -> Failure {
        Failure(kind: kind, reason: reason, offset: index)
    }

    /// "unexpected 'x', expected …", or "unexpected end of file, expected …".
    private func unexpected(expected: String) -> Failure {
        failure("unexpected \(current.map(Self.describe) ?? "end of file"), expected \(expected)")
    }

    private static func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw failure("nested more than \(Self.maxDepth) levels deep", .tooDeep) }
            return current == UInt8(ascii: "{") ? try object(depth: depth) : try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case .some(let byte) where byte == UInt8(ascii: "-") || isDigit(byte):
            return try number()
        default:
            throw unexpected(expected: "a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let text = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes[index...].starts(with: text) else { throw failure("unexpected text, expected \(word)") }
        index += text.count
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        index += 1
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            let keyStart = index
            guard current == UInt8(ascii: "\"") else { throw unexpected(expected: "a key in double quotes") }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw unexpected(expected: "':' after the key") }
            index += 1
            let member = try value(depth: depth + 1)
            guard fields.updateValue(member, forKey: key) == nil else {
                throw Failure(kind: .duplicateKey(key), reason: "the key \"\(key)\" is named twice", offset: keyStart)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(fields)
            default: throw unexpected(expected: "',' or '}'")
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw unexpected(expected: "',' or ']'")
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; an integer only without the
    /// fraction and exponent parts, and only when it fits 64 bits.
    private mutating func number() throws(Failure) -> JSONValue {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            try digits(after: "'-'")
        }
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            try digits(after: "'.'")
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            try digits(after: "the exponent")
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int64(text) {
            return .integer(integer)
        }
        guard let number = Double(text) else { throw failure("\(text) is not a number") }
        return .number(number)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private mutating func digits(after what: String) throws(Failure) {
        guard let byte = current, isDigit(byte) else { throw failure("expected a digit after \(what)") }
        while let byte = current, isDigit(byte) { index += 1 }
    }

    private mutating func string() throws(Failure) -> String {
        index += 1
        // Most strings have no escape: then the text is their bytes, validated once.
        var text = ""
        var runStart = index
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                let run = try self.run(from: runStart)
                index += 1
                guard !text.isEmpty else { return run }
                return text + run
            case UInt8(ascii: "\\"):
                text += try run(from: runStart)
                index += 1
                text.unicodeScalars.append(try escape())
                runStart = index
            case 0x00..<0x20:
                throw failure(byte == UInt8(ascii: "\n") ? "unterminated string" : "control character in a string")
            default:
                index += 1
            }
        }
        throw failure("unexpected end of file inside a string")
    }

    /// The unescaped bytes from `start` to here, refusing invalid UTF-8.
    private func run(from start: Int) throws(Failure) -> String {
        guard start < index else { return "" }
        let run = bytes.withUnsafeBufferPointer { String(validating: UnsafeBufferPointer(rebasing: $0[start..<index]), as: UTF8.self) }
        guard let run else {
            throw Failure(kind: .syntax, reason: "invalid UTF-8 in a string", offset: start)
        }
        return run
    }

    private mutating func escape() throws(Failure) -> Unicode.Scalar {
        guard let byte = current else { throw failure("unexpected end of file inside a string") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hexUnit()
            if (0xD800..<0xDC00).contains(unit) {
                // A high surrogate must be followed by an escaped low one.
                guard bytes[index...].starts(with: "\\u".utf8) else { throw failure("\\u escapes a lone surrogate") }
                index += 2
                let low = try hexUnit()
                guard (0xDC00..<0xE000).contains(low),
                      let scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
                else { throw failure("\\u escapes a lone surrogate") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(UInt32(unit)) else { throw failure("\\u escapes a lone surrogate") }
            return scalar
        default:
            index -= 1
            throw failure("invalid escape \\\(Self.describe(byte))")
        }
    }

    private mutating func hexUnit() throws(Failure) -> UInt16 {
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let digit: UInt8
            switch current {
            case .some(let byte) where isDigit(byte): digit = byte - UInt8(ascii: "0")
            case .some(let byte) where (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20): digit = (byte | 0x20) - UInt8(ascii: "a") + 10
            default: throw failure("\\u must be followed by four hex digits")
            }
            unit = unit << 4 | UInt16(digit)
            index += 1
        }
        return unit
    }
}
