import Logging

/// What one request's access line says: `METHOD path status` with its route, status, duration,
/// size and request id as fields.
struct AccessLine: Sendable {
    static let source = "TaskPilot"

    let method: String
    let path: String
    let route: String
    let status: Int
    let duration: Duration
    let bytes: Int
    let requestId: String

    var message: String { "\(method) \(path) \(status)" }

    /// The fields, sorted by key as `TaskPilotLogHandler.merged` expects an entry's.
    var fields: [(key: String, value: String)] {
        [
            ("bytes", String(bytes)), ("duration_ms", Self.milliseconds(duration)), ("request.id", requestId),
            ("route", route), ("status", String(status)),
        ]
    }

    /// The line after its timestamp, as `TaskPilotLogHandler.appendText` writes `fields` and
    /// `message` at `info`, with no string made on the way.
    func appendText(label: String, to out: inout [UInt8]) {
        out.append(contentsOf: " info ".utf8)
        out.append(contentsOf: label.utf8)
        out.append(contentsOf: ": bytes=".utf8)
        Self.appendDecimal(bytes, to: &out)
        out.append(contentsOf: " duration_ms=".utf8)
        let micros = Int(duration.nanoseconds / 1000)
        Self.appendDecimal(micros / 1000, to: &out)
        out.append(UInt8(ascii: "."))
        let fraction = micros % 1000
        out.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        out.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
        out.append(contentsOf: " request.id=".utf8)
        out.append(contentsOf: requestId.utf8)
        out.append(contentsOf: " route=".utf8)
        out.append(contentsOf: route.utf8)
        out.append(contentsOf: " status=".utf8)
        Self.appendDecimal(status, to: &out)
        out.append(contentsOf: " [TaskPilot] ".utf8)
        out.append(contentsOf: method.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: path.utf8)
        out.append(UInt8(ascii: " "))
        Self.appendDecimal(status, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// Milliseconds with three decimals, without Foundation's formatter.
    static func milliseconds(_ duration: Duration) -> String {
        let micros = duration.nanoseconds / 1000
        let fraction = String(micros % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        guard value >= 10 else {
            out.append(UInt8(ascii: "0") + UInt8(max(value, 0)))
            return
        }
        appendDecimal(value / 10, to: &out)
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
