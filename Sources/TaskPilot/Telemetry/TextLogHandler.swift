import Logging

/// `log.format = text` (the default): swift-log's `StreamLogHandler` line
/// (`2026-11-27T07:27:20+0000 info taskpilot: key=value [source] message`), written through
/// `LogOutput`'s buffer rather than one system call a line.
public struct TextLogHandler: LogHandler {
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
        let pairs = Self.merged(metadata, event.metadata)
        LogOutput.standardError.write(urgent: event.level >= .warning) { out, thread in
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
}
