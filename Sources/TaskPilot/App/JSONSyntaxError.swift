/// Where a JSON text stops being valid, by line and column (both from 1, columns in characters).
/// Foundation's parser says at best a byte offset on Linux, too little for an operator editing a file.
struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    let line: Int
    let column: Int
    let reason: String

    var description: String { "line \(line), column \(column): \(reason)" }

    /// The first syntax error in `text` (RFC 8259, with Foundation's leniencies: a byte order
    /// mark, trailing commas), or nil if it is valid JSON.
    static func first(in text: [UInt8]) -> JSONSyntaxError? {
        var scanner = Scanner(bytes: text)
        do {
            try scanner.document()
            return nil
        } catch {
            return error
        }
    }
}

/// A validating recursive-descent pass that builds nothing: it only has to find the first error.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0
    var depth = 0

    /// Foundation's own limit: a file it rejects for depth is reported, and the recursion is bounded.
    static let maxDepth = 512

    mutating func document() throws(JSONSyntaxError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // a UTF-8 byte order mark, as Foundation allows
        try value()
        skipWhitespace()
        if index < bytes.count {
            throw error("unexpected \(describe(bytes[index])) after the end of the JSON value")
        }
    }

    private mutating func value() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of file, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try container(closing: "}")
        case UInt8(ascii: "["): try container(closing: "]")
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case let byte: throw error("unexpected \(describe(byte)), expected a value")
        }
    }

    /// An object or an array: members (or values) separated by commas.
    private mutating func container(closing: Unicode.Scalar) throws(JSONSyntaxError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nested more than \(Self.maxDepth) levels deep") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: closing) {
            index += 1
            depth -= 1
            return
        }
        while true {
            if closing == "}" {
                try member()
            } else {
                try value()
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of file, expected ',' or '\(closing)'") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: closing) {
                    // Foundation accepts a trailing comma, so it is not the error being looked for.
                    index += 1
                    depth -= 1
                    return
                }
            case UInt8(ascii: closing):
                index += 1
                depth -= 1
                return
            case let byte:
                throw error("unexpected \(describe(byte)), expected ',' or '\(closing)'")
            }
        }
    }

    private mutating func member() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw error(index < bytes.count ? "unexpected \(describe(bytes[index])), expected a key in double quotes" : "unexpected end of file, expected a key")
        }
        try string()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
            throw error(index < bytes.count ? "unexpected \(describe(bytes[index])), expected ':' after the key" : "unexpected end of file, expected ':'")
        }
        index += 1
        try value()
    }

    private mutating func string() throws(JSONSyntaxError) {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                if bytes[index] == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        index += 1
                        guard index < bytes.count, bytes[index].isHexDigit else { throw error("\\u must be followed by four hex digits") }
                    }
                } else if !Array("\"\\/bfnrt".utf8).contains(bytes[index]) {
                    throw error("invalid escape \\\(describe(bytes[index]))")
                }
                index += 1
            case 0..<0x20:
                throw error(byte == UInt8(ascii: "\n") ? "unterminated string" : "control character in a string")
            default:
                index += 1
            }
        }
        throw error("unexpected end of file inside a string")
    }

    private mutating func number() throws(JSONSyntaxError) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        if peek(UInt8(ascii: "0")) {
            index += 1
        } else {
            try digits(after: "'-'")
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            try digits(after: "'.'")
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            try digits(after: "the exponent")
        }
    }

    private mutating func digits(after what: String) throws(JSONSyntaxError) {
        guard index < bytes.count, bytes[index].isDigit else { throw error("expected a digit after \(what)") }
        while index < bytes.count, bytes[index].isDigit { index += 1 }
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        guard bytes[index...].starts(with: word.utf8) else { throw error("unexpected text, expected \(word)") }
        index += word.utf8.count
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private func peek(_ byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    /// An error at the current position; UTF-8 continuation bytes do not count as columns.
    private func error(_ reason: String) -> JSONSyntaxError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONSyntaxError(line: line, column: column, reason: reason)
    }
}

private extension UInt8 {
    var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
    var isHexDigit: Bool { isDigit || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20) }
}
