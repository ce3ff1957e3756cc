import ArgumentParser
import Driver

struct ListPassesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-passes", abstract: "List the passes a recipe can use, with their options and defaults.")

    func run() throws {
        print(ListPasses.text(), terminator: "")
    }
}
