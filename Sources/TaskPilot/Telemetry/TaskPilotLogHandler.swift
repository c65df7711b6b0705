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
        let pairs = Self.merged(metadata, event.metadata)
        let urgent = event.level >= .warning
        switch format {
        case .text:
            LogOutput.standardError.write(urgent: urgent) { out, thread in
                out.append(contentsOf: thread.textTimestamp())
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: event.level.rawValue.utf8)
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: label.utf8)
                out.append(UInt8(ascii: ":"))
                for (key, value) in pairs {
                    out.append(UInt8(ascii: " "))
                    out.append(contentsOf: key.utf8)
                    out.append(UInt8(ascii: "="))
                    out.append(contentsOf: value.description.utf8)
                }
                out.append(contentsOf: " [".utf8)
                out.append(contentsOf: event.source.utf8)
                out.append(contentsOf: "] ".utf8)
                out.append(contentsOf: event.message.description.utf8)
                out.append(UInt8(ascii: "\n"))
            }
        case .json:
            var object = JSONObject()
            object.add("time", Self.jsonTimestamp())
            object.add("level", event.level.rawValue)
            object.add("label", label)
            object.add("message", "\(event.message)")
            for (key, value) in pairs where !["time", "level", "label", "message"].contains(key) {
                object.add(key, value.description)
            }
            LogOutput.standardError.write(object.json + "\n", urgent: urgent)
        }
    }

    /// The handler's metadata and the entry's (which wins), sorted by key. An array, not a
    /// merged dictionary: this runs for every access line.
    static func merged(_ handler: Logger.Metadata, _ entry: Logger.Metadata?) -> [(key: String, value: Logger.MetadataValue)] {
        var pairs: [(key: String, value: Logger.MetadataValue)] = []
        pairs.reserveCapacity(handler.count + (entry?.count ?? 0))
        for (key, value) in handler where entry?[key] == nil {
            pairs.append((key, value))
        }
        if let entry {
            for (key, value) in entry {
                pairs.append((key, value))
            }
        }
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
