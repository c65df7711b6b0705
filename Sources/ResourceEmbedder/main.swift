import Foundation

// Usage: ResourceEmbedder OUTPUT.swift NAME FILE [NAME FILE]...
// Writes a Swift file declaring `embeddedResources`: each file's name as given and its exact
// text, in the order given, so that the binary carries them and needs no file beside it.

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
guard let output = arguments.first, arguments.count % 2 == 1 else {
    FileHandle.standardError.write(Data("usage: ResourceEmbedder OUTPUT.swift NAME FILE [NAME FILE]...\n".utf8))
    exit(2)
}

var source = "// Generated at build time by the EmbedResources plugin.\n"
source += "let embeddedResources: [(name: String, text: String)] = [\n"
let pairs = Array(arguments.dropFirst())
for (name, path) in stride(from: 0, to: pairs.count, by: 2).map({ (pairs[$0], pairs[$0 + 1]) }) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    source += "    (\(swiftLiteral(name)), \(swiftLiteral(text))),\n"
}
source += "]\n"
try source.write(toFile: output, atomically: true, encoding: .utf8)
