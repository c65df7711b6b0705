import ServiceContextModule
import Synchronization

/// Who a request is, for logs, the command log and the DTP: its request id and its W3C trace
/// context (https://www.w3.org/TR/trace-context/). It travels in `ServiceContext.current`, so
/// that code far from the route (the gateway, the command log) finds it without a parameter
/// threaded through every layer.
public struct RequestTrace: Sendable, Equatable {
    /// The client's `X-Request-Id` when it was sane, else one TaskPilot made.
    public let requestId: String
    /// The caller's trace id, or the words of a new one: written out as hex only when a DTP
    /// call needs it, since most requests make none.
    private let trace: Trace
    /// The caller's trace flags (`01` sampled), kept as received.
    public let flags: String
    /// The caller's `tracestate`, passed on unchanged.
    public let traceState: String?

    private enum Trace: Sendable, Equatable {
        case continued(String)
        case started(UInt64, UInt64)
    }

    /// 32 lowercase hex digits: the caller's trace, or a new one.
    public var traceId: String {
        switch trace {
        case .continued(let id): id
        case .started(let high, let low): Self.hex(high) + Self.hex(low)
        }
    }

    /// A `traceparent` for one outgoing call: same trace, a new span id for the call. Written
    /// into one string of its 55 bytes (the trace id and flags were checked as hex of their
    /// lengths), where interpolating the parts made a string for each and grew the result.
    func childTraceParent() -> String {
        let span = IdSource.next()
        return String(unsafeUninitializedCapacity: 55) { buffer in
            var index = 0
            func put<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
                for byte in bytes where index < buffer.count {
                    buffer[index] = byte
                    index += 1
                }
            }
            put("00-".utf8)
            switch trace {
            case .continued(let id): put(id.utf8)
            case .started(let high, let low): put(Self.hexDigits(high)); put(Self.hexDigits(low))
            }
            put(CollectionOfOne(UInt8(ascii: "-")))
            put(Self.hexDigits(span))
            put(CollectionOfOne(UInt8(ascii: "-")))
            put(flags.utf8)
            return index
        }
    }

    /// Longest `X-Request-Id` taken from a client.
    static let maxRequestIdLength = 128

    /// The client's id when it is 1 to 128 visible ASCII characters, else a new one.
    static func requestId(from header: String?) -> String {
        if let header, !header.isEmpty, header.utf8.count <= maxRequestIdLength,
           header.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            return header
        }
        return newRequestId()
    }

    /// Continues a valid `traceparent` (version 00, or a later version read as 00 as the
    /// specification asks), or starts a new trace.
    init(requestIdHeader: String?, traceParent: String?, traceState: String?) {
        requestId = Self.requestId(from: requestIdHeader)
        if let parent = traceParent.flatMap(Self.parse) {
            trace = .continued(parent.traceId)
            flags = parent.flags
            self.traceState = traceState.flatMap { $0.isEmpty || $0.utf8.count > 512 ? nil : $0 }
        } else {
            trace = .started(IdSource.next(), IdSource.next())
            flags = "01"
            self.traceState = nil
        }
    }

    /// The trace id and flags of a well-formed `traceparent`, or nil.
    static func parse(_ header: String) -> (traceId: String, flags: String)? {
        let fields = header.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4,
              fields[0].count == 2, isLowerHex(fields[0]), fields[0] != "ff",
              fields[1].count == 32, isLowerHex(fields[1]), fields[1].contains(where: { $0 != "0" }),
              fields[2].count == 16, isLowerHex(fields[2]), fields[2].contains(where: { $0 != "0" }),
              fields[3].count == 2, isLowerHex(fields[3]),
              fields[0] != "00" || fields.count == 4
        else { return nil }
        return (String(fields[1]), String(fields[3]))
    }

    private static func isLowerHex(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// 32 hex digits, unique and hard to guess (not secret): see `IdSource`.
    static func newRequestId() -> String {
        hex(IdSource.next()) + hex(IdSource.next())
    }

    /// 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String {
        String(decoding: hexDigits(value), as: UTF8.self)
    }

    /// The 16 lowercase hex digits of `value`, most significant first, as bytes.
    private static func hexDigits(_ value: UInt64) -> some Collection<UInt8> {
        (0..<16).lazy.map { index in digits[Int((value >> (60 - 4 * UInt64(index))) & 0xF)] }
    }

    private static let digits = Array("0123456789abcdef".utf8)
}

/// Random-looking 64-bit words, cheap and safe from any thread: SplitMix64 over a per-process
/// random seed and a counter, instead of a `getrandom` system call for every id (5 % of the
/// constant route's time).
private enum IdSource {
    private static let seed = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(0)

    static func next() -> UInt64 {
        var z = seed &+ counter.add(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private enum RequestTraceKey: ServiceContextKey {
    typealias Value = RequestTrace
    static var nameOverride: String? { "taskpilot.request" }
}

extension ServiceContext {
    /// The request this task works for, if any (the watcher's calls have none).
    public var requestTrace: RequestTrace? {
        get { self[RequestTraceKey.self] }
        set { self[RequestTraceKey.self] = newValue }
    }
}

extension RequestTrace {
    /// The request the current task works for.
    static var current: RequestTrace? { ServiceContext.current?.requestTrace }
}
