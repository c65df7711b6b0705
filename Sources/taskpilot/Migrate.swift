import ArgumentParser
import TaskPilot

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let configuration = try await database.load()
        do {
            let (location, applied) = try await TaskPilotDatabase.migrate(configuration)
            print(applied.isEmpty
                ? "\(location): schema is current"
                : "\(location): applied migrations \(applied.map(String.init).joined(separator: ", "))")
        } catch let error as MigrationError {
            exitWithLine("taskpilot: \(error)")
        } catch let error as StartupError {
            exitWithLine("taskpilot: \(error)")
        }
    }
}
