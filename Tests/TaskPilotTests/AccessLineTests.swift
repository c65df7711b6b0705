import Logging
@testable import TaskPilot
import Testing

/// The access line's direct writer says exactly what the general one says with its fields.
@Suite struct AccessLineTests {
    @Test(arguments: [
        (0, Duration.zero, 200),
        (7, Duration.nanoseconds(999), 404),
        (15, Duration.microseconds(1_500), 201),
        (1_234_567, Duration.nanoseconds(12_345_678_901), 503),
    ])
    func theDirectLineIsTheGeneralOne(bytes: Int, duration: Duration, status: Int) {
        let access = AccessLine(
            method: "GET", path: "/api/tasks/42", route: "/api/tasks/{id}", status: status,
            duration: duration, bytes: bytes, requestId: "0af7651916cd43dd8448eb211c80319c"
        )
        var direct: [UInt8] = []
        access.appendText(label: "taskpilot", to: &direct)
        var general: [UInt8] = []
        TaskPilotLogHandler.appendText(
            level: .info, label: "taskpilot", pairs: TaskPilotLogHandler.merged([:], access.fields),
            source: AccessLine.source, message: access.message, to: &general
        )
        #expect(String(decoding: direct, as: UTF8.self) == String(decoding: general, as: UTF8.self))
    }

    @Test func aTextLineStaysOneLineWhateverItsValuesHold() {
        var line: [UInt8] = []
        TaskPilotLogHandler.appendText(
            level: .error, label: "taskpilot", pairs: [("error", "Page 7: bad\nPage 8:\tworse\r\u{1}")],
            source: "TaskPilot", message: "two\nlines", to: &line
        )
        #expect(String(decoding: line, as: UTF8.self) == #" error taskpilot: error=Page 7: bad\nPage 8:\tworse\r\x01 [TaskPilot] two\nlines"# + "\n")
    }
}
