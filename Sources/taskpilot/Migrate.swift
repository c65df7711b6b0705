import ArgumentParser
import TaskPilot

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let configuration = try await database.load()
        do {
            let (database, applied) = try await TaskPilotDatabase.open(path: configuration.databasePath)
            try await database.close()
            print(applied.isEmpty
                ? "\(configuration.databasePath): schema is current"
                : "\(configuration.databasePath): applied migrations \(applied.map(String.init).joined(separator: ", "))")
        } catch let error as MigrationError {
            exitWithLine("taskpilot: \(error)")
        } catch let error as StartupError {
            exitWithLine("taskpilot: \(error)")
        }
    }
}
