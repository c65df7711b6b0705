import Foundation

// Usage: ResourceEmbedder OUTPUT.swift FILE...
// Writes a Swift file declaring `embeddedResources`: each file's name (without its folder) and
// exact text, in the order given, so that the binary carries them and needs no file beside it.

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
    FileHandle.standardError.write(Data("usage: ResourceEmbedder OUTPUT.swift FILE...\n".utf8))
    exit(2)
}

var source = "// Generated at build time by the EmbedResources plugin.\n"
source += "let embeddedResources: [(name: String, text: String)] = [\n"
for path in arguments.dropFirst() {
    let name = URL(fileURLWithPath: path).lastPathComponent
    let text = try String(contentsOfFile: path, encoding: .utf8)
    source += "    (\(swiftLiteral(name)), \(swiftLiteral(text))),\n"
}
source += "]\n"
try source.write(toFile: output, atomically: true, encoding: .utf8)
