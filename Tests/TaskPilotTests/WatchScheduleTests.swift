@testable import TaskPilot
import Testing

/// The watcher's timetable, kept compact: due order, rescheduling, removal and the backlog.
@Suite struct WatchScheduleTests {
    @Test func entriesComeDueInTimeOrderAndARescheduledOneOnlyAtItsNewTime() {
        var schedule = WatchSchedule()
        let now = ContinuousClock.now
        schedule.schedule(1, schedulerTaskId: 11, interval: .milliseconds(1000), at: now + .milliseconds(30))
        schedule.schedule(2, schedulerTaskId: 12, interval: .milliseconds(250), at: now + .milliseconds(10))
        schedule.schedule(3, schedulerTaskId: 13, interval: .seconds(30), at: now + .milliseconds(20))
        schedule.schedule(2, schedulerTaskId: 12, interval: .milliseconds(500), at: now + .milliseconds(40))
        schedule.remove(3)
        #expect(schedule.nextDue() == now + .milliseconds(30))
        #expect(schedule.takeDue(now: now + .milliseconds(29)) == nil)
        let first = schedule.takeDue(now: now + .seconds(1))
        #expect(first?.webTaskId == 1)
        #expect(first?.entry.schedulerTaskId == 11)
        #expect(first?.entry.interval == .milliseconds(1000))
        let second = schedule.takeDue(now: now + .seconds(1))
        #expect(second?.webTaskId == 2)
        #expect(second?.entry.interval == .milliseconds(500), "the rescheduled entry, once")
        #expect(schedule.takeDue(now: now + .seconds(1)) == nil)
        #expect(schedule.entries.count == 2, "taken entries stay watched until removed")
    }

    @Test func theBacklogCountsWhatIsOverdueAndTheLongestUnheard() async throws {
        var schedule = WatchSchedule()
        let start = ContinuousClock.now
        schedule.schedule(1, schedulerTaskId: 11, interval: .seconds(1), at: start)
        try await Task.sleep(for: .milliseconds(20))
        schedule.schedule(2, schedulerTaskId: 12, interval: .seconds(1), at: start + .seconds(60))
        // No answer: the execution is as old news as it was.
        schedule.schedule(1, schedulerTaskId: 11, interval: .seconds(1), at: start + .milliseconds(5), heard: false)
        let backlog = schedule.backlog(now: start + .seconds(1))
        #expect(backlog.watching == 2)
        #expect(backlog.overdue == 1)
        #expect(backlog.oldestUnheard >= .milliseconds(999) && backlog.oldestUnheard <= .seconds(1))
    }
}
