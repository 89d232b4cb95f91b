import Testing
import TestSupport

@Suite("precond-bench command line")
struct CommandLineTests {
  @Test("--help lists commands and exits 0; no command or an unknown one exits 64 with usage")
  func usage() throws {
    let help = try CommandRunner.run(["--help"])
    #expect(help.exitCode == 0)
    #expect(help.stdout.contains("COMMANDS:"))
    let none = try CommandRunner.run([])
    #expect(none.exitCode == 64)
    #expect(none.stderr.contains("USAGE"))
    let unknown = try CommandRunner.run(["frobnicate"])
    #expect(unknown.exitCode == 64)
    #expect(unknown.stderr.contains("unknown command 'frobnicate'"))
    let badOption = try CommandRunner.run(["version", "--bogus"])
    #expect(badOption.exitCode == 64)
    #expect(badOption.stderr.contains("unknown option --bogus"))
    let badThreads = try CommandRunner.run(["version", "--threads", "0"])
    #expect(badThreads.exitCode == 64)
  }
}
