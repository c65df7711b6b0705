import NIOCore

/// An event as the feed keeps it in memory: what a stream filters on, and where its SSE frame
/// lies in the one buffer framed for every event read with it. A thousand streams do not encode
/// an event a thousand times; a stream whose events lie in one such buffer writes a slice of it.
struct FramedEvent: Sendable {
    let id: Int64
    let webTaskId: Int64
    /// The frames of every event read with this one.
    private let shared: ByteBuffer
    /// The id of the first event in `shared`: which buffer this is.
    private let sharedBy: Int64
    private let offset: Int
    private let length: Int

    /// Frames `events` into one buffer that every element returned refers to.
    static func frame(_ events: [TaskEvent]) -> [FramedEvent] {
        guard let first = events.first?.id else { return [] }
        let frames = events.map(SSEFrame.event)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(frames.reduce(0) { $0 + $1.utf8.count })
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(events.count)
        for frame in frames {
            let start = buffer.writerIndex
            buffer.writeString(frame)
            ranges.append(start..<buffer.writerIndex)
        }
        return zip(events, ranges).map { event, range in
            FramedEvent(id: event.id, webTaskId: event.webTaskId, shared: buffer, sharedBy: first, offset: range.lowerBound, length: range.count)
        }
    }

    /// The frames of `events`, in order, for one write: a slice of their shared buffer when they
    /// lie next to each other in one, else copied together.
    static func frames(of events: some Sequence<FramedEvent>) -> ByteBuffer {
        let slices = slices(of: events)
        if slices.count == 1 { return slices[0] }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(slices.reduce(0) { $0 + $1.readableBytes })
        for slice in slices { buffer.writeImmutableBuffer(slice) }
        return buffer
    }

    /// One slice for each run of events that lie next to each other in the same buffer.
    private static func slices(of events: some Sequence<FramedEvent>) -> [ByteBuffer] {
        var slices: [ByteBuffer] = []
        var run: (event: FramedEvent, end: Int)?
        for event in events {
            if let current = run, current.event.sharedBy == event.sharedBy, current.end == event.offset {
                run?.end = event.offset + event.length
                continue
            }
            if let current = run { slices.append(current.event.slice(upTo: current.end)) }
            run = (event, event.offset + event.length)
        }
        if let current = run { slices.append(current.event.slice(upTo: current.end)) }
        return slices
    }

    /// This event's frame and those after it in the same buffer, up to `end`.
    private func slice(upTo end: Int) -> ByteBuffer {
        shared.getSlice(at: offset, length: end - offset)!
    }
}
