#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import OrderedJSON

/// `log.format = json`: one JSON object a line on standard error (through `LogOutput`), for log
/// shippers.
/// Keys: `time` (ISO-8601 UTC), `level`, `label`, `message`, then the metadata's own keys,
/// sorted. Metadata values that are lists or dictionaries are written as their text.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object = JSONObject()
        object.add("time", Self.timestamp())
        object.add("level", event.level.rawValue)
        object.add("label", label)
        object.add("message", "\(event.message)")
        for (key, value) in TextLogHandler.merged(metadata, event.metadata) where !["time", "level", "label", "message"].contains(key) {
            object.add(key, value.description)
        }
        LogOutput.standardError.write(object.json + "\n", urgent: event.level >= .warning)
    }

    /// `2026-11-27T10:00:00.123Z` from the system clock, without a Foundation formatter.
    static func timestamp() -> String {
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
