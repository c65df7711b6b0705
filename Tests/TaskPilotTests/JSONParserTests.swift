@testable import TaskPilot
import Testing

/// Strings as the parser reads them: whole runs, escapes, and what it refuses.
@Suite struct JSONParserTests {
    func parsed(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test(arguments: [
        (#""""#, ""),
        (#""plain dëmo ✓""#, "plain dëmo ✓"),
        (#""a\"b\\c\/d\n\t\r\b\f""#, "a\"b\\c/d\n\t\r\u{08}\u{0C}"),
        (#""\u00e9\u0000x\ud83d\ude00y""#, "é\u{0}x😀y"),
        (#""\n""#, "\n"),
        (#""lead\u0041""#, "leadA"),
    ])
    func stringsReadAsWritten(json: String, text: String) throws {
        #expect(try parsed(json) == .string(text))
    }

    @Test func invalidTextInAStringIsRefused() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0x61, 0xC3, 0x28, 0x22]) }  // a broken 2-byte sequence
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) }  // after an escape
        #expect(throws: JSONParser.Failure.self) { try parsed("\"tab\there\"") }
        #expect(throws: JSONParser.Failure.self) { try parsed(#""\ud800""#) }
        #expect(throws: JSONParser.Failure.self) { try parsed(#""open"#) }
    }
}
