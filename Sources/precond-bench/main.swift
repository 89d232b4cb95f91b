import Foundation
import TensorCore

/// Entry point: global options, command dispatch, error reporting and exit codes.
func topLevelUsage() -> String {
  var lines = [
    "precond-bench: benchmarks preconditioning in consistency distillation, reproducibly.",
    "",
    "USAGE: precond-bench <command> [options]",
    "",
    "COMMANDS:",
  ]
  let width = (allCommands.map { $0.spec.name.count }.max() ?? 0) + 2
  for command in allCommands {
    lines.append("  " + command.spec.name.padding(toLength: width, withPad: " ", startingAt: 0) + command.spec.summary)
  }
  lines += [
    "",
    "GLOBAL OPTIONS:",
    "  --threads N   worker threads, 1...\(ThreadLimit.maximum) (default: PRECOND_BENCH_THREADS, else 1); more than the",
    "                machine's cores are capped to them with a note; results do not depend on it",
    "  --help        help for precond-bench or for a command",
  ]
  return lines.joined(separator: "\n")
}

func runMain() -> Int32 {
  var tokens = Array(CommandLine.arguments.dropFirst())
  do {
    // Global option: --threads N (anywhere), else PRECOND_BENCH_THREADS.
    var threads: Int? = nil
    if let env = ProcessInfo.processInfo.environment["PRECOND_BENCH_THREADS"], !env.isEmpty {
      threads = try ThreadLimit.parse(env, source: "PRECOND_BENCH_THREADS")
    }
    if let i = tokens.firstIndex(where: { $0 == "--threads" || $0.hasPrefix("--threads=") }) {
      let text: String
      if tokens[i] == "--threads" {
        guard i + 1 < tokens.count else { throw CommandFailure.usage("--threads needs a value") }
        text = tokens[i + 1]
        tokens.removeSubrange(i...(i + 1))
      } else {
        text = String(tokens[i].dropFirst("--threads=".count))
        tokens.remove(at: i)
      }
      threads = try ThreadLimit.parse(text, source: "--threads")
    }
    ComputeThreads.count = ThreadLimit.capped(threads ?? 1)
    MemoryPolicy.retainFreedMemory()

    let wantsHelp = tokens.contains("--help") || tokens.contains("-h")
    tokens.removeAll { $0 == "--help" || $0 == "-h" }
    guard !tokens.isEmpty, tokens[0] != "help" else {
      if tokens.isEmpty && !wantsHelp {
        Console.error(topLevelUsage())
        return ExitCode.usage.rawValue
      }
      Console.out(topLevelUsage())
      return ExitCode.ok.rawValue
    }
    // Longest command name that prefixes the tokens (commands may be two words: `dataset info`).
    let match = allCommands
      .filter { command in
        let words = command.spec.name.split(separator: " ").map(String.init)
        return tokens.count >= words.count && Array(tokens.prefix(words.count)) == words
      }
      .max { $0.spec.name.count < $1.spec.name.count }
    guard let command = match else {
      // A group word alone (`dataset`) lists its subcommands.
      let group = allCommands.filter { $0.spec.name.hasPrefix(tokens[0] + " ") }
      if !group.isEmpty {
        Console.error("precond-bench \(tokens[0]): choose a subcommand:\n" + group.map { "  \($0.spec.name)  \($0.spec.summary)" }.joined(separator: "\n"))
        return wantsHelp ? ExitCode.ok.rawValue : ExitCode.usage.rawValue
      }
      Console.error("precond-bench: unknown command '\(tokens[0])'\n\n" + topLevelUsage())
      return ExitCode.usage.rawValue
    }
    if wantsHelp {
      Console.out(command.spec.usage)
      return ExitCode.ok.rawValue
    }
    let words = command.spec.name.split(separator: " ").count
    let parsed = try ParsedArguments(command: "precond-bench " + command.spec.name, tokens: Array(tokens.dropFirst(words)), spec: command.spec)
    return try command.run(parsed).rawValue
  } catch {
    let failure = commandFailure(for: error)
    Console.error("error: " + failure.message)
    return failure.code.rawValue
  }
}

exit(runMain())
