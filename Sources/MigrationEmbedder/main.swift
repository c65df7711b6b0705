import Foundation

// Usage: MigrationEmbedder OUTPUT.swift MIGRATION.sql...
// Writes a Swift file declaring `embeddedMigrations`: each file's version, name and exact text,
// in order. A file not named NNNN_name.sql, or a repeated version, fails the build.

func swiftLiteral(_ text: String) -> String {
    var literal = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": literal += "\\\\"
        case "\"": literal += "\\\""
        case "\n": literal += "\\n"
        case "\r": literal += "\\r"
        case "\t": literal += "\\t"
        case " "..."~": literal.unicodeScalars.append(scalar)
        default: literal += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    return literal + "\""
}

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: MigrationEmbedder OUTPUT.swift MIGRATION.sql...\n".utf8))
    exit(2)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

var source = "// Generated at build time from migrations/*.sql by the EmbedMigrations plugin.\n"
source += "let embeddedMigrations: [(version: Int, name: String, sql: String)] = [\n"
var versions: Set<Int> = []
for path in arguments.dropFirst() {
    let name = URL(fileURLWithPath: path).lastPathComponent
    let digits = name.prefix { $0.isASCII && $0.isNumber }
    guard digits.count == 4, name.dropFirst(4).first == "_", let version = Int(digits), version > 0 else {
        fail("\(path): a migration is named NNNN_name.sql with NNNN from 0001")
    }
    guard versions.insert(version).inserted else {
        fail("\(path): version \(version) is used by another migration")
    }
    let sql = try String(contentsOfFile: path, encoding: .utf8)
    source += "    (\(version), \(swiftLiteral(name)), \(swiftLiteral(sql))),\n"
}
source += "]\n"
try source.write(toFile: output, atomically: true, encoding: .utf8)
