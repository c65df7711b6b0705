/// PostgreSQL's `text` cannot hold U+0000, which a DTP's own words may contain (`lastError`, a
/// refusal's message). Such text is stored with U+FFFD in its place: the client still gets the
/// DTP's answer byte for byte, and the record keeps everything else it said.
extension String {
    var storableInPostgres: String {
        guard utf8.contains(0) else { return self }
        return String(unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : Character($0) })
    }
}

extension Optional<String> {
    var storableInPostgres: String? { map(\.storableInPostgres) }
}

extension ExecutionObservation {
    var storableInPostgres: ExecutionObservation {
        var stored = self
        stored.status = status.storableInPostgres
        stored.retryState = retryState.storableInPostgres
        stored.lastError = lastError.storableInPostgres
        stored.schedulerUpdatedAt = schedulerUpdatedAt.storableInPostgres
        return stored
    }
}
