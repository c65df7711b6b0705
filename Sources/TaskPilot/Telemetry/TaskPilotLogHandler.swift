#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import OrderedJSON

/// TaskPilot's log lines on standard error, written through `LogOutput`'s buffers.
///
/// - `text` (the default): swift-log's `StreamLogHandler` line,
///   `2026-11-27T07:27:20+0000 info taskpilot: key=value [source] message`.
/// - `json`: one object a line, for log shippers. Keys: `time` (ISO-8601 UTC), `level`, `label`,
///   `message`, then the metadata's own keys, sorted. Metadata values that are lists or
///   dictionaries are written as their text.
public struct TaskPilotLogHandler: LogHandler {
    public enum Format: Sendable {
        case text
        case json
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: Format

    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let pairs = Self.merged(metadata, event.metadata.map { entry in entry.map { (key: $0.key, value: $0.value.description) } } ?? [])
        write(level: event.level, message: event.message.description, pairs: pairs, source: event.source)
    }

    /// One request's access line, exactly as `log(event:)` writes
    /// `info("\(method) \(path) \(status)", metadata: ["route", "status", "duration_ms", "bytes", "request.id"], source: "TaskPilot")`.
    /// In text with no metadata of the handler's own (the usual case: it is most of what is
    /// logged), straight into the output buffer, without the event, its message, its fields'
    /// strings and their merged list for every request. The caller has checked the level, as
    /// swift-log would.
    func logAccess(_ access: AccessLine) {
        guard format == .text, metadata.keys.allSatisfy({ $0 == Self.hummingbirdRequestId }) else {
            write(level: .info, message: access.message, pairs: Self.merged(metadata, access.fields), source: AccessLine.source)
            return
        }
        LogOutput.standardError.write(urgent: false) { out, thread in
            out.append(contentsOf: thread.textTimestamp())
            access.appendText(label: label, to: &out)
        }
    }

    private func write(level: Logger.Level, message: String, pairs: [(key: String, value: String)], source: String) {
        let urgent = level >= .warning
        switch format {
        case .text:
            LogOutput.standardError.write(urgent: urgent) { out, thread in
                out.append(contentsOf: thread.textTimestamp())
                Self.appendText(level: level, label: label, pairs: pairs, source: source, message: message, to: &out)
            }
        case .json:
            var object = JSONObject()
            object.add("time", Self.jsonTimestamp())
            object.add("level", level.rawValue)
            object.add("label", label)
            object.add("message", message)
            for (key, value) in pairs where !Self.reservedJSONKeys.contains(key) {
                object.add(key, value)
            }
            LogOutput.standardError.write(object.json + "\n", urgent: urgent)
        }
    }

    /// A text line after its timestamp: ` level label: key=value… [source] message`.
    static func appendText(
        level: Logger.Level, label: String, pairs: [(key: String, value: String)], source: String, message: String, to out: inout [UInt8]
    ) {
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: level.rawValue.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: label.utf8)
        out.append(UInt8(ascii: ":"))
        for (key, value) in pairs {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: key.utf8)
            out.append(UInt8(ascii: "="))
            appendOnOneLine(value, to: &out)
        }
        out.append(contentsOf: " [".utf8)
        out.append(contentsOf: source.utf8)
        out.append(contentsOf: "] ".utf8)
        appendOnOneLine(message, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// `text` with its control characters escaped (`\n`, `\r`, `\t`, else `\xNN`): a line of the
    /// text log is one entry, whatever a DTP's message or SQLite's report holds.
    static func appendOnOneLine(_ text: String, to out: inout [UInt8]) {
        guard text.utf8.contains(where: { $0 < 0x20 }) else {
            out.append(contentsOf: text.utf8)
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
            case ..<0x20: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
    }

    private static let reservedJSONKeys: Set<String> = ["time", "level", "label", "message"]

    /// Hummingbird's own per-request counter, which TaskPilot's `request.id` replaces.
    static let hummingbirdRequestId = "hb.request.id"

    /// The handler's metadata and the entry's (which wins), sorted by key, as text. An array,
    /// not a merged dictionary: this runs for every access line.
    static func merged(_ handler: Logger.Metadata, _ entry: [(key: String, value: String)]) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        pairs.reserveCapacity(handler.count + entry.count)
        for (key, value) in handler where key != hummingbirdRequestId && !entry.contains(where: { $0.key == key }) {
            pairs.append((key, value.description))
        }
        pairs.append(contentsOf: entry)
        pairs.sort { $0.key < $1.key }
        return pairs
    }

    /// `2026-11-27T10:00:00.123Z` from the system clock, without a Foundation formatter.
    static func jsonTimestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }
}
